"""改革需求 and 改革成效 through the screens and the REST API: the scope matrix,
locks, workflow buttons, bulk actions, Excel, to-do, history endpoints."""

from __future__ import annotations

import datetime
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from app.extensions import db
from app.records.demand.models import Demand
from app.records.demand.taxonomy import load_taxonomy
from app.workflow.models import WorkflowHistory
from tests.helpers import api_token, csrf_token
from tests.workflow.util import (
    ADMIN,
    CITY_LEADER,
    CLERK_WZ,
    CLERK_YZ,
    LEADER_WZ,
    OFFICE,
    REVIEWER_WZ,
    REVIEWER_YZ,
    act,
    make_demand,
    make_recognition,
)


def _draft(app, **kw):
    with app.app_context():
        d = make_demand(**kw)
        return d.id


# (mobile, sees the 万州 record)
VIEWERS = [
    (CLERK_WZ, True), (REVIEWER_WZ, True), (LEADER_WZ, True), (OFFICE, True),
    (CITY_LEADER, True), (CLERK_YZ, False), (REVIEWER_YZ, False),
]


@pytest.mark.parametrize("mobile,sees", VIEWERS)
def test_scope_list_show_excel(app, login_as, mobile, sees):
    rid = _draft(app, title="万州的需求")
    _draft(app, mobile=CLERK_YZ, title="渝中的需求")
    c = login_as(mobile)
    html = c.get("/demandmodelview/list/?_all=1").get_data(as_text=True)
    assert ("万州的需求" in html) is sees
    assert c.get(f"/demandmodelview/show/{rid}").status_code == (200 if sees else 404)
    resp = c.get("/demandmodelview/export/?_all=1")
    assert resp.status_code == 200
    ws = load_workbook(io.BytesIO(resp.data)).active
    titles = [row[1] for row in ws.iter_rows(min_row=2, values_only=True)]
    assert ws["B1"].value == "需求标题"
    assert ("万州的需求" in titles) is sees
    assert ("渝中的需求" in titles) is (mobile in (CLERK_YZ, REVIEWER_YZ, OFFICE, CITY_LEADER))


@pytest.mark.parametrize("mobile,sees", VIEWERS)
def test_scope_rest_get_put_delete(app, client, mobile, sees):
    rid = _draft(app)
    headers = {"Authorization": f"Bearer {api_token(client, mobile)}"}
    resp = client.get(f"/api/v1/demand/{rid}", headers=headers)
    assert resp.status_code == (200 if sees else 404)
    if not sees:
        assert resp.get_json()["message"] == "记录不存在或不在您的可见范围内"
    put = client.put(f"/api/v1/demand/{rid}", json={"title": "改名"}, headers=headers)
    delete = client.delete(f"/api/v1/demand/{rid}", headers=headers)
    if not sees:  # a reviewer has no delete permission at all: 403 before any lookup
        assert put.status_code == 404
        assert delete.status_code == (404 if mobile == CLERK_YZ else 403)
    elif mobile == CLERK_WZ:
        assert put.status_code == 200, put.get_json()
        assert delete.status_code == 200
    else:  # sees it but is not its filer (or may not edit at all)
        assert put.status_code == 403 and delete.status_code == 403


def test_admin_sees_no_records(app, login_as, client):
    _draft(app)
    c = login_as(ADMIN)
    assert c.get("/demandmodelview/list/").status_code == 403
    assert c.get("/recognitionmodelview/list/").status_code == 403
    headers = {"Authorization": f"Bearer {api_token(client, ADMIN)}"}
    assert client.get("/api/v1/demand/", headers=headers).status_code == 403


