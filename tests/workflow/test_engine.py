"""The engine: chains, reject/resubmit, withdraw, self-approval, history,
bulk results and statement counts, 待办."""

from __future__ import annotations

import datetime

import pytest
from sqlalchemy import event, func, select

from app.extensions import db
from app.security.roles import ROLE_CLERK
from app.workflow import engine
from app.workflow.engine import AlreadyHandled, NotAllowed, RecordNotFound, WorkflowError
from app.workflow.models import HistoryIsAppendOnly, WorkflowHistory
from app.workflow.queries import approved_records, rejection_counts
from tests.workflow.util import (
    ADMIN,
    CLERK_WZ,
    CLERK_YZ,
    OFFICE,
    REVIEWER_WZ,
    REVIEWER_YZ,
    act,
    make_demand,
    make_demands,
    make_recognition,
    user,
)


def _history(record_type, record_id):
    return [(h.from_state, h.to_state, h.action) for h in
            engine.history_of(record_type, record_id)]


def test_demand_happy_path(app):
    with app.app_context():
        d = make_demand()
        assert act("demand", d.id, "submit", CLERK_WZ).state == "pending_1"
        assert d.state_label == "待本单位审核"
        assert act("demand", d.id, "approve", REVIEWER_WZ).state == "pending_2"
        assert d.state_label == "待市委改革办审核"
        assert act("demand", d.id, "approve", OFFICE).state == "approved"
        assert d.version == 4 and d.approved_on is not None
        assert _history("demand", d.id) == [
            ("draft", "pending_1", "submit"), ("pending_1", "pending_2", "approve"),
            ("pending_2", "approved", "approve")]
        h = engine.history_of("demand", d.id)[1]
        assert h.actor.mobile == REVIEWER_WZ and h.actor_unit.name == "万州区"
        ids = db.session.scalars(approved_records("demand").with_only_columns(
            db.text("demand.id"))).all()
        assert ids == [d.id]
        wz = user(CLERK_WZ).unit_id
        assert db.session.scalars(approved_records("demand", unit_ids=[wz])).all() == [d]
        assert db.session.scalars(approved_records("demand", unit_ids=[wz + 1])).all() == []
        today = datetime.date.today()
        assert db.session.scalars(approved_records(
            "demand", period_start=today, period_end=today)).all() == [d]
        assert db.session.scalars(approved_records(
            "demand", period_end=today - datetime.timedelta(days=1))).all() == []


def test_recognition_happy_path_and_approved_only(app):
    with app.app_context():
        r = make_recognition()
        other = make_recognition()
        act("recognition", r.id, "submit", CLERK_WZ)
        act("recognition", r.id, "approve", REVIEWER_WZ)
        act("recognition", r.id, "approve", OFFICE)
        act("recognition", other.id, "submit", CLERK_WZ)
        act("recognition", other.id, "approve", REVIEWER_WZ)
        got = db.session.scalars(approved_records("recognition")).all()
        assert got == [r]
        year = datetime.date.today().year
        assert db.session.scalars(approved_records(
            "recognition", period_start=datetime.date(year + 1, 1, 1))).all() == []


def test_reject_needs_reason_then_fix_and_resubmit(app):
    with app.app_context():
        d = make_demand()
        act("demand", d.id, "submit", CLERK_WZ)
        act("demand", d.id, "approve", REVIEWER_WZ)
        with pytest.raises(WorkflowError, match="驳回必须填写理由"):
            act("demand", d.id, "reject", OFFICE, "  ")
        assert d.state == "pending_2"
        act("demand", d.id, "reject", OFFICE, "来源渠道不准确")
        assert d.state == "rejected"
        assert engine.editable_fields(user(CLERK_WZ), d)
        assert engine.available_actions(user(CLERK_WZ), d) == ["submit"]
        d.channel = "群众企业基层有期盼"
        db.session.commit()
        act("demand", d.id, "submit", CLERK_WZ)
        assert d.state == "pending_1"  # the chain starts again
        assert engine.history_of("demand", d.id)[-2].reason == "来源渠道不准确"
        wz = user(CLERK_WZ).unit_id
        assert rejection_counts([wz]) == {wz: 1}
        assert rejection_counts(None, record_type="recognition") == {}
        tomorrow = datetime.date.today() + datetime.timedelta(days=1)
        assert rejection_counts([wz], start=tomorrow) == {}


def test_withdraw_only_before_first_review(app):
    with app.app_context():
        d = make_demand()
        act("demand", d.id, "submit", CLERK_WZ)
        with pytest.raises(NotAllowed):
            act("demand", d.id, "withdraw", REVIEWER_WZ)
        act("demand", d.id, "withdraw", CLERK_WZ)
        assert d.state == "draft"
        act("demand", d.id, "submit", CLERK_WZ)
        act("demand", d.id, "approve", REVIEWER_WZ)
        with pytest.raises(WorkflowError, match="不能撤回"):
            act("demand", d.id, "withdraw", CLERK_WZ)


def test_nobody_approves_own_record_and_admin_approves_nothing(app):
    with app.app_context():
        both = user(REVIEWER_WZ)
        both.roles.append(app.appbuilder.sm.find_role(ROLE_CLERK))
        db.session.commit()
        d = make_demand(mobile=REVIEWER_WZ)
        act("demand", d.id, "submit", REVIEWER_WZ)
        with pytest.raises(NotAllowed, match="不能审核本人填报的记录"):
            act("demand", d.id, "approve", REVIEWER_WZ)
        other = make_demand()
        act("demand", other.id, "submit", CLERK_WZ)
        with pytest.raises(RecordNotFound):  # out of 系统管理员's records? it sees all
            act("demand", other.id, "approve", REVIEWER_YZ)
        with pytest.raises(NotAllowed, match="系统管理员不能审核"):
            act("demand", other.id, "approve", ADMIN)
        with pytest.raises(NotAllowed):  # 改革办 acts at step 2, not step 1
            act("demand", other.id, "approve", OFFICE)
        assert other.state == "pending_1"


