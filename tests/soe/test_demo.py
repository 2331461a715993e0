"""The demo records: every state of both types for the 万州 enterprises, some
cases adopted with their log, nothing later than today 08:00, consistent
history, and a second run adds nothing."""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import func, select

from app.extensions import db
from app.records.demo_support import limit_of
from app.records.soe import demo
from app.records.soe.models import SoeCase, SoeCaseAdoption, SoeRecognition
from app.scoring.service import run_scheme
from app.workflow.chain import APPROVED, DRAFT, REJECTED
from app.workflow.models import WorkflowHistory
from tests.soe.util import GZW_REVIEWER, user

STATES = {DRAFT, "pending_1", "pending_2", REJECTED, APPROVED}


def test_demo_in_every_state_and_idempotent(app):
    today = dt.date.today()
    with app.app_context():
        counts = demo.generate(db.session, random.Random("2026-soe"), today)
        db.session.commit()
        assert set(counts) == STATES and sum(counts.values()) == (
            len(demo.RECOGNITIONS) + len(demo.CASES))
        for model in (SoeRecognition, SoeCase):
            states = set(db.session.scalars(select(model.state).distinct()))
            assert {DRAFT, REJECTED, APPROVED} <= states, model
        assert set(db.session.scalars(select(SoeRecognition.state).distinct())) == STATES
        limit = limit_of(today)
        for model, name in ((SoeRecognition, "soe_recognition"), (SoeCase, "soe_case")):
            for rec in db.session.scalars(select(model)):
                assert rec.created_on <= limit and rec.changed_on <= limit
                assert rec.approved_on is None or rec.approved_on <= limit
                assert rec.unit.kind == "enterprise" and rec.clean() == [], rec
                hist = db.session.scalars(select(WorkflowHistory).where(
                    WorkflowHistory.record_type == name, WorkflowHistory.record_id == rec.id
                ).order_by(WorkflowHistory.id)).all()
                assert (hist[-1].to_state if hist else DRAFT) == rec.state
                assert all(h.created_on <= limit for h in hist)
                if rec.state == APPROVED:  # the last step was the 万州区国资委's reviewer
                    assert hist[-1].actor_id == user(GZW_REVIEWER).id
        adopted = db.session.scalars(select(SoeCase).where(SoeCase.adopted.is_(True))).all()
        assert len(adopted) == sum(1 for c in demo.CASES if c[7])
        for case in adopted:
            assert case.state == APPROVED and case.adopted_by_id == user(GZW_REVIEWER).id
            assert case.approved_on < case.adopted_on <= limit
            log = db.session.scalars(select(SoeCaseAdoption).where(
                SoeCaseAdoption.case_id == case.id)).all()
            assert [(r.action, r.actor_id, r.created_on) for r in log] == [
                ("adopt", case.adopted_by_id, case.adopted_on)]
        before = db.session.scalar(select(func.count()).select_from(SoeRecognition))
        assert demo.generate(db.session, random.Random("2026-soe"), today) == {}
        assert db.session.scalar(select(func.count()).select_from(SoeRecognition)) == before
        # the SOE scheme scores the demo with no missing source
        run = run_scheme("soe_2023", str(today.year))
        assert run.collection.missing == {}
        assert len(run.result.wide) >= 3
