"""市对区考核 inside a district (seed 002)."""
