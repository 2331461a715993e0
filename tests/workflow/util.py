"""Helpers for the workflow tests: users, records, transitions."""

from __future__ import annotations

import datetime

from sqlalchemy import select

from app.extensions import db
from app.records.demand.models import Demand
from app.records.recognition.models import Recognition
from app.security.models import ReformUser

CLERK_WZ, REVIEWER_WZ, LEADER_WZ = "13900000011", "13900000012", "13900000013"
CLERK_YZ, REVIEWER_YZ, LEADER_YZ = "13900000021", "13900000022", "13900000023"
OFFICE, CITY_LEADER, ADMIN = "13900000001", "13900000002", "13900000099"


def user(mobile: str) -> ReformUser:
    return db.session.scalar(select(ReformUser).where(ReformUser.mobile == mobile))


def make_demand(mobile: str = CLERK_WZ, title: str = "建立改革需求分析机制", state="draft",
                session=None) -> Demand:
    session = session or db.session
    u = session.scalar(select(ReformUser).where(ReformUser.mobile == mobile))
    d = Demand(title=title, description="描述", channel="重庆发展有堵点", unit_id=u.unit_id,
               filed_by_id=u.id, state=state, version=1,
               submitted_by_id=u.id if state != "draft" else None)
    session.add(d)
    session.commit()
    return d


def make_demands(n: int, mobile: str = CLERK_WZ, state="pending_1") -> list[int]:
    u = user(mobile)
    rows = [dict(title=f"需求{i}", description="", channel="重庆发展有堵点", unit_id=u.unit_id,
                 filed_by_id=u.id, submitted_by_id=u.id, state=state, version=1,
                 created_on=datetime.datetime.now(), changed_on=datetime.datetime.now())
            for i in range(n)]
    db.session.execute(Demand.__table__.insert(), rows)
    db.session.commit()
    return list(db.session.scalars(select(Demand.id).where(Demand.unit_id == u.unit_id)))


def make_recognition(mobile: str = CLERK_WZ, category="全市推广", criterion="C-1",
                     date=None) -> Recognition:
    u = user(mobile)
    r = Recognition(item="开展xx改革", problem="问题", result="成果", category=category,
                    criterion=criterion, date=date or datetime.date.today(),
                    unit_id=u.unit_id, filed_by_id=u.id, state="draft", version=1)
    db.session.add(r)
    db.session.commit()
    return r


def act(record_type: str, record_id: int, action: str, mobile: str, reason=None):
    from app.workflow.engine import transition

    return transition(record_type, record_id, action, user(mobile), reason)
