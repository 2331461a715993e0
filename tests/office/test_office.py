"""深改委会议 and 工作动态: filed by the 改革办's clerk only, approved by the 改革办
(one step, never by the filer), the news item's extra way in for the unit it is
about, and the cockpit board that lists approved items only."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from sqlalchemy import select

from app.extensions import db
from app.records.office.models import Meeting, NewsItem
from tests.attachments.files import pdf_bytes
from tests.major_project.util import (
    CITY_LEADER,
    CLERK_WZ,
    LEADER_WZ,
    LEADER_YZ,
    OFFICE,
    OFFICE_CLERK,
    act,
    ensure_package_accounts,
    headers,
    unit_id,
    web,
)

TODAY = dt.date.today()


@pytest.fixture
def accounts(app):
    ensure_package_accounts(app)
    return app


def _meeting(client, mobile=OFFICE_CLERK, title="市委全面深化改革委员会第十二次会议", **over):
    body = {"title": title, "held_on": TODAY.isoformat(), "term": "六届市委",
            "topics": "审议改革工作要点", "decisions": "原则同意"}
    body.update(over)
    return client.post("/api/v1/meeting/", json=body, headers=headers(client, mobile))


def _news(client, app, title, about=None, mobile=OFFICE_CLERK):
    body = {"title": title, "published_on": TODAY.isoformat(), "body": "正文"}
    if about:
        with app.app_context():
            body["about_unit"] = unit_id(about)
    return client.post("/api/v1/news/", json=body, headers=headers(client, mobile))


def _approved(client, record_type, rid):
    assert act(client, record_type, rid, "submit", OFFICE_CLERK).status_code == 200
    assert act(client, record_type, rid, "approve", OFFICE).status_code == 200


def test_meeting_chain_end_to_end_with_documents(accounts, client):
    resp = _meeting(client)
    assert resp.status_code == 201, resp.get_json()
    rid = resp.get_json()["id"]
    files = client.post(f"/api/v1/meeting/{rid}/attachments", headers=headers(client, OFFICE_CLERK),
                        data={"file": (io.BytesIO(pdf_bytes("纪要")), "会议纪要.pdf")},
                        content_type="multipart/form-data")
    assert files.status_code == 201, files.get_json()
    assert act(client, "meeting", rid, "approve", OFFICE_CLERK).status_code in (403, 409)
    assert act(client, "meeting", rid, "submit", OFFICE_CLERK).status_code == 200
    assert act(client, "meeting", rid, "approve", OFFICE_CLERK).status_code == 403
    assert act(client, "meeting", rid, "reject", OFFICE, reason="请补充会议决定").status_code == 200
    assert act(client, "meeting", rid, "submit", OFFICE_CLERK).status_code == 200
    assert act(client, "meeting", rid, "approve", OFFICE).status_code == 200
    with accounts.app_context():
        m = db.session.get(Meeting, rid)
        assert m.state == "approved" and m.approved_on is not None


@pytest.mark.parametrize("mobile", [CLERK_WZ, "13900000031"])
def test_only_the_reform_office_files(accounts, client, mobile):
    resp = _meeting(client, mobile)
    assert resp.status_code == 422
    assert "深改委会议只能由市委改革办填报" in resp.get_json()["message"]
    resp = _news(client, accounts, "某区县动态", mobile=mobile)
    assert resp.status_code == 422
    assert "工作动态只能由市委改革办填报" in resp.get_json()["message"]


def test_bad_input_is_refused_in_chinese(accounts, client):
    future = (TODAY + dt.timedelta(days=1)).isoformat()
    resp = _meeting(client, held_on=future)
    assert resp.status_code == 422 and "会议日期不能晚于今天" in resp.get_json()["message"]
    resp = _meeting(client, decisions="  ")
    assert resp.status_code == 422 and "请填写会议决定" in resp.get_json()["message"]


def test_news_is_seen_by_the_unit_it_is_about(accounts, client):
    rid = _news(client, accounts, "万州区召开改革推进会", about="万州区").get_json()["id"]
    other = _news(client, accounts, "全市改革培训会").get_json()["id"]
    for mobile, sees_wz, sees_other in ((LEADER_WZ, True, False), (LEADER_YZ, False, False),
                                        (CITY_LEADER, True, True)):
        h = headers(client, mobile)
        assert (client.get(f"/api/v1/news/{rid}", headers=h).status_code == 200) is sees_wz
        assert (client.get(f"/api/v1/news/{other}", headers=h).status_code == 200) is sees_other
    # a meeting is the 改革办's only
    mid = _meeting(client).get_json()["id"]
    assert client.get(f"/api/v1/meeting/{mid}", headers=headers(client, LEADER_WZ)
                      ).status_code == 404


# -- the cockpit board -------------------------------------------------------------------

def test_cockpit_board_lists_approved_items_only(accounts, client):
    approved_meeting = _meeting(client, title="第十二次会议（已通过）").get_json()["id"]
    _approved(client, "meeting", approved_meeting)
    pending_meeting = _meeting(client, title="第十三次会议（待审核）").get_json()["id"]
    assert act(client, "meeting", pending_meeting, "submit", OFFICE_CLERK).status_code == 200
    _meeting(client, title="第十四次会议（草稿）")
    approved_news = _news(client, accounts, "万州区动态（已通过）", about="万州区").get_json()["id"]
    _approved(client, "news", approved_news)
    rejected = _news(client, accounts, "渝中区动态（已驳回）", about="渝中区").get_json()["id"]
    assert act(client, "news", rejected, "submit", OFFICE_CLERK).status_code == 200
    assert act(client, "news", rejected, "reject", OFFICE, reason="数据待核实").status_code == 200
    city_news = _news(client, accounts, "全市动态（已通过）").get_json()["id"]
    _approved(client, "news", city_news)

    page = web(accounts, CITY_LEADER).get("/cockpit/").get_data(as_text=True)
    assert 'id="office-board"' in page and "深改委会议与工作动态" in page
    assert "第十二次会议（已通过）" in page and "万州区动态（已通过）" in page
    assert "全市动态（已通过）" in page
    for hidden in ("第十三次会议（待审核）", "第十四次会议（草稿）", "渝中区动态（已驳回）"):
        assert hidden not in page, hidden
    # a district leader: the approved news about the own district only
    page = web(accounts, LEADER_WZ).get("/cockpit/").get_data(as_text=True)
    assert "万州区动态（已通过）" in page
    assert "第十二次会议（已通过）" not in page and "全市动态（已通过）" not in page


def test_cockpit_board_newest_first_and_at_most_five(accounts, client):
    from app.reports.cockpit import office_board

    for n in range(7):
        rid = _meeting(client, title=f"第{n + 1}次会议",
                       held_on=(TODAY - dt.timedelta(days=10 - n)).isoformat()).get_json()["id"]
        _approved(client, "meeting", rid)
    with accounts.test_request_context():
        from tests.major_project.util import user

        board = office_board(user(CITY_LEADER))
    titles = [r["title"] for r in board["meeting"]["rows"]]
    assert titles == ["第7次会议", "第6次会议", "第5次会议", "第4次会议", "第3次会议"]
    with accounts.app_context():
        assert db.session.scalar(select(NewsItem.id).limit(1)) is None
    assert board["news"]["rows"] == []
