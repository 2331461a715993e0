"""国企改革成效 and 改革典型案例: 企业录入员 → 企业审核员 → 区国资委, end to end
through REST and the web; who may act at the 区国资委 step (the parent unit's
审核员, and nobody else: not the district above it, not a sibling enterprise,
not another district's 国资委); evidence required; the parent-unit actor's
Python and SQL rules agree."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from sqlalchemy import select

from app.extensions import db
from app.records.soe.models import CITY, MEDIA, NATIONAL, SoeCase, SoeRecognition
from app.security.roles import ROLE_REVIEWER
from app.workflow import engine
from app.workflow.chain import APPROVED, REJECTED, parent_unit
from app.workflow.models import WorkflowHistory
from tests.attachments.files import pdf_bytes
from tests.helpers import csrf_token, login, new_client
from tests.soe.util import (
    CJ,
    CJ_CLERK,
    CJ_REVIEWER,
    CLERK_WZ,
    GZW_CLERK,
    GZW_REVIEWER,
    KZ_CLERK,
    KZ_GZW_REVIEWER,
    KZ_REVIEWER,
    OFFICE,
    REVIEWER_WZ,
    SW_CLERK,
    SW_REVIEWER,
    add_accounts,
    headers,
    make_case,
    make_recognition,
    unit_id,
    user,
)


@pytest.fixture
def soe_app(app):
    add_accounts(app, other_district=True)
    return app


def _approve(client, rtype, rid, mobile):
    return client.post(f"/api/v1/workflow/{rtype}/{rid}/approve", headers=headers(client, mobile))


def test_recognition_chain_end_to_end_over_rest(soe_app, client):
    h = headers(client, CJ_CLERK)
    body = {"title": "《人民日报》刊发城建集团混改经验", "category": MEDIA, "item": "M-1",
            "date": dt.date.today().isoformat(), "outlet": "《人民日报》第10版"}
    resp = client.post("/api/v1/soe_recognition/", json=body, headers=h)
    assert resp.status_code == 201, resp.get_json()
    rid = resp.get_json()["id"]
    # evidence is required before submitting
    resp = client.post(f"/api/v1/workflow/soe_recognition/{rid}/submit", headers=h)
    assert resp.status_code == 422 and "请先上传佐证材料再提交" in resp.get_json()["message"]
    resp = client.post(f"/api/v1/soe_recognition/{rid}/attachments", headers=h,
                       data={"file": (io.BytesIO(pdf_bytes()), "报道.pdf")},
                       content_type="multipart/form-data")
    assert resp.status_code == 201, resp.get_json()
    assert client.post(f"/api/v1/workflow/soe_recognition/{rid}/submit",
                       headers=h).status_code == 200
    # step 1: the enterprise's own reviewer, nobody else
    for mobile, status in ((GZW_REVIEWER, 403), (SW_REVIEWER, 404), (KZ_REVIEWER, 404)):
        assert _approve(client, "soe_recognition", rid, mobile).status_code == status, mobile
    assert _approve(client, "soe_recognition", rid, CJ_REVIEWER).status_code == 200
    with soe_app.app_context():
        assert db.session.get(SoeRecognition, rid).state == "pending_2"
    # step 2: the 审核员 of the unit above the enterprise (万州区国资委) only
    for mobile, status in ((CJ_REVIEWER, 409),  # the enterprise's reviewer again: done
                           (GZW_CLERK, 403),  # the 国资委, but a 录入员
                           (REVIEWER_WZ, 403),  # 万州区 sees it, but is not its 国资委
                           (SW_REVIEWER, 404),  # a sibling enterprise: out of scope
                           (KZ_GZW_REVIEWER, 404),  # another district's 国资委
                           (OFFICE, 403)):  # the 改革办 is not on this chain
        resp = _approve(client, "soe_recognition", rid, mobile)
        assert resp.status_code == status, (mobile, resp.get_json())
    resp = _approve(client, "soe_recognition", rid, GZW_REVIEWER)
    assert resp.status_code == 200, resp.get_json()
    with soe_app.app_context():
        rec = db.session.get(SoeRecognition, rid)
        assert rec.state == APPROVED and rec.approved_on is not None
        hist = db.session.scalars(select(WorkflowHistory).where(
            WorkflowHistory.record_type == "soe_recognition",
            WorkflowHistory.record_id == rid).order_by(WorkflowHistory.id)).all()
        assert [(h.action, h.to_state) for h in hist] == [
            ("submit", "pending_1"), ("approve", "pending_2"), ("approve", APPROVED)]
        assert hist[-1].actor_unit_id == unit_id("万州区国资委")


def test_rejection_at_the_sasac_returns_to_the_filer_and_restarts(soe_app):
    with soe_app.app_context():
        rid = make_case(CJ_CLERK)
        engine.transition("soe_case", rid, "submit", user(CJ_CLERK))
        engine.transition("soe_case", rid, "approve", user(CJ_REVIEWER))
        with pytest.raises(engine.WorkflowError, match="驳回必须填写理由"):
            engine.transition("soe_case", rid, "reject", user(GZW_REVIEWER), "")
        engine.transition("soe_case", rid, "reject", user(GZW_REVIEWER), "请补充改革前后对比数据")
        case = db.session.get(SoeCase, rid)
        assert case.state == REJECTED
        assert engine.editable_fields(user(CJ_CLERK), case)  # the filer edits again
        engine.transition("soe_case", rid, "submit", user(CJ_CLERK))
        assert db.session.get(SoeCase, rid).state == "pending_1"  # from the first step


def test_todo_of_the_sasac_reviewer(soe_app):
    """The 万州区国资委 reviewer's 待办 holds its enterprises' records at step 2
    only; 开州's 国资委 has nothing of 万州's."""
    with soe_app.app_context():
        at_1 = make_recognition(CJ_CLERK, CITY, "C-1")
        at_2 = make_recognition(SW_CLERK, NATIONAL, "N-2")
        other = make_recognition(KZ_CLERK, CITY, "C-3")
        engine.transition("soe_recognition", at_1, "submit", user(CJ_CLERK))
        engine.transition("soe_recognition", at_2, "submit", user(SW_CLERK))
        engine.transition("soe_recognition", at_2, "approve", user(SW_REVIEWER))
        engine.transition("soe_recognition", other, "submit", user(KZ_CLERK))
        engine.transition("soe_recognition", other, "approve", user(KZ_REVIEWER))
        waiting = engine.todo_page("soe_recognition", "waiting", user(GZW_REVIEWER))
        assert [r.id for r in waiting] == [at_2]
        waiting = engine.todo_page("soe_recognition", "waiting", user(KZ_GZW_REVIEWER))
        assert [r.id for r in waiting] == [other]
        assert engine.todo_page("soe_recognition", "waiting", user(REVIEWER_WZ)) == []


def test_only_an_enterprise_files(soe_app, client):
    body = {"title": "区县的报道", "category": CITY, "item": "C-1",
            "date": dt.date.today().isoformat()}
    for mobile in (CLERK_WZ, GZW_CLERK):  # a district, the 国资委 itself
        resp = client.post("/api/v1/soe_recognition/", json=body, headers=headers(client, mobile))
        assert resp.status_code == 422, mobile
        assert "只能由区属国有企业填报" in resp.get_json()["message"]
    with soe_app.app_context():
        assert db.session.scalar(select(SoeRecognition.id).limit(1)) is None


def test_bad_input_is_refused_in_chinese(soe_app, client):
    h = headers(client, CJ_CLERK)
    base = {"title": "标题", "category": CITY, "item": "C-1", "date": dt.date.today().isoformat()}
    cases = [
        (dict(base, item="M-1"), "所选具体情形不属于类别“全市推广”"),
        (dict(base, category="省级推广"), "类别必须是"),
        (dict(base, date=(dt.date.today() + dt.timedelta(days=3)).isoformat()), "日期不能晚于今天"),
        (dict(base, date="五月"), "日期"),
    ]
    for body, words in cases:
        resp = client.post("/api/v1/soe_recognition/", json=body, headers=h)
        assert resp.status_code in (400, 422), body
        assert words in resp.get_json()["message"], resp.get_json()
    long = {"name": "案例", "problem": "问" * 2001, "measures": "举措", "results": "成效"}
    resp = client.post("/api/v1/soe_case/", json=long, headers=h)
    assert resp.status_code == 422 and "改革前的问题" in resp.get_json()["message"]
    with soe_app.app_context():
        assert db.session.scalar(select(SoeRecognition.id).limit(1)) is None
        assert db.session.scalar(select(SoeCase.id).limit(1)) is None


def test_case_chain_through_the_web_form(soe_app):
    c = new_client(soe_app)
    login(c, CJ_CLERK)
    html = c.get("/soecasemodelview/add").get_data(as_text=True)
    token = csrf_token(c, "/soecasemodelview/add")
    resp = c.post("/soecasemodelview/add", data={
        "csrf_token": token, "name": "推行经理层任期制和契约化管理", "problem": "一是考核与业绩脱节。",
        "measures": "一是签订契约。", "results": "一是业绩增长。", "contact": "张三",
        "phone": "023-58123456", "_submit": "1"})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
    assert "data-max-chars" in html
    with soe_app.app_context():
        case = db.session.scalar(select(SoeCase).order_by(SoeCase.id.desc()).limit(1))
        assert case.state == "pending_1" and case.unit_id == unit_id(CJ)
        rid = case.id
    for mobile, label in ((CJ_REVIEWER, "pending_2"), (GZW_REVIEWER, APPROVED)):
        w = new_client(soe_app)
        login(w, mobile)
        page = w.get(f"/soecasemodelview/show/{rid}").get_data(as_text=True)
        assert "workflow-approve" in page
        token = csrf_token(w, f"/soecasemodelview/show/{rid}")
        w.post(f"/soecasemodelview/transition/{rid}/approve", data={"csrf_token": token})
        with soe_app.app_context():
            assert db.session.get(SoeCase, rid).state == label
    with soe_app.app_context():
        case = db.session.get(SoeCase, rid)
        assert case.adopted is False and case.adopted_label == "未采用"


def test_parent_unit_actor_rule_and_its_sql_agree(soe_app):
    """Actor.matches and Actor.clause of parent_unit over every (user, record)
    pair: enterprises of two districts, a district-level record, the
    reform office, users without a unit."""
    from app.security.models import ReformUser
    from app.workflow.chain import Actor

    with soe_app.app_context():
        ids = [make_recognition(m, CITY, "C-2", evidence=False)
               for m in (CJ_CLERK, SW_CLERK, KZ_CLERK)]
        actors = [parent_unit(ROLE_REVIEWER), parent_unit("录入员"),
                  Actor(role=ROLE_REVIEWER, where="parent_unit")]
        users = db.session.scalars(select(ReformUser).where(ReformUser.active.is_(True))).all()
        assert len(users) > 20
        records = db.session.scalars(select(SoeRecognition).where(
            SoeRecognition.id.in_(ids))).all()
        # a record of a district (its parent: none) as the SQL sees it too
        seen = 0
        for actor in actors:
            for u in users:
                via_sql = set(db.session.scalars(select(SoeRecognition.id).where(
                    SoeRecognition.id.in_(ids), actor.clause(SoeRecognition, u))))
                via_python = {r.id for r in records if actor.matches(u, r)}
                assert via_sql == via_python, (actor, u.mobile)
                seen += len(via_python)
        # 万州国资委's reviewer matches 城建 and 水务, 开州's matches its own; the
        # 国资委 clerk matches as a 录入员 actor
        assert {r.id for r in records if actors[0].matches(user(GZW_REVIEWER), r)} == set(ids[:2])
        assert {r.id for r in records if actors[0].matches(user(KZ_GZW_REVIEWER), r)} == {ids[2]}
        assert {r.id for r in records if actors[1].matches(user(GZW_CLERK), r)} == set(ids[:2])
        assert not any(actors[0].matches(user(REVIEWER_WZ), r) for r in records)
        assert not any(actors[0].matches(user(OFFICE), r) for r in records)
        assert seen >= 6
