"""Scoring from files: a scheme YAML and a values CSV (``flask score file``)."""

from __future__ import annotations

import json

import pandas as pd

from app.scoring.core.engine import ScoreResult, ValuesError, score_scheme
from app.scoring.core.scheme import load_scheme


def read_values_csv(path) -> pd.DataFrame:
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise ValuesError([f"无法读取 CSV 文件：{exc}"]) from exc
    frame.columns = [c.strip() for c in frame.columns]
    unknown = set(frame.columns) - {"unit", "indicator", "value", "numerator", "denominator"}
    if unknown:
        raise ValuesError([f"无法识别的列「{c}」" for c in sorted(unknown)])
    frame = frame.replace({"": None})
    return frame


def result_rows(result: ScoreResult) -> list[dict]:
    """One row per unit: every indicator's score, total, rank, band."""
    rows = []
    wide = result.wide.sort_values(["rank", "total"], ascending=[True, False])
    codes = [i.code for i in result.scheme.walk()]
    for unit, r in wide.iterrows():
        row = {"unit": unit}
        for code in codes:
            v = r[code]
            row[code] = None if pd.isna(v) else float(v)
        row.update(total=float(r["total"]), rank=int(r["rank"]), band=r["band"],
                   complete=bool(r["complete"]))
        rows.append(row)
    return rows


def render(result: ScoreResult, fmt: str = "csv") -> str:
    rows = result_rows(result)
    if fmt == "json":
        return json.dumps({"scheme": result.scheme.code, "version": result.scheme.version,
                           "rows": rows, "warnings": result.warnings}, ensure_ascii=False,
                          indent=2)
    return pd.DataFrame(rows).to_csv(index=False, float_format="%.2f")


def score_file(scheme_path, values_path, fmt: str = "csv") -> str:
    scheme = load_scheme(str(scheme_path))
    values = read_values_csv(values_path)
    return render(score_scheme(scheme, values), fmt)
