"""The chain end to end: department clerk → department reviewer → 市财政局
审核员 (a fixed unit, by code), the finance office's view of the records, and
the fixed-unit actor's two forms (matches / clause) agreeing."""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.records.self_evaluation.models import FINANCE_CODE, SelfEvaluation
from app.security.models import ReformUser
from app.workflow import engine
from app.workflow.chain import APPROVED, REJECTED, fixed_unit
from app.workflow.models import WorkflowHistory
from tests.self_evaluation.util import (
    FINANCE_CLERK,
    FINANCE_REVIEWER,
    FINANCE_REVIEWER_2,
    HEALTH_CLERK,
    HEALTH_REVIEWER,
    OFFICE,
    SEED_CLERK,
    SEED_REVIEWER,
    YUZHONG_REVIEWER,
    act,
    add_accounts,
    create,
    headers,
    user,
    web,
)


@pytest.fixture
def accounts(app):
    add_accounts(app)
    return app


def _state(app, rid):
    with app.app_context():
        return db.session.get(SelfEvaluation, rid).state


def _listed(client, mobile) -> set[int]:
    resp = client.get("/api/v1/self_evaluation/?q=(page_size:100)", headers=headers(client, mobile))
    assert resp.status_code == 200
    return set(resp.get_json()["ids"])


def test_end_to_end_with_a_rejection_by_the_finance_office(accounts, client):
    app = accounts
    rid = create(client, 2)
    assert rid not in _listed(client, FINANCE_REVIEWER)  # a draft: the department's own
    assert act(client, rid, "submit", SEED_CLERK).status_code == 200
    # step 1: only the department's own reviewer
    assert act(client, rid, "approve", FINANCE_REVIEWER).status_code == 404  # not in its scope
    assert act(client, rid, "approve", HEALTH_REVIEWER).status_code == 404
    assert act(client, rid, "approve", YUZHONG_REVIEWER).status_code == 403  # sees, may not act
    assert act(client, rid, "approve", SEED_REVIEWER).status_code == 200
    assert _state(app, rid) == "pending_2"
    # step 2: the finance office now sees it and has it in its 待办
    assert rid in _listed(client, FINANCE_REVIEWER)
    with app.app_context():
        waiting = engine.todo_page("self_evaluation", "waiting", user(FINANCE_REVIEWER))
        assert rid in [r.id for r in waiting]
        assert not engine.todo_page("self_evaluation", "waiting", user(SEED_REVIEWER))
    # the department's reviewer acted already (409 已由您本人处理, or 403 on an
    # engine without that message); a clerk of the finance office may not
    assert act(client, rid, "approve", SEED_REVIEWER).status_code in (403, 409)
    assert act(client, rid, "approve", FINANCE_CLERK).status_code == 403  # a clerk, not 审核员
    assert act(client, rid, "approve", OFFICE).status_code == 403  # 改革办 is not in this chain
    assert _state(app, rid) == "pending_2"
    resp = act(client, rid, "reject", FINANCE_REVIEWER, reason="一般公共预算执行数与决算不一致")
    assert resp.status_code == 200
    assert _state(app, rid) == REJECTED
    assert rid in _listed(client, FINANCE_REVIEWER)  # it keeps seeing what reached it
    # the clerk corrects and submits again; both steps again
    resp = client.put(f"/api/v1/self_evaluation/{rid}", json={"goal_actual": "已按决算数核实。"},
                      headers=headers(client, SEED_CLERK))
    assert resp.status_code == 200, resp.get_json()
    assert act(client, rid, "submit", SEED_CLERK).status_code == 200
    assert act(client, rid, "approve", SEED_REVIEWER).status_code == 200
    assert act(client, rid, "approve", FINANCE_REVIEWER_2).status_code == 200
    with app.app_context():
        record = db.session.get(SelfEvaluation, rid)
        assert record.state == APPROVED and record.total_score == 100.00
        steps = db.session.execute(select(WorkflowHistory.action, WorkflowHistory.to_state)
                                   .where(WorkflowHistory.record_type == "self_evaluation",
                                          WorkflowHistory.record_id == rid)
                                   .order_by(WorkflowHistory.id)).all()
        assert steps == [("submit", "pending_1"), ("approve", "pending_2"),
                         ("reject", "rejected"), ("submit", "pending_1"),
                         ("approve", "pending_2"), ("approve", "approved")]
    # approved: locked for everybody
    resp = client.put(f"/api/v1/self_evaluation/{rid}", json={"goal_actual": "改"},
                      headers=headers(client, SEED_CLERK))
    assert resp.status_code == 403


