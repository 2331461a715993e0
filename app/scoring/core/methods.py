"""The scoring methods (SPEC §3.2), vectorised over a population.

Each takes the leaf (points, params, direction) and a Series of values indexed
by unit — NaN where a unit is not applicable — and returns (score, coefficient,
tier, standards) as Series/dict. No loop over units.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

DEFAULT_COEFFS = {"efficacy2": [1.0, 0.8], "efficacy3": [1.0, 0.9, 0.8]}


def _safe_div(num, den):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den == 0, 0.0, num / np.where(den == 0, 1.0, den))


def efficacy(x: pd.Series, points: float, coefficients: list[float], lower: bool):
    """Two- or three-tier efficacy coefficient; NaN values (not applicable)
    are left out of the standards and get the top coefficient."""
    applicable = x.dropna()
    s = -1.0 if lower else 1.0
    v = s * x.to_numpy(dtype=float)
    hi = s * (applicable.min() if lower else applicable.max()) if len(applicable) else np.nan
    lo = s * (applicable.max() if lower else applicable.min()) if len(applicable) else np.nan
    standards = {"best": float(s * hi), "worst": float(s * lo)}
    if len(coefficients) == 2:
        c_s, c_b = coefficients
        span = hi - lo
        coef = np.where(span == 0, c_s, c_b + _safe_div(v - lo, span) * (c_s - c_b))
        tier = np.where(v == hi, "S", "B")
    else:
        c_s, c_a, c_b = coefficients
        md = s * float(applicable.median()) if len(applicable) else np.nan
        standards["median"] = float(s * md)
        upper = v >= md
        up = np.where(hi == md, c_s, c_a + _safe_div(v - md, hi - md) * (c_s - c_a))
        down = c_b + _safe_div(v - lo, md - lo) * (c_a - c_b)
        coef = np.where(upper, up, down)
        tier = np.where(v == hi, "S", np.where(upper, "A", "B"))
    na = np.isnan(v)
    coef = np.where(na, coefficients[0], coef)
    tier = np.where(na, "不适用", tier)
    return (pd.Series(points * coef, index=x.index), pd.Series(coef, index=x.index),
            pd.Series(tier, index=x.index), standards)


def rate(x: pd.Series, points: float, cap: float, lower: bool):
    r = x.clip(lower=0, upper=cap)
    coef = (1 - r) if lower else r
    coef = coef.fillna(1.0)  # not applicable: counts as met
    tier = pd.Series(np.where(x.isna(), "不适用", ""), index=x.index)
    return points * coef, coef, tier, {}


def buckets(x: pd.Series, table: list[list]):
    lows = [low for low, _ in table[:-1]]
    pts = [p for _, p in table]
    conds = [x >= low for low in lows]
    score = pd.Series(np.select(conds, pts[:-1], default=pts[-1]), index=x.index, dtype=float)
    tier = pd.Series(np.select(conds, [f"≥{lo:g}" for lo in lows], default="其他"),
                     index=x.index)
    return score, pd.Series(np.nan, index=x.index), tier, {}


def deduction(x: pd.Series, per_event: float):
    return -per_event * x, pd.Series(np.nan, index=x.index), pd.Series("", index=x.index), {}


def bonus(x: pd.Series, per_item: float):
    return per_item * x, pd.Series(np.nan, index=x.index), pd.Series("", index=x.index), {}


def target(x: pd.Series, t: float, missing_penalty: float, extra_bonus: float):
    score = pd.Series(np.where(x < t, -(t - x) * missing_penalty, (x - t) * extra_bonus),
                      index=x.index)
    tier = pd.Series(np.where(x < t, "未完成", "完成"), index=x.index)
    return score, pd.Series(np.nan, index=x.index), tier, {}


def entered(x: pd.Series, points: float, full: float):
    clipped = x.clip(lower=0, upper=full)
    return clipped * points / full, pd.Series(np.nan, index=x.index), \
        pd.Series("", index=x.index), {}
