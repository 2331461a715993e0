"""申请加入试点: a second district that undertakes a pilot asks to be added to
涉及区县; the supervising department's clerk accepts (the district is added and
gets its update task) or declines with a reason."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.records.pilot.models import Pilot, PilotJoinRequest, PilotTask
from app.records.pilot.tasks import current_quarter
from tests.helpers import csrf_token
from tests.pilot.util import (
    CLERK_GZW,
    CLERK_WX,
    CLERK_WZ,
    CLERK_YZ,
    OFFICE,
    REVIEWER_GZW,
    REVIEWER_YZ,
    WANZHOU,
    YUZHONG,
    act,
    distribute,
    headers,
    make_pilot,
    unit_id,
)

DOC = "国办发〔2019〕25号"


def _pilot(app, distributed=True, **kw):
    with app.app_context():
        p = make_pilot(doc_no=DOC, **kw)
        if distributed:
            distribute(p.id)
        return p.id


def test_rest_request_accept_adds_the_district_and_its_task(app, client):
    pid = _pilot(app)
    hy = headers(client, CLERK_YZ)
    resp = client.post("/api/v1/pilot_join/", json={"doc_no": "国办发（2019）第25号",
                                                     "note": "我区也承接了该试点"}, headers=hy)
    assert resp.status_code == 201, resp.get_json()
    rid = resp.get_json()["id"]
    got = resp.get_json()["result"]
    assert got["status_label"] == "待主管部门确认" and got["pilot_id"] == pid
    assert got["supervisor"] == "市国资委" and got["can_decide"] is False
    # a second request while the first is open
    again = client.post("/api/v1/pilot_join/", json={"doc_no": DOC}, headers=hy)
    assert again.status_code == 409 and f"申请编号 {rid}" in again.get_json()["message"]
    # the district's own reviewer and the department's reviewer cannot decide
    assert client.post(f"/api/v1/pilot_join/{rid}/accept",
                       headers=headers(client, REVIEWER_YZ)).status_code == 403
    assert client.post(f"/api/v1/pilot_join/{rid}/accept",
                       headers=headers(client, CLERK_YZ)).status_code == 403
    hg = headers(client, CLERK_GZW)
    listed = client.get("/api/v1/pilot_join/?status=pending", headers=hg).get_json()
    assert [r["id"] for r in listed["result"]] == [rid]
    assert listed["result"][0]["can_decide"] is True
    resp = client.post(f"/api/v1/pilot_join/{rid}/accept", headers=hg)
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["result"]["status"] == "accepted"
    assert client.post(f"/api/v1/pilot_join/{rid}/accept", headers=hg).status_code == 409
    with app.app_context():
        p = db.session.get(Pilot, pid)
        assert {u.name for u in p.districts} == {WANZHOU, YUZHONG}
        task = db.session.scalar(select(PilotTask).where(
            PilotTask.pilot_id == pid, PilotTask.unit_id == unit_id(YUZHONG)))
        assert task is not None and task.period == current_quarter().code
    # now involved: the district sees the pilot and cannot ask again
    assert client.get(f"/api/v1/pilot/{pid}", headers=hy).status_code == 200
    resp = client.post("/api/v1/pilot_join/", json={"doc_no": DOC}, headers=hy)
    assert resp.status_code == 409 and "已在试点" in resp.get_json()["message"]


def test_decline_needs_a_reason_and_adds_nothing(app, client):
    pid = _pilot(app)
    rid = client.post("/api/v1/pilot_join/", json={"doc_no": DOC},
                      headers=headers(client, CLERK_YZ)).get_json()["id"]
    hg = headers(client, CLERK_GZW)
    resp = client.post(f"/api/v1/pilot_join/{rid}/decline", headers=hg, json={})
    assert resp.status_code == 422 and "理由" in resp.get_json()["message"]
    resp = client.post(f"/api/v1/pilot_join/{rid}/decline", headers=hg,
                       json={"reason": "部署文件未列渝中区"})
    assert resp.status_code == 200
    assert resp.get_json()["result"]["status_label"] == "未同意"
    with app.app_context():
        assert [u.name for u in db.session.get(Pilot, pid).districts] == [WANZHOU]
        assert db.session.scalar(select(PilotTask.id).where(
            PilotTask.unit_id == unit_id(YUZHONG))) is None
    # declined: the district may ask again
    assert client.post("/api/v1/pilot_join/", json={"doc_no": DOC},
                       headers=headers(client, CLERK_YZ)).status_code == 201


def test_refusals_unknown_number_draft_pilot_non_district(app, client):
    hy = headers(client, CLERK_YZ)
    resp = client.post("/api/v1/pilot_join/", json={"doc_no": DOC}, headers=hy)
    assert resp.status_code == 404 and "可以直接创建" in resp.get_json()["message"]
    _pilot(app, distributed=False)
    resp = client.post("/api/v1/pilot_join/", json={"doc_no": DOC}, headers=hy)
    assert resp.status_code == 409 and "万州区的草稿" in resp.get_json()["message"]
    resp = client.post("/api/v1/pilot_join/", json={"doc_no": DOC},
                       headers=headers(client, CLERK_GZW))
    assert resp.status_code == 403
    resp = client.post("/api/v1/pilot_join/", json={"doc_no": DOC, "unit_id": 1}, headers=hy)
    assert resp.status_code == 422 and "不是可以填写的字段" in resp.get_json()["message"]
    assert client.post("/api/v1/pilot_join/", data="x", headers=hy).status_code == 400


def test_join_a_pilot_under_review_adds_district_without_task(app, client):
    with app.app_context():
        pid = make_pilot(doc_no=DOC).id
        act("pilot", pid, "submit", CLERK_WZ)
    rid = client.post("/api/v1/pilot_join/", json={"doc_no": DOC},
                      headers=headers(client, CLERK_YZ)).get_json()["id"]
    assert client.post(f"/api/v1/pilot_join/{rid}/accept",
                       headers=headers(client, CLERK_GZW)).status_code == 200
    with app.app_context():
        assert {u.name for u in db.session.get(Pilot, pid).districts} == {WANZHOU, YUZHONG}
        assert db.session.scalar(select(PilotTask.id)) is None  # not distributed yet


def test_scope_of_requests(app, client):
    _pilot(app)
    rid = client.post("/api/v1/pilot_join/", json={"doc_no": DOC},
                      headers=headers(client, CLERK_YZ)).get_json()["id"]
    for mobile, sees in ((CLERK_YZ, True), (REVIEWER_YZ, True), (CLERK_GZW, True),
                         (REVIEWER_GZW, True), (OFFICE, True), (CLERK_WX, False),
                         (CLERK_WZ, False)):
        h = headers(client, mobile)
        ids = [r["id"] for r in client.get("/api/v1/pilot_join/", headers=h).get_json()["result"]]
        assert (rid in ids) is sees, mobile
        assert client.get(f"/api/v1/pilot_join/{rid}", headers=h).status_code == \
            (200 if sees else 404), mobile
    # an unrelated clerk cannot decide by guessing the id
    assert client.post(f"/api/v1/pilot_join/{rid}/accept",
                       headers=headers(client, CLERK_WX)).status_code == 404


def test_national_pilot_cannot_grow_to_every_district(app, client):
    from app.records.pilot.models import pilot_district
    from app.units.models import Unit

    pid = _pilot(app)
    with app.app_context():
        others = db.session.scalars(select(Unit.id).where(
            Unit.kind == "district", Unit.name.not_in([WANZHOU, YUZHONG]))).all()
        db.session.execute(pilot_district.insert(), [{"pilot_id": pid, "unit_id": u}
                                                     for u in others])
        db.session.commit()
    rid = client.post("/api/v1/pilot_join/", json={"doc_no": DOC},
                      headers=headers(client, CLERK_YZ)).get_json()["id"]
    resp = client.post(f"/api/v1/pilot_join/{rid}/accept", headers=headers(client, CLERK_GZW))
    assert resp.status_code == 409 and "不纳入填报范围" in resp.get_json()["message"]


def test_web_request_and_accept(app, login_as):
    pid = _pilot(app)
    district = login_as(CLERK_YZ)
    page = district.get("/pilotjoin/new?doc_no=国办发[2019]25号").get_data(as_text=True)
    assert "申请加入试点" in page and "国办发[2019]25号" in page
    token = csrf_token(district, "/pilotjoin/new")
    resp = district.post("/pilotjoin/new", data={"csrf_token": token, "doc_no": "国办发[2019]25号",
                                                 "note": "我区承接"})
    assert resp.status_code == 302
    listed = district.get("/pilotjoin/").get_data(as_text=True)
    assert "待主管部门确认" in listed and "同意加入" not in listed
    dept = login_as(CLERK_GZW)
    listed = dept.get("/pilotjoin/?status=pending").get_data(as_text=True)
    assert "同意加入" in listed and "渝中区" in listed
    with app.app_context():
        rid = db.session.scalar(select(PilotJoinRequest.id))
    token = csrf_token(dept, "/pilotjoin/")
    resp = dept.post(f"/pilotjoin/{rid}/accept", data={"csrf_token": token})
    assert resp.status_code == 302
    assert "已同意" in dept.get("/pilotjoin/").get_data(as_text=True)
    with app.app_context():
        assert {u.name for u in db.session.get(Pilot, pid).districts} == {WANZHOU, YUZHONG}
    # the district's reviewer may look but not ask
    reviewer = login_as(REVIEWER_YZ)
    assert reviewer.get("/pilotjoin/").status_code == 200
    assert reviewer.get("/pilotjoin/new").status_code == 403
