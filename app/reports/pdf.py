"""PDF rank sheet and unit sheets (reportlab platypus), SPEC §4.

A4 landscape; WenQuanYi Micro Hei (app/static/fonts, Apache-2.0) registered as
a TrueType font, so every PDF embeds the subset of glyphs it uses — never a
CID font that a reader's machine may lack. The header row repeats on every
page; a two-pass canvas writes 第 N 页 共 M 页.
"""

from __future__ import annotations

import io
import threading
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from app.reports import format as F

FONT = "WenQuanYiMicroHei"
FONT_PATH = Path(__file__).resolve().parents[1] / "static" / "fonts" / "wqy-microhei.ttc"
PAGE = landscape(A4)
MARGIN = 14 * mm
_font_lock = threading.Lock()

DARK_BANDS = {"深绿", "红"}


def ensure_font() -> None:
    """Register the CJK TrueType font once per process."""
    with _font_lock:
        if FONT not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont(FONT, str(FONT_PATH), subfontIndex=0))


def _styles() -> dict[str, ParagraphStyle]:
    base = dict(fontName=FONT, wordWrap="CJK")
    return {
        "title": ParagraphStyle("title", fontSize=16, leading=22, spaceAfter=4, **base),
        "info": ParagraphStyle("info", fontSize=8.5, leading=12, **base),
        "small": ParagraphStyle("small", fontSize=7, leading=9, **base),
        "cell": ParagraphStyle("cell", fontSize=8, leading=10, **base),
        "head": ParagraphStyle("head", fontSize=8, leading=10, alignment=1, **base),
        "h2": ParagraphStyle("h2", fontSize=11, leading=15, spaceBefore=4, spaceAfter=2, **base),
    }


def _canvas_class(footer: str):
    """A canvas that keeps every page until the end, then writes the footer
    with the page count: 第 N 页 共 M 页."""

    class PagedCanvas(Canvas):
        def __init__(self, *args, **kwargs):
            kwargs["initialFontName"] = FONT  # no Helvetica on any page
            super().__init__(*args, **kwargs)
            self._pages = []

        def showPage(self):  # noqa: N802 (reportlab's name)
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self.setFont(FONT, 7.5)
                self.setFillColor(colors.HexColor("#555555"))
                self.drawString(MARGIN, 8 * mm, footer)
                self.drawRightString(PAGE[0] - MARGIN, 8 * mm,
                                     f"第 {self._pageNumber} 页 共 {total} 页")
                Canvas.showPage(self)
            Canvas.save(self)

    return PagedCanvas


def _title(snap) -> str:
    return f"{snap.report_type}排名表" + ("" if snap.published else "（草稿，未发布）")


def _meta_lines(snap) -> list[str]:
    data = snap.data
    return [
        f"期间：{snap.period_label}（{snap.period_code}）　　指标体系：{data['scheme']['name']}"
        f"（{snap.scheme_code} 第 {snap.scheme_version} 版）",
        f"生成时间：{F.dt(snap.generated_at)}（{_who(snap.generated_by)}）　　"
        f"数据截至：{F.dt(data['as_of'])}　　"
        f"报表编号：{snap.id}（第 {snap.version} 版，{snap.status_label}）"
        + (f"　　发布时间：{F.dt(snap.published_at)}" if snap.published_at else ""),
        f"输入数据哈希（SHA-256）：{snap.inputs_hash}",
    ]


def _who(user) -> str:
    return user.get_full_name() if user is not None else "命令行"


def _footer(snap) -> str:
    return (f"{snap.report_type} · {snap.period_code} · 报表编号 {snap.id} · "
            f"哈希 {snap.inputs_hash[:16]}…")


