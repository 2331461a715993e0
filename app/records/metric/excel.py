"""指标数据 in Excel: the template a department downloads and the import of a
filled sheet — every row or none.

Template (for the logged-in department and a chosen period): one row per
district (区县代码, 区县, 期间) and, for each of the department's indicators in
the period's scheme, one column (数值, or 得分 for an entered score) or two
(分子, 分母). Each indicator header carries the scheme's definition as a
comment; cells carry data validation (numbers ≥ 0, whole numbers for counts,
0–full for scores, the district list, the period). A second sheet lists the
definitions.

Import: the first sheet, header in row 1. A district is named by 区县 or
区县代码; 期间 is a quarter such as 2024Q3; an indicator column is named
``<code> <name>`` with （分子）/（分母）/（得分） where it applies (the first word
is what counts: the scheme's code or the metric key). Empty indicator cells are
skipped (no value yet); a row with none at all is skipped. Every bad row and
column is listed in Chinese and nothing is written unless every row is good.
The values of a good sheet enter the chain together, already submitted (the
upload is the clerk's submission), as one :class:`MetricImportBatch` that the
reviewers approve or reject as a whole.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import uuid
import zipfile
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from xml.etree.ElementTree import ParseError

from sqlalchemy import DateTime, Integer, String, insert, literal, null, select

from app.errors import BadInput
from app.records.metric.catalog import MetricDef, all_metrics, metrics_for_period
from app.records.metric.models import (
    MetricImportBatch,
    MetricIndicator,
    MetricValue,
    period_choices,
    period_label,
    value_problems,
)
from app.records.source_links import quarter_code
from app.units.models import Unit, UnitKind
from app.workflow.chain import DRAFT, PENDING_PREFIX

DISTRICT, DISTRICT_CODE, PERIOD = "区县", "区县代码", "期间"
PARTS = {"分子": "numerator", "分母": "denominator", "得分": "value"}
PART_LABELS = {"numerator": "分子", "denominator": "分母", "value": "数值"}
HEADER_RE = re.compile(r"^\s*(?P<token>\S+)(?:\s+(?P<name>.*?))?\s*$")
SUFFIX_RE = re.compile(r"[（(](?P<part>分子|分母|得分|数值)[）)]\s*$")
MAX_ERRORS = 500  # listed in full up to this many; then a count of the rest


class MetricImportError(BadInput):
    """Nothing was imported; ``errors`` lists every bad row and column."""

    def __init__(self, errors: list[str]):
        shown = errors[:MAX_ERRORS]
        if len(errors) > MAX_ERRORS:
            shown.append(f"……另有 {len(errors) - MAX_ERRORS} 处问题未列出")
        self.errors = shown
        head = "导入失败，未导入任何数据。请修正以下问题后重新导入："
        super().__init__(head + "\n" + "\n".join(shown), errors=shown)


# -- which indicators a department enters ---------------------------------------------

def department_metrics(session, unit, period) -> list[MetricDef]:
    """The metrics of ``period``'s scheme that ``unit`` is the data source of."""
    return [m for m in metrics_for_period(session, period) if unit.name in m.departments]


@dataclass(frozen=True)
class Column:
    header: str
    metric: MetricDef
    part: str  # value | numerator | denominator


def columns_for(metrics: list[MetricDef]) -> list[Column]:
    out = []
    for m in metrics:
        if m.kind == "ratio":
            out.append(Column(f"{m.label}（分子）", m, "numerator"))
            out.append(Column(f"{m.label}（分母）", m, "denominator"))
        elif m.kind == "score":
            out.append(Column(f"{m.label}（得分）", m, "value"))
        else:
            out.append(Column(m.label, m, "value"))
    return out


def _comment(col: Column) -> str:
    m = col.metric
    lines = [m.label, f"类型：{m.kind_label}", f"定义：{m.rule_text or '（指标体系未写明）'}",
             f"数据来源单位：{'、'.join(m.departments)}", f"指标体系：{m.scheme_name}"]
    if col.part == "numerator":
        lines.append("本列填写分子")
    elif col.part == "denominator":
        lines.append("本列填写分母；分母为 0 表示不适用，此时分子也填 0")
    if m.ratio_max is not None:
        lines.append("分子不能大于分母")
    if m.integer:
        lines.append("填写整数（个数）")
    if m.kind == "score" and m.full is not None:
        lines.append(f"填写 0–{m.full:g} 的得分")
    return "\n".join(lines)


