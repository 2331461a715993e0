"""The filled self-evaluation table as a PDF, in seed 003's layout: title and
state, the project header (项目名称 / 项目编码 / 自评总分, 主管部门 / 财政归口处室 /
部门联系人 / 联系电话), 资金情况, 绩效目标, 绩效指标 (header repeated on every
page) and the data-quality notes; A4 landscape, "第 N 页 共 M 页".

The font is the reports' embedded WenQuanYi Micro Hei, registered once by
:func:`app.reports.pdf.ensure_font`; the paged canvas is the reports' too.
"""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from app.records.self_evaluation.sheet import sheet
from app.reports.pdf import FONT, MARGIN, PAGE, _canvas_class, ensure_font

GRID = colors.HexColor("#808080")
HEAD_BG = colors.HexColor("#eef2f7")
WIDTH = PAGE[0] - 2 * MARGIN


def _styles() -> dict[str, ParagraphStyle]:
    base = dict(fontName=FONT, wordWrap="CJK")
    return {
        "title": ParagraphStyle("t", fontSize=16, leading=22, alignment=1, **base),
        "state": ParagraphStyle("s", fontSize=9, leading=12, alignment=2, **base),
        "h2": ParagraphStyle("h", fontSize=10.5, leading=14, spaceBefore=6, spaceAfter=3, **base),
        "cell": ParagraphStyle("c", fontSize=8, leading=10.5, **base),
        "num": ParagraphStyle("n", fontSize=8, leading=10.5, alignment=2, **base),
        "head": ParagraphStyle("hd", fontSize=8, leading=10.5, alignment=1, **base),
        "note": ParagraphStyle("no", fontSize=8, leading=11, textColor=colors.HexColor("#8a5a00"),
                               **base),
    }


def _p(text, style) -> Paragraph:
    return Paragraph(escape(str(text)).replace("\n", "<br/>"), style)


def _grid(extra=()) -> TableStyle:
    return TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), FONT),
        ("GRID", (0, 0), (-1, -1), 0.5, GRID),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        *extra,
    ])


def _header(data, st) -> Table:
    first = []
    for label, text in data["header"][0]:
        first += [_p(label + "：", st["head"]), _p(text, st["cell"])]
    first += ["", ""]
    second = []
    for label, text in data["header"][1]:
        second += [_p(label + "：", st["head"]), _p(text, st["cell"])]
    widths = [64, 170, 64, 130, 64, 60, 64, WIDTH - 616]
    table = Table([first, second], colWidths=widths)
    table.setStyle(_grid([("BACKGROUND", (0, 0), (0, -1), HEAD_BG),
                          ("BACKGROUND", (2, 0), (2, -1), HEAD_BG),
                          ("BACKGROUND", (4, 0), (4, -1), HEAD_BG),
                          ("BACKGROUND", (6, 1), (6, 1), HEAD_BG)]))
    return table


def _funds(data, st) -> Table:
    rows = [[_p(h, st["head"]) for h in data["fund_head"]]]
    for r in data["funds"]:
        rows.append([_p(r[0], st["cell"])] + [_p(c, st["num"]) for c in r[1:]])
    widths = [130] + [(WIDTH - 130) / 6] * 6
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(_grid([("BACKGROUND", (0, 0), (-1, 0), HEAD_BG)]))
    return table


def _goals(data, st) -> Table:
    rows = [[_p(h, st["head"]) for h in data["goal_head"]],
            [_p(g, st["cell"]) for g in data["goals"]]]
    table = Table(rows, colWidths=[WIDTH / 3] * 3, repeatRows=1)
    table.setStyle(_grid([("BACKGROUND", (0, 0), (-1, 0), HEAD_BG),
                          ("VALIGN", (0, 1), (-1, -1), "TOP")]))
    return table


def _indicators(data, st) -> Table:
    rows = [[_p(h, st["head"]) for h in data["indicator_head"]]]
    numeric = {3, 4, 5, 6, 7, 8}
    for r in data["indicators"]:
        rows.append([_p(c, st["num"] if i in numeric else (st["head"] if i in (1, 2, 9)
                                                            else st["cell"]))
                     for i, c in enumerate(r)])
    rows.append([_p("合计", st["head"]), "", "", "", "", "", "",
                 _p(data["weights_total"], st["num"]), "", "", ""])
    fixed = [40, 40, 50, 54, 52, 52, 46, 46, 44]
    rest = WIDTH - sum(fixed)
    widths = [rest * 0.62] + fixed + [rest * 0.38]
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(_grid([("BACKGROUND", (0, 0), (-1, 0), HEAD_BG),
                          ("SPAN", (0, len(rows) - 1), (6, len(rows) - 1))]))
    return table


def self_evaluation_pdf(record) -> bytes:
    """The PDF of one self-evaluation (scope is the caller's business)."""
    ensure_font()
    st = _styles()
    data = sheet(record)
    story = [_p(data["title"], st["title"]), _p(f"状态：{data['state']}", st["state"]),
             Spacer(1, 3 * mm), _header(data, st),
             _p("资金情况", st["h2"]), _funds(data, st),
             _p("绩效目标", st["h2"]), _goals(data, st),
             _p("绩效指标", st["h2"]), _indicators(data, st)]
    if data["notes"]:
        story.append(Spacer(1, 2 * mm))
        story += [_p("注：" + n, st["note"]) for n in data["notes"]]
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=PAGE, leftMargin=MARGIN, rightMargin=MARGIN,
                            topMargin=MARGIN, bottomMargin=MARGIN + 4 * mm,
                            initialFontName=FONT, title=data["title"], author="改革报表",
                            subject=record.project_name or "", creator="改革报表")
    footer = f"{data['title']} · {record.project_name} · 编号 {record.id}"
    doc.build(story, canvasmaker=_canvas_class(footer))
    return buf.getvalue()