def test_web_add_submit_lock_review(app, login_as):
    with app.app_context():
        load_taxonomy()
        from app.records.demand.models import ReformTrack
        track = db.session.scalar(select(ReformTrack).where(ReformTrack.name == "营商环境"))
        track_id, domain_id = track.id, track.domain_id
    clerk = login_as(CLERK_WZ)
    form = clerk.get("/demandmodelview/add").get_data(as_text=True)
    assert "营商环境" in form and "党中央国务院有部署" in form
    token = csrf_token(clerk, "/demandmodelview/add")
    resp = clerk.post("/demandmodelview/add", data={
        "csrf_token": token, "title": "开展营商环境创新试点", "description": "企业反映……",
        "channel": "群众企业基层有期盼", "domain": str(domain_id), "track": str(track_id),
        # a client cannot choose the unit, the filer or the state
        "unit": "1", "state": "approved", "unit_id": "1"})
    assert resp.status_code == 302
    with app.app_context():
        d = db.session.scalar(select(Demand).where(Demand.title == "开展营商环境创新试点"))
        rid = d.id
        assert d.state == "draft" and d.unit.name == "万州区" and d.filed_by.mobile == CLERK_WZ
    show = clerk.get(f"/demandmodelview/show/{rid}").get_data(as_text=True)
    assert "workflow-submit" in show and "草稿" in show
    token = csrf_token(clerk, f"/demandmodelview/show/{rid}")
    assert clerk.post(f"/demandmodelview/transition/{rid}/submit",
                      data={"csrf_token": token}).status_code == 302
    # under review: read-only to its filer
    assert clerk.get(f"/demandmodelview/edit/{rid}").status_code == 403
    assert clerk.post(f"/demandmodelview/delete/{rid}",
                      data={"csrf_token": token}).status_code == 403
    show = clerk.get(f"/demandmodelview/show/{rid}").get_data(as_text=True)
    assert "workflow-withdraw" in show and "待本单位审核" in show
    reviewer = login_as(REVIEWER_WZ)
    show = reviewer.get(f"/demandmodelview/show/{rid}").get_data(as_text=True)
    assert "workflow-approve" in show and "workflow-reject" in show
    # the reviewer may correct the classification only
    token = csrf_token(reviewer, f"/demandmodelview/edit/{rid}")
    reviewer.post(f"/demandmodelview/edit/{rid}", data={
        "csrf_token": token, "title": "改标题", "description": "企业反映……",
        "channel": "重庆发展有堵点", "domain": str(domain_id), "track": str(track_id)})
    with app.app_context():
        assert db.session.get(Demand, rid).title == "开展营商环境创新试点"
    reviewer.post(f"/demandmodelview/edit/{rid}", data={
        "csrf_token": token, "title": "开展营商环境创新试点", "description": "企业反映……",
        "channel": "重庆发展有堵点", "domain": str(domain_id), "track": str(track_id)})
    with app.app_context():
        assert db.session.get(Demand, rid).channel == "重庆发展有堵点"
    # reject without a reason is refused, with one it works
    reviewer.post(f"/demandmodelview/transition/{rid}/reject", data={"csrf_token": token})
    with app.app_context():
        assert db.session.get(Demand, rid).state == "pending_1"
    reviewer.post(f"/demandmodelview/transition/{rid}/reject",
                  data={"csrf_token": token, "reason": "描述不完整"})
    show = clerk.get(f"/demandmodelview/show/{rid}").get_data(as_text=True)
    assert "已驳回" in show and "描述不完整" in show and "workflow-history-reject" in show
    assert clerk.get(f"/demandmodelview/edit/{rid}").status_code == 200
    # approved: read-only to everyone
    with app.app_context():
        act("demand", rid, "submit", CLERK_WZ)
        act("demand", rid, "approve", REVIEWER_WZ)
        act("demand", rid, "approve", OFFICE)
    for c in (clerk, reviewer, login_as(OFFICE)):
        assert c.get(f"/demandmodelview/edit/{rid}").status_code == 403


