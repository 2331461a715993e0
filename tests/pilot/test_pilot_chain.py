"""改革试点 end to end: created by a district clerk (REST and web), the scanned
document required (PDF) to submit, the district reviewer, the supervising
department's clerk correcting 涉及区县 and distributing (or rejecting); the
rules of the form: levels and deployment kinds, the filing window, the
supervising department."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.records.pilot.models import Pilot, PilotTask
from app.records.pilot.tasks import current_quarter
from app.workflow.models import WorkflowHistory
from tests.attachments.files import pdf_bytes, png_bytes
from tests.helpers import csrf_token
from tests.pilot.util import (
    CLERK_GZW,
    CLERK_WZ,
    CLERK_YZ,
    GZW,
    OFFICE,
    REVIEWER_GZW,
    REVIEWER_WZ,
    WANZHOU,
    YUZHONG,
    headers,
    make_pilot,
    unit_id,
)


def _ids(app, *names):
    with app.app_context():
        return [unit_id(n) for n in names]


def _body(app, **over):
    wz, yz, gzw = _ids(app, WANZHOU, YUZHONG, GZW)
    body = {"name": "开展科技人才评价改革试点", "level": "国家级",
            "deploy_kind": "国家有关部委（含司局级）安排部署", "doc_no": "国科发政〔2022〕255号",
            "authority": "科技部", "deploy_date": "2022-09-20",
            "acceptance_deadline": "2024-12-31", "districts": [yz], "supervisor": gzw}
    body.update(over)
    return body


def _wf(client, pid, action, mobile, **json):
    return client.post(f"/api/v1/workflow/pilot/{pid}/{action}", headers=headers(client, mobile),
                       json=json or None)


def test_rest_chain_end_to_end_with_pdf_correction_and_distribution(app, client):
    wz, yz, gzw, dadukou = _ids(app, WANZHOU, YUZHONG, GZW, "大渡口区")
    h = headers(client, CLERK_WZ)
    resp = client.post("/api/v1/pilot/", json=_body(app), headers=h)
    assert resp.status_code == 201, resp.get_json()
    pid = resp.get_json()["id"]
    result = resp.get_json()["result"]
    # the creating district undertakes it: added to 涉及区县
    assert result["districts_ids"] == sorted([wz, yz])
    assert result["state"] == "draft" and result["supervisor_id"] == gzw
    # no document yet: refused, in Chinese
    resp = _wf(client, pid, "submit", CLERK_WZ)
    assert resp.status_code == 422
    assert resp.get_json()["message"] == "请先上传部署文件扫描件（PDF）再提交"
    # a photo is not the scanned PDF
    resp = client.post(f"/api/v1/pilot/{pid}/attachments", headers=h,
                       data={"file": (io.BytesIO(png_bytes()), "照片.png")})
    assert resp.status_code == 201, resp.get_json()
    assert _wf(client, pid, "submit", CLERK_WZ).status_code == 422
    resp = client.post(f"/api/v1/pilot/{pid}/attachments", headers=h,
                       data={"file": (io.BytesIO(pdf_bytes()), "部署文件.pdf")})
    assert resp.status_code == 201, resp.get_json()
    assert _wf(client, pid, "submit", CLERK_WZ).status_code == 200
    # locked for the filer; the department cannot act before the district reviewer
    assert client.put(f"/api/v1/pilot/{pid}", json={"name": "改"}, headers=h).status_code == 403
    assert _wf(client, pid, "approve", CLERK_GZW).status_code == 403
    resp = _wf(client, pid, "approve", REVIEWER_WZ)
    assert resp.status_code == 200 and resp.get_json()["state_label"] == "待主管部门确认分发"
    # the department's reviewer is not the actor: its clerk is (seed 001)
    assert _wf(client, pid, "approve", REVIEWER_GZW).status_code == 403
    hd = headers(client, CLERK_GZW)
    resp = client.put(f"/api/v1/pilot/{pid}", json={"districts": [wz, yz, dadukou]}, headers=hd)
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["result"]["districts_ids"] == sorted([wz, yz, dadukou])
    # the department may not hand the pilot to another department
    resp = client.put(f"/api/v1/pilot/{pid}", json={"supervisor": gzw}, headers=hd)
    assert resp.status_code == 403 and "当前只能修改" in resp.get_json()["message"]
    resp = _wf(client, pid, "approve", CLERK_GZW)
    assert resp.status_code == 200 and resp.get_json()["state"] == "approved"
    with app.app_context():
        tasks = db.session.scalars(select(PilotTask).where(PilotTask.pilot_id == pid)).all()
        assert sorted(t.unit_id for t in tasks) == sorted([wz, yz, dadukou])
        assert {t.period for t in tasks} == {current_quarter().code}
        actions = db.session.scalars(select(WorkflowHistory.action).where(
            WorkflowHistory.record_type == "pilot", WorkflowHistory.record_id == pid)
            .order_by(WorkflowHistory.id)).all()
        assert actions == ["submit", "approve", "approve"]
    # distributed: every involved district sees it, an unrelated one does not
    for mobile, status in ((CLERK_YZ, 200), ("13900000041", 404), (OFFICE, 200)):
        assert client.get(f"/api/v1/pilot/{pid}", headers=headers(client, mobile)
                          ).status_code == status


def test_department_rejects_with_reason_and_district_resubmits(app, client):
    with app.app_context():
        pid = make_pilot().id
    assert _wf(client, pid, "submit", CLERK_WZ).status_code == 200
    assert _wf(client, pid, "approve", REVIEWER_WZ).status_code == 200
    assert _wf(client, pid, "reject", CLERK_GZW).status_code == 400  # a reason is required
    resp = _wf(client, pid, "reject", CLERK_GZW, reason="涉及区县不全，请核对部署文件")
    assert resp.status_code == 200 and resp.get_json()["state"] == "rejected"
    h = headers(client, CLERK_WZ)
    assert client.put(f"/api/v1/pilot/{pid}", json={"authority": "国家发展改革委"},
                      headers=h).status_code == 200
    assert _wf(client, pid, "submit", CLERK_WZ).status_code == 200
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(PilotTask)) == 0


def test_web_add_show_submit_and_distribute(app, login_as):
    wz, yz, gzw = _ids(app, WANZHOU, YUZHONG, GZW)
    clerk = login_as(CLERK_WZ)
    form = clerk.get("/pilotmodelview/add").get_data(as_text=True)
    for text in ("部署文件文号", "涉及区县", "主管部门", "验收时限", "②国家有关部委（含司局级）安排部署",
                 "十九大", "不纳入填报范围", "市国资委"):
        assert text in form, text
    token = csrf_token(clerk, "/pilotmodelview/add")
    resp = clerk.post("/pilotmodelview/add", data={
        "csrf_token": token, "name": "开展数据要素市场化配置改革试点", "level": "市级",
        "deploy_kind": "", "doc_no": "渝府办发〔2023〕45号", "authority": "市政府办公厅",
        "deploy_date": "2023-04-01", "acceptance_deadline": "2025-04-01",
        "districts": [str(yz)], "supervisor": str(gzw),
        "evidence": (io.BytesIO(pdf_bytes()), "部署文件.pdf"),
    }, content_type="multipart/form-data")
    assert resp.status_code == 302, resp.get_data(as_text=True)[-3000:]
    with app.app_context():
        p = db.session.scalar(select(Pilot).where(Pilot.doc_no == "渝府办发〔2023〕45号"))
        pid = p.id
        assert p.state == "draft" and p.unit_id == wz and p.deploy_kind is None
        assert sorted(u.id for u in p.districts) == sorted([wz, yz])
    show = clerk.get(f"/pilotmodelview/show/{pid}").get_data(as_text=True)
    assert "渝府办发〔2023〕45号" in show and "部署文件.pdf" in show and "workflow-submit" in show
    token = csrf_token(clerk, f"/pilotmodelview/show/{pid}")
    assert clerk.post(f"/pilotmodelview/transition/{pid}/submit",
                      data={"csrf_token": token}).status_code == 302
    reviewer = login_as(REVIEWER_WZ)
    token = csrf_token(reviewer, f"/pilotmodelview/show/{pid}")
    reviewer.post(f"/pilotmodelview/transition/{pid}/approve", data={"csrf_token": token})
    dept = login_as(CLERK_GZW)
    listed = dept.get("/pilotmodelview/list/").get_data(as_text=True)
    assert "开展数据要素市场化配置改革试点" in listed
    # the department corrects 涉及区县 on its edit form
    assert dept.get(f"/pilotmodelview/edit/{pid}").status_code == 200
    ddk = _ids(app, "大渡口区")[0]
    token = csrf_token(dept, f"/pilotmodelview/edit/{pid}")
    form = {"csrf_token": token, "name": "开展数据要素市场化配置改革试点", "level": "市级",
            "deploy_kind": "", "doc_no": "渝府办发〔2023〕45号", "authority": "市政府办公厅",
            "deploy_date": "2023-04-01", "acceptance_deadline": "2025-04-01",
            "districts": [str(wz), str(yz), str(ddk)], "supervisor": str(gzw)}
    resp = dept.post(f"/pilotmodelview/edit/{pid}", data=form)
    assert resp.status_code == 302, resp.get_data(as_text=True)[-3000:]
    # but not the supervising department itself
    with app.app_context():
        other = unit_id("市财政局")
    refused = dept.post(f"/pilotmodelview/edit/{pid}", data={**form, "supervisor": str(other)})
    assert refused.status_code == 200
    with app.app_context():
        p = db.session.get(Pilot, pid)
        assert p.supervisor_id == gzw and len(p.districts) == 3
    token = csrf_token(dept, f"/pilotmodelview/show/{pid}")
    resp = dept.post(f"/pilotmodelview/transition/{pid}/approve", data={"csrf_token": token})
    assert resp.status_code == 302
    with app.app_context():
        assert db.session.get(Pilot, pid).state == "approved"
        assert db.session.scalar(select(func.count()).select_from(PilotTask).where(
            PilotTask.pilot_id == pid)) == 3
    # the todo of the department was that pilot
    assert "待办" in dept.get("/todo/").get_data(as_text=True)


@pytest.mark.parametrize("over,message", [
    ({"level": "国家级", "deploy_kind": None}, "国家级试点须选择部署方式"),
    ({"level": "市级", "deploy_kind": "全国人大常委会授权部署"}, "部署方式只适用于国家级试点"),
    ({"deploy_date": "2016-05-01"}, "只有目前仍在推进的才纳入填报范围"),
    ({"deploy_date": "2017-10-18"}, "只有目前仍在推进的才纳入填报范围"),
    ({"acceptance_deadline": "2020-01-01"}, "验收时限不能早于部署日期"),
    ({"deploy_date": "2999-01-01"}, "部署日期不能晚于今天"),
    ({"doc_no": "  "}, "部署文件文号不能为空"),
    ({"level": "省级"}, "层级必须是"),
])
def test_form_rules_refused_in_chinese(app, client, over, message):
    resp = client.post("/api/v1/pilot/", json=_body(app, **over),
                       headers=headers(client, CLERK_WZ))
    assert resp.status_code == 422, resp.get_json()
    assert message in resp.get_json()["message"]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Pilot)) == 0


def test_filing_window_before_the_congress_only_if_still_running(app, client):
    h = headers(client, CLERK_WZ)
    resp = client.post("/api/v1/pilot/", json=_body(app, deploy_date="2016-05-01", ongoing=True),
                       headers=h)
    assert resp.status_code == 201, resp.get_json()
    resp = client.post("/api/v1/pilot/", json=_body(app, deploy_date="2017-10-19",
                                                     doc_no="国科发政〔2017〕1号"), headers=h)
    assert resp.status_code == 201, resp.get_json()


def test_national_pilot_in_every_district_is_out_of_scope(app, client):
    from app.units.models import Unit

    with app.app_context():
        every = list(db.session.scalars(select(Unit.id).where(Unit.kind == "district")))
    h = headers(client, CLERK_WZ)
    resp = client.post("/api/v1/pilot/", json=_body(app, districts=every), headers=h)
    assert resp.status_code == 422
    assert "全市所有区县开展的改革试点不纳入填报范围" in resp.get_json()["message"]
    # a city-level pilot in every district is not excluded by the seed
    resp = client.post("/api/v1/pilot/", json=_body(app, districts=every, level="市级",
                                                     deploy_kind=None), headers=h)
    assert resp.status_code == 201, resp.get_json()


def test_supervisor_must_be_a_department_with_a_clerk(app, client):
    wz, = _ids(app, WANZHOU)
    h = headers(client, CLERK_WZ)
    resp = client.post("/api/v1/pilot/", json=_body(app, supervisor=wz), headers=h)
    assert resp.status_code == 422 and "主管部门" in resp.get_json()["message"]
    with app.app_context():
        nobody = unit_id("市政府办公厅")  # a department with no 录入员 account
    resp = client.post("/api/v1/pilot/", json=_body(app, supervisor=nobody), headers=h)
    assert resp.status_code == 422 and "不可选择" in resp.get_json()["message"]
    # 涉及区县 are districts only
    resp = client.post("/api/v1/pilot/", json=_body(app, districts=[nobody]), headers=h)
    assert resp.status_code == 422 and "涉及区县" in resp.get_json()["message"]
    info = client.get("/api/v1/pilot/_info", headers=h).get_json()
    sup = [v["value"] for v in next(
        f for f in info["add_columns"] if f["name"] == "supervisor")["values"]]
    assert "市国资委" in sup and "市政府办公厅" not in sup and "万州区" not in sup


def test_only_districts_create_pilots(app, client):
    resp = client.post("/api/v1/pilot/", json=_body(app), headers=headers(client, CLERK_GZW))
    assert resp.status_code == 422
    assert "试点由承接该试点的区县录入员创建" in resp.get_json()["message"]
