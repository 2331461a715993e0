"""The pure scoring core: no Flask, no database — schemes, methods, the
engine, explanations. Everything here takes and returns plain data and pandas
objects, so it can be tested and benchmarked on its own."""

from app.scoring.core.engine import ScoreResult, score_scheme
from app.scoring.core.explain import recompute
from app.scoring.core.rounding import round2
from app.scoring.core.scheme import (
    Indicator,
    Scheme,
    SchemeError,
    dump_scheme,
    load_scheme,
    validate_scheme,
)
from app.scoring.core.selfeval import self_evaluation

__all__ = [
    "Indicator", "Scheme", "SchemeError", "ScoreResult", "dump_scheme", "load_scheme",
    "recompute", "round2", "score_scheme", "self_evaluation", "validate_scheme",
]
