"""Seed 004's own lists as the choices (word for word, by category, the item
depending on the category), the case template's guidance and character
counts on the form, and the scope of every list: web, REST, Excel, adoption."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook

from app.extensions import db
from app.records.soe.models import (
    CASE_GUIDANCE,
    CATEGORIES,
    CITY,
    ITEM_CATEGORY,
    ITEMS,
    MEDIA,
    NATIONAL,
    SoeCase,
)
from tests.helpers import login, new_client
from tests.soe.util import (
    ADMIN,
    CITY_LEADER,
    CJ_CLERK,
    CJ_REVIEWER,
    CLERK_WZ,
    CLERK_YZ,
    GZW_CLERK,
    GZW_REVIEWER,
    JT_CLERK,
    KZ_CLERK,
    KZ_GZW_REVIEWER,
    LEADER_WZ,
    OFFICE,
    REVIEWER_WZ,
    SW_CLERK,
    add_accounts,
    headers,
    make_case,
    make_recognition,
    walk,
)

SEED = Path("/work/shared/seeds/004_fa1a57c2d02aa465.txt")
_SEED_COPY = Path(__file__).with_name("seed_004.txt")


def _seed_text() -> str:
    return (SEED if SEED.exists() else _SEED_COPY).read_text(encoding="utf-8")


def test_items_are_the_seeds_own_lists_word_for_word():
    text = _seed_text()
    assert [len(ITEMS[c]) for c in (NATIONAL, MEDIA, CITY)] == [7, 3, 8]
    circled = "①②③④⑤⑥⑦⑧"
    for category, items in ITEMS.items():
        for n, (code, label) in enumerate(items):
            assert label[0] == circled[n], label  # numbered as the seed numbers them
            assert label + "。" in text, label  # the seed's sentence, word for word
            assert ITEM_CATEGORY[code] == category
    # each category's items sit in that category's row of 附件1, in order
    rows = {NATIONAL: "改革经验获全国性肯定评价", MEDIA: "改革经验被5家中央媒体深度专题报道",
            CITY: "改革经验获全市推广"}
    for category, items in ITEMS.items():
        start = text.index(rows[category])
        positions = [text.index(label, start) for _, label in items]
        assert positions == sorted(positions)
    # the template's guidance, word for word
    for key in ("problem", "measures"):
        assert CASE_GUIDANCE[key] in text
    assert CASE_GUIDANCE["results"].replace("（篇幅500字左右）", "") in text


def test_the_forms_offer_the_lists_by_category_and_count_characters(app):
    add_accounts(app)
    c = new_client(app)
    login(c, CJ_CLERK)
    html = c.get("/soerecognitionmodelview/add").get_data(as_text=True)
    for items in ITEMS.values():
        for code, label in items:
            assert f'value="{code}"' in html and label in html
    for category in CATEGORIES:
        assert f'value="{category}"' in html
    rules = json.loads(re.search(r'id="kit-dependent"[^>]*>(.*?)</script>', html, re.S).group(1))
    assert rules["item"]["parents"] == ["category"]
    assert rules["item"]["map"] == {cat: [code for code, _ in ITEMS[cat]] for cat in CATEGORIES}
    html = c.get("/soecasemodelview/add").get_data(as_text=True)
    for name, chars in (("problem", 500), ("measures", 1000), ("results", 500)):
        tag = re.search(rf'<textarea[^>]*name="{name}"[^>]*>', html).group(0)
        assert f'data-max-chars="{chars}"' in tag, tag
    assert "一是XX；二是XX；（篇幅1000字左右）" in html
    assert "侧重在体制机制创新、政策文件制定、体系流程再造等方面取得的成果" in html
    assert "改革前的问题" in html and "改革成效（成果）" in html


@pytest.fixture
def records(app):
    """A recognition and an approved case of each 万州 enterprise, and of 开州's."""
    add_accounts(app, other_district=True)
    with app.app_context():
        rec = {m: make_recognition(m, CITY, "C-1", title=f"推广{m}")
               for m in (CJ_CLERK, JT_CLERK, SW_CLERK, KZ_CLERK)}
        case = make_case(CJ_CLERK, name="城建案例")
        walk("soe_case", case, CJ_CLERK, CJ_REVIEWER)
    return rec, case


WZ_ALL = {CJ_CLERK, JT_CLERK, SW_CLERK}
EXPECTED = {  # who sees which enterprise's records
    CJ_CLERK: {CJ_CLERK}, CJ_REVIEWER: {CJ_CLERK}, JT_CLERK: {JT_CLERK},
    GZW_CLERK: WZ_ALL, GZW_REVIEWER: WZ_ALL, CLERK_WZ: WZ_ALL, REVIEWER_WZ: WZ_ALL,
    LEADER_WZ: WZ_ALL, KZ_GZW_REVIEWER: {KZ_CLERK}, CLERK_YZ: set(),
    OFFICE: WZ_ALL | {KZ_CLERK}, CITY_LEADER: WZ_ALL | {KZ_CLERK},
}


def test_scope_of_the_lists(app, records):
    rec, case = records
    for mobile, sees in EXPECTED.items():
        want = {rec[m] for m in sees}
        api = new_client(app)
        got = api.get("/api/v1/soe_recognition/?q=(page_size:100)",
                      headers=headers(api, mobile)).get_json()
        assert set(got["ids"]) == want, (mobile, "REST")
        web = new_client(app)
        login(web, mobile)
        html = web.get("/soerecognitionmodelview/list/?_all=1").get_data(as_text=True)
        for m, rid in rec.items():
            assert (f"推广{m}" in html) is (m in sees), (mobile, "web list", m)
        resp = web.get("/soerecognitionmodelview/export/?_all=1")
        ids = {row[0] for row in load_workbook(io.BytesIO(resp.data)).active.iter_rows(
            min_row=2, values_only=True)}
        assert ids == want, (mobile, "export")
        # the adoption list and its REST twin: the approved case of 城建
        page = web.get("/soecaseadoption/").get_data(as_text=True)
        assert (f'data-id="{case}"' in page) is (CJ_CLERK in sees), (mobile, "adoption")
        listed = api.get("/api/v1/soe_case_adoption/", headers=headers(api, mobile)).get_json()
        assert ({r["id"] for r in listed["result"]} == {case}) is (CJ_CLERK in sees), mobile
    admin = new_client(app)
    login(admin, ADMIN)
    assert admin.get("/soerecognitionmodelview/list/").status_code == 403
    assert admin.get("/soecaseadoption/").status_code == 403


def test_the_menu(app):
    add_accounts(app)
    c = new_client(app)
    login(c, GZW_REVIEWER)
    html = c.get("/").get_data(as_text=True)
    for text in ("国企改革", "国企改革成效", "改革典型案例", "典型案例采用"):
        assert text in html, text
    with app.app_context():
        assert db.session.get(SoeCase, 1) is None
