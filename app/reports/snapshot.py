"""A snapshot's inputs and result as canonical JSON — pure: no Flask, no database.

``build_result(inputs)`` scores the stored inputs with the pure scoring core
and shapes the result; generating a report and verifying one both go through
it, so a snapshot nobody touched always verifies.

Inputs (format 1)::

    scheme      the scheme definition (app.scoring.core.scheme.scheme_to_dict)
    scheme_ref  {code, version}: the stored scheme row
    period      e.g. "2024Q1";  as_of: the moment the approved data was collected
    units       [{id, code, name, region}] in the scheme's unit order
    values      [[unit id, leaf code, value, numerator, denominator]]
    missing     {leaf code: why it has no data source}
    links       {unit id: {leaf code: [SourceLink.to_dict()]}}
    records     {unit id: {leaf code: [{role, type, ids: [record id …], versions: [version …]}]}}
                (one entry per link, ids ascending)
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from app.scoring.core.engine import BAND_COLOURS, BAND_NAMES, score_scheme
from app.scoring.core.scheme import ADJUSTMENTS, METHOD_LABELS, scheme_from_dict

FORMAT = 1


def plain(value):
    """A JSON-safe Python value: numpy scalars unwrapped, NaN → None (for the
    small structures built from pandas; the record-id lists are plain already)."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if value is pd.NA or value is pd.NaT:
        return None
    return value


def score_inputs(inputs: dict):
    """The pure core's ScoreResult for stored inputs (units named by unit name)."""
    scheme = scheme_from_dict(inputs["scheme"])
    names = {u["id"]: u["name"] for u in inputs["units"]}
    frame = pd.DataFrame(inputs["values"],
                         columns=["unit", "indicator", "value", "numerator", "denominator"])
    frame["unit"] = frame["unit"].map(names)
    return score_scheme(scheme, frame, units=[u["name"] for u in inputs["units"]],
                        missing_reasons=dict(inputs.get("missing") or {}))


def _indicators(scheme) -> list[dict]:
    rows = []

    def walk(ind, parent, depth):
        rows.append({
            "code": ind.code, "name": ind.name, "points": ind.points, "weight": ind.weight,
            "parent": parent, "depth": depth, "leaf": ind.is_leaf,
            "method": ind.method, "method_label": METHOD_LABELS.get(ind.method or "", ""),
            "adjustment": ind.method in ADJUSTMENTS, "rule_text": ind.rule_text,
        })
        for child in ind.children:
            walk(child, ind.code, depth + 1)

    for top in scheme.indicators:
        walk(top, None, 0)
    return rows


