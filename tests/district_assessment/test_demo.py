"""The demo: 万州区's breakdown loaded and reports in every state, idempotent,
nothing later than today 08:00, each state reached through its history."""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import func, select

from app.extensions import db
from app.records.district_assessment import demo
from app.records.district_assessment.models import (
    AssessmentIndicator,
    AssessmentReport,
    SupervisionReport,
)
from app.workflow.models import WorkflowHistory


def test_demo_in_every_state_and_idempotent(app):
    today = dt.date.today()
    with app.app_context():
        counts = demo.generate(db.session, random.Random("2026-district_assessment"), today)
        db.session.commit()
        assert set(counts) == {"draft", "pending_1", "pending_2", "rejected", "approved"}
        assert db.session.scalar(select(func.count()).select_from(AssessmentIndicator)) == 58
        assert demo.generate(db.session, random.Random(1), today) == {}
        limit = dt.datetime.combine(today, dt.time(8, 0))
        for model, name in ((AssessmentReport, "assessment_report"),
                            (SupervisionReport, "supervision_report")):
            rows = db.session.scalars(select(model)).all()
            assert rows and all(r.clean() == [] for r in rows)
            assert max(r.changed_on for r in rows) <= limit
            last = dict(db.session.execute(
                select(WorkflowHistory.record_id, WorkflowHistory.to_state)
                .where(WorkflowHistory.record_type == name)
                .order_by(WorkflowHistory.created_on, WorkflowHistory.id)).all())
            for r in rows:
                assert last.get(r.id, "draft") == r.state
        db.session.rollback()
