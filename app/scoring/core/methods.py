"""The scoring methods (SPEC §3.2), vectorised over a population.

Each takes the leaf's parameters and a numpy array of values (one per unit;
NaN where a unit is not applicable) and returns (score, coefficient, tier,
standards) — arrays and a dict. No loop over units.
"""

from __future__ import annotations

import numpy as np

DEFAULT_COEFFS = {"efficacy2": [1.0, 0.8], "efficacy3": [1.0, 0.9, 0.8]}


def _div(num, den):
    """num / den where den ≠ 0, else 0 (the caller decides what a 0 divisor means)."""
    den = np.asarray(den, dtype=float)
    safe = np.where(den == 0, 1.0, den)
    return np.where(den == 0, 0.0, np.asarray(num, dtype=float) / safe)


def efficacy(x: np.ndarray, points: float, coefficients: list[float], lower: bool):
    """Two- or three-tier efficacy coefficient; NaN values (not applicable)
    are left out of the standards and get the top coefficient."""
    s = -1.0 if lower else 1.0
    v = s * x
    applicable = v[~np.isnan(v)]
    n = len(coefficients)
    if len(applicable):
        hi, lo = applicable.max(), applicable.min()
        md = float(np.median(applicable)) if n == 3 else None
    else:
        hi = lo = md = np.nan
    standards = {"best": float(s * hi), "worst": float(s * lo)}
    if n == 2:
        c_s, c_b = coefficients
        coef = np.where(hi == lo, c_s, c_b + _div(v - lo, hi - lo) * (c_s - c_b))
        tier = np.where(v == hi, "S", "B")
    else:
        c_s, c_a, c_b = coefficients
        standards["median"] = float(s * md)
        upper = v >= md
        up = np.where(hi == md, c_s, c_a + _div(v - md, hi - md) * (c_s - c_a))
        down = c_b + _div(v - lo, md - lo) * (c_a - c_b)
        coef = np.where(upper, up, down)
        tier = np.where(v == hi, "S", np.where(upper, "A", "B"))
    na = np.isnan(v)
    coef = np.where(na, coefficients[0], coef)
    tier = np.where(na, "不适用", tier)
    return points * coef, coef, tier, standards


def rate(x: np.ndarray, points: float, cap: float, lower: bool):
    r = np.clip(x, 0, cap)
    coef = (1 - r) if lower else r
    na = np.isnan(x)
    coef = np.where(na, 1.0, coef)  # not applicable: counts as met
    return points * coef, coef, np.where(na, "不适用", ""), {}


def buckets(x: np.ndarray, table: list[list]):
    lows = [low for low, _ in table[:-1]]
    pts = [p for _, p in table]
    conds = [x >= low for low in lows]
    score = np.select(conds, pts[:-1], default=pts[-1]).astype(float)
    tier = np.select(conds, [f"≥{lo:g}" for lo in lows], default="其他")
    return score, np.full(len(x), np.nan), tier, {}


def _plain(score, n):
    return score, np.full(n, np.nan), np.full(n, "", dtype=object), {}


def deduction(x: np.ndarray, per_event: float):
    return _plain(-per_event * x, len(x))


def bonus(x: np.ndarray, per_item: float):
    return _plain(per_item * x, len(x))


def target(x: np.ndarray, t: float, missing_penalty: float, extra_bonus: float):
    score = np.where(x < t, -(t - x) * missing_penalty, (x - t) * extra_bonus)
    return score, np.full(len(x), np.nan), np.where(x < t, "未完成", "完成"), {}


def entered(x: np.ndarray, points: float, full: float):
    return _plain(np.clip(x, 0, full) * points / full, len(x))
