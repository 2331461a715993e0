"""Explanations: a structured record per score, its sentence, and
``recompute(record)``, which gives the score back from the record alone.

The formulas here work on one value; app/scoring/core/methods.py computes the
same formulas vectorised over a whole population. Tests check they agree.
"""

from __future__ import annotations

from app.scoring.core.rounding import fmt, round2


def efficacy_value(v: float, best: float, median: float | None, worst: float,
                   coefficients: list[float], lower: bool) -> tuple[float, str]:
    """(coefficient, tier) of the two- or three-tier efficacy method.

    ``best``/``worst`` are max/min (min/max when lower is better); values are
    mirrored so that "higher is better" holds inside."""
    s = -1.0 if lower else 1.0
    x, hi, lo = s * v, s * best, s * worst
    if len(coefficients) == 2:
        c_s, c_b = coefficients
        if hi == lo:
            return c_s, "S"
        return c_b + (x - lo) / (hi - lo) * (c_s - c_b), ("S" if x == hi else "B")
    c_s, c_a, c_b = coefficients
    md = s * median
    if x >= md:
        if hi == md:
            return c_s, "S"
        return c_a + (x - md) / (hi - md) * (c_s - c_a), ("S" if x == hi else "A")
    return c_b + (x - lo) / (md - lo) * (c_a - c_b), "B"


def recompute(rec: dict) -> float:
    """The score (rounded to two decimals) from a structured explanation."""
    return round2(recompute_raw(rec))


def recompute_raw(rec: dict) -> float:
    m, p, w = rec["method"], rec.get("params", {}), rec["points"]
    x = rec.get("x")
    if rec.get("status") in ("缺少数据",):
        return float("nan")
    if rec.get("status") == "不适用":
        return w * rec["coefficient"]
    if m in ("efficacy2", "efficacy3"):
        st = rec["standards"]
        coef, _ = efficacy_value(x, st["best"], st.get("median"), st["worst"],
                                 rec["coefficients"], rec.get("direction") == "lower")
        return w * coef
    if m == "rate":
        r = min(max(x, 0.0), p.get("cap", 1.0))
        return w * (1 - r if rec.get("direction") == "lower" else r)
    if m == "buckets":
        for low, pts in p["buckets"]:
            if low is None or x >= low:
                return float(pts)
    if m == "deduction":
        return -p["per_event"] * x
    if m == "bonus":
        return p["per_item"] * x
    if m == "target":
        t = p["target"]
        return -(t - x) * p["missing_penalty"] if x < t else (x - t) * p["extra_bonus"]
    if m == "entered":
        full = p.get("full", w)
        return min(max(x, 0.0), full) * w / full
    raise ValueError(f"unknown method {m}")


def sentence(rec: dict) -> str:
    """The working with the numbers put in, e.g.
    ``x=3 ≥ 中位值 2 → 25 × [0.9 + (3−2)/(7−2) × 0.1] = 23.00``."""
    m, w, x = rec["method"], rec["points"], rec.get("x")
    score = recompute(rec)
    res = f"{score:.2f}" if score == score else "—"
    if rec.get("status") == "缺少数据":
        return rec.get("reason") or "缺少数据"
    if rec.get("status") == "不适用":
        return f"分母为 0，不适用 → 按最高档 {fmt(w)} × {fmt(rec['coefficient'])} = {res}"
    W = fmt(w)
    if m in ("efficacy2", "efficacy3"):
        st, c = rec["standards"], rec["coefficients"]
        lower = rec.get("direction") == "lower"
        best, worst, med = st["best"], st["worst"], st.get("median")
        note = "（越低越好）" if lower else ""
        if len(c) == 2:
            if best == worst:
                return f"x={fmt(x)}，各单位数值相同{note} → {W} × {fmt(c[0])} = {res}"
            num = f"({fmt(worst)}−{fmt(x)})/({fmt(worst)}−{fmt(best)})" if lower \
                else f"({fmt(x)}−{fmt(worst)})/({fmt(best)}−{fmt(worst)})"
            return (f"x={fmt(x)}，最优 {fmt(best)}、最差 {fmt(worst)}{note} → "
                    f"{W} × [{fmt(c[1])} + {num} × {fmt(c[0] - c[1])}] = {res}")
        upper = (x <= med) if lower else (x >= med)
        rel = ("≤" if lower else "≥") if upper else ("＞" if lower else "＜")
        if upper:
            if best == med:
                return f"x={fmt(x)} {rel} 中位值 {fmt(med)}，中位值即最优值{note} → {W} × {fmt(c[0])} = {res}"
            num = f"({fmt(med)}−{fmt(x)})/({fmt(med)}−{fmt(best)})" if lower \
                else f"({fmt(x)}−{fmt(med)})/({fmt(best)}−{fmt(med)})"
            return (f"x={fmt(x)} {rel} 中位值 {fmt(med)}{note} → "
                    f"{W} × [{fmt(c[1])} + {num} × {fmt(c[0] - c[1])}] = {res}")
        num = f"({fmt(worst)}−{fmt(x)})/({fmt(worst)}−{fmt(med)})" if lower \
            else f"({fmt(x)}−{fmt(worst)})/({fmt(med)}−{fmt(worst)})"
        return (f"x={fmt(x)} {rel} 中位值 {fmt(med)}{note} → "
                f"{W} × [{fmt(c[2])} + {num} × {fmt(c[1] - c[2])}] = {res}")
    p = rec.get("params", {})
    if m == "rate":
        r = rec.get("rate_text") or fmt(x)
        if rec.get("direction") == "lower":
            return f"比率 {r}（越低越好）→ {W} × (1 − {fmt(min(max(x, 0), p.get('cap', 1)))}) = {res}"
        return f"比率 {r} → {W} × {fmt(min(max(x, 0), p.get('cap', 1)))} = {res}"
    if m == "buckets":
        return f"x={fmt(x)}，分档 {p['buckets']} → {res}"
    if m == "deduction":
        return f"{fmt(x)} 件 × −{fmt(p['per_event'])} = {res}"
    if m == "bonus":
        return f"{fmt(x)} 项 × {fmt(p['per_item'])} = {res}"
    if m == "target":
        t = p["target"]
        if x < t:
            return f"{fmt(x)} 项，少于目标 {fmt(t)} → −({fmt(t)}−{fmt(x)}) × {fmt(p['missing_penalty'])} = {res}"
        return f"{fmt(x)} 项，目标 {fmt(t)} → ({fmt(x)}−{fmt(t)}) × {fmt(p['extra_bonus'])} = {res}"
    if m == "entered":
        full = p.get("full", w)
        if full == w:
            return f"录入得分 {fmt(x)}（满分 {W}）= {res}"
        return f"录入得分 {fmt(x)}/{fmt(full)} × {W} = {res}"
    return res