def test_the_web_buttons_follow_the_chain(accounts, client):
    app = accounts
    rid = create(client, 3)
    act(client, rid, "submit", SEED_CLERK)
    act(client, rid, "approve", SEED_REVIEWER)
    c = web(app, FINANCE_REVIEWER)
    page = c.get(f"/selfevaluationmodelview/show/{rid}").get_data(as_text=True)
    assert "workflow-approve" in page and "workflow-reject" in page
    assert "待市财政局审核" in page and "本单位审核 → 市财政局审核" in page
    token = c.get(f"/selfevaluationmodelview/show/{rid}").get_data(as_text=True)
    import re

    token = re.search(r'name="csrf_token" value="([^"]+)"', token).group(1)
    resp = c.post(f"/selfevaluationmodelview/transition/{rid}/approve",
                  data={"csrf_token": token})
    assert resp.status_code == 302
    assert _state(app, rid) == APPROVED


def test_the_finance_office_sees_only_what_reached_it(accounts, client):
    app = accounts
    draft = create(client, 1)
    waiting_dept = create(client, 2)
    act(client, waiting_dept, "submit", SEED_CLERK)
    rejected_early = create(client, 3)
    act(client, rejected_early, "submit", SEED_CLERK)
    act(client, rejected_early, "reject", SEED_REVIEWER, reason="请补充说明")
    listed = _listed(client, FINANCE_REVIEWER)
    assert not {draft, waiting_dept, rejected_early} & listed
    # the department's other users and the district above see them all
    assert {draft, waiting_dept, rejected_early} <= _listed(client, SEED_REVIEWER)
    assert {draft, waiting_dept, rejected_early} <= _listed(client, YUZHONG_REVIEWER)
    assert not {draft, waiting_dept, rejected_early} & _listed(client, HEALTH_CLERK)
    with app.app_context():
        n = db.session.scalar(select(func.count()).select_from(SelfEvaluation))
        assert n == 3


def test_the_fixed_unit_actor_matches_what_its_clause_selects(accounts, client):
    """For every account and every record in each state, ``matches`` (one
    record in Python) and ``clause`` (SQL over the table) agree."""
    app = accounts
    ids = [create(client, t) for t in (1, 2, 3)]
    act(client, ids[1], "submit", SEED_CLERK)
    act(client, ids[2], "submit", SEED_CLERK)
    act(client, ids[2], "approve", SEED_REVIEWER)
    actors = [fixed_unit(FINANCE_CODE), fixed_unit(FINANCE_CODE, "录入员"),
              fixed_unit("500103")]  # 渝中区's reviewers
    with app.app_context():
        users = db.session.scalars(select(ReformUser).where(ReformUser.active.is_(True))).all()
        records = db.session.scalars(select(SelfEvaluation).where(
            SelfEvaluation.id.in_(ids))).all()
        checked = 0
        for actor, who in itertools.product(actors, users):
            selected = set(db.session.scalars(select(SelfEvaluation.id).where(
                SelfEvaluation.id.in_(ids), actor.clause(SelfEvaluation, who))))
            for record in records:
                assert actor.matches(who, record) is (record.id in selected), \
                    (actor.unit_code, actor.role, who.mobile, record.id)
                checked += 1
        finance = user(FINANCE_REVIEWER)
        assert all(actors[0].matches(finance, r) for r in records)
        assert not actors[1].matches(finance, records[0])
        assert actors[1].matches(user(FINANCE_CLERK), records[0])
        assert actors[2].matches(user(YUZHONG_REVIEWER), records[0])
        assert not actors[0].matches(user(SEED_REVIEWER), records[0])
        assert not actors[0].matches(None, records[0])
        assert checked >= 3 * 3 * 20
