"""试点推进状态更新 and 试点成果 end to end: involved-district clerk → district
reviewer → the supervising department's clerk → 改革办 (REST and web), and the
rules of the form."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from app.extensions import db
from app.records.pilot.models import PilotAchievement, PilotUpdate
from app.records.pilot.tasks import current_quarter
from app.workflow.models import WorkflowHistory
from tests.helpers import csrf_token
from tests.pilot.util import (
    CLERK_GZW,
    CLERK_WX,
    CLERK_WZ,
    CLERK_YZ,
    OFFICE,
    REVIEWER_GZW,
    REVIEWER_WZ,
    REVIEWER_YZ,
    WANZHOU,
    YUZHONG,
    act,
    distribute,
    headers,
    make_pilot,
)


@pytest.fixture
def pilot_id(app):
    with app.app_context():
        p = make_pilot(districts=(WANZHOU, YUZHONG))
        distribute(p.id)
        return p.id


def _body(pid, **over):
    body = {"pilot": pid, "period": current_quarter().code,
            "work_done": "1.出台试点实施方案。2.建立月调度机制。", "problems": "配套政策待完善",
            "progress": "正常推进"}
    body.update(over)
    return body


def _wf(client, record_type, rid, action, mobile, **json):
    return client.post(f"/api/v1/workflow/{record_type}/{rid}/{action}",
                       headers=headers(client, mobile), json=json or None)


@pytest.mark.parametrize("record_type", ["pilot_update", "pilot_achievement"])
def test_rest_chain_end_to_end(app, client, pilot_id, record_type):
    body = _body(pilot_id) if record_type == "pilot_update" else {
        "pilot": pilot_id, "name": "建立试点闭环管理机制", "problem": "试点任务推进情况难掌握",
        "effect": "按月调度，按期完成率明显提升"}
    resp = client.post(f"/api/v1/{record_type}/", json=body, headers=headers(client, CLERK_YZ))
    assert resp.status_code == 201, resp.get_json()
    rid = resp.get_json()["id"]
    assert _wf(client, record_type, rid, "submit", CLERK_YZ).status_code == 200
    # not 万州's reviewer: 渝中 filed it
    assert _wf(client, record_type, rid, "approve", REVIEWER_WZ).status_code == 403
    assert _wf(client, record_type, rid, "approve", REVIEWER_YZ).status_code == 200
    # the seed names the department's 录入员 at this step
    resp = _wf(client, record_type, rid, "approve", REVIEWER_GZW)
    assert resp.status_code == 403 and "主管部门录入员" in resp.get_json()["message"]
    assert _wf(client, record_type, rid, "approve", OFFICE).status_code == 403
    resp = _wf(client, record_type, rid, "approve", CLERK_GZW)
    assert resp.status_code == 200 and resp.get_json()["state_label"] == "待市委改革办确认"
    resp = _wf(client, record_type, rid, "approve", OFFICE)
    assert resp.status_code == 200 and resp.get_json()["state"] == "approved"
    with app.app_context():
        history = db.session.execute(select(WorkflowHistory.action, WorkflowHistory.to_state)
                                     .where(WorkflowHistory.record_type == record_type,
                                            WorkflowHistory.record_id == rid)
                                     .order_by(WorkflowHistory.id)).all()
        assert history == [("submit", "pending_1"), ("approve", "pending_2"),
                           ("approve", "pending_3"), ("approve", "approved")]


def test_department_rejects_update_back_to_the_district(app, client, pilot_id):
    rid = client.post("/api/v1/pilot_update/", json=_body(pilot_id),
                      headers=headers(client, CLERK_WZ)).get_json()["id"]
    _wf(client, "pilot_update", rid, "submit", CLERK_WZ)
    _wf(client, "pilot_update", rid, "approve", REVIEWER_WZ)
    resp = _wf(client, "pilot_update", rid, "reject", CLERK_GZW, reason="请条目式列举具体举措")
    assert resp.status_code == 200 and resp.get_json()["state"] == "rejected"
    resp = client.put(f"/api/v1/pilot_update/{rid}", json={"work_done": "1.出台xx文件，实现xx。"},
                      headers=headers(client, CLERK_WZ))
    assert resp.status_code == 200, resp.get_json()
    assert _wf(client, "pilot_update", rid, "submit", CLERK_WZ).status_code == 200


@pytest.mark.parametrize("over,message", [
    ({"period": "2999Q1"}, "尚未开始"),
    ({"period": "2020Q1"}, "没有试点"),
    ({"period": "2024-Q1"}, "季度格式应为"),
    ({"accepted": True}, "请填写验收日期"),
    ({"accepted": False, "accepted_on": "2024-01-01"}, "验收日期请留空"),
    ({"accepted": True, "accepted_on": "2020-01-01"}, "不能早于试点部署日期"),
    ({"accepted": True, "accepted_on": "2999-01-01"}, "不能晚于今天"),
    ({"progress": "差不多"}, "推进状态必须是"),
    ({"work_done": " "}, "已开展工作不能为空"),
])
def test_update_rules(app, client, pilot_id, over, message):
    resp = client.post("/api/v1/pilot_update/", json=_body(pilot_id, **over),
                       headers=headers(client, CLERK_WZ))
    assert resp.status_code == 422, resp.get_json()
    assert message in resp.get_json()["message"]


def test_one_update_per_quarter_and_district(app, client, pilot_id):
    h = headers(client, CLERK_WZ)
    first = client.post("/api/v1/pilot_update/", json=_body(pilot_id), headers=h)
    assert first.status_code == 201
    again = client.post("/api/v1/pilot_update/", json=_body(pilot_id), headers=h)
    assert again.status_code in (409, 422)
    assert f"编号 {first.get_json()['id']}" in again.get_json()["message"]
    # 渝中 has its own
    assert client.post("/api/v1/pilot_update/", json=_body(pilot_id),
                       headers=headers(client, CLERK_YZ)).status_code == 201


def test_only_involved_districts_and_distributed_pilots(app, client):
    with app.app_context():
        pending = make_pilot(doc_no="国办发〔2020〕1号").id
        act("pilot", pending, "submit", CLERK_WZ)
        only_wz = make_pilot(doc_no="国办发〔2020〕2号").id
        distribute(only_wz)
    # not distributed yet: not a choice
    resp = client.post("/api/v1/pilot_update/", json=_body(pending),
                       headers=headers(client, CLERK_WZ))
    assert resp.status_code == 422 and "不可选择" in resp.get_json()["message"]
    # 渝中 is not involved (it cannot even see the pilot)
    resp = client.post("/api/v1/pilot_update/", json=_body(only_wz),
                       headers=headers(client, CLERK_YZ))
    assert resp.status_code == 422
    # a department clerk is not an involved district
    resp = client.post("/api/v1/pilot_achievement/", json={
        "pilot": only_wz, "name": "成果", "problem": "问题", "effect": "成效"},
        headers=headers(client, CLERK_GZW))
    assert resp.status_code == 422 and "不在试点" in resp.get_json()["message"]
    info = client.get("/api/v1/pilot_update/_info", headers=headers(client, CLERK_WZ)).get_json()
    pilots = next(f for f in info["add_columns"] if f["name"] == "pilot")["values"]
    assert [v["id"] for v in pilots] == [only_wz]
    assert client.get("/api/v1/pilot_update/_info", headers=headers(client, CLERK_WX)
                      ).status_code == 200


def test_accepted_update_and_web_chain(app, login_as, pilot_id):
    clerk = login_as(CLERK_WZ)
    form = clerk.get("/pilotupdatemodelview/add").get_data(as_text=True)
    for text in ("已开展工作", "存在问题", "推进状态", "是否通过验收", "验收日期", "举措名称"):
        assert text in form, text
    token = csrf_token(clerk, "/pilotupdatemodelview/add")
    resp = clerk.post("/pilotupdatemodelview/add", data={
        "csrf_token": token, "pilot": str(pilot_id), "period": current_quarter().code,
        "work_done": "1.完成试点全部任务。", "problems": "", "progress": "已完成",
        "accepted": "y", "accepted_on": dt.date.today().isoformat()})
    assert resp.status_code == 302, resp.get_data(as_text=True)[-3000:]
    with app.app_context():
        up = db.session.scalar(select(PilotUpdate))
        assert up.accepted is True and up.progress == "已完成"
        rid = up.id
    for mobile, action in ((CLERK_WZ, "submit"), (REVIEWER_WZ, "approve"),
                           (CLERK_GZW, "approve"), (OFFICE, "approve")):
        c = login_as(mobile)
        if mobile == CLERK_GZW:  # the department's 待办 shows it
            assert "试点推进状态更新" in c.get("/todo/").get_data(as_text=True)
        token = csrf_token(c, f"/pilotupdatemodelview/show/{rid}")
        c.post(f"/pilotupdatemodelview/transition/{rid}/{action}", data={"csrf_token": token})
    with app.app_context():
        assert db.session.get(PilotUpdate, rid).state == "approved"


def test_achievement_ledger_lists_name(app, login_as, pilot_id):
    with app.app_context():
        from tests.pilot.util import user

        u = user(CLERK_WZ)
        a = PilotAchievement(pilot_id=pilot_id, name="建立长江生态检察官制度", problem="职能分散",
                             effect="统一办理", unit_id=u.unit_id, filed_by_id=u.id,
                             state="draft", version=1)
        db.session.add(a)
        assert a.clean() == []
        db.session.commit()
    page = login_as(CLERK_WZ).get("/pilotachievementmodelview/list/?_all=1").get_data(as_text=True)
    assert "建立长江生态检察官制度" in page and "开展营商环境创新试点" in page
