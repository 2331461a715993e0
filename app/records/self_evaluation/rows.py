"""The child rows of a self-evaluation (seed 003): the budget block (资金情况)
and the indicator rows (绩效指标), read from what a clerk typed, checked cell
by cell, and scored.

What is computed is computed by ONE function, the scoring core's
:func:`app.scoring.core.selfeval.self_evaluation` (SPEC §3.4): the execution
rate and its score, each row's 偏离度, 得分系数 and 指标得分, the total with its
cap and the data-quality warnings. This module only reads the typed cells into
numbers (with a Chinese message naming the row and the column when one cannot
be read) and hands the clean rows to that function; the form's script asks
for the same result through ``/selfevaluation/score``, the record page, the
PDF and the stored totals use it too.

Rows travel as JSON (a list of objects) in the record's two text fields, so
that the kit's form, REST API, locks and history carry them unchanged.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass

from app.scoring.core.selfeval import NATURES, QUALITATIVE, SelfEvalError, self_evaluation

# -- the budget block ------------------------------------------------------------------

TOTAL = "年度总金额"
FISCAL = "财政拨款"  # 其中：财政拨款 — the row whose execution rate is scored
FISCAL_PARTS = ("一般公共预算", "政府性基金预算", "国有资本经营预算")  # 财政拨款's parts
FUND_KINDS = (TOTAL, FISCAL, *FISCAL_PARTS, "上年结转资金", "其他资金")
FUND_LABELS = {FISCAL: "其中：财政拨款"}  # as the seed prints it
FUND_COLUMNS = {
    "kind": "资金类别",
    "initial": "年初预算数（万元）",
    "adjusted": "全年（调整）预算数（万元）",
    "executed": "全年执行数（万元）",
}
EXECUTION_WEIGHT = 10.0  # 执行率权重 (seed 003; dept_self_eval.yaml E1)
FULL_SCORE = 100.0

# -- the indicator rows ----------------------------------------------------------------

QUALITATIVE_NATURE = "定性"
NATURE_ALIASES = {">=": "≥", "<=": "≤", "＞": ">", "＜": "<", "＝": "=", "==": "="}
CORE_FLAGS = ("是", "否")
QUALITATIVE_HINT = "达成、部分达成 或 未达成（也可填 达标、未达标、是、否、1、0）"
INDICATOR_COLUMNS = {
    "name": "指标名称",
    "unit": "计量单位",
    "nature": "指标性质",
    "target": "指标值",
    "actual": "全年完成值",
    "weight": "指标权重",
    "core": "是否核心指标",
    "note": "说明",
}
MAX_LENGTHS = {"name": 200, "unit": 20, "target": 50, "actual": 50, "core": 2, "note": 500}
MAX_FUND_ROWS = 10
MAX_INDICATOR_ROWS = 60
TABLES = {"budget": "资金情况", "indicators": "绩效指标"}


@dataclass(frozen=True)
class CellError:
    """One problem, placed: the table (budget / indicators), the 1-based row
    and the column key (None for the table as a whole)."""

    table: str
    row: int | None
    column: str | None
    message: str

    def as_dict(self) -> dict:
        return asdict(self)


def _cell_error(table: str, n: int | None, column: str | None, problem: str) -> CellError:
    columns = FUND_COLUMNS if table == "budget" else INDICATOR_COLUMNS
    where = TABLES[table]
    if n is not None:
        where += f"第 {n} 行"
    if column is not None:
        where += f"“{columns[column]}”"
    return CellError(table, n, column, f"{where}：{problem}")


def load_rows(raw) -> list | None:
    """The rows as a list (from a list, or the JSON text of one); None when
    ``raw`` is neither."""
    if raw is None or raw == "":
        return []
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            return None
    return raw if isinstance(raw, list) else None


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def parse_number(value) -> float | None:
    """A typed number (``1,939.33``, ``１００``, ``26.67``) or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        number = float(value)
    else:
        text = _text(value)
        # full-width digits, points and signs as typed with a Chinese input method
        text = text.translate(str.maketrans("０１２３４５６７８９．，－＋", "0123456789.,-+"))
        text = text.replace(",", "").replace(" ", "")
        if not text:
            return None
        try:
            number = float(text)
        except ValueError:
            return None
    if math.isnan(number) or math.isinf(number) or abs(number) > 1e12:
        return None
    return number


