"""Report pages and downloads: every page is refused to roles and units
outside its scope; what a district sees; drafts; CSRF; the periods screen."""

from __future__ import annotations

import re

import pytest

from app.extensions import db
from app.reports import service
from app.reports.models import ReportPeriod, ReportSnapshot
from tests.helpers import csrf_token
from tests.reports.util import (
    ADMIN,
    CITY_LEADER,
    CLERK_WZ,
    CLERK_YZ,
    LEADER_WZ,
    OFFICE,
    PERIOD,
    REPORT_TYPE,
    REVIEWER_WZ,
    SCHEME,
    add_period,
    quarter_data,
    unit,
    user,
)


@pytest.fixture
def ids(app):
    """A published snapshot, a newer draft, and the two units."""
    with app.app_context():
        quarter_data()
        add_period()
        pub = service.generate(SCHEME, PERIOD, user(OFFICE))
        service.publish(pub.id, user(OFFICE))
        draft = service.generate(SCHEME, PERIOD, user(OFFICE))
        return {"pub": pub.id, "draft": draft.id, "wz": unit("万州区").id,
                "yz": unit("渝中区").id}


def _token(client):
    return csrf_token(client, "/resetmypassword/form")


def _urls(i):
    p, wz, yz = i["pub"], i["wz"], i["yz"]
    return {
        "ranking": f"/reports/{p}", "colours": f"/reports/{p}/colours",
        "list": "/reports/", "trend": "/reports/trend",
        "unit_own": f"/reports/{p}/units/{wz}", "unit_other": f"/reports/{p}/units/{yz}",
        "cell_own": f"/reports/{p}/units/{wz}/PP1", "cell_other": f"/reports/{p}/units/{yz}/PP1",
        "cell_top_other": f"/reports/{p}/units/{yz}/PP",
        "pdf": f"/reports/{p}/pdf", "xlsx": f"/reports/{p}/xlsx",
        "unit_pdf_own": f"/reports/{p}/units/{wz}/pdf",
        "unit_pdf_other": f"/reports/{p}/units/{yz}/pdf",
        "verify": f"/reports/{p}/verify", "compare": f"/reports/compare?a={p}&b={i['draft']}",
        "draft": f"/reports/{i['draft']}", "draft_unit": f"/reports/{i['draft']}/units/{wz}",
        "cockpit": "/cockpit/", "usage": "/usage/?period=2024Q1",
        "usage_xlsx": "/usage/xlsx?period=2024Q1", "periods": "/reportperiodmodelview/list/",
    }


# expected status per page: 改革办, city leader, 万州 leader, 万州 clerk, 万州 reviewer, administrator
MATRIX = {
    "ranking":         (200, 200, 200, 403, 403, 403),
    "colours":         (200, 200, 200, 403, 403, 403),
    "list":            (200, 200, 200, 403, 403, 403),
    "trend":           (200, 200, 200, 403, 403, 403),
    "unit_own":        (200, 200, 200, 200, 200, 403),
    "unit_other":      (200, 200, 404, 404, 404, 403),
    "cell_own":        (200, 200, 200, 200, 200, 403),
    "cell_other":      (200, 200, 404, 404, 404, 403),
    "cell_top_other":  (200, 200, 404, 404, 404, 403),
    "pdf":             (200, 200, 404, 403, 403, 403),
    "xlsx":            (200, 200, 404, 403, 403, 403),
    "unit_pdf_own":    (200, 200, 200, 200, 200, 403),
    "unit_pdf_other":  (200, 200, 404, 404, 404, 403),
    "verify":          (200, 403, 403, 403, 403, 403),
    "compare":         (200, 403, 403, 403, 403, 403),
    "draft":           (200, 404, 404, 403, 403, 403),
    "draft_unit":      (200, 404, 404, 404, 404, 403),
    "cockpit":         (200, 200, 200, 403, 403, 403),
    "usage":           (200, 200, 200, 403, 403, 403),
    "usage_xlsx":      (200, 200, 200, 403, 403, 403),
    "periods":         (200, 403, 403, 403, 403, 403),
}
USERS = (OFFICE, CITY_LEADER, LEADER_WZ, CLERK_WZ, REVIEWER_WZ, ADMIN)


@pytest.mark.parametrize("who", range(len(USERS)), ids=["改革办", "市领导", "区县领导", "录入员",
                                                          "审核员", "系统管理员"])
def test_page_scope_matrix(app, login_as, ids, who):
    client = login_as(USERS[who])
    urls = _urls(ids)
    got = {name: client.get(url).status_code for name, url in urls.items()}
    want = {name: MATRIX[name][who] for name in urls}
    assert got == want


@pytest.mark.parametrize("mobile, generate, publish, sheets", [
    (OFFICE, 302, 302, 302),
    (CITY_LEADER, 403, 403, 302),
    (LEADER_WZ, 403, 403, 404),
    (CLERK_WZ, 403, 403, 403),
    (ADMIN, 403, 403, 403),
])
def test_actions_by_role(app, login_as, ids, mobile, generate, publish, sheets):
    client = login_as(mobile)
    token = _token(client)
    r = client.post("/reports/generate", data={"scheme": SCHEME, "period": PERIOD,
                                               "csrf_token": token})
    assert r.status_code == generate
    r = client.post(f"/reports/{ids['draft']}/publish", data={"csrf_token": token})
    assert r.status_code == publish
    r = client.post(f"/reports/{ids['pub']}/unit-sheets", data={"csrf_token": token})
    assert r.status_code == sheets
    with app.app_context():
        published = db.session.get(ReportSnapshot, ids["draft"]).published
    assert published == (mobile == OFFICE)