def test_web_bulk_actions_mixed(app, login_as):
    with app.app_context():
        ok = make_demand(state="pending_1", title="可通过").id
        draft = make_demand(title="还是草稿").id
        yz = make_demand(mobile=CLERK_YZ, state="pending_1", title="渝中的").id
    reviewer = login_as(REVIEWER_WZ)
    token = csrf_token(reviewer, "/demandmodelview/list/")
    resp = reviewer.post("/demandmodelview/action_post", data={
        "csrf_token": token, "action": "bulk_approve",
        "rowid": [str(ok), str(draft), str(yz), "999999"]})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "已通过 1 条，跳过 3 条" in html
    assert "不在审核中" in html and html.count("记录不存在或不在您的可见范围内") == 2
    with app.app_context():
        assert db.session.get(Demand, ok).state == "pending_2"
        assert db.session.get(Demand, yz).state == "pending_1"
    # bulk reject: the reason is asked once
    office = login_as(OFFICE)
    token = csrf_token(office, "/demandmodelview/list/")
    resp = office.post("/demandmodelview/action_post", data={
        "csrf_token": token, "action": "bulk_reject", "rowid": [str(ok), str(yz)]})
    assert resp.status_code == 302 and "bulk_reject" in resp.headers["Location"]
    page = office.get(resp.headers["Location"]).get_data(as_text=True)
    assert "驳回理由" in page
    resp = office.post("/demandmodelview/bulk_reject/", data={
        "csrf_token": token, "ids": f"{ok},{yz}", "reason": "请补充描述"})
    html = resp.get_data(as_text=True)
    assert "已驳回 1 条，跳过 1 条" in html
    assert "该记录正等待本单位审核员审核" in html
    # a clerk has no bulk actions
    clerk = login_as(CLERK_WZ)
    resp = clerk.post("/demandmodelview/action_post", data={
        "csrf_token": csrf_token(clerk, "/demandmodelview/list/"), "action": "bulk_approve",
        "rowid": [str(ok)]})
    assert resp.status_code == 403


def test_rest_create_and_transitions(app, client):
    clerk = {"Authorization": f"Bearer {api_token(client, CLERK_WZ)}"}
    resp = client.post("/api/v1/demand/", headers=clerk, json={
        "title": "健全xx体系", "description": "……", "channel": "先进省市有经验"})
    assert resp.status_code == 201, resp.get_json()
    rid = resp.get_json()["id"]
    resp = client.post("/api/v1/demand/", headers=clerk, json={
        "title": "x", "channel": "先进省市有经验", "unit": 1, "state": "approved"})
    assert resp.status_code == 422  # unknown fields refused
    resp = client.post("/api/v1/demand/", headers=clerk, json={"title": "x", "channel": "乱填"})
    assert resp.status_code == 422 and "来源渠道必须是" in resp.get_json()["message"]
    with app.app_context():
        d = db.session.get(Demand, rid)
        assert d.unit.name == "万州区" and d.state == "draft"
    resp = client.post(f"/api/v1/workflow/demand/{rid}/submit", headers=clerk)
    assert resp.status_code == 200 and resp.get_json()["state"] == "pending_1"
    assert client.put(f"/api/v1/demand/{rid}", headers=clerk,
                      json={"title": "改"}).status_code == 403
    yz = {"Authorization": f"Bearer {api_token(client, REVIEWER_YZ)}"}
    resp = client.post(f"/api/v1/workflow/demand/{rid}/approve", headers=yz)
    assert resp.status_code == 404
    reviewer = {"Authorization": f"Bearer {api_token(client, REVIEWER_WZ)}"}
    resp = client.post(f"/api/v1/workflow/demand/{rid}/reject", headers=reviewer, json={})
    assert resp.status_code == 400 and resp.get_json()["message"] == "驳回必须填写理由"
    resp = client.post(f"/api/v1/workflow/demand/{rid}/approve", headers=reviewer)
    assert resp.get_json()["state_label"] == "待市委改革办审核"
    resp = client.post(f"/api/v1/workflow/demand/{rid}/approve", headers=reviewer)
    # the record has moved on: a clear conflict, naming who acted
    assert resp.status_code == 409 and "已由您本人处理" in resp.get_json()["message"]
    office = {"Authorization": f"Bearer {api_token(client, OFFICE)}"}
    resp = client.post("/api/v1/workflow/demand/bulk", headers=office, json={
        "action": "approve", "ids": [rid, 424242]})
    body = resp.get_json()
    assert resp.status_code == 200 and body["done_count"] == 1
    assert body["results"] == [{"id": rid, "ok": True, "reason": ""},
                               {"id": 424242, "ok": False,
                                "reason": "记录不存在或不在您的可见范围内"}]
    assert client.post("/api/v1/workflow/nothing/1/approve", headers=office).status_code == 404
    admin = {"Authorization": f"Bearer {api_token(client, ADMIN)}"}
    paths = client.get("/api/v1/_openapi", headers=admin).get_json()["paths"]
    for path in ("/demand/", "/recognition/", "/workflow/{record_type}/{pk}/{action}",
                 "/workflow/{record_type}/bulk"):
        assert "/api/v1" + path in paths, sorted(paths)


