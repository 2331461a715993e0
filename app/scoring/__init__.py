"""Scoring: schemes as data, the pure core, collectors, CLI."""
