"""Two reviewers approve the same record at the same moment, each on its own
connection (PostgreSQL only: SQLite serialises writers)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from app.records.demand.models import Demand
from app.extensions import db
from app.security.models import ReformUser
from app.workflow import engine
from app.workflow.engine import AlreadyHandled
from app.workflow.models import WorkflowHistory
from tests.workflow.util import OFFICE, make_demand, user


def after_reading_demands(session, then) -> list:
    """Run ``then()`` once, right after ``session`` first reads the demand
    table (other reads, e.g. the actor's unit and roles loaded on first use,
    may come before). Returns a list that holds True once it has run."""
    real_execute = session.execute
    ran: list[bool] = []

    def execute(stmt, *a, **kw):
        result = real_execute(stmt, *a, **kw)
        if not ran and isinstance(stmt, Select) and Demand.__table__ in stmt.get_final_froms():
            ran.append(True)
            then()
        return result

    session.execute = execute
    return ran


@pytest.mark.parametrize("bulk", [False, True])
def test_concurrent_approve_gives_one_transition(app, bulk):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("needs PostgreSQL (real concurrent connections)")
        d = make_demand(state="pending_2")
        # a second reform-office account, so that two different people race
        second = ReformUser(first_name="改革办二", last_name="", mobile="13900000009",
                            active=True, unit_id=user(OFFICE).unit_id,
                            must_change_password=False, password="x")
        second.roles = list(user(OFFICE).roles)
        db.session.add(second)
        db.session.commit()
        record_id = d.id
        barrier = threading.Barrier(2)
        outcomes: list[str] = []

        def approve(mobile):
            with app.app_context(), Session(db.engine) as session:
                actor = session.scalar(select(ReformUser).where(ReformUser.mobile == mobile))
                # both have read the record before either writes
                after_reading_demands(session, lambda: barrier.wait(10))
                try:
                    if bulk:
                        res = engine.bulk_transition("demand", [record_id], "approve", actor,
                                                     session=session)
                        outcomes.append("ok" if res.done else res.skipped[0]["reason"])
                    else:
                        engine.transition("demand", record_id, "approve", actor,
                                          session=session)
                        outcomes.append("ok")
                except AlreadyHandled as exc:
                    outcomes.append(exc.message)
                except Exception as exc:  # noqa: BLE001 - reported by the assertion below
                    outcomes.append(repr(exc))

        threads = [threading.Thread(target=approve, args=(m,)) for m in (OFFICE, "13900000009")]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert sorted(outcomes) == ["ok", "该记录已被他人处理"]
        db.session.expire_all()
        assert db.session.get(type(d), record_id).state == "approved"
        assert db.session.scalar(select(func.count()).select_from(WorkflowHistory).where(
            WorkflowHistory.record_type == "demand", WorkflowHistory.record_id == record_id)) == 1



def test_bulk_skips_a_record_changed_after_it_was_read(app):
    """Compare-and-set on each record's version, whatever the mix of versions:
    a record changed by someone else between the bulk call's read and its
    update (same state, new version) is skipped as handled by another; the
    others, read at different versions, are approved, with one history row
    each."""
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("needs PostgreSQL (a second connection writes mid-call)")
        ids = [make_demand(title=f"需求{i}", state="pending_2").id for i in range(4)]
        table = Demand.__table__
        # versions 1, 2, 3, 3: several version groups in one update
        for record_id, bump in zip(ids, (0, 1, 2, 2)):
            db.session.execute(table.update().where(table.c.id == record_id)
                               .values(version=table.c.version + bump))
        db.session.commit()
        changed = ids[2]
        with Session(db.engine) as session:
            actor = session.scalar(select(ReformUser).where(ReformUser.mobile == OFFICE))
            def someone_else_changes_it():  # committed on another connection
                with db.engine.begin() as other:
                    other.execute(table.update().where(table.c.id == changed)
                                  .values(version=table.c.version + 1))

            happened = after_reading_demands(session, someone_else_changes_it)
            res = engine.bulk_transition("demand", ids, "approve", actor, session=session)
        assert happened
        assert sorted(res.done) == sorted(i for i in ids if i != changed)
        assert [s["id"] for s in res.skipped] == [changed]
        assert res.skipped[0]["reason"] == "该记录已被他人处理"
        db.session.expire_all()
        states = dict(db.session.execute(select(table.c.id, table.c.state)
                                         .where(table.c.id.in_(ids))).all())
        assert states == {i: ("pending_2" if i == changed else "approved") for i in ids}
        assert db.session.scalar(select(func.count()).select_from(WorkflowHistory).where(
            WorkflowHistory.record_type == "demand", WorkflowHistory.record_id.in_(ids))) == 3