def _legend(data, st) -> Table:
    row = ["档次图例："]
    style = [("FONTNAME", (0, 0), (-1, -1), FONT), ("FONTSIZE", (0, 0), (-1, -1), 8),
             ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]
    for i, band in enumerate(data["bands"]):
        col = 1 + 2 * i
        row += [band["name"], band["rule"]]
        style += [("BACKGROUND", (col, 0), (col, 0), colors.HexColor(band["colour"])),
                  ("ALIGN", (col, 0), (col, 0), "CENTER")]
        if band["name"] in DARK_BANDS:
            style.append(("TEXTCOLOR", (col, 0), (col, 0), colors.white))
    table = Table([row], colWidths=[48] + [34, 96] * len(data["bands"]), hAlign="LEFT")
    table.setStyle(TableStyle(style))
    return table


def _missing_note(data) -> str | None:
    names = {i["code"]: i["name"] for i in data["indicators"]}
    missing = data.get("missing") or {}
    if not missing:
        return None
    items = "；".join(f"{code} {names.get(code, '')}（{F.reason(why)}）"
                     for code, why in missing.items())
    return f"未计分的指标：{items}。表中“{F.DASH}”表示该项未计分。"


def _build(snap, story) -> bytes:
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=PAGE, leftMargin=MARGIN, rightMargin=MARGIN,
                            topMargin=MARGIN, bottomMargin=MARGIN + 4 * mm,
                            initialFontName=FONT, title=_title(snap), author="改革报表", subject=snap.scheme_name,
                            creator="改革报表")
    doc.build(story, canvasmaker=_canvas_class(_footer(snap)))
    return buf.getvalue()


def rank_table(snap, st) -> Table:
    data = snap.data
    tops = [i for i in data["indicators"] if i["parent"] is None]
    head = ["排名", "单位", "区域"] + [
        Paragraph(f"{escape(i['name'])}<br/>（{F.points(i['points'])}分）"
                  if not i["adjustment"] and i["points"] else escape(i["name"]), st["head"])
        for i in tops] + ["总分", "档次"]
    rows = [head]
    style = [
        ("FONTNAME", (0, 0), (-1, -1), FONT), ("FONTSIZE", (0, 0), (-1, -1), 8.5),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#999999")),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef5")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("ALIGN", (0, 0), (-1, -1), "CENTER"),
        ("ALIGN", (3, 1), (-1, -1), "RIGHT"), ("ALIGN", (-1, 1), (-1, -1), "CENTER"),
        ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]
    for n, unit in enumerate(data["units"], start=1):
        rows.append([str(unit["rank"]), unit["name"], unit.get("region") or ""]
                    + [F.score(unit["scores"].get(i["code"])) for i in tops]
                    + [F.score(unit["total"]), unit["band"]])
        style.append(("BACKGROUND", (-1, n), (-1, n), colors.HexColor(unit["colour"])))
        if unit["band"] in DARK_BANDS:
            style.append(("TEXTCOLOR", (-1, n), (-1, n), colors.white))
        if n % 2 == 0:
            style.append(("BACKGROUND", (0, n), (-2, n), colors.HexColor("#f6f8fa")))
    width = PAGE[0] - 2 * MARGIN
    fixed = [30, 100, 100, 48, 40]
    rest = max(40.0, (width - sum(fixed)) / max(1, len(tops)))
    widths = fixed[:3] + [rest] * len(tops) + fixed[3:]
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(TableStyle(style))
    return table


def rank_sheet(snap) -> bytes:
    """The rank sheet of a snapshot: every unit's top-level indicator scores,
    total, rank and colour band, with a legend."""
    ensure_font()
    st = _styles()
    data = snap.data
    story = [Paragraph(escape(_title(snap)), st["title"])]
    story += [Paragraph(escape(line), st["info"]) for line in _meta_lines(snap)]
    story += [Spacer(1, 4), _legend(data, st), Spacer(1, 6), rank_table(snap, st)]
    note = _missing_note(data)
    if note:
        story += [Spacer(1, 4), Paragraph(escape(note), st["small"])]
    return _build(snap, story)


