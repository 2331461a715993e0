"""The audit trail: every audited action writes its row — records (create, field
edits with old and new values, many-to-many included, delete), evidence files,
accounts and roles, passwords, logins, schemes, reports — and the record page
shows the edits beside the transitions."""

from __future__ import annotations

import io

from sqlalchemy import select

from app.audit import acting_as
from app.audit.models import AuditLog
from app.extensions import db
from app.records.pilot.models import Pilot
from tests.attachments.files import pdf_bytes
from tests.helpers import csrf_token, login, new_client
from tests.pilot.util import (
    ADMIN,
    CLERK_GZW,
    CLERK_WZ,
    GZW,
    OFFICE,
    REVIEWER_WZ,
    WANZHOU,
    YUZHONG,
    unit_id,
    user,
)

UA = "Mozilla/5.0 (审计测试浏览器)"


def rows(app, **where) -> list[AuditLog]:
    with app.app_context():
        stmt = select(AuditLog).order_by(AuditLog.id)
        for key, value in where.items():
            stmt = stmt.where(getattr(AuditLog, key) == value)
        found = db.session.scalars(stmt).all()
        db.session.expunge_all()
        return found


def last_id(app) -> int:
    with app.app_context():
        return db.session.scalar(select(AuditLog.id).order_by(AuditLog.id.desc()).limit(1)) or 0


def since(app, start: int, **where) -> list[AuditLog]:
    return [r for r in rows(app, **where) if r.id > start]


def client_as(app, mobile, address="10.9.8.7"):
    c = new_client(app)
    c.environ_base["REMOTE_ADDR"] = address
    c.environ_base["HTTP_USER_AGENT"] = UA
    assert login(c, mobile).status_code == 302
    return c


def _pilot_form(token, districts, supervisor, **over):
    form = {"csrf_token": token, "name": "开展数据要素市场化配置改革试点", "level": "市级",
            "deploy_kind": "", "doc_no": "渝府办发〔2023〕45号", "authority": "市政府办公厅",
            "deploy_date": "2023-04-01", "acceptance_deadline": "2025-04-01",
            "districts": [str(d) for d in districts], "supervisor": str(supervisor)}
    form.update(over)
    return form


