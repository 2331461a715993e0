"""改革成效 (recognitions): national praise, city-wide promotion, central-media reports."""
