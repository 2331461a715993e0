"""The demo generator: deterministic, idempotent, every record valid and every
transition made by someone the chain allows."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from sqlalchemy import select

from app.extensions import db
from app.records.pilot import demo
from app.records.pilot.models import (
    Pilot,
    PilotAchievement,
    PilotJoinRequest,
    PilotTask,
    PilotUpdate,
)
from app.records.pilot.tasks import quarter_of
from app.security.models import ReformUser
from app.workflow.models import WorkflowHistory


def _snapshot():
    pilots = [(p.name, p.state, p.unit_id, p.supervisor_id, p.deploy_date,
               tuple(sorted(u.id for u in p.districts)))
              for p in db.session.scalars(select(Pilot).order_by(Pilot.id))]
    # by name, not id: PostgreSQL does not roll sequences back
    updates = db.session.execute(select(Pilot.name, PilotUpdate.unit_id, PilotUpdate.period,
                                        PilotUpdate.state, PilotUpdate.accepted_on)
                                 .join(Pilot, Pilot.id == PilotUpdate.pilot_id)
                                 .order_by(PilotUpdate.id)).all()
    return pilots, updates


@pytest.mark.parametrize("today", [dt.date(2026, 1, 5), dt.date(2026, 11, 20)])
def test_deterministic_idempotent_and_valid(app, today):
    with app.app_context():
        first = demo.generate(db.session, random.Random(7), today)
        snap = _snapshot()
        db.session.rollback()
        again = demo.generate(db.session, random.Random(7), today)
        assert again == first and _snapshot() == snap
        assert first["approved"] >= 8 and {"draft", "pending_1", "pending_2",
                                              "rejected"} <= set(first)
        db.session.commit()
        assert demo.generate(db.session, random.Random(7), today) == {}
        limit = dt.datetime.combine(today, dt.time(8, 0))
        for p in db.session.scalars(select(Pilot)):
            assert p.clean() == [], (p.name, p.clean())
            assert p.created_on <= limit and (p.approved_on is None or p.approved_on <= limit)
        assert db.session.scalar(select(PilotTask.id).limit(1)) is not None
        assert db.session.scalar(select(PilotAchievement.id).limit(1)) is not None
        assert db.session.scalar(select(PilotJoinRequest.id).limit(1)) is not None
        # the first pilot stays open for the contract tests: 万州 and 渝中, no update now
        p1 = db.session.scalar(select(Pilot).order_by(Pilot.id).limit(1))
        assert p1.state == "approved" and {u.name for u in p1.districts} == {"万州区", "渝中区"}
        assert db.session.scalar(select(PilotUpdate.id).where(
            PilotUpdate.pilot_id == p1.id, PilotUpdate.period == quarter_of(today).code)) is None
        db.session.rollback()


def test_every_transition_by_someone_the_chain_allows(app):
    from app.workflow.registry import get_type

    with app.app_context():
        demo.generate(db.session, random.Random(3), dt.date(2026, 11, 20))
        db.session.commit()
        users = {u.id: u for u in db.session.scalars(select(ReformUser))}
        for record_type in ("pilot", "pilot_update", "pilot_achievement"):
            model = get_type(record_type).model
            chain = model.__chain__
            records = {r.id: r for r in db.session.scalars(select(model))}
            rows = db.session.scalars(select(WorkflowHistory).where(
                WorkflowHistory.record_type == record_type).order_by(WorkflowHistory.id))
            for h in rows:
                record = records[h.record_id]
                actor = users[h.actor_id]
                if h.action == "submit":
                    assert chain.filer.matches(actor, record), (record_type, h.id)
                else:
                    step = chain.step_for(h.from_state)
                    assert step.actor.matches(actor, record), (record_type, h.id, step.label)
