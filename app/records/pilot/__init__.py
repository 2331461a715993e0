"""改革试点管理 (seed 001 四（二）): pilots created by a district, confirmed and
distributed by their supervising department, updated every quarter by every
involved district, and their achievements."""
