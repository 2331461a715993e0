"""Each pilot test starts from no pilot at all, whether or not the demo the
session loaded has demo pilots (app/records/pilot/demo.py)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _no_pilots(request):
    if "app" not in request.fixturenames:
        return
    app = request.getfixturevalue("app")
    from sqlalchemy import delete

    from app.attachments.models import Attachment
    from app.extensions import db
    from app.records.pilot.models import (
        Pilot,
        PilotAchievement,
        PilotJoinRequest,
        PilotTask,
        PilotUpdate,
        pilot_district,
    )
    from app.workflow.models import WorkflowHistory

    types = ("pilot", "pilot_update", "pilot_achievement")
    with app.app_context():
        for table in (PilotJoinRequest.__table__, PilotTask.__table__, PilotUpdate.__table__,
                      PilotAchievement.__table__, pilot_district, Pilot.__table__):
            db.session.execute(delete(table))
        db.session.execute(delete(WorkflowHistory.__table__).where(
            WorkflowHistory.record_type.in_(types)))
        db.session.execute(delete(Attachment.__table__).where(
            Attachment.record_type.in_(types)))
        db.session.commit()
        db.session.remove()