def _plain(number: float):
    """A number as stored: 50 rather than 50.0."""
    return int(number) if float(number).is_integer() and abs(number) < 2**53 else number


# -- reading the budget block ----------------------------------------------------------------


def parse_budget(raw) -> tuple[list[dict], list[CellError]]:
    """(rows, problems): each row {kind, initial, adjusted, executed} with
    numbers; problems name the row and column."""
    rows = load_rows(raw)
    if rows is None:
        return [], [_cell_error("budget", None, None, "格式不正确，应为行的列表（JSON 数组）")]
    if len(rows) > MAX_FUND_ROWS:
        return [], [_cell_error("budget", None, None, f"最多 {MAX_FUND_ROWS} 行")]
    out, errors, seen = [], [], {}
    for n, row in enumerate(rows, start=1):
        if not isinstance(row, dict):
            errors.append(_cell_error("budget", n, None, "格式不正确，每行应为一个对象"))
            continue
        unknown = sorted(set(row) - set(FUND_COLUMNS))
        if unknown:
            errors.append(_cell_error("budget", n, None, f"“{str(unknown[0])[:20]}”不是资金情况的列"))
        kind = _text(row.get("kind"))
        if kind.startswith("其中："):
            kind = kind[3:]
        if not kind:
            errors.append(_cell_error("budget", n, "kind", "请选择资金类别"))
        elif kind not in FUND_KINDS:
            errors.append(_cell_error("budget", n, "kind", "应为 " + "、".join(FUND_KINDS)))
        elif kind in seen:
            errors.append(_cell_error("budget", n, "kind", f"与第 {seen[kind]} 行重复"))
        else:
            seen[kind] = n
        values, ok = {"kind": kind}, True
        for key in ("initial", "adjusted", "executed"):
            number = parse_number(row.get(key))
            if _text(row.get(key)) == "" and not isinstance(row.get(key), (int, float)):
                errors.append(_cell_error("budget", n, key, "请填写金额"))
                ok = False
            elif number is None:
                errors.append(_cell_error("budget", n, key, "须为数字（单位：万元）"))
                ok = False
            elif number < 0:
                errors.append(_cell_error("budget", n, key, "不能为负数"))
                ok = False
            else:
                values[key] = _plain(number)
        if kind == FISCAL and ok and values["adjusted"] <= 0:
            errors.append(_cell_error("budget", n, "adjusted",
                                      "须大于 0（执行率 = 全年执行数 ÷ 全年（调整）预算数）"))
            ok = False
        if ok and kind in FUND_KINDS:
            out.append({**values, "row": n})
    if not errors:
        errors += _consistency(out, seen)
    return out, errors


def _consistency(rows: list[dict], seen: dict) -> list[CellError]:
    """其中 means part of: 财政拨款 within 年度总金额, its parts within 财政拨款."""
    by_kind = {r["kind"]: r for r in rows}
    errors = []
    pairs = [(FISCAL, [FISCAL], TOTAL)]
    parts = [k for k in FISCAL_PARTS if k in by_kind]
    if parts:
        pairs.append((parts[-1], parts, FISCAL))
    for where, kinds, whole in pairs:
        if whole not in by_kind or not all(k in by_kind for k in kinds):
            continue
        for key in ("initial", "adjusted", "executed"):
            part = sum(by_kind[k][key] for k in kinds)
            if part > by_kind[whole][key] + 0.005:
                what = "、".join(kinds) + ("之和" if len(kinds) > 1 else "")
                errors.append(_cell_error(
                    "budget", seen[where], key,
                    f"{what}（{part:,.2f}）不能大于{whole}（{by_kind[whole][key]:,.2f}）"))
    return errors


# -- reading the indicator rows ---------------------------------------------------------------