def test_unknown_record_and_type(app):
    with app.app_context():
        with pytest.raises(RecordNotFound):
            act("demand", 999999, "approve", OFFICE)
        with pytest.raises(RecordNotFound):
            act("nothing", 1, "approve", OFFICE)


def test_stale_version_is_already_handled(app):
    """The compare-and-set: a record changed after it was read is not touched."""
    with app.app_context():
        d = make_demand(state="pending_1")
        real_execute = db.session.execute
        calls = {"n": 0}

        def racing_execute(stmt, *a, **kw):
            calls["n"] += 1
            if calls["n"] == 2:  # between the read and the compare-and-set
                with db.engine.begin() as conn:
                    conn.execute(db.text("UPDATE demand SET version = version + 1 WHERE id = :i"),
                                 {"i": d.id})
            return real_execute(stmt, *a, **kw)

        db.session.execute = racing_execute
        try:
            with pytest.raises(AlreadyHandled, match="该记录已被他人处理"):
                act("demand", d.id, "approve", REVIEWER_WZ)
        finally:
            db.session.execute = real_execute
        db.session.expire_all()
        assert d.state == "pending_1"
        assert db.session.scalar(select(func.count()).select_from(WorkflowHistory)) == 0


def test_history_is_append_only(app):
    with app.app_context():
        d = make_demand()
        act("demand", d.id, "submit", CLERK_WZ)
        h = engine.history_of("demand", d.id)[0]
        h.reason = "改写"
        with pytest.raises(HistoryIsAppendOnly):
            db.session.commit()
        db.session.rollback()
        db.session.delete(engine.history_of("demand", d.id)[0])
        with pytest.raises(HistoryIsAppendOnly):
            db.session.commit()
        db.session.rollback()
        assert len(engine.history_of("demand", d.id)) == 1


def test_bulk_mixed_selection(app):
    with app.app_context():
        ok1 = make_demand(state="pending_1", title="甲")
        ok2 = make_demand(state="pending_1", title="乙")
        draft = make_demand(title="草稿")
        other_unit = make_demand(mobile=CLERK_YZ, state="pending_1", title="渝中")
        approved = make_demand(state="approved", title="已过")
        result = engine.bulk_transition(
            "demand", [ok1.id, draft.id, other_unit.id, 999999, ok2.id, approved.id, "x"],
            "approve", user(REVIEWER_WZ))
        assert result.done == [ok1.id, ok2.id]
        reasons = {s["id"]: s["reason"] for s in result.skipped}
        assert reasons == {
            "x": "编号无效",
            draft.id: "当前状态为“草稿”，不在审核中",
            other_unit.id: "记录不存在或不在您的可见范围内",
            999999: "记录不存在或不在您的可见范围内",
            approved.id: "当前状态为“已通过”，不在审核中",
        }
        db.session.expire_all()
        assert ok1.state == ok2.state == "pending_2" and ok1.version == 2
        assert db.session.scalar(select(func.count()).select_from(WorkflowHistory)) == 2
        with pytest.raises(WorkflowError, match="驳回必须填写理由"):
            engine.bulk_transition("demand", [ok1.id], "reject", user(OFFICE), "")
        result = engine.bulk_transition("demand", [ok1.id, ok2.id], "reject", user(OFFICE),
                                        "不符合要求")
        assert result.done == [ok1.id, ok2.id]
        assert {h.reason for h in db.session.scalars(select(WorkflowHistory).where(
            WorkflowHistory.action == "reject"))} == {"不符合要求"}


def _count_statements(app, fn) -> int:
    statements = []

    def listener(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        fn()
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    return len(statements)


def test_bulk_statement_count_does_not_grow(app):
    with app.app_context():
        ids_small = make_demands(10)
        reviewer = user(REVIEWER_WZ)
        n_small = _count_statements(app, lambda: engine.bulk_transition(
            "demand", ids_small, "approve", reviewer))
        db.session.remove()
        all_ids = make_demands(1000)
        ids_big = sorted(set(all_ids) - set(ids_small))
        assert len(ids_big) == 1000
        reviewer = user(REVIEWER_WZ)
        n_big = _count_statements(app, lambda: engine.bulk_transition(
            "demand", ids_big, "approve", reviewer))
        assert n_small == n_big, (n_small, n_big)
        assert db.session.scalar(select(func.count()).select_from(WorkflowHistory)) == 1010
        assert db.session.scalar(select(func.count()).where(
            db.text("state = 'pending_2'")).select_from(db.text("demand"))) == 1010


def test_todo_lists_exactly_what_waits_for_the_user(app):
    with app.app_context():
        waiting = make_demand(state="pending_1", title="待审甲")
        rec = make_recognition()
        act("recognition", rec.id, "submit", CLERK_WZ)
        make_demand(title="草稿")
        make_demand(mobile=CLERK_YZ, state="pending_1", title="渝中的")
        later = make_demand(state="pending_2", title="待改革办")

        def todo_ids(mobile):
            return {(rt.name, r.id) for rt, rows in engine.todo(user(mobile)) for r in rows}

        assert todo_ids(REVIEWER_WZ) == {("demand", waiting.id), ("recognition", rec.id)}
        assert engine.todo_count(user(REVIEWER_WZ)) == 2
        assert todo_ids(OFFICE) == {("demand", later.id)}
        assert todo_ids(CLERK_WZ) == set()
        assert todo_ids(ADMIN) == set()
        assert engine.todo_count(user(REVIEWER_YZ)) == 1