def test_posts_need_the_csrf_token(app, login_as, ids):
    client = login_as(OFFICE)
    assert client.post("/reports/generate", data={"scheme": SCHEME,
                                                  "period": PERIOD}).status_code == 400
    assert client.post(f"/reports/{ids['draft']}/publish").status_code == 400
    assert client.get(f"/reports/{ids['draft']}/publish").status_code == 405
    with app.app_context():
        assert not db.session.get(ReportSnapshot, ids["draft"]).published


def test_generate_errors_are_shown_in_chinese(app, login_as, ids):
    client = login_as(OFFICE)
    r = client.post("/reports/generate", data={"scheme": SCHEME, "period": "2031Q1",
                                               "csrf_token": _token(client)},
                    follow_redirects=True)
    assert "尚未设置期间“2031Q1”" in r.get_data(as_text=True)


def _row(html, name):
    return re.search(rf'<tr data-unit="{name}"[^>]*>(.*?)</tr>', html, re.S)


def test_district_sees_totals_of_others_and_details_of_its_own(app, login_as, ids):
    client = login_as(LEADER_WZ)
    html = client.get(f"/reports/{ids['pub']}").get_data(as_text=True)
    assert html.count("<tr data-unit=") == 41
    own = _row(html, "万州区")
    assert 'class="own-unit"' in own.group(0) and f"/units/{ids['wz']}/PP" in own.group(1)
    other = _row(html, "渝中区").group(1)
    assert "/units/" not in other  # no drill-down into another unit
    assert re.search(r'class="total"[^>]*><strong>\d+\.\d\d</strong>', other)
    assert 'class="band' in other
    assert "下载 PDF 排名表" not in html and "publish-form" not in html
    colours = client.get(f"/reports/{ids['pub']}/colours").get_data(as_text=True)
    assert len(re.findall(r'class="tile[ "]', colours)) == 41 and "（本单位）" in colours


def test_district_sees_only_itself_when_the_setting_says_so(app, login_as, ids):
    app.config["REPORTS_DISTRICT_SEES_OTHERS"] = False
    client = login_as(LEADER_WZ)
    html = client.get(f"/reports/{ids['pub']}").get_data(as_text=True)
    assert re.findall(r'<tr data-unit="([^"]+)"', html) == ["万州区"]
    colours = client.get(f"/reports/{ids['pub']}/colours").get_data(as_text=True)
    assert re.findall(r'data-unit="([^"]+)"', colours) == ["万州区"]
    cockpit = client.get("/cockpit/").get_data(as_text=True)
    assert set(re.findall(r'data-unit="([^"]+)"', cockpit)) == {"万州区"}
    # another district leader sees nothing of 万州
    other = login_as("13900000023")
    html = other.get(f"/reports/{ids['pub']}").get_data(as_text=True)
    assert re.findall(r'<tr data-unit="([^"]+)"', html) == ["渝中区"]


def test_clerk_reaches_the_own_unit_page(app, login_as, ids):
    client = login_as(CLERK_YZ)
    r = client.get("/reports/mine")
    assert r.status_code == 302 and r.headers["Location"].endswith(
        f"/reports/{ids['pub']}/units/{ids['yz']}")
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "渝中区 区县改革报表得分" in page and 'data-option="trend-option"' in page


def test_drilldown_shows_the_sentence_and_the_approved_records(app, login_as, ids):
    client = login_as(LEADER_WZ)
    html = client.get(f"/reports/{ids['pub']}/units/{ids['wz']}/PP1").get_data(as_text=True)
    with app.app_context():
        snap = db.session.get(ReportSnapshot, ids["pub"])
        cell = snap.data["cells"][str(ids["wz"])]["PP1"]
        from app.records.recognition.models import Recognition
        from sqlalchemy import select

        approved = db.session.scalars(select(Recognition.id).where(
            Recognition.unit_id == ids["wz"], Recognition.state == "approved",
            Recognition.category == "全国性肯定评价")).all()
    assert cell["explanation"] in html
    assert sorted(int(x) for x in re.findall(r'data-record="(\d+)"', html)) == sorted(approved)
    assert "不在报表输入中" not in html
    # a top-level indicator lists its leaves
    top = client.get(f"/reports/{ids['pub']}/units/{ids['wz']}/PP").get_data(as_text=True)
    assert set(re.findall(r'class="panel panel-default leaf" data-code="(\w+)"', top)) == {
        "PP1", "PP2", "PP3"}


def test_pages_are_chinese_only(app, login_as, ids):
    client = login_as(OFFICE)
    for url in _urls(ids).values():
        if "pdf" in url or "xlsx" in url:
            continue
        html = client.get(url).get_data(as_text=True)
        body = re.search(r'<div class="container">(.*)<footer', html, re.S).group(1)
        text = re.sub(r"<script.*?</script>", "", body, flags=re.S)
        text = re.sub(r"<[^>]+>", " ", text)
        for word in ("None", "True", "False", "nan", "pilot", "survey", "risk_incident"):
            assert not re.search(rf"\b{word}\b", text), (url, word)


def test_periods_screen(app, login_as):
    client = login_as(OFFICE)
    url = "/reportperiodmodelview/add"
    token = csrf_token(client, url)
    r = client.post(url, data={"report_type": REPORT_TYPE, "code": "2024q3",
                               "deadline": "2024-10-10", "note": "", "csrf_token": token},
                    follow_redirects=True)
    assert r.status_code == 200
    r = client.post(url, data={"report_type": REPORT_TYPE, "code": "2024-B3",
                               "deadline": "2024-07-10", "note": "", "csrf_token": token},
                    follow_redirects=True)
    assert "按季度评价" in r.get_data(as_text=True)
    with app.app_context():
        from sqlalchemy import select

        assert db.session.scalars(select(ReportPeriod.code)).all() == ["2024Q3"]
