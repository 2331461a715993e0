"""The demo: seed 003's own three tables approved, a few departments' tables
in every state, consistent history, nothing after today 08:00, idempotent."""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import func, select

from app.extensions import db
from app.records.self_evaluation.demo import generate
from app.records.self_evaluation.models import SelfEvaluation
from app.records.self_evaluation.seed003 import TABLES
from app.workflow.chain import APPROVED, DRAFT, REJECTED
from app.workflow.models import WorkflowHistory


def test_demo_in_every_state_and_idempotent(app):
    today = dt.date.today()
    with app.app_context():
        counts = generate(db.session, random.Random("2026-self_evaluation"), today)
        db.session.commit()
        assert set(counts) == {DRAFT, "pending_1", "pending_2", REJECTED, APPROVED}
        assert generate(db.session, random.Random("2026-self_evaluation"), today) == {}
        records = db.session.scalars(select(SelfEvaluation).order_by(SelfEvaluation.id)).all()
        assert len(records) == sum(counts.values())
        seed = {r.project_code: r for r in records if r.year == 2023}
        for header, _funds, _rows, printed in TABLES:
            record = seed[header["project_code"]]
            assert record.state == APPROVED and record.unit.name == "渝中区大数据应用发展管理局"
            assert (record.execution_rate, record.execution_score, record.total_score) == \
                (printed[0], printed[2], printed[3])
            assert record.approved_on < dt.datetime(2024, 5, 1)
        limit = dt.datetime.combine(today, dt.time(8, 0))
        for record in records:
            assert record.clean() == [], record.project_name  # valid as saved by a clerk
            assert record.created_on <= limit and record.changed_on <= limit
            history = db.session.scalars(select(WorkflowHistory).where(
                WorkflowHistory.record_type == "self_evaluation",
                WorkflowHistory.record_id == record.id).order_by(WorkflowHistory.id)).all()
            assert (history[-1].to_state if history else DRAFT) == record.state
            assert record.version == len(history) + 1
            if record.state in (APPROVED, "pending_2"):
                assert record.total_score is not None
            if any(h.to_state == "pending_2" for h in history):  # the finance office acted
                assert any(h.actor.unit.name == "市财政局" for h in history) or \
                    record.state == "pending_2"
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(SelfEvaluation)) == len(records)