def test_history_has_no_edit_or_delete_endpoint(app, login_as, client):
    rid = _draft(app)
    with app.app_context():
        act("demand", rid, "submit", CLERK_WZ)
        hid = db.session.scalar(select(WorkflowHistory.id))
    for mobile in (OFFICE, ADMIN):
        c = login_as(mobile)
        for path in (f"/workflowhistorymodelview/edit/{hid}",
                     f"/workflowhistorymodelview/delete/{hid}"):
            assert c.get(path).status_code == 404
        headers = {"Authorization": f"Bearer {api_token(client, mobile)}"}
        for method in ("put", "delete", "get"):
            resp = getattr(client, method)(f"/api/v1/workflowhistory/{hid}", headers=headers)
            assert resp.status_code in (404, 405)
    with app.app_context():
        from flask_appbuilder.security.sqla.models import ViewMenu
        names = [v.name for v in db.session.scalars(select(ViewMenu))]
        assert not [n for n in names if "history" in n.lower()]
        assert db.session.scalar(select(func.count()).select_from(WorkflowHistory)) == 1


def test_todo_page_and_menu_count(app, login_as):
    with app.app_context():
        a = make_demand(state="pending_1", title="待办甲").id
        make_demand(state="pending_1", title="待办乙")
        make_demand(state="pending_2", title="改革办的")
        make_demand(mobile=CLERK_YZ, state="pending_1", title="渝中的")
        r = make_recognition()
        act("recognition", r.id, "submit", CLERK_WZ)
    reviewer = login_as(REVIEWER_WZ)
    html = reviewer.get("/todo/").get_data(as_text=True)
    assert "待办 (3)" in html  # the menu label
    assert 'id="todo-total">3<' in html
    assert "待办甲" in html and "待办乙" in html and "开展xx改革" in html
    assert "改革办的" not in html and "渝中的" not in html
    assert f"/demandmodelview/show/{a}" in html
    office = login_as(OFFICE).get("/todo/").get_data(as_text=True)
    assert "待办 (1)" in office and "改革办的" in office
    assert login_as(ADMIN).get("/todo/").status_code == 403


