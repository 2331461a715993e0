"""Rounding once, at the end, half up to two decimals (not banker's rounding)."""

from __future__ import annotations

import math
import sys



def _half_up(x: float) -> float:
    if x != x:  # NaN
        return x
    # round(…, 9) removes binary noise (1.005 × 3 = 3.0149999…, 2.675 = 2.67499…);
    # the tiny epsilon then makes exact halves go up: 0.125 → 0.13, 2.675 → 2.68
    y = round(x, 9)
    r = math.floor(abs(y) * 100 + 0.5 + 1e-7) / 100
    return math.copysign(r, y) if r else 0.0


def round2(x):
    """Half-up to two decimals, once, at the end; NaN stays NaN.
    Works on scalars and Series (element by element, the same function)."""
    pd = sys.modules.get("pandas")  # a Series can only exist once pandas is loaded
    if pd is not None and isinstance(x, pd.Series):
        return pd.Series([_half_up(v) for v in x.to_numpy(dtype=float)], index=x.index,
                         dtype=float)
    if x is None:
        return float("nan")
    return _half_up(float(x))


def fmt(x) -> str:
    """A number for an explanation: up to 4 decimals, no trailing zeros."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    s = f"{float(x):.4f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s
