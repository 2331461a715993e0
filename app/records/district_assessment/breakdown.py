"""The year's breakdown of a district: read (the shipped CSV of seed 002, or an
Excel workbook), checked, and loaded all-or-nothing.

Shipped data (``data/``, transcribed from seed 002):

* ``breakdown_2021.csv`` — 分组, 序号, 指标, 权重, 考核内容及说明, 责任单位: one line
  per row of the seed's four tables; an indicator whose weight the seed splits
  across departments (or whose 基础保障 item lists several tasks) has several
  lines with the same 序号; several responsible units are separated by 、.
* ``supervision_2021.csv`` — 序号, 督查激励措施, 市级牵头部门, 区级责任单位 (附件2).

An Excel workbook has the same columns: a sheet 考核指标 (required) and a sheet
督查激励 (optional). Nothing is loaded unless every row is right; each bad cell
is listed with its sheet, row and column.

Loading replaces the district's breakdown of that year: rows are matched by
(分组, 序号, the row within the indicator) and updated in place, new rows are
added, and rows no longer present are removed — unless a report was filed on
one, which refuses the whole load.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import delete, func, select
from sqlalchemy.orm import selectinload

from app.errors import UserError
from app.records.district_assessment.models import (
    ANY_DEPARTMENT,
    GROUPS,
    SCORED_GROUP,
    AssessmentIndicator,
    AssessmentReport,
    SupervisionItem,
    SupervisionReport,
    unit_name_for,
)
from app.units.models import Unit, UnitKind

DATA = Path(__file__).resolve().parent / "data"
SHIPPED_YEAR = 2021
DEMO_DISTRICT = "万州区"  # seed 002 is 万州区's breakdown
INDICATOR_SHEET = "考核指标"
SUPERVISION_SHEET = "督查激励"
INDICATOR_COLUMNS = ("分组", "序号", "指标", "权重", "考核内容及说明", "责任单位")
SUPERVISION_COLUMNS = ("序号", "督查激励措施", "市级牵头部门", "区级责任单位")
MAX_ROWS = 2000


class BreakdownError(UserError):
    """A refused load: ``errors`` lists every bad cell (Chinese)."""

    status = 422

    def __init__(self, errors: list[str], message: str = "考核指标分解未导入，请修改以下问题后重新导入："):
        super().__init__(message + "\n" + "\n".join(errors))
        self.summary = message
        self.errors = errors


@dataclass
class IndicatorRow:
    where: str  # e.g. 考核指标 第 3 行
    group: str
    seq: int
    name: str
    weight: float | None
    content: str
    responsible: list[str] = field(default_factory=list)


@dataclass
class SupervisionRow:
    where: str
    seq: int
    measure: str
    city_leads: list[str]
    responsible: list[str]


def split_names(text) -> list[str]:
    parts = str(text or "").replace("\n", "、").replace("，", "、").replace(",", "、").split("、")
    return [p.strip() for p in parts if p.strip()]


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


# -- reading -----------------------------------------------------------------------------

def _check_header(sheet: str, header, expected, errors) -> bool:
    got = [_cell(h) for h in (header or ())][:len(expected)]
    if got != list(expected):
        errors.append(f"{sheet}：第 1 行应为表头“{'、'.join(expected)}”，实际为"
                      f"“{'、'.join(g for g in got if g) or '空'}”")
        return False
    return True


def _int(text: str, where: str, column: str, errors) -> int | None:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not text:
        errors.append(f"{where}“{column}”：不能为空")
    elif math.isnan(value) or not value.is_integer() or value < 1:
        errors.append(f"{where}“{column}”：应为正整数，不能是“{text}”")
    else:
        return int(value)
    return None


def parse_indicator_rows(rows, sheet: str = INDICATOR_SHEET) -> tuple[list[IndicatorRow],
                                                                       list[str]]:
    """``rows``: the header then the data rows (lists of cells)."""
    errors: list[str] = []
    rows = list(rows)
    if not rows or not _check_header(sheet, rows[0], INDICATOR_COLUMNS, errors):
        return [], errors or [f"{sheet}：没有内容"]
    out = []
    for number, raw in enumerate(rows[1:], start=2):
        cells = [_cell(c) for c in raw] + [""] * 6
        if not any(cells[:6]):
            continue
        where = f"{sheet} 第 {number} 行"
        group, seq_text, name, weight_text, content, units_text = cells[:6]
        if group not in GROUPS:
            errors.append(f"{where}“分组”：应为{'、'.join(GROUPS)}之一，不能是“{group}”"
                          if group else f"{where}“分组”：不能为空")
        seq = _int(seq_text, where, "序号", errors)
        if not name:
            errors.append(f"{where}“指标”：不能为空")
        elif len(name) > 200:
            errors.append(f"{where}“指标”：不能超过 200 个字")
        weight = None
        if group == SCORED_GROUP:
            try:
                weight = float(weight_text)
            except ValueError:
                errors.append(f"{where}“权重”：经济社会发展业绩指标必须填写权重（正数）"
                              if not weight_text else f"{where}“权重”：应为数字，不能是“{weight_text}”")
            else:
                if math.isnan(weight) or weight <= 0 or weight > 100:
                    errors.append(f"{where}“权重”：应为大于 0、不超过 100 的数")
                    weight = None
        elif weight_text and group in GROUPS:
            errors.append(f"{where}“权重”：{group}指标不设权重，请留空")
        responsible = split_names(units_text)
        if not responsible:
            errors.append(f"{where}“责任单位”：不能为空")
        out.append(IndicatorRow(where, group, seq or 0, name, weight, content, responsible))
    if len(out) > MAX_ROWS:
        errors.append(f"{sheet}：最多 {MAX_ROWS} 行")
    names: dict[tuple[str, int], IndicatorRow] = {}
    for row in out:
        first = names.setdefault((row.group, row.seq), row)
        if row.seq and first.name and row.name and first.name != row.name:
            errors.append(f"{row.where}“指标”：{row.group}序号 {row.seq} 在{first.where}是"
                          f"“{first.name}”，同一序号的指标名称应相同")
    if not out and not errors:
        errors.append(f"{sheet}：没有指标行")
    return out, errors


def parse_supervision_rows(rows, sheet: str = SUPERVISION_SHEET) -> tuple[list[SupervisionRow],
                                                                          list[str]]:
    errors: list[str] = []
    rows = list(rows)
    if not rows or not _check_header(sheet, rows[0], SUPERVISION_COLUMNS, errors):
        return [], errors or [f"{sheet}：没有内容"]
    out, seen = [], {}
    for number, raw in enumerate(rows[1:], start=2):
        cells = [_cell(c) for c in raw] + [""] * 4
        if not any(cells[:4]):
            continue
        where = f"{sheet} 第 {number} 行"
        seq_text, measure, leads, units_text = cells[:4]
        seq = _int(seq_text, where, "序号", errors)
        if seq is not None:
            if seq in seen:
                errors.append(f"{where}“序号”：{seq} 与{seen[seq]}重复")
            seen.setdefault(seq, where)
        if not measure:
            errors.append(f"{where}“督查激励措施”：不能为空")
        elif len(measure) > 200:
            errors.append(f"{where}“督查激励措施”：不能超过 200 个字")
        if not split_names(leads):
            errors.append(f"{where}“市级牵头部门”：不能为空")
        responsible = split_names(units_text)
        if not responsible:
            errors.append(f"{where}“区级责任单位”：不能为空")
        out.append(SupervisionRow(where, seq or 0, measure, split_names(leads), responsible))
    return out, errors


def read_csv(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh))


def shipped_rows(year: int = SHIPPED_YEAR):
    indicators = DATA / f"breakdown_{year}.csv"
    supervision = DATA / f"supervision_{year}.csv"
    if not indicators.is_file():
        raise UserError(f"没有随系统提供的 {year} 年考核指标分解数据")
    return read_csv(indicators), read_csv(supervision) if supervision.is_file() else None


def read_workbook(data: bytes):
    """(indicator rows, supervision rows or None) of an uploaded workbook."""
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - any unreadable file
        raise BreakdownError(["文件无法读取，请上传 .xlsx 格式的 Excel 文件（可先下载模板）"]) from exc
    try:
        if INDICATOR_SHEET not in wb.sheetnames:
            raise BreakdownError([f"工作簿中没有名为“{INDICATOR_SHEET}”的工作表"])
        indicators = [list(r) for r in wb[INDICATOR_SHEET].iter_rows(values_only=True)]
        supervision = None
        if SUPERVISION_SHEET in wb.sheetnames:
            supervision = [list(r) for r in wb[SUPERVISION_SHEET].iter_rows(values_only=True)]
        return indicators, supervision
    finally:
        wb.close()


# -- loading -----------------------------------------------------------------------------

def district_units(session, district: Unit) -> dict[str, Unit]:
    return {u.name: u for u in session.scalars(select(Unit).where(Unit.parent_id == district.id))}


def _resolve(names, district, units, where, column, errors, missing, create) -> list[str]:
    """Unit names for the seed names (missing ones noted, or listed as errors)."""
    out = []
    for seed_name in names:
        unit_name = unit_name_for(district.name, seed_name)
        if unit_name is None:
            if seed_name != ANY_DEPARTMENT:
                errors.append(f"{where}“{column}”：无法识别“{seed_name}”")
            continue
        unit = units.get(unit_name)
        if unit is None:
            if create:
                missing.setdefault(unit_name, None)
            else:
                errors.append(f"{where}“{column}”：{district.name}没有区级部门“{unit_name}”"
                              f"（由“{seed_name}”对应），请先由系统管理员添加该单位")
        elif unit.kind != UnitKind.DISTRICT_DEPT.value:
            errors.append(f"{where}“{column}”：“{unit_name}”不是区级部门")
        if unit_name not in out:
            out.append(unit_name)
    return out


def load_breakdown(session, district: Unit, year: int, indicator_rows, supervision_rows=None,
                   create_units: bool = False) -> dict[str, int]:
    """Check and load; raises BreakdownError listing every problem (and then
    changes nothing). Does not commit. Returns counts."""
    if district is None or district.kind != UnitKind.DISTRICT.value:
        raise BreakdownError(["请选择区县"])
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        raise BreakdownError(["年度应为 2000 至 2100 之间的年份"])
    rows, errors = parse_indicator_rows(indicator_rows)
    items: list[SupervisionRow] = []
    if supervision_rows is not None:
        items, more = parse_supervision_rows(supervision_rows)
        errors += more
    units = district_units(session, district)
    missing: dict[str, None] = {}
    resolved = [_resolve(r.responsible, district, units, r.where, "责任单位", errors, missing,
                         create_units) for r in rows]
    item_units = [_resolve(i.responsible, district, units, i.where, "区级责任单位", errors,
                           missing, create_units) for i in items]
    # parts within each indicator, in the order of the rows
    counter: dict[tuple[str, int], int] = {}
    keys = []
    for row in rows:
        counter[(row.group, row.seq)] = counter.get((row.group, row.seq), 0) + 1
        keys.append((row.group, row.seq, counter[(row.group, row.seq)]))
    existing = {(i.group_name, i.seq, i.part): i for i in session.scalars(
        select(AssessmentIndicator).where(AssessmentIndicator.district_id == district.id,
                                          AssessmentIndicator.year == year)
        .options(selectinload(AssessmentIndicator.units)))}
    gone = [i for k, i in existing.items() if k not in set(keys)]
    if gone:
        used = set(session.scalars(select(AssessmentReport.indicator_id).where(
            AssessmentReport.indicator_id.in_([i.id for i in gone])).distinct()))
        for ind in gone:
            if ind.id in used:
                errors.append(f"“{ind.label}”已有报送记录，新的分解表不能删去这一行")
    old_items = {}
    if supervision_rows is not None:
        old_items = {i.seq: i for i in session.scalars(select(SupervisionItem).where(
            SupervisionItem.district_id == district.id, SupervisionItem.year == year)
            .options(selectinload(SupervisionItem.units)))}
        gone_items = [i for s, i in old_items.items() if s not in {r.seq for r in items}]
        if gone_items:
            used = set(session.scalars(select(SupervisionReport.item_id).where(
                SupervisionReport.item_id.in_([i.id for i in gone_items])).distinct()))
            for item in gone_items:
                if item.id in used:
                    errors.append(f"“{item.label}”已有报送记录，新的分解表不能删去这一项")
    if errors:
        raise BreakdownError(errors)

    created = 0
    if missing:
        from app.units.service import refresh_paths

        n = session.scalar(select(func.count()).select_from(Unit).where(
            Unit.parent_id == district.id)) or 0
        for name in missing:
            n += 1
            code = f"{district.code}-KH{n:02d}"
            while session.scalar(select(Unit.id).where(Unit.code == code)) is not None:
                n += 1
                code = f"{district.code}-KH{n:02d}"
            unit = Unit(code=code, name=name, kind=UnitKind.DISTRICT_DEPT.value, parent=district,
                        path="", sort_order=n)
            session.add(unit)
            session.flush()
            refresh_paths(session, unit)
            units[name] = unit
            created += 1

    parts = counter
    for order, (row, names, key) in enumerate(zip(rows, resolved, keys, strict=True), start=1):
        ind = existing.get(key)
        if ind is None:
            ind = AssessmentIndicator(district_id=district.id, year=year, group_name=key[0],
                                      seq=key[1], part=key[2])
            session.add(ind)
        ind.parts = parts[(row.group, row.seq)]
        ind.name = row.name
        ind.weight = row.weight
        ind.content = row.content or None
        ind.responsible = "、".join(row.responsible)[:500]
        ind.open_to_all = ANY_DEPARTMENT in row.responsible
        ind.sort_order = GROUPS.index(row.group) * 1000 + order
        ind.units = [units[n] for n in names]
    for ind in gone:
        session.delete(ind)
    if supervision_rows is not None:
        for item_row, names in zip(items, item_units, strict=True):
            item = old_items.get(item_row.seq)
            if item is None:
                item = SupervisionItem(district_id=district.id, year=year, seq=item_row.seq)
                session.add(item)
            item.measure = item_row.measure
            item.city_leads = "、".join(item_row.city_leads)[:300]
            item.responsible = "、".join(item_row.responsible)[:300]
            item.units = [units[n] for n in names]
        keep = {r.seq for r in items}
        for seq, item in old_items.items():
            if seq not in keep:
                session.delete(item)
    session.flush()
    return {"indicators": len({(r.group, r.seq) for r in rows}), "rows": len(rows),
            "supervision": len(items), "units_created": created}


def load_shipped_breakdown(session, district: Unit, year: int = SHIPPED_YEAR,
                           create_units: bool = False) -> dict[str, int]:
    indicators, supervision = shipped_rows(year)
    return load_breakdown(session, district, year, indicators, supervision, create_units)


def import_workbook(session, district: Unit, year: int, data: bytes) -> dict[str, int]:
    indicators, supervision = read_workbook(data)
    return load_breakdown(session, district, year, indicators, supervision)


def workbook_bytes(session, district: Unit | None, year: int) -> bytes:
    """The district's breakdown of the year as a workbook in the import format
    (the shipped data when the district has none yet): the template."""
    from openpyxl import Workbook

    from app.kit.export import neutralise

    rows = []
    items = []
    if district is not None:
        for ind in session.scalars(select(AssessmentIndicator).where(
                AssessmentIndicator.district_id == district.id, AssessmentIndicator.year == year)
                .order_by(AssessmentIndicator.sort_order)):
            rows.append([ind.group_name, ind.seq, ind.name, ind.weight, ind.content or "",
                         ind.responsible])
        for item in session.scalars(select(SupervisionItem).where(
                SupervisionItem.district_id == district.id, SupervisionItem.year == year)
                .order_by(SupervisionItem.seq)):
            items.append([item.seq, item.measure, item.city_leads, item.responsible])
    if not rows:
        try:
            indicators, supervision = shipped_rows(year)
        except UserError:
            indicators, supervision = shipped_rows(SHIPPED_YEAR)
        rows = [[r[0], int(r[1]), r[2], float(r[3]) if r[3] else None, r[4], r[5]]
                for r in indicators[1:]]
        items = [[int(r[0]), r[1], r[2], r[3]] for r in (supervision or [])[1:]]
    wb = Workbook()
    ws = wb.active
    ws.title = INDICATOR_SHEET
    ws.append(list(INDICATOR_COLUMNS))
    for row in rows:
        ws.append([neutralise(v) for v in row])
    ws2 = wb.create_sheet(SUPERVISION_SHEET)
    ws2.append(list(SUPERVISION_COLUMNS))
    for row in items:
        ws2.append([neutralise(v) for v in row])
    for sheet, widths in ((ws, (16, 6, 40, 6, 60, 40)), (ws2, (6, 36, 30, 30))):
        for col, width in zip("ABCDEF", widths, strict=False):
            sheet.column_dimensions[col].width = width
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def remove_breakdown(session, district: Unit, year: int) -> None:
    """Tests and re-loading from scratch: drop a district's rows (no reports)."""
    session.execute(delete(AssessmentIndicator).where(
        AssessmentIndicator.district_id == district.id, AssessmentIndicator.year == year))


def ensure_demo_breakdown(session=None) -> bool:
    """Load the shipped breakdown for 万州区 when its departments exist and it
    has none yet (the demo, and the contract suite's example). Commits."""
    from app.extensions import db

    session = session or db.session
    district = session.scalar(select(Unit).where(Unit.name == DEMO_DISTRICT))
    if district is None:
        return False
    has = session.scalar(select(AssessmentIndicator.id).where(
        AssessmentIndicator.district_id == district.id,
        AssessmentIndicator.year == SHIPPED_YEAR).limit(1))
    if has is not None:
        return False
    try:
        load_shipped_breakdown(session, district)
    except BreakdownError:
        session.rollback()
        return False
    session.commit()
    return True
