"""The pure scoring core: no Flask, no database — schemes, methods, the
engine, explanations. Everything here takes and returns plain data and pandas
objects, so it can be tested and benchmarked on its own.

The names below are loaded on first use, so that importing one module of the
core (e.g. ``app.scoring.core.scheme`` for the scheme screens) does not load
pandas and numpy into every web worker.
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "ScoreResult": "engine", "score_scheme": "engine", "recompute": "explain",
    "round2": "rounding", "Indicator": "scheme", "Scheme": "scheme", "SchemeError": "scheme",
    "dump_scheme": "scheme", "load_scheme": "scheme", "validate_scheme": "scheme",
    "self_evaluation": "selfeval",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
