"""Registers the ``risk_incident`` scoring source (the screens come from the kit)."""

from __future__ import annotations


def register(appbuilder) -> None:
    import app.records.risk.sources  # noqa: F401 - registers the source