def test_pilot_create_correction_of_districts_and_record_page(app):
    with app.app_context():
        wz, yz, ddk, gzw = (unit_id(n) for n in (WANZHOU, YUZHONG, "大渡口区", GZW))
        db.session.execute(Pilot.__table__.delete().where(Pilot.doc_no == "渝府办发〔2023〕45号"))
        db.session.commit()
    start = last_id(app)
    clerk = client_as(app, CLERK_WZ)
    token = csrf_token(clerk, "/pilotmodelview/add")
    data = _pilot_form(token, [yz], gzw)
    data["evidence"] = (io.BytesIO(pdf_bytes()), "部署文件.pdf")
    resp = clerk.post("/pilotmodelview/add", data=data, content_type="multipart/form-data")
    assert resp.status_code == 302, resp.get_data(as_text=True)[-2000:]
    with app.app_context():
        pid = db.session.scalar(select(Pilot.id).where(Pilot.doc_no == "渝府办发〔2023〕45号"))
    created = since(app, start, object_type="pilot", object_id=pid)
    assert [r.action for r in created] == ["create", "attachment_add"]
    create, attached = created
    assert create.actor_name == "万州录入员" and create.actor_unit_name == WANZHOU
    assert create.object_label == "开展数据要素市场化配置改革试点"
    assert create.object_unit_id == wz
    assert "部署文件文号：渝府办发〔2023〕45号" in create.new_value
    assert create.address == "10.9.8.7" and create.user_agent == UA
    assert attached.new_value == "部署文件.pdf" and attached.field_label == "佐证材料"

    before_transitions = last_id(app)
    token = csrf_token(clerk, f"/pilotmodelview/show/{pid}")
    assert clerk.post(f"/pilotmodelview/transition/{pid}/submit",
                      data={"csrf_token": token}).status_code == 302
    reviewer = client_as(app, REVIEWER_WZ)
    token = csrf_token(reviewer, f"/pilotmodelview/show/{pid}")
    assert reviewer.post(f"/pilotmodelview/transition/{pid}/approve",
                         data={"csrf_token": token}).status_code == 302
    # transitions are in the workflow history, not repeated in the audit
    assert since(app, before_transitions, object_type="pilot", object_id=pid) == []

    # the supervising department corrects 涉及区县 (a many-to-many) and the 部署机关
    dept = client_as(app, CLERK_GZW, address="10.9.8.9")
    token = csrf_token(dept, f"/pilotmodelview/edit/{pid}")
    resp = dept.post(f"/pilotmodelview/edit/{pid}",
                     data=_pilot_form(token, [wz, yz, ddk], gzw))
    assert resp.status_code == 302, resp.get_data(as_text=True)[-2000:]
    edits = since(app, start, object_type="pilot", object_id=pid, action="update")
    assert len(edits) == 1, [(e.field, e.old_value, e.new_value) for e in edits]
    edit = edits[0]
    assert edit.field == "districts" and edit.field_label == "涉及区县"
    assert set(edit.old_value.split("、")) == {WANZHOU, YUZHONG}
    assert set(edit.new_value.split("、")) == {WANZHOU, YUZHONG, "大渡口区"}
    assert edit.actor_name == "市国资委录入员" and edit.actor_unit_name == GZW
    assert edit.address == "10.9.8.9"

    page = dept.get(f"/pilotmodelview/show/{pid}").get_data(as_text=True)
    assert 'id="workflow-edits"' in page and 'id="workflow-history"' in page
    section = page.split('id="workflow-edits"', 1)[1]
    assert "涉及区县" in section and "大渡口区" in section and "市国资委录入员" in section
    assert "上传佐证材料" in section and "部署文件.pdf" in section


def test_reviewer_correction_of_category_shows_old_and_new(app):
    import datetime as dt

    from app.records.recognition.models import Recognition
    from app.security.models import ReformUser

    with app.app_context():
        clerk = user(CLERK_WZ)
        rec = Recognition(item="“一件事一次办”改革", problem="办事多头跑", result="办理时间压减",
                          category="全市推广", criterion="C-1", date=dt.date.today(),
                          unit_id=clerk.unit_id, filed_by_id=clerk.id, state="pending_1",
                          submitted_by_id=clerk.id, version=1)
        db.session.add(rec)
        db.session.commit()
        rid = rec.id
        reviewer = db.session.scalar(select(ReformUser).where(ReformUser.mobile == REVIEWER_WZ))
        start = last_id(app)
        with acting_as(reviewer):
            rec.category = "全国性肯定评价"
            rec.criterion = "N23-1"
            db.session.commit()
    edits = since(app, start, object_type="recognition", object_id=rid)
    assert sorted((e.action, e.field, e.field_label, e.old_value, e.new_value) for e in edits) == [
        ("update", "category", "类别", "全市推广", "全国性肯定评价"),
        ("update", "criterion", Recognition.criterion.info["label"], "C-1", "N23-1")]
    assert {e.actor_name for e in edits} == {"万州审核员"}