def _unit_story(snap, unit: dict, st) -> list:
    data = snap.data
    cells = data["cells"].get(str(unit["id"]), {})
    n_units = len(data["units"])
    story = [
        Paragraph(escape(f"{unit['name']} {snap.report_type}计分表"
                         + ("" if snap.published else "（草稿，未发布）")), st["title"]),
        *[Paragraph(escape(line), st["info"]) for line in _meta_lines(snap)],
        Spacer(1, 4),
    ]
    summary = Table([[f"总分 {F.score(unit['total'])}", f"排名 第 {unit['rank']} 名 / 共 {n_units} 个单位",
                      f"档次 {unit['band']}", f"区域 {unit.get('region') or F.DASH}"]],
                    colWidths=[110, 170, 80, 180], hAlign="LEFT")
    summary.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), FONT), ("FONTSIZE", (0, 0), (-1, -1), 10),
        ("BACKGROUND", (2, 0), (2, 0), colors.HexColor(unit["colour"])),
        ("TEXTCOLOR", (2, 0), (2, 0), colors.white if unit["band"] in DARK_BANDS else colors.black),
        ("BOX", (0, 0), (-1, -1), 0.4, colors.HexColor("#999999")),
    ]))
    story += [summary, Spacer(1, 6)]
    rows = [["指标", "分值", "数值", "得分", "计分说明"]]
    style = [
        ("FONTNAME", (0, 0), (-1, -1), FONT), ("FONTSIZE", (0, 0), (-1, -1), 8),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#999999")),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef5")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("ALIGN", (1, 1), (3, -1), "RIGHT"),
        ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]
    for n, ind in enumerate(data["indicators"], start=1):
        name = Paragraph("　" * ind["depth"] + escape(f"{ind['code']} {ind['name']}"), st["cell"])
        pts = "" if ind["adjustment"] else F.points(ind["points"])
        if ind["leaf"]:
            cell = cells.get(ind["code"], {})
            why = F.explanation(cell)
            if cell.get("record_count"):
                why += f"（依据已审核通过的记录 {cell['record_count']} 条）"
            rows.append([name, pts, F.number(cell.get("value")), F.score(cell.get("score")),
                         Paragraph(escape(why), st["cell"])])
        else:
            rows.append([name, pts, "", F.score(unit["scores"].get(ind["code"])),
                         Paragraph("下级指标得分合计" + ("（扣分项在加权合计后计入）"
                                                 if any(c["adjustment"] for c in data["indicators"]
                                                        if c["parent"] == ind["code"]) else ""),
                                   st["cell"])])
            style.append(("BACKGROUND", (0, n), (-1, n), colors.HexColor("#f6f8fa")))
    width = PAGE[0] - 2 * MARGIN
    table = Table(rows, colWidths=[230, 40, 50, 50, width - 370], repeatRows=1)
    table.setStyle(TableStyle(style))
    story.append(table)
    story.append(Spacer(1, 4))
    story.append(Paragraph(escape(f"合计：{F.score(unit['total'])}（满分 "
                                  f"{F.points(data['scheme']['total_points'])}）"), st["info"]))
    return story


def unit_sheets(snap, unit_ids: list[int] | None = None, progress=None) -> bytes:
    """One unit's sheet, or every unit's (in rank order) as one PDF."""
    ensure_font()
    st = _styles()
    units = snap.data["units"]
    if unit_ids is not None:
        wanted = set(unit_ids)
        units = [u for u in units if u["id"] in wanted]
    story: list = []
    for n, unit in enumerate(units):
        if story:
            story.append(PageBreak())
        story.extend(_unit_story(snap, unit, st))
        if progress is not None:
            progress(int(70 * (n + 1) / max(1, len(units))), f"已排版 {n + 1}/{len(units)} 个单位")
    if not story:
        story.append(KeepTogether([Paragraph("没有可输出的单位", st["info"])]))
    return _build(snap, story)
