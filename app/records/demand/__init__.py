"""改革需求 (reform demands): filed by a unit, reviewed by its reviewer and the reform office."""