def test_delete_of_a_draft_keeps_what_it_held(app):
    clerk = client_as(app, CLERK_WZ)
    token = csrf_token(clerk, "/demandmodelview/add")
    with app.app_context():
        from app.records.demand.models import Demand, ReformDomain

        domain = db.session.scalars(select(ReformDomain)).first()
    resp = clerk.post("/demandmodelview/add", data={
        "csrf_token": token, "title": "审计删除测试需求", "description": "删除前的内容",
        "channel": "重庆发展有堵点", "domain": str(domain.id)})
    assert resp.status_code == 302, resp.get_data(as_text=True)[-1500:]
    with app.app_context():
        did = db.session.scalar(select(Demand.id).where(Demand.title == "审计删除测试需求"))
    start = last_id(app)
    token = csrf_token(clerk, f"/demandmodelview/show/{did}")
    assert clerk.post(f"/demandmodelview/delete/{did}", data={"csrf_token": token}
                      ).status_code == 302
    deleted = since(app, start, object_type="demand", object_id=did)
    assert [r.action for r in deleted] == ["delete"]
    assert "需求标题：审计删除测试需求" in deleted[0].old_value
    assert "删除前的内容" in deleted[0].old_value
    assert deleted[0].actor_name == "万州录入员"


def test_attachment_removed(app):
    with app.app_context():
        from tests.pilot.util import make_pilot

        db.session.execute(Pilot.__table__.delete().where(Pilot.doc_no == "国办发〔2031〕9号"))
        db.session.commit()
        pid = make_pilot(doc_no="国办发〔2031〕9号").id
        from app.attachments.models import Attachment

        att = db.session.scalars(select(Attachment).where(
            Attachment.record_type == "pilot", Attachment.record_id == pid)).one()
        att_id = att.id
    start = last_id(app)
    from tests.pilot.util import headers

    api = new_client(app)
    resp = api.delete(f"/api/v1/pilot/{pid}/attachments/{att_id}",
                      headers=headers(api, CLERK_WZ))
    assert resp.status_code == 200, resp.get_json()
    removed = since(app, start, object_type="pilot", object_id=pid)
    assert [(r.action, r.old_value, r.actor_name) for r in removed] == [
        ("attachment_remove", "部署文件.pdf", "万州录入员")]


def test_logins_success_failure_and_blocked(app):
    start = last_id(app)
    c = new_client(app)
    c.environ_base["REMOTE_ADDR"] = "10.7.7.7"
    c.environ_base["HTTP_USER_AGENT"] = UA
    assert "/login" in login(c, CLERK_WZ, "wrong-Password1").headers["Location"]
    assert "/login" in login(c, "13900001699", "wrong-Password1").headers["Location"]
    assert "/login" not in login(c, CLERK_WZ).headers["Location"]
    got = since(app, start)
    assert [(r.action, r.object_label) for r in got] == [
        ("login_failed", CLERK_WZ), ("login_failed", "13900001699"), ("login", CLERK_WZ)]
    assert got[0].new_value == "密码错误" and got[0].actor_name == "万州录入员"
    assert got[1].new_value == "账号不存在或已停用" and got[1].actor_id is None
    assert all(r.address == "10.7.7.7" and r.user_agent == UA for r in got)
    # REST login too
    api = new_client(app)
    api.environ_base["REMOTE_ADDR"] = "10.7.7.8"
    assert api.post("/api/v1/security/login", json={
        "username": CLERK_WZ, "password": "bad", "provider": "db"}).status_code == 401
    assert since(app, start)[-1].action == "login_failed"
    assert since(app, start)[-1].address == "10.7.7.8"
    # once blocked: the refusal is audited with its reason
    app.config["AUTH_FAILED_LOGIN_LIMIT_PER_ACCOUNT"] = "2 per 15 minutes"
    blocked = new_client(app)
    for _ in range(3):
        login(blocked, REVIEWER_WZ, "wrong-Password1")
    last = since(app, start, object_label=REVIEWER_WZ)[-1]
    assert last.action == "login_failed" and "登录失败次数过多" in last.new_value