def bands_legend(bands: dict | None, n_units: int) -> list[dict]:
    """[{name, colour, rule}] for the five bands, from the scheme's band rule."""
    bands = bands or {}
    out = []
    if bands.get("method") == "threshold":
        t = list(bands["thresholds"])
        for i, (name, colour) in enumerate(zip(BAND_NAMES, BAND_COLOURS)):
            if i == 0:
                rule = f"总分 ≥ {t[0]:g}"
            elif i == len(t):
                rule = f"总分 < {t[-1]:g}"
            else:
                rule = f"{t[i]:g} ≤ 总分 < {t[i - 1]:g}"
            out.append({"name": name, "colour": colour, "rule": rule})
        return out
    for i, (name, colour) in enumerate(zip(BAND_NAMES, BAND_COLOURS)):
        ranks = [r for r in range(1, n_units + 1) if min(4, (r - 1) * 5 // n_units) == i]
        rule = f"第 {ranks[0]}–{ranks[-1]} 名" if ranks else "无"
        if ranks and ranks[0] == ranks[-1]:
            rule = f"第 {ranks[0]} 名"
        out.append({"name": name, "colour": colour, "rule": rule})
    return out


def build_result(inputs: dict) -> dict:
    """The result of a snapshot: per unit total, rank, band and every
    indicator's score; per unit and leaf the value, score, tier, explanation,
    links to the records and how many records were behind it."""
    scored = score_inputs(inputs)
    scheme = scored.scheme
    indicators = _indicators(scheme)
    codes = [i["code"] for i in indicators]
    wide = scored.wide
    order = {u["id"]: n for n, u in enumerate(inputs["units"])}
    units = []
    for u in inputs["units"]:
        row = wide.loc[u["name"]]
        units.append({
            "id": u["id"], "code": u["code"], "name": u["name"], "region": u.get("region"),
            "total": plain(float(row["total"])), "rank": int(row["rank"]),
            "band": str(row["band"]), "colour": str(row["colour"]),
            "complete": bool(row["complete"]),
            "scores": {c: plain(float(row[c])) for c in codes},
        })
    units.sort(key=lambda u: (u["rank"], order[u["id"]]))
    by_name = {u["name"]: u["id"] for u in inputs["units"]}
    links = inputs.get("links") or {}
    records = inputs.get("records") or {}
    cells: dict[str, dict] = {}
    for rec, value, score, tier, status, explanation in zip(
            scored.long["record"], scored.long["value"], scored.long["score"],
            scored.long["tier"], scored.long["status"], scored.long["explanation"]):
        uid = str(by_name[rec["unit"]])
        leaf = rec["indicator"]
        behind = records.get(uid, {}).get(leaf, [])
        cells.setdefault(uid, {})[leaf] = {
            "value": plain(value), "score": plain(score),
            "tier": plain(tier) if tier not in ("", None) else None,
            "status": str(status), "explanation": str(explanation),
            "standards": plain(rec.get("standards") or {}),
            "links": links.get(uid, {}).get(leaf, []),
            "record_count": sum(len(b["ids"]) for b in behind if b.get("role") != "denominator"),
        }
    return plain({
        "format": FORMAT,
        "scheme": {"code": scheme.code, "name": scheme.name, "report_type": scheme.report_type,
                   "year": scheme.version, "version": inputs["scheme_ref"]["version"],
                   "unit_kind": scheme.unit_kind, "total_points": scheme.total_points},
        "period": inputs["period"],
        "as_of": inputs["as_of"],
        "indicators": indicators,
        "top": [i.code for i in scheme.indicators],
        "units": units,
        "cells": cells,
        "bands": bands_legend(scheme.bands, len(units)),
        "warnings": list(scored.warnings),
        "missing": dict(scored.missing),
    })


def describe_differences(expected: dict, stored: dict, limit: int = 10) -> list[str]:
    """Chinese lines naming where a stored result differs from the recomputed one."""
    lines: list[str] = []
    exp_units = {u["id"]: u for u in expected.get("units", [])}
    got_units = {u["id"]: u for u in stored.get("units", []) if isinstance(u, dict)}
    labels = {"total": "总分", "rank": "排名", "band": "档次"}
    for uid, e in exp_units.items():
        g = got_units.get(uid)
        if g is None:
            lines.append(f"{e['name']}：结果中缺少该单位")
            continue
        for key, label in labels.items():
            if e.get(key) != g.get(key):
                lines.append(f"{e['name']}：{label}记录为 {_show(g.get(key))}，"
                             f"按输入重算为 {_show(e.get(key))}")
        for code, score in e["scores"].items():
            if (g.get("scores") or {}).get(code) != score:
                lines.append(f"{e['name']}：指标 {code} 得分记录为 "
                             f"{_show((g.get('scores') or {}).get(code))}，按输入重算为 {_show(score)}")
    for uid in set(got_units) - set(exp_units):
        lines.append(f"{got_units[uid].get('name', uid)}：结果中多出该单位")
    exp_cells, got_cells = expected.get("cells", {}), stored.get("cells", {})
    for uid, leaves in exp_cells.items():
        for code, cell in leaves.items():
            other = (got_cells.get(uid) or {}).get(code)
            if other != cell:
                name = exp_units.get(int(uid), {}).get("name", uid)
                lines.append(f"{name}：指标 {code} 的计分明细与按输入重算的不一致")
    if not lines:
        lines.append("结果的其他内容（指标、说明或提示）与按输入重算的不一致")
    if len(lines) > limit:
        lines = lines[:limit] + [f"……另有 {len(lines) - limit} 处不一致"]
    return lines


def _show(value) -> str:
    if value is None:
        return "空"
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)
