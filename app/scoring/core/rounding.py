"""Rounding once, at the end, half up to two decimals (not banker's rounding)."""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd

_Q = Decimal("0.01")


def round2(x):
    """Half-up to two decimals; NaN stays NaN. Works on scalars and Series."""
    if isinstance(x, pd.Series):
        return x.map(round2).astype(float)
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return float("nan")
    # round(…, 9) removes binary noise from sums (1.005 × 3 = 3.0149999…),
    # repr() gives the shortest decimal that round-trips (2.675 → "2.675"),
    # then half up: 0.125 → 0.13, 3.015 → 3.02
    return float(Decimal(repr(round(float(x), 9))).quantize(_Q, rounding=ROUND_HALF_UP))


def fmt(x) -> str:
    """A number for an explanation: up to 4 decimals, no trailing zeros."""
    if x is None or (isinstance(x, float) and (math.isnan(x) or np.isnan(x))):
        return "—"
    s = f"{float(x):.4f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s