def parse_indicators(raw) -> tuple[list[dict], list[CellError]]:
    """(rows, problems): each row {name, unit, nature, target, actual, weight,
    core, note, row}; target and actual are numbers except for 定性 rows;
    ``row`` is the typed row's number (rows with problems are left out)."""
    rows = load_rows(raw)
    if rows is None:
        return [], [_cell_error("indicators", None, None, "格式不正确，应为行的列表（JSON 数组）")]
    if len(rows) > MAX_INDICATOR_ROWS:
        return [], [_cell_error("indicators", None, None, f"最多 {MAX_INDICATOR_ROWS} 行")]
    out, errors = [], []
    for n, row in enumerate(rows, start=1):
        if not isinstance(row, dict):
            errors.append(_cell_error("indicators", n, None, "格式不正确，每行应为一个对象"))
            continue
        row_errors = _indicator_problems(n, row)
        errors += row_errors
        if not row_errors:
            out.append({**_indicator_values(row), "row": n})
    return out, errors


def _nature(row) -> str:
    nature = _text(row.get("nature"))
    return NATURE_ALIASES.get(nature, nature)


def _indicator_problems(n: int, row: dict) -> list[CellError]:
    errors = []
    unknown = sorted(set(row) - set(INDICATOR_COLUMNS))
    if unknown:
        errors.append(_cell_error("indicators", n, None,
                                  f"“{str(unknown[0])[:20]}”不是绩效指标的列"))
    for key, limit in MAX_LENGTHS.items():
        if len(_text(row.get(key))) > limit:
            errors.append(_cell_error("indicators", n, key, f"不能超过 {limit} 个字"))
    if not _text(row.get("name")):
        errors.append(_cell_error("indicators", n, "name", "请填写指标名称"))
    nature = _nature(row)
    if not nature:
        errors.append(_cell_error("indicators", n, "nature", "请选择指标性质"))
    elif nature not in NATURES:
        errors.append(_cell_error("indicators", n, "nature", "应为 " + " ".join(NATURES)))
    target, actual = row.get("target"), row.get("actual")
    if nature == QUALITATIVE_NATURE:
        if not _text(target):
            errors.append(_cell_error("indicators", n, "target", "请填写定性指标的指标值（如：达成）"))
        if not _text(actual):
            errors.append(_cell_error("indicators", n, "actual", "请填写 " + QUALITATIVE_HINT))
        elif _text(actual) not in QUALITATIVE:
            errors.append(_cell_error("indicators", n, "actual", "定性指标应填 " + QUALITATIVE_HINT))
    elif nature in NATURES:
        for key, value in (("target", target), ("actual", actual)):
            if not _text(value):
                errors.append(_cell_error("indicators", n, key, "请填写数值"))
            elif parse_number(value) is None:
                errors.append(_cell_error("indicators", n, key, "须为数字"))
    weight = row.get("weight")
    number = parse_number(weight)
    if not _text(weight):
        errors.append(_cell_error("indicators", n, "weight", "请填写权重"))
    elif number is None:
        errors.append(_cell_error("indicators", n, "weight", "须为数字"))
    elif not 0 < number <= FULL_SCORE:
        errors.append(_cell_error("indicators", n, "weight", f"须大于 0 且不超过 {FULL_SCORE:g}"))
    core = _text(row.get("core"))
    if core and core not in CORE_FLAGS:
        errors.append(_cell_error("indicators", n, "core", "应为 是 或 否（可留空）"))
    return errors


def _indicator_values(row: dict) -> dict:
    nature = _nature(row)
    if nature == QUALITATIVE_NATURE:
        target, actual = _text(row.get("target")), _text(row.get("actual"))
    else:
        target = _plain(parse_number(row.get("target")))
        actual = _plain(parse_number(row.get("actual")))
    return {"name": _text(row.get("name")), "unit": _text(row.get("unit")), "nature": nature,
            "target": target, "actual": actual,
            "weight": _plain(parse_number(row.get("weight"))),
            "core": _text(row.get("core")), "note": _text(row.get("note"))}


def dump_rows(rows: list[dict]) -> str:
    """Rows as stored (without the typed row numbers)."""
    return json.dumps([{k: v for k, v in r.items() if k != "row"} for r in rows],
                      ensure_ascii=False)


# -- scoring -----------------------------------------------------------------------------------


def _core_rows(indicators: list[dict]) -> list[dict]:
    return [{"name": r["name"], "nature": r["nature"], "target": r["target"],
             "actual": r["actual"], "weight": r["weight"]} for r in indicators]