def _validation(col: Column) -> dict:
    m = col.metric
    if m.kind == "score":
        return {"validate": "decimal", "criteria": "between", "minimum": 0,
                "maximum": m.full or 100, "error_title": "得分有误",
                "error_message": f"请填写 0–{(m.full or 100):g} 之间的数字"}
    if m.integer and col.part == "value":
        return {"validate": "integer", "criteria": ">=", "value": 0,
                "error_title": "数值有误", "error_message": "请填写不小于 0 的整数"}
    return {"validate": "decimal", "criteria": ">=", "value": 0,
            "error_title": "数值有误", "error_message": "请填写不小于 0 的数字"}


def build_template(session, unit, period) -> tuple[bytes, int]:
    """(the .xlsx bytes, number of indicators) of ``unit``'s template for
    ``period``; BadInput when the unit enters no indicator in that period."""
    import xlsxwriter

    metrics = department_metrics(session, unit, period)
    if not metrics:
        raise BadInput(f"{unit.name}不是{period.label}适用指标体系中任何指标的数据来源单位，"
                       "没有需要填报的指标")
    districts = session.execute(select(Unit.code, Unit.name).where(
        Unit.kind == UnitKind.DISTRICT.value).order_by(Unit.sort_order, Unit.code)).all()
    cols = columns_for(metrics)
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False,
                                   "strings_to_urls": False})
    head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True,
                          "valign": "vcenter"})
    locked = wb.add_format({"bg_color": "#F2F2F2", "border": 1})
    cell = wb.add_format({"border": 1})
    ws = wb.add_worksheet(f"指标数据_{period.code}")
    lists = wb.add_worksheet("区县列表")
    for i, (_, name) in enumerate(districts):
        lists.write_string(i, 0, name)
    lists.hide()
    headers = [DISTRICT_CODE, DISTRICT, PERIOD] + [c.header for c in cols]
    for j, text in enumerate(headers):
        ws.write_string(0, j, text, head)
        ws.set_column(j, j, 12 if j < 3 else 22)
    ws.set_row(0, 48)
    for j, col in enumerate(cols, start=3):
        ws.write_comment(0, j, _comment(col), {"x_scale": 3, "y_scale": 3})
    ws.write_comment(0, 2, f"季度，如 {period.code}；一行一个区县、一个期间",
                     {"x_scale": 2})
    last = len(districts)
    for i, (code, name) in enumerate(districts, start=1):
        ws.write_string(i, 0, code, locked)
        ws.write_string(i, 1, name, locked)
        ws.write_string(i, 2, period.code, locked)
        for j in range(3, len(headers)):
            ws.write_blank(i, j, None, cell)
    if last:
        ws.data_validation(1, 1, last, 1, {
            "validate": "list", "source": f"='区县列表'!$A$1:$A${last}",
            "error_title": "区县有误", "error_message": "请从列表中选择区县"})
        ws.data_validation(1, 2, last, 2, {"validate": "list", "source": [period.code]})
        for j, col in enumerate(cols, start=3):
            ws.data_validation(1, j, last, j, _validation(col))
    ws.freeze_panes(1, 3)
    notes = wb.add_worksheet("指标说明")
    note_head = ["指标代码", "指标名称", "类型", "定义（评价细则）", "数据来源单位", "指标体系",
                 "填写要求"]
    for j, text in enumerate(note_head):
        notes.write_string(0, j, text, head)
    notes.set_column(0, 0, 10)
    notes.set_column(1, 1, 30)
    notes.set_column(3, 3, 80)
    notes.set_column(4, 6, 24)
    wrap = wb.add_format({"text_wrap": True, "valign": "top"})
    for i, m in enumerate(metrics, start=1):
        rule = ("分子、分母均不小于 0" + ("，分子不大于分母" if m.ratio_max is not None else "")
                if m.kind == "ratio" else f"0–{m.full:g}" if m.kind == "score"
                else "不小于 0 的整数" if m.integer else "不小于 0 的数字")
        for j, text in enumerate([m.code, m.name, m.kind_label, m.rule_text,
                                  "、".join(m.departments), m.scheme_name, rule]):
            notes.write_string(i, j, text or "", wrap)
    wb.close()
    return buf.getvalue(), len(metrics)


