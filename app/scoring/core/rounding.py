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
    # repr() gives the shortest decimal that round-trips: 0.125 → "0.125",
    # and 2.675 (stored as 2.67499…) → "2.675", so the printed number is rounded
    return float(Decimal(repr(float(x))).quantize(_Q, rounding=ROUND_HALF_UP))


def fmt(x) -> str:
    """A number for an explanation: up to 4 decimals, no trailing zeros."""
    if x is None or (isinstance(x, float) and (math.isnan(x) or np.isnan(x))):
        return "—"
    s = f"{float(x):.4f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s