def test_password_change_and_reset_accounts_and_roles(app):
    start = last_id(app)
    clerk = client_as(app, CLERK_WZ)
    token = csrf_token(clerk, "/resetmypassword/form")
    resp = clerk.post("/resetmypassword/form", data={
        "csrf_token": token, "password": "Neu-Passwort-2026", "conf_password": "Neu-Passwort-2026"})
    assert resp.status_code == 302, resp.get_data(as_text=True)[-1500:]
    changed = since(app, start, action="password_change")
    assert len(changed) == 1 and changed[0].actor_name == "万州录入员"
    assert changed[0].object_label == "万州录入员" and changed[0].old_value is None
    assert changed[0].new_value is None  # never the hash

    admin = client_as(app, ADMIN)
    with app.app_context():
        clerk_id = user(CLERK_WZ).id
    token = csrf_token(admin, f"/resetpassword/form?pk={clerk_id}")
    resp = admin.post(f"/resetpassword/form?pk={clerk_id}", data={
        "csrf_token": token, "password": "Zurueck-2026!x", "conf_password": "Zurueck-2026!x"})
    assert resp.status_code == 302, resp.get_data(as_text=True)[-1500:]
    reset = since(app, start, action="password_reset")
    assert len(reset) == 1 and reset[0].actor_name == "系统管理员演示"
    assert reset[0].object_id == clerk_id
    # the reset obliges the user to choose a new password: that shows too
    assert [(r.old_value, r.new_value) for r in since(
        app, start, field="must_change_password")] == [("否", "是")]

    # a role given to an account, and an account made
    with app.app_context():
        from app.security.models import ReformUser

        admin_user = user(ADMIN)
        reviewer_role = app.appbuilder.sm.find_role("审核员")
        target = user(CLERK_WZ)
        with acting_as(admin_user):
            target.roles.append(reviewer_role)
            db.session.add(ReformUser(first_name="审计新用户", last_name="",
                                      mobile="13900001601", unit_id=target.unit_id,
                                      password="x", roles=[reviewer_role], active=True))
            db.session.commit()
    roles = since(app, start, object_type="user", field="roles")
    assert len(roles) == 1
    assert roles[0].old_value == "录入员" and set(roles[0].new_value.split("、")) == {
        "录入员", "审核员"}
    made = since(app, start, object_type="user", action="create")
    assert len(made) == 1 and "手机号：13900001601" in made[0].new_value
    assert "审核员" in made[0].new_value and made[0].actor_name == "系统管理员演示"


def test_scheme_edit_freeze_and_new_version(app):
    from app.scoring.store import freeze, get, new_version

    with app.app_context():
        office = user(OFFICE)
        row = get("district_2024")
        sid = row.id
        start = last_id(app)
        with acting_as(office):
            row.notes = "审计测试说明"
            db.session.commit()
            freeze(row)
            copy = new_version(row)
            copy_id, version = copy.id, copy.version
    got = since(app, start)
    notes = [r for r in got if r.field == "notes"]
    assert notes and notes[0].object_id == sid and notes[0].new_value == "审计测试说明"
    frozen = [r for r in got if r.action == "scheme_freeze"]
    assert len(frozen) == 1 and frozen[0].object_id == sid and frozen[0].actor_name == "改革办演示"
    assert frozen[0].new_value == "已冻结"  # the status as a person reads it, not its code
    made = [r for r in got if r.action == "scheme_new_version"]
    assert len(made) == 1 and made[0].object_id == copy_id and version > 1
    # the new version's indicators are not listed one by one
    assert not [r for r in got if r.object_type == "scheme_indicator"]


def test_report_generate_and_publish(app):
    from app.reports import service
    from tests.reports.util import PERIOD, SCHEME, add_period, quarter_data

    with app.app_context():
        quarter_data()
        add_period()
        start = last_id(app)
        office = user(OFFICE)
        snap = service.generate(SCHEME, PERIOD, office)
        service.publish(snap.id, office)
        sid = snap.id
    got = since(app, start, object_type="report", object_id=sid)
    assert [r.action for r in got] == ["report_generate", "report_publish"]
    assert all(r.actor_name == "改革办演示" for r in got)
    assert any(r.action == "scheme_freeze" for r in since(app, start))