def _fund_rate(row: dict) -> float | None:
    """A fund row's execution rate (%), by the same function; None where it
    has no adjusted budget."""
    if row["adjusted"] <= 0:
        return None
    return self_evaluation(row["adjusted"], row["executed"], [],
                           execution_weight=EXECUTION_WEIGHT,
                           full_score=FULL_SCORE).execution_rate


def _typed_weights(indicators_raw):
    """The sum of the weights typed so far (also on rows with other problems)."""
    total = 0.0
    for row in load_rows(indicators_raw) or []:
        weight = parse_number(row.get("weight")) if isinstance(row, dict) else None
        if weight is not None:
            total += weight
    return _plain(round(total, 6))


def evaluate(budget_raw, indicators_raw) -> dict:
    """Everything the form, the record page and the PDF show, from the typed
    rows: the rows as read, each fund row's rate (the 财政拨款 row with its
    weight and score), each indicator's 偏离度 / 得分系数 / 指标得分, the total,
    the warnings, and the problems by row and column.

    ``complete`` is true when the whole table could be scored (no problem, a
    财政拨款 row and at least one indicator); the total is given only then.
    Rows that could be read are scored even while others have problems, so the
    clerk sees each row's result as soon as it is typed."""
    funds, fund_errors = parse_budget(budget_raw)
    indicators, indicator_errors = parse_indicators(indicators_raw)
    errors = fund_errors + indicator_errors
    fiscal = next((r for r in funds if r["kind"] == FISCAL), None)
    basis = fiscal if fiscal is not None and not fund_errors else None
    result = None
    try:
        if basis is not None:
            result = self_evaluation(basis["adjusted"], basis["executed"],
                                     _core_rows(indicators), execution_weight=EXECUTION_WEIGHT,
                                     full_score=FULL_SCORE)
        elif indicators:
            # no budget basis yet: the rows' own results do not depend on it
            result = self_evaluation(1.0, 1.0, _core_rows(indicators),
                                     execution_weight=EXECUTION_WEIGHT, full_score=FULL_SCORE)
    except SelfEvalError as exc:  # pragma: no cover - the rows were checked above
        errors.append(CellError("indicators", None, None, "；".join(exc.messages)))
        result = None
    fund_rows = []
    for row in funds:
        scored = row["kind"] == FISCAL and basis is not None
        fund_rows.append({
            **row, "label": FUND_LABELS.get(row["kind"], row["kind"]),
            "rate": None if row["kind"] == TOTAL or fund_errors else _fund_rate(row),
            "weight": EXECUTION_WEIGHT if scored else None,
            "score": result.execution_score if scored and result is not None else None,
        })
    indicator_rows = []
    for n, row in enumerate(indicators):
        scored = result.rows[n] if result is not None else None
        indicator_rows.append({
            **row,
            "deviation": scored.deviation if scored else None,
            "coefficient": scored.coefficient if scored else None,
            "score": scored.score if scored else None,
        })
    complete = not errors and basis is not None and bool(indicators) and result is not None
    missing = []
    if not fund_errors and fiscal is None:
        missing.append("资金情况须有“其中：财政拨款”一行（执行率按此行计算）")
    if not indicator_errors and not indicators:
        missing.append("请至少填写一个绩效指标")
    return {
        "funds": fund_rows,
        "indicators": indicator_rows,
        "execution_rate": result.execution_rate if basis is not None and result else None,
        "execution_weight": EXECUTION_WEIGHT,
        "execution_score": result.execution_score if basis is not None and result else None,
        "weights_total": _typed_weights(indicators_raw),
        "total": result.total if complete else None,
        # the core's data-quality notes (weights not adding up to 90, the cap)
        # as soon as every indicator row and the budget basis can be read
        "warnings": list(result.warnings) if (
            result is not None and basis is not None and indicators
            and not indicator_errors) else [],
        "errors": [e.as_dict() for e in errors],
        "messages": [e.message for e in errors],
        "missing": missing,
        "complete": complete,
    }


def problems(budget_raw, indicators_raw) -> tuple[list[dict], list[dict], list[str]]:
    """(budget rows, indicator rows, Chinese messages) for saving."""
    funds, fund_errors = parse_budget(budget_raw)
    indicators, indicator_errors = parse_indicators(indicators_raw)
    return funds, indicators, [e.message for e in fund_errors + indicator_errors]
