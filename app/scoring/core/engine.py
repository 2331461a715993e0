"""The engine: a scheme and a table of values in; per unit and indicator the
value, score, tier and explanation out, then totals, ranks and bands.

Values: a DataFrame with columns ``unit, indicator, value`` and optionally
``numerator, denominator`` (value = numerator / denominator when the value is
empty; a zero denominator means "not applicable").
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from app.errors import BadInput
from app.scoring.core import methods as M
from app.scoring.core.explain import sentence
from app.scoring.core.rounding import round2
from app.scoring.core.scheme import ADJUSTMENTS, Indicator, Scheme, SchemeError

BAND_NAMES = ["深绿", "绿", "黄", "橙", "红"]
BAND_COLOURS = ["#1a7f37", "#57b65f", "#f2c94c", "#f2994a", "#d64541"]


class ValuesError(BadInput, ValueError):
    """A values table that cannot be scored; ``messages`` lists every bad row
    and column (Chinese) (also a ValueError, as before)."""

    def __init__(self, messages: list[str]):
        self.messages = list(messages)
        super().__init__("数据有误：\n" + "\n".join(self.messages), messages=self.messages)


@dataclass
class ScoreResult:
    scheme: Scheme
    units: list
    long: pd.DataFrame  # unit, indicator, value, score_raw, score, tier, status, explanation, record
    wide: pd.DataFrame  # index unit; a column per indicator (rounded), total, rank, band, colour
    warnings: list[str] = field(default_factory=list)
    missing: dict[str, str] = field(default_factory=dict)  # leaf → reason (no data at all)

    def record(self, unit, indicator) -> dict:
        row = self.long[(self.long.unit == unit) & (self.long.indicator == indicator)]
        return row.iloc[0]["record"]


def _values_for(leaf: Indicator, pos: np.ndarray | None, cols: dict[str, np.ndarray],
                n: int) -> tuple[np.ndarray, np.ndarray]:
    """(x per unit — NaN where not applicable, present-mask per unit).

    ``pos``: the row numbers of this leaf's values; ``cols``: the value,
    numerator, denominator and unit-position columns of the whole table."""
    x = np.full(n, np.nan)
    num = np.full(n, np.nan)
    den = np.full(n, np.nan)
    if pos is not None:
        at = cols["at"][pos]
        keep = at >= 0  # values of units outside the population are ignored
        at, pos = at[keep], pos[keep]
        x[at], num[at], den[at] = cols["value"][pos], cols["numerator"][pos], \
            cols["denominator"][pos]
    present = ~np.isnan(x)
    has_ratio = ~np.isnan(num) & ~np.isnan(den)
    ratio = _ratio(num, den)
    x = np.where(np.isnan(x) & has_ratio, ratio, x)
    present = present | has_ratio
    # a zero denominator: not applicable. na=full counts it as 100 % (and it
    # takes part in the standards); otherwise it stays NaN: left out of the
    # standards and given the top coefficient (no obligation, no deduction)
    if leaf.params.get("na") == "full":
        x = np.where(has_ratio & (den == 0), 1.0, x)
    if leaf.missing == "zero":
        x = np.where(present, x, 0.0)
        present = np.ones(n, dtype=bool)
    return x, present


def _ratio(num, den):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den == 0, np.nan, num / np.where(den == 0, 1.0, den))


def _score_leaf(leaf: Indicator, x: pd.Series):
    p, m, lower = leaf.params, leaf.method, leaf.direction == "lower"
    if m in ("efficacy2", "efficacy3"):
        coeffs = list(p.get("coefficients") or M.DEFAULT_COEFFS[m])
        return M.efficacy(x, leaf.points, coeffs, lower), coeffs
    if m == "rate":
        return M.rate(x, leaf.points, float(p.get("cap", 1.0)), lower), None
    if m == "buckets":
        return M.buckets(x, p["buckets"]), None
    if m == "deduction":
        return M.deduction(x, float(p["per_event"])), None
    if m == "bonus":
        return M.bonus(x, float(p["per_item"])), None
    if m == "target":
        return M.target(x, float(p["target"]), float(p["missing_penalty"]),
                        float(p["extra_bonus"])), None
    if m == "entered":
        return M.entered(x, leaf.points, float(p.get("full", leaf.points))), None
    raise SchemeError([f"指标 {leaf.code}：未知的计分方法 {m}"])


def check_values(scheme: Scheme, values: pd.DataFrame) -> pd.DataFrame:
    """Normalise the values table; ValuesError lists every bad row and column."""
    errors = []
    for col in ("unit", "indicator"):
        if col not in values.columns:
            errors.append(f"缺少列「{col}」")
    if "value" not in values.columns and not {"numerator", "denominator"} <= set(values.columns):
        errors.append("缺少列「value」（或 numerator 与 denominator）")
    if errors:
        raise ValuesError(errors)
    values = values.copy()
    for col in ("value", "numerator", "denominator"):
        if col not in values.columns:
            values[col] = np.nan
        converted = pd.to_numeric(values[col], errors="coerce")
        bad = converted.isna() & values[col].notna() & (values[col].astype(str).str.strip() != "")
        for idx in values.index[bad]:
            errors.append(f"第 {idx + 2} 行「{col}」：“{values.at[idx, col]}”不是数字")
        values[col] = converted
    leaves = {leaf.code for leaf in scheme.leaves()}
    for idx in values.index[~values.indicator.astype(str).isin(leaves)]:
        errors.append(f"第 {idx + 2} 行「indicator」：指标体系中没有末级指标“{values.at[idx, 'indicator']}”")
    if errors:
        raise ValuesError(errors)
    values["indicator"] = values["indicator"].astype(str)
    return values


def score_scheme(scheme: Scheme, values: pd.DataFrame, units: list | None = None,
                 missing_reasons: dict[str, str] | None = None) -> ScoreResult:
    values = check_values(scheme, values)
    if units is None:
        units = list(dict.fromkeys(values["unit"].tolist()))
    units = list(units)
    warnings: list[str] = []
    missing: dict[str, str] = {}
    long_parts = []
    leaf_scores: dict[str, pd.Series] = {}
    n = len(units)
    cols = {c: values[c].to_numpy(dtype=float) for c in ("value", "numerator", "denominator")}
    cols["at"] = pd.Index(units).get_indexer(values["unit"])
    by_leaf = values.groupby("indicator", sort=False).indices
    for leaf in scheme.leaves():
        x, present = _values_for(leaf, by_leaf.get(leaf.code), cols, n)
        reason = (missing_reasons or {}).get(leaf.code)
        if reason or not present.any():
            missing[leaf.code] = reason or "缺少数据"
            warnings.append(f"指标 {leaf.code}（{leaf.name}）：{missing[leaf.code]}，未计分")
        (score, coef, tier, standards), coeffs = _score_leaf(leaf, np.where(present, x, np.nan))
        score = np.where(present & (leaf.code not in missing), score, np.nan)
        if leaf.method == "entered":
            full = float(leaf.params.get("full", leaf.points))
            for i in np.flatnonzero((x < 0) | (x > full)):
                warnings.append(f"指标 {leaf.code}：{units[i]} 录入得分 {x[i]:g} 超出 0–{full:g}，已按边界计")
        leaf_scores[leaf.code] = pd.Series(score, index=units)
        status = np.where(~present | (leaf.code in missing), "缺少数据",
                          np.where(tier == "不适用", "不适用", "已计分"))
        base = {"method": leaf.method, "points": leaf.points, "params": leaf.params,
                "direction": leaf.direction, "standards": standards, "coefficients": coeffs}
        records = []
        for unit, xv, t, c, st in zip(units, x, tier, coef, status):
            rec = dict(base, unit=unit, indicator=leaf.code, x=None if np.isnan(xv) else float(xv),
                       tier=t, coefficient=None if np.isnan(c) else float(c), status=st)
            if st == "缺少数据":
                rec["reason"] = missing.get(leaf.code, "缺少数据")
            records.append(rec)
        long_parts.append((leaf.code, x, score, tier, status, records))
    long = pd.DataFrame({
        "unit": [u for _ in long_parts for u in units],
        "indicator": [code for code, *_ in long_parts for _ in units],
        "value": np.concatenate([p[1] for p in long_parts]) if long_parts else [],
        "score_raw": np.concatenate([p[2] for p in long_parts]) if long_parts else [],
        "tier": np.concatenate([np.asarray(p[3], dtype=object) for p in long_parts])
        if long_parts else [],
        "status": np.concatenate([p[4] for p in long_parts]) if long_parts else [],
        "record": [r for p in long_parts for r in p[5]],
    })
    for rec, s in zip(long["record"], long["score_raw"]):
        rec["result"] = None if np.isnan(s) else round2(s)
    long["score"] = round2(long["score_raw"]) if len(long) else long["score_raw"]
    long["explanation"] = [sentence(r) for r in long["record"]]

    # the tree: a parent is the weighted sum of its children; adjustments
    # (deductions, bonuses, target penalties) are added after the weighted sum
    node_scores: dict[str, pd.Series] = dict(leaf_scores)

    def node(ind: Indicator) -> pd.Series:
        if ind.is_leaf:
            return node_scores[ind.code]
        parts = pd.DataFrame({
            child.code: node(child) * (1.0 if child.method in ADJUSTMENTS else child.weight)
            for child in ind.children
        }, index=units)
        # a parent none of whose children could be scored is empty, not 0
        total = parts.sum(axis=1, min_count=1)
        node_scores[ind.code] = total
        return total

    total = pd.Series(0.0, index=units)
    for top in scheme.indicators:
        s = node(top).fillna(0.0)
        total = total + (s if top.method in ADJUSTMENTS else s * top.weight)

    wide = pd.DataFrame({code: round2(s) for code, s in node_scores.items()}, index=units)
    ordered = [i.code for i in scheme.walk()]
    wide = wide[ordered]
    wide["total"] = round2(total)
    wide["rank"] = wide["total"].rank(method="min", ascending=False).astype(int)
    incomplete = long[long.status == "缺少数据"].groupby("unit")["indicator"].apply(list)
    wide["complete"] = [u not in incomplete.index for u in units]
    band_idx = assign_bands(wide["rank"], wide["total"], scheme.bands)
    wide["band"] = [BAND_NAMES[i] for i in band_idx]
    wide["colour"] = [BAND_COLOURS[i] for i in band_idx]
    wide.index.name = "unit"
    return ScoreResult(scheme, units, long, wide, warnings, missing)


def assign_bands(rank: pd.Series, total: pd.Series, bands: dict | None) -> list[int]:
    """Band 0 (深绿) … 4 (红). Default: rank quintiles; or ``{method: threshold,
    thresholds: [t1, t2, t3, t4]}`` on the total, from high to low."""
    bands = bands or {}
    if bands.get("method") == "threshold":
        t = bands["thresholds"]
        return [sum(1 for limit in t if v < limit) for v in total]
    n = len(rank)
    return [min(4, int((r - 1) * 5 // n)) for r in rank] if n else []
