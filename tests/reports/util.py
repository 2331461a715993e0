"""Test data for the report tests, built through the models: approved (and
other) demand and recognition records with their workflow history rows, and
report periods."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from app.extensions import db
from app.security.models import ReformUser
from app.units.models import Unit
from app.workflow.models import WorkflowHistory

OFFICE, CITY_LEADER, ADMIN = "13900000001", "13900000002", "13900000099"
CLERK_WZ, REVIEWER_WZ, LEADER_WZ = "13900000011", "13900000012", "13900000013"
CLERK_YZ, REVIEWER_YZ, LEADER_YZ = "13900000021", "13900000022", "13900000023"
NATIONAL, CITY, MEDIA = "全国性肯定评价", "全市推广", "5家中央媒体深度专题报道"
CRITERIA = {NATIONAL: "N23-1", CITY: "C-1", MEDIA: "M-1"}
PERIOD = "2024Q1"
SCHEME = "district_2023"
REPORT_TYPE = "区县改革报表"


def user(mobile: str) -> ReformUser:
    return db.session.scalar(select(ReformUser).where(ReformUser.mobile == mobile))


def unit(name: str) -> Unit:
    return db.session.scalar(select(Unit).where(Unit.name == name))


def districts() -> list[Unit]:
    return db.session.scalars(select(Unit).where(Unit.kind == "district")
                              .order_by(Unit.sort_order, Unit.code)).all()


def _history(record_type, record, steps, clerk, reviewer, office):
    rows = []
    for action, from_state, to_state, actor, at, reason in steps:
        rows.append(WorkflowHistory(
            record_type=record_type, record_id=record.id, from_state=from_state,
            to_state=to_state, action=action, actor_id=actor.id,
            actor_unit_id=actor.unit_id, record_unit_id=record.unit_id, reason=reason,
            created_on=at))
    db.session.add_all(rows)


def _chain(record_type, record, when, state, rejections, clerk, reviewer, office):
    """History rows leading to ``state``: submit, (reject and resubmit) ×
    rejections, then approvals. Returns (approved_on, version)."""
    t = when
    steps = []
    version = 1
    for _ in range(rejections):
        steps.append(("submit", "draft" if not steps else "rejected", "pending_1", clerk, t, None))
        t += dt.timedelta(hours=3)
        steps.append(("reject", "pending_1", "rejected", reviewer, t, "材料不全"))
        t += dt.timedelta(hours=1)
        version += 2
    if state == "draft":
        _history(record_type, record, steps, clerk, reviewer, office)
        return None, version
    steps.append(("submit", "rejected" if rejections else "draft", "pending_1", clerk, t, None))
    version += 1
    approved_on = None
    if state in ("pending_2", "approved"):
        t += dt.timedelta(hours=2)
        steps.append(("approve", "pending_1", "pending_2", reviewer, t, None))
        version += 1
    if state == "approved":
        t += dt.timedelta(hours=5)
        steps.append(("approve", "pending_2", "approved", office, t, None))
        version += 1
        approved_on = t
    _history(record_type, record, steps, clerk, reviewer, office)
    return approved_on, version


def _people(unit_name):
    u = unit(unit_name)
    wz = unit_name == "万州区"
    yz = unit_name == "渝中区"
    clerk = user(CLERK_WZ if wz else CLERK_YZ if yz else OFFICE)
    reviewer = user(REVIEWER_WZ if wz else REVIEWER_YZ if yz else CITY_LEADER)
    return u, clerk, reviewer, user(OFFICE)


def recognition(unit_name: str, category: str = NATIONAL, date=dt.date(2024, 2, 1),
                state: str = "approved", rejections: int = 0, item: str | None = None):
    from app.records.recognition.models import Recognition

    u, clerk, reviewer, office = _people(unit_name)
    when = dt.datetime.combine(date, dt.time(9, 0))
    rec = Recognition(item=item or f"{unit_name}改革经验", problem="问题", result="成果",
                      category=category, criterion=CRITERIA[category], date=date,
                      unit_id=u.id, filed_by_id=clerk.id, state="draft", version=1,
                      created_on=when, changed_on=when)
    db.session.add(rec)
    db.session.flush()
    approved_on, version = _chain("recognition", rec, when, state, rejections, clerk, reviewer,
                                  office)
    rec.state, rec.version, rec.approved_on = state, version, approved_on
    rec.submitted_by_id = clerk.id if state != "draft" else None
    db.session.commit()
    return rec


def demand(unit_name: str, when=dt.datetime(2024, 2, 1, 9), state: str = "approved",
           rejections: int = 0, title: str | None = None):
    from app.records.demand.models import Demand

    u, clerk, reviewer, office = _people(unit_name)
    d = Demand(title=title or f"{unit_name}改革需求", description="描述",
               channel="重庆发展有堵点", unit_id=u.id, filed_by_id=clerk.id, state="draft",
               version=1, created_on=when, changed_on=when)
    db.session.add(d)
    db.session.flush()
    approved_on, version = _chain("demand", d, when, state, rejections, clerk, reviewer, office)
    d.state, d.version, d.approved_on = state, version, approved_on
    d.submitted_by_id = clerk.id if state != "draft" else None
    db.session.commit()
    return d


def quarter_data() -> dict[str, list]:
    """A small, deterministic quarter: recognitions in several districts
    (ties included), plus records that must not count (pending, draft, rejected)."""
    made: dict[str, list] = {"approved": [], "other": []}
    plan = {"万州区": (3, 2, 1), "渝中区": (1, 1, 0), "涪陵区": (2, 0, 1), "江北区": (1, 1, 0),
            "黔江区": (0, 3, 0)}
    for name, (n_nat, n_city, n_media) in plan.items():
        for _ in range(n_nat):
            made["approved"].append(recognition(name, NATIONAL))
        for _ in range(n_city):
            made["approved"].append(recognition(name, CITY))
        for _ in range(n_media):
            made["approved"].append(recognition(name, MEDIA))
    made["other"].append(recognition("渝中区", NATIONAL, state="pending_2"))
    made["other"].append(recognition("渝中区", NATIONAL, state="draft"))
    made["other"].append(recognition("万州区", CITY, state="rejected", rejections=1))
    return made


def add_period(code: str = PERIOD, deadline=dt.date(2024, 4, 10)):
    from app.reports.service import add_period as add

    return add(REPORT_TYPE, code, deadline)