# -- reading and checking a sheet ----------------------------------------------------------

def read_rows(path) -> list[tuple]:
    """The first sheet's rows (values only); MetricImportError if unreadable."""
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    unreadable = (zipfile.BadZipFile, KeyError, ParseError, InvalidFileException, ValueError,
                  OSError)
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
        try:
            rows = list(wb.worksheets[0].iter_rows(values_only=True))
        finally:
            wb.close()
    except unreadable as exc:
        raise MetricImportError([f"无法读取 Excel 文件（请使用系统生成的 .xlsx 模板）："
                                 f"{exc.__class__.__name__}"]) from exc
    return rows


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _col_name(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


class _Number:
    """Cell → float: numbers as they are, text that reads as a number, else an error."""

    @staticmethod
    def parse(value):
        if value is None:
            return None, None
        if isinstance(value, bool):
            return None, f"“{value}”不是数字"
        if isinstance(value, (int, float)):
            return float(value), None
        if isinstance(value, (dt.date, dt.datetime)):
            return None, f"“{value}”是日期，不是数字"
        text = str(value).strip().replace(",", "").replace("，", "")
        if text == "":
            return None, None
        try:
            number = float(text)
        except ValueError:
            shown = str(value).strip()
            return None, f"“{shown[:30]}”不是数字"
        if number != number or number in (float("inf"), float("-inf")):
            return None, f"“{str(value).strip()[:30]}”不是数字"
        return number, None


@dataclass
class Planned:
    row: int
    metric: MetricDef
    district_id: int
    district_name: str
    period: str
    value: float | None
    numerator: float | None
    denominator: float | None


@dataclass
class Plan:
    values: list[Planned]
    rows: int
    periods: list[str]


def check_rows(session, unit, rows: list[tuple], today: dt.date | None = None) -> Plan:
    """Validate every row against ``unit``'s indicators; MetricImportError
    lists every bad row and column."""
    from app.scoring.periods import PeriodError, parse_period

    today = today or dt.date.today()
    errors: list[str] = []
    if not rows:
        raise MetricImportError(["文件是空的：第 1 行应为表头（区县代码、区县、期间和各指标列）"])
    header = [_text(h) for h in rows[0]]
    index = {}
    for j, h in enumerate(header):
        if h in (DISTRICT, DISTRICT_CODE, PERIOD):
            if h in index:
                errors.append(f"第 1 行第 {_col_name(j)} 列「{h}」："
                              f"与第 {_col_name(index[h])} 列重复")
            index.setdefault(h, j)
    if DISTRICT not in index and DISTRICT_CODE not in index:
        errors.append("表头缺少列「区县」（或「区县代码」）")
    if PERIOD not in index:
        errors.append("表头缺少列「期间」")
    if errors:
        raise MetricImportError(errors)

    districts = session.execute(select(Unit.id, Unit.code, Unit.name).where(
        Unit.kind == UnitKind.DISTRICT.value)).all()
    by_name = {d.name: d for d in districts}
    by_code = {d.code: d for d in districts}
    allowed_periods = set(period_choices(today))
    current = quarter_code(today)

    # the periods in the file decide which scheme (and so which indicators) apply
    periods: dict[str, object] = {}
    for raw in rows[1:]:
        if PERIOD in index and index[PERIOD] < len(raw):
            code = _text(raw[index[PERIOD]]).upper()
            if code and code not in periods:
                try:
                    periods[code] = parse_period(code)
                except PeriodError:
                    periods[code] = None
    own: dict[str, dict[str, MetricDef]] = {}  # period → token → the unit's metric
    anyone: dict[str, dict[str, MetricDef]] = {}  # period → token → any metric
    known = all_metrics(session)
    for code, period in periods.items():
        if period is None or period.kind != "quarter" or code not in allowed_periods:
            continue
        metrics = metrics_for_period(session, period, known)
        anyone[code] = {t: m for m in metrics for t in (m.code, m.key)}
        own[code] = {t: m for m in metrics if unit.name in m.departments for t in (m.code, m.key)}
    own_keys = {code: {m.key for m in table.values()} for code, table in own.items()}
    known_own = {t: m for table in own.values() for t, m in table.items()}
    known_any = {t: m for table in anyone.values() for t, m in table.items()}

    columns: dict[int, tuple[str, str]] = {}  # column → (token, part)
    seen_cols: dict[tuple[str, str], int] = {}
    for j, h in enumerate(header):
        if not h or h in (DISTRICT, DISTRICT_CODE, PERIOD):
            continue
        where = f"第 1 行第 {_col_name(j)} 列「{h}」"
        m = HEADER_RE.match(h)
        token = m["token"] if m else h
        suffix = SUFFIX_RE.search(h)
        part_text = suffix["part"] if suffix else None
        token = SUFFIX_RE.sub("", token)
        metric = known_own.get(token)
        if metric is None:
            other = known_any.get(token)
            if other is not None:
                errors.append(f"{where}：不是{unit.name}可填报的指标（该指标的数据来源单位是"
                              f"{'、'.join(other.departments)}）")
            else:
                errors.append(f"{where}：指标体系中没有这个指标（表头应为“指标代码 指标名称”，"
                              "如系统生成的模板）")
            continue
        if metric.kind == "ratio":
            if part_text not in ("分子", "分母"):
                errors.append(f"{where}：{metric.label}是比率类指标，表头须注明（分子）或（分母）")
                continue
            part = PARTS[part_text]
        else:
            if part_text in ("分子", "分母"):
                errors.append(f"{where}：{metric.label}只填一个数值，不分分子、分母")
                continue
            part = "value"
        key = (metric.key, part)
        if key in seen_cols:
            errors.append(f"{where}：与第 {_col_name(seen_cols[key])} 列重复")
            continue
        seen_cols[key] = j
        columns[j] = (metric.key, part)
    by_key = {m.key: m for m in known_own.values()}
    for key in {k for k, _ in seen_cols}:
        if by_key[key].kind == "ratio":
            for part in ("numerator", "denominator"):
                if (key, part) not in seen_cols:
                    errors.append(f"表头缺少列「{by_key[key].label}（{PART_LABELS[part]}）」")
    if errors:
        raise MetricImportError(errors)
    if not columns:
        raise MetricImportError(["表头中没有指标列：请使用系统生成的模板"])
    col_of = {(key, part): j for j, (key, part) in columns.items()}
    specs = []  # per indicator: key, metric, its columns, header of each field
    for key in dict.fromkeys(k for k, _ in columns.values()):
        parts = [(part, col_of[(key, part)]) for part in ("value", "numerator", "denominator")
                 if (key, part) in col_of]
        label = by_key[key].label
        field_header = {field: header[col_of[(key, part)]] if (key, part) in col_of else label
                        for field, part in (("数值", "value"), ("分子", "numerator"),
                                            ("分母", "denominator"))}
        specs.append((key, by_key[key], parts, field_header))

    pending = _pending_values(session, [m.key for m in by_key.values()],
                              [c for c in periods if c in own])
    planned: list[Planned] = []
    seen_rows: dict[tuple[int, str], int] = {}
    data_rows = 0
    for n, raw in enumerate(rows[1:], start=2):
        cells = list(raw) + [None] * (len(header) - len(raw))
        if all(_text(v) == "" for v in cells):
            continue
        data_rows += 1
        row_errors: list[str] = []

        def bad(column: str, message: str, row_errors=row_errors, n=n):
            row_errors.append(f"第 {n} 行「{column}」：{message}")

        name = _text(cells[index[DISTRICT]]) if DISTRICT in index else ""
        code = _text(cells[index[DISTRICT_CODE]]) if DISTRICT_CODE in index else ""
        district = None
        if name and name not in by_name:
            bad(DISTRICT, f"找不到区县“{name[:30]}”")
        elif code and code not in by_code:
            bad(DISTRICT_CODE, f"找不到区县代码“{code[:30]}”")
        elif not name and not code:
            bad(DISTRICT, "不能为空")
        else:
            district = by_name.get(name) or by_code.get(code)
            if name and code and by_code[code].name != name:
                bad(DISTRICT_CODE,
                    f"区县代码 {code} 是{by_code[code].name}，与「区县」“{name}”不符")
                district = None
        period_code = _text(cells[index[PERIOD]]).upper()
        period = periods.get(period_code)
        if not period_code:
            bad(PERIOD, "不能为空")
        elif period is None or period.kind != "quarter" or period_code not in allowed_periods:
            bad(PERIOD, f"“{period_code[:20]}”不是有效的季度（应如 {current}）")
            period = None
        elif period_code > current:
            bad(PERIOD, f"{period_label(period_code)}尚未开始，不能填报")
            period = None
        elif period_code not in own or not own[period_code]:
            bad(PERIOD, f"{period_label(period_code)}适用的指标体系中没有{unit.name}填报的指标")
            period = None
        if district is not None and period is not None:
            first = seen_rows.get((district.id, period_code))
            if first is not None:
                bad(DISTRICT, f"{district.name}{period_code}与第 {first} 行重复")
            else:
                seen_rows[(district.id, period_code)] = n
        for key, metric, parts, field_header in specs:
            numbers = {"value": None, "numerator": None, "denominator": None}
            broken, empty = False, True
            for part, j in parts:
                raw_value = cells[j]
                if raw_value is None:
                    continue
                if type(raw_value) in (int, float):  # the common case, read as it is
                    number, problem = float(raw_value), None
                else:
                    number, problem = _Number.parse(raw_value)
                if problem:
                    bad(header[j], problem)
                    broken = True
                elif number is not None:
                    numbers[part] = number
                    empty = False
            if broken or empty:
                continue  # a bad cell is listed; an empty indicator is not entered
            if period is not None and key not in own_keys[period_code]:
                bad(metric.label, f"{period_label(period_code)}适用的指标体系中没有该指标")
                continue
            value, num, den = numbers["value"], numbers["numerator"], numbers["denominator"]
            row_errors.extend(value_problems(
                metric, value, num, den,
                where=lambda field, fh=field_header, n=n: f"第 {n} 行「{fh[field]}」："))
            if district is not None and period is not None:
                waiting = pending.get((key, district.id, period_code))
                if waiting is not None:
                    bad(metric.label, f"{district.name}{period_code}已有待审核的数值"
                                      f"（编号 {waiting}），审核完成后才能导入新的数值")
                elif not row_errors:
                    planned.append(Planned(n, metric, district.id, district.name, period_code,
                                           value, num, den))
        errors.extend(row_errors)
    if errors:
        raise MetricImportError(errors)
    if not planned:
        raise MetricImportError(["文件中没有可导入的数值（各指标列均为空）"])
    return Plan(planned, data_rows, sorted({p.period for p in planned}))


def _pending_values(session, keys, periods) -> dict[tuple[str, int, str], int]:
    """{(metric key, district id, period): id} of the values under review."""
    if not keys or not periods:
        return {}
    stmt = (select(MetricIndicator.key, MetricValue.district_id, MetricValue.period,
                   MetricValue.id)
            .join(MetricIndicator, MetricIndicator.id == MetricValue.indicator_id)
            .where(MetricIndicator.key.in_(keys), MetricValue.period.in_(periods),
                   MetricValue.state.startswith(PENDING_PREFIX, autoescape=True)))
    return {(k, d, p): i for k, d, p, i in session.execute(stmt)}


# -- writing a good sheet ------------------------------------------------------------------

def import_file(session, user, path, file_name: str, keep_dir: Path | None = None,
                today: dt.date | None = None) -> MetricImportBatch:
    """Check and load one sheet as one batch, submitted for review. Raises
    MetricImportError (nothing written)."""
    from app.workflow.models import WorkflowHistory

    unit = session.get(Unit, user.unit_id) if user.unit_id else None
    if unit is None:
        raise MetricImportError(["您的账号未关联单位，不能导入"])
    data = Path(path).read_bytes()
    rows = read_rows(path)
    indicator_ids = dict(session.execute(select(MetricIndicator.key, MetricIndicator.id)).all())
    # one import or submission at a time per indicator (PostgreSQL row locks;
    # SQLite serialises writers anyway)
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(MetricIndicator.id).where(
            MetricIndicator.departments.any(Unit.id == unit.id)).with_for_update())
    plan = check_rows(session, unit, rows, today)
    missing = sorted({p.metric.key for p in plan.values} - set(indicator_ids))
    if missing:
        raise MetricImportError([f"指标“{k}”尚未同步到指标目录，请联系管理员运行 flask metric sync"
                                 for k in missing])
    now = dt.datetime.now().replace(microsecond=0)
    stored_name = None
    stored_path = None
    if keep_dir is not None:
        stored_name = f"metric_imports/{now:%Y}/{now:%m}/{uuid.uuid4().hex}.xlsx"
        stored_path = keep_dir / stored_name
    batch = MetricImportBatch(
        unit_id=unit.id, filed_by_id=user.id, created_on=now, file_name=file_name[:255],
        stored_name=stored_name, sha256=hashlib.sha256(data).hexdigest(),
        periods="、".join(plan.periods), row_count=plan.rows, value_count=len(plan.values))
    session.add(batch)
    session.flush()
    records = [{
        "title": f"{p.district_name}{p.period} {p.metric.label}",
        "indicator_id": indicator_ids[p.metric.key], "district_id": p.district_id,
        "period": p.period, "value": p.value, "numerator": p.numerator,
        "denominator": p.denominator, "batch_id": batch.id, "state": "pending_1",
        "version": 2, "created_on": now, "changed_on": now, "submitted_on": now,
        "approved_on": None, "unit_id": unit.id, "filed_by_id": user.id,
        "submitted_by_id": user.id,
    } for p in plan.values]
    table = MetricValue.__table__
    # executemany without RETURNING (SQLite would insert row by row to keep
    # RETURNING in order); the batch's ids are read back in one query
    _insert_rows(session, table, records)
    # one history row per value (submitted by the importer), in one statement
    hist = WorkflowHistory.__table__
    session.execute(insert(hist).from_select(
        ["record_type", "record_id", "from_state", "to_state", "action", "actor_id",
         "actor_unit_id", "record_unit_id", "reason", "created_on"],
        select(literal("metric_value", String), table.c.id, literal(DRAFT, String),
               literal("pending_1", String), literal("submit", String),
               literal(user.id, Integer), literal(unit.id, Integer), table.c.unit_id,
               null(), literal(now, DateTime))
        .where(table.c.batch_id == batch.id).order_by(table.c.id)))
    try:
        if stored_path is not None:
            stored_path.parent.mkdir(parents=True, exist_ok=True)
            stored_path.write_bytes(data)
        session.commit()
    except Exception:
        session.rollback()
        if stored_path is not None and stored_path.exists():
            stored_path.unlink()
        raise
    return batch


def _insert_rows(session, table, records: list[dict]) -> None:
    """Insert many rows in the session's transaction: PostgreSQL through
    psycopg 3 gets them by COPY (an executemany there is a statement per row);
    any other database by executemany."""
    conn = session.connection()
    raw = conn.connection.driver_connection
    if conn.dialect.name == "postgresql" and conn.dialect.driver == "psycopg" and records:
        columns = list(records[0])
        names = ", ".join(conn.dialect.identifier_preparer.quote(c) for c in columns)
        with raw.cursor() as cur:
            with cur.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
                for record in records:
                    copy.write_row([record[c] for c in columns])
        return
    for start in range(0, len(records), 5000):
        session.execute(insert(table), records[start:start + 5000])


def batch_summary(session, batch) -> dict[str, int]:
    """{state: count} of a batch's values."""
    from sqlalchemy import func

    rows = session.execute(select(MetricValue.state, func.count()).where(
        MetricValue.batch_id == batch.id).group_by(MetricValue.state)).all()
    return dict(rows)


def group_by_district(values) -> dict:
    out = defaultdict(list)
    for v in values:
        out[v.district_id].append(v)
    return out