def test_recognition_validation_and_scoped_dropdown(app, login_as, client):
    with app.app_context():
        mine = make_demand(title="万州需求").id
        make_demand(mobile=CLERK_YZ, title="渝中需求")
    clerk = login_as(CLERK_WZ)
    form = clerk.get("/recognitionmodelview/add").get_data(as_text=True)
    assert "万州需求" in form and "渝中需求" not in form
    assert "②在有市委或市政府主要领导出席的全市性会议上作经验交流" in form
    headers = {"Authorization": f"Bearer {api_token(client, CLERK_WZ)}"}
    today = datetime.date.today()
    base = {"item": "建立xx机制", "problem": "问题", "result": "成果", "category": "全市推广",
            "criterion": "C-2", "date": today.isoformat()}
    resp = client.post("/api/v1/recognition/", headers=headers, json={**base, "criterion": "N23-1"})
    assert resp.status_code == 422 and "不属于类别" in resp.get_json()["message"]
    resp = client.post("/api/v1/recognition/", headers=headers,
                       json={**base, "date": f"{today.year - 1}-06-01"})
    assert resp.status_code == 422 and f"日期必须在{today.year}年内" in resp.get_json()["message"]
    resp = client.post("/api/v1/recognition/", headers=headers, json={**base, "demand": mine})
    assert resp.status_code == 201, resp.get_json()
    with app.app_context():
        other = db.session.scalar(select(Demand.id).where(Demand.title == "渝中需求"))
    resp = client.post("/api/v1/recognition/", headers=headers, json={**base, "demand": other})
    assert resp.status_code == 422


def test_attachment_download_follows_record_scope(app, login_as):
    from werkzeug.datastructures import FileStorage

    from app.attachments.storage import save_upload
    from tests.workflow.util import user

    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    with app.app_context():
        r = make_recognition()
        att = save_upload(FileStorage(io.BytesIO(pdf), filename="通知.pdf",
                                      content_type="application/pdf"),
                          "recognition", user(CLERK_WZ), record_id=r.id)
        db.session.commit()
        aid, rid = att.id, r.id
    show = login_as(CLERK_WZ).get(f"/recognitionmodelview/show/{rid}").get_data(as_text=True)
    assert f"/attachments/{aid}" in show and "通知.pdf" in show
    for mobile, status in ((CLERK_WZ, 200), (REVIEWER_WZ, 200), (OFFICE, 200),
                           (CLERK_YZ, 404), (REVIEWER_YZ, 404)):
        assert login_as(mobile).get(f"/attachments/{aid}").status_code == status, mobile


def test_role_matrix_on_record_views(app):
    """系统管理员 holds nothing on the records; 领导 reads only; bulk actions
    for reviewers and the reform office only."""
    with app.app_context():
        sm = app.appbuilder.sm

        def perms(role):
            return {(pv.permission.name, pv.view_menu.name)
                    for pv in sm.find_role(role).permissions}

        record_views = {"DemandModelView", "RecognitionModelView", "DemandApi",
                        "RecognitionApi", "WorkflowApi", "TodoView"}
        assert not [p for p in perms("系统管理员") if p[1] in record_views]
        leader = {p for p in perms("领导") if p[1] in record_views}
        assert ("can_export", "DemandModelView") in leader
        assert {p[0] for p in leader} <= {"can_list", "can_show", "can_export", "can_get",
                                          "can_info"}
        assert ("bulk_approve", "DemandModelView") in perms("审核员")
        assert ("bulk_approve", "DemandModelView") not in perms("录入员")
        assert ("can_add", "ReformTrackModelView") in perms("改革办")
        assert ("can_add", "ReformTrackModelView") not in perms("审核员")


def test_clerk_deletes_own_draft_only(app, login_as):
    rid = _draft(app)
    submitted = _draft(app, state="pending_1", title="已提交")
    clerk = login_as(CLERK_WZ)
    token = csrf_token(clerk, "/demandmodelview/list/?_all=1")
    assert clerk.post(f"/demandmodelview/delete/{submitted}",
                      data={"csrf_token": token}).status_code == 403
    office = login_as(OFFICE)
    assert office.post(f"/demandmodelview/delete/{rid}", data={
        "csrf_token": csrf_token(office, "/demandmodelview/list/?_all=1")}).status_code == 403
    assert clerk.post(f"/demandmodelview/delete/{rid}",
                      data={"csrf_token": token}).status_code == 302
    with app.app_context():
        assert db.session.get(Demand, rid) is None
        assert db.session.get(Demand, submitted) is not None
