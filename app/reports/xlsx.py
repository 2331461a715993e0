"""Excel exports of rankings and of the usage evaluation (openpyxl).

Every text cell goes through :func:`neutralise`: a spreadsheet would run a
cell that starts with = + - @ (or a tab / carriage return before one) as a
formula, so such text is written as a string with a leading apostrophe.
"""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from app.reports import format as F

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_BOLD = Font(bold=True)
_HEAD_FILL = PatternFill("solid", fgColor="E8EEF5")
DARK_BANDS = {"深绿", "红"}


def neutralise(value):
    """A cell value that a spreadsheet will not run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _append(ws, values) -> int:
    ws.append([neutralise(v) for v in values])
    return ws.max_row


def _header(ws, values) -> None:
    row = _append(ws, values)
    for cell in ws[row]:
        cell.font = _BOLD
        cell.fill = _HEAD_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)


def _widths(ws, widths: list[int]) -> None:
    for n, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(n)].width = w


def _save(wb) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def ranking_workbook(snap) -> bytes:
    """Sheet 排名: the ranking with band colours; sheet 计分说明: every unit's
    leaf values, scores and explanation sentences."""
    data = snap.data
    tops = [i for i in data["indicators"] if i["parent"] is None]
    wb = Workbook()
    ws = wb.active
    ws.title = "排名"
    _append(ws, [f"{snap.report_type}排名表" + ("" if snap.published else "（草稿，未发布）")])
    ws["A1"].font = Font(bold=True, size=14)
    _append(ws, [f"期间：{snap.period_label}（{snap.period_code}）", "",
                 f"指标体系：{data['scheme']['name']}（{snap.scheme_code} 第 {snap.scheme_version} 版）"])
    _append(ws, [f"生成时间：{F.dt(snap.generated_at)}", "",
                 f"报表编号：{snap.id}（第 {snap.version} 版，{snap.status_label}）"])
    _append(ws, [f"输入数据哈希（SHA-256）：{snap.inputs_hash}"])
    _append(ws, [])
    _header(ws, ["排名", "单位", "区域"] + [f"{i['name']}" for i in tops] + ["总分", "档次"])
    header_row = ws.max_row
    for unit in data["units"]:
        row = _append(ws, [unit["rank"], unit["name"], unit.get("region") or ""]
                      + [unit["scores"].get(i["code"]) for i in tops]
                      + [unit["total"], unit["band"]])
        for cell in ws[row][3:-1]:
            cell.number_format = "0.00"
        band = ws[row][-1]
        band.fill = PatternFill("solid", fgColor=unit["colour"].lstrip("#").upper())
        band.alignment = Alignment(horizontal="center")
        if unit["band"] in DARK_BANDS:
            band.font = Font(color="FFFFFF")
    ws.freeze_panes = ws.cell(row=header_row + 1, column=3)
    _widths(ws, [8, 16, 24] + [14] * len(tops) + [10, 8])
    _append(ws, [])
    _append(ws, ["档次图例"] + [f"{b['name']}：{b['rule']}" for b in data["bands"]])
    for code, why in (data.get("missing") or {}).items():
        _append(ws, [f"未计分：{code}", F.reason(why)])

    ex = wb.create_sheet("计分说明")
    _header(ex, ["单位", "排名", "指标代码", "指标", "数值", "得分", "状态", "计分说明",
                 "依据记录数"])
    leaves = [i for i in data["indicators"] if i["leaf"]]
    for unit in data["units"]:
        cells = data["cells"].get(str(unit["id"]), {})
        for ind in leaves:
            cell = cells.get(ind["code"], {})
            row = _append(ex, [unit["name"], unit["rank"], ind["code"], ind["name"],
                               cell.get("value"), cell.get("score"), cell.get("status", ""),
                               F.explanation(cell), cell.get("record_count", 0)])
            ex.cell(row=row, column=6).number_format = "0.00"
    ex.freeze_panes = "A2"
    _widths(ex, [14, 6, 10, 30, 10, 10, 10, 80, 10])
    return _save(wb)


def usage_workbook(evaluation) -> bytes:
    """The usage evaluation (系统使用情况考评) of one period."""
    wb = Workbook()
    ws = wb.active
    ws.title = "使用情况考评"
    _append(ws, [f"系统使用情况考评　{evaluation.period.label}（{evaluation.period.code}）"])
    ws["A1"].font = Font(bold=True, size=14)
    _append(ws, [f"统计区间：{evaluation.period.start} 至 {evaluation.period.end}"])
    for note in evaluation.notes:
        _append(ws, [note])
    _append(ws, [])
    _header(ws, evaluation.header)
    for row in evaluation.rows:
        _append(ws, row.cells())
    _widths(ws, [20, 14] + [14] * (len(evaluation.header) - 2))
    return _save(wb)
