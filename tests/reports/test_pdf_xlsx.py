"""PDF rank and unit sheets and the Excel export: the same numbers as the
ranking page, the embedded font, the header on every page, page numbers, the
Excel round trip and neutralised cells."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from app.extensions import db
from app.reports import service
from app.reports.models import ReportSnapshot
from app.reports.xlsx import neutralise
from tests.reports.util import (
    CITY_LEADER,
    OFFICE,
    PERIOD,
    SCHEME,
    add_period,
    quarter_data,
    user,
)

SUBSET_NAME = re.compile(r"^/[A-Z]{6}\+WenQuanYiMicroHei")


@pytest.fixture
def published(app):
    with app.app_context():
        quarter_data()
        add_period()
        snap = service.generate(SCHEME, PERIOD, user(OFFICE))
        service.publish(snap.id, user(OFFICE))
        return snap.id


def _strip(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html).strip()


def ranking_rows(html: str) -> list[list[str]]:
    """The ranking table of the page: one list of cell texts per unit."""
    table = re.search(r'<table[^>]*id="ranking".*?</table>', html, re.S).group(0)
    rows = re.findall(r'<tr data-unit="[^"]+"[^>]*>(.*?)</tr>', table, re.S)
    return [[_strip(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", r, re.S)] for r in rows]


def pdf_text(data: bytes) -> tuple[PdfReader, list[str]]:
    reader = PdfReader(io.BytesIO(data))
    return reader, [p.extract_text() for p in reader.pages]


def test_rank_sheet_pdf_matches_the_ranking_page(app, login_as, published):
    client = login_as(CITY_LEADER)
    html = client.get(f"/reports/{published}").get_data(as_text=True)
    rows = ranking_rows(html)
    assert len(rows) == 41
    resp = client.get(f"/reports/{published}/pdf")
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    assert "attachment" in resp.headers["Content-Disposition"]
    reader, pages = pdf_text(resp.data)
    text = "\n".join(pages)
    tokens = text.split()
    assert "区县改革报表排名表" in text and "草稿" not in pages[0].splitlines()[0]
    with app.app_context():
        snap = db.session.get(ReportSnapshot, published)
        assert snap.inputs_hash in text and f"报表编号：{snap.id}" in text
        assert "区县改革报表指标体系（2023）（district_2023 第 1 版）" in text
        assert snap.generated_at.strftime("%Y-%m-%d %H:%M:%S") in text
    # every row of the page, cell by cell, in the same order in the PDF
    for row in rows:
        expected = [c for c in row if c]  # rank, unit, region, scores…, total, band
        start = tokens.index(expected[1]) - 1
        assert tokens[start:start + len(expected)] == expected, (row, tokens[start:start + 12])
    # the header row repeats on every page; 第 N 页 共 M 页 on each
    assert len(pages) >= 2
    for n, page in enumerate(pages, start=1):
        lines = page.splitlines()
        assert {"排名", "单位", "区域", "总分", "档次"} <= set(lines), n
        assert f"第 {n} 页 共 {len(pages)} 页" in page
    # the legend with every band
    for band in ("深绿", "绿", "黄", "橙", "红"):
        assert band in tokens


def test_pdf_embeds_a_subset_truetype_font_and_nothing_else(app, login_as, published):
    client = login_as(OFFICE)
    for url in (f"/reports/{published}/pdf",):
        reader = PdfReader(io.BytesIO(client.get(url).data))
        seen = set()
        for page in reader.pages:
            for _, ref in page["/Resources"]["/Font"].items():
                font = ref.get_object()
                seen.add(str(font["/BaseFont"]))
                assert font["/Subtype"] == "/TrueType", font  # not Type0/CID, not Type1
                assert "/DescendantFonts" not in font
                assert SUBSET_NAME.match(str(font["/BaseFont"])), font["/BaseFont"]
                descriptor = font["/FontDescriptor"].get_object()
                assert "/FontFile2" in descriptor  # the glyphs are in the file
                assert len(descriptor["/FontFile2"].get_object().get_data()) > 1000
                assert "/ToUnicode" in font  # text can be copied and searched
        assert seen


def test_unit_sheets_one_and_all(app, login_as, published):
    with app.app_context():
        snap = db.session.get(ReportSnapshot, published)
        units = snap.data["units"]
        wz = next(u for u in units if u["name"] == "万州区")
        cells = snap.data["cells"][str(wz["id"])]
        from app.reports.pdf import unit_sheets

        _, pages = pdf_text(unit_sheets(snap))
    text = "\n".join(pages)
    for u in units:
        assert f"{u['name']} 区县改革报表计分表" in text
    assert f"第 1 页 共 {len(pages)} 页" in pages[0] and len(pages) >= 41
    client = login_as(OFFICE)
    resp = client.get(f"/reports/{published}/units/{wz['id']}/pdf")
    assert resp.status_code == 200
    _, pages = pdf_text(resp.data)
    one = "\n".join(pages)
    assert "万州区 区县改革报表计分表" in one and "渝中区 区县改革报表计分表" not in one
    assert f"总分 {wz['total']:.2f}" in one and f"排名 第 {wz['rank']} 名 / 共 41 个单位" in one
    flat = re.sub(r"\s+", "", one)
    assert re.sub(r"\s+", "", cells["PP1"]["explanation"]) in flat


def test_excel_round_trip(app, login_as, published):
    client = login_as(OFFICE)
    resp = client.get(f"/reports/{published}/xlsx")
    assert resp.status_code == 200
    wb = load_workbook(io.BytesIO(resp.data))
    assert wb.sheetnames == ["排名", "计分说明"]
    ws = wb["排名"]
    values = list(ws.iter_rows(values_only=True))
    header_at = next(n for n, r in enumerate(values) if r[0] == "排名")
    header = values[header_at]
    assert header[:3] == ("排名", "单位", "区域") and header[-2:] == ("总分", "档次")
    with app.app_context():
        snap = db.session.get(ReportSnapshot, published)
        data = snap.data
        assert values[0][0] == "区县改革报表排名表" and snap.inputs_hash in values[3][0]
    tops = [i["code"] for i in data["indicators"] if i["parent"] is None]
    body = values[header_at + 1: header_at + 1 + 41]
    for unit, row in zip(data["units"], body):
        assert row == (unit["rank"], unit["name"], unit["region"],
                       *[unit["scores"][c] for c in tops], unit["total"], unit["band"])
    # band colours as cell fills
    first = ws.cell(row=header_at + 2, column=len(header))
    assert first.fill.fgColor.rgb.endswith(data["units"][0]["colour"].lstrip("#").upper())
    ex = list(wb["计分说明"].iter_rows(values_only=True))
    assert ex[0][:4] == ("单位", "排名", "指标代码", "指标")
    leaves = [i for i in data["indicators"] if i["leaf"]]
    assert len(ex) - 1 == 41 * len(leaves)
    wz = next(u for u in data["units"] if u["name"] == "万州区")
    row = next(r for r in ex if r[0] == "万州区" and r[2] == "PP1")
    assert row[5] == data["cells"][str(wz["id"])]["PP1"]["score"]
    assert row[7] == data["cells"][str(wz["id"])]["PP1"]["explanation"]


@pytest.mark.parametrize("value, expected", [
    ("=1+1", "'=1+1"), ("+SUM(A1)", "'+SUM(A1)"), ("-2", "'-2"), ("@cmd", "'@cmd"),
    ("\t=1", "'\t=1"), ("\r=1", "'\r=1"), ("渝中区", "渝中区"), ("x=3 ≥ 中位值", "x=3 ≥ 中位值"),
    (3.5, 3.5), (None, None), (-2, -2),
])
def test_neutralise(value, expected):
    assert neutralise(value) == expected


def test_excel_cells_are_neutralised(app, published, tmp_path):
    """A unit named like a formula comes back as text, never as a formula."""
    from app.reports.xlsx import ranking_workbook

    with app.app_context():
        snap = db.session.get(ReportSnapshot, published)
        snap.data["units"][0]["name"] = "=HYPERLINK(\"http://x\",\"点我\")"
        snap.data["units"][0]["region"] = "@SUM(1)"
        wb = load_workbook(io.BytesIO(ranking_workbook(snap)))
        db.session.rollback()
    cells = [c for row in wb["排名"].iter_rows() for c in row]
    assert not [c for c in cells if c.data_type == "f"]
    texts = [c.value for c in cells if isinstance(c.value, str)]
    assert "'=HYPERLINK(\"http://x\",\"点我\")" in texts and "'@SUM(1)" in texts
