"""Helpers for the assignment tests: items, reports and dates put in place."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update

from app.extensions import db
from app.records.assignment.models import (
    IN_PROGRESS,
    KIND_BOTTLENECK,
    Assignment,
    assignment_unit,
    report_model,
)
from app.security.models import ReformUser
from app.units.models import Unit
from app.workflow.engine import transition

CLERK_WZ, REVIEWER_WZ, LEADER_WZ = "13900000011", "13900000012", "13900000013"
CLERK_YZ, REVIEWER_YZ = "13900000021", "13900000022"
OFFICE, CITY_LEADER, ADMIN = "13900000001", "13900000002", "13900000099"


def user(mobile: str) -> ReformUser:
    return db.session.scalar(select(ReformUser).where(ReformUser.mobile == mobile))


def unit_id(name: str) -> int:
    return db.session.scalar(select(Unit.id).where(Unit.name == name))


def make_item(title="破解企业开办堵点", kind=KIND_BOTTLENECK, deadline=None,
              units=("万州区",), assigned_on=None) -> int:
    """An item put straight into the database (any deadline, past ones too)."""
    deadline = deadline or dt.date.today() + dt.timedelta(days=30)
    assigned_on = assigned_on or dt.datetime.combine(deadline - dt.timedelta(days=60),
                                                     dt.time(9))
    item = Assignment(kind=kind, title=title, content="交办内容", deadline=deadline,
                      created_by_id=user(OFFICE).id, created_on=assigned_on,
                      changed_on=assigned_on)
    db.session.add(item)
    db.session.flush()
    db.session.execute(assignment_unit.insert(), [
        {"assignment_id": item.id, "unit_id": unit_id(n), "assigned_on": assigned_on}
        for n in units])
    db.session.commit()
    return item.id


def make_report(item_id: int, clerk=CLERK_WZ, state="draft", progress=IN_PROGRESS,
                filed_on: dt.date | None = None, reviewer=REVIEWER_WZ,
                work_done="1.出台实施方案。2.建立调度机制。") -> int:
    """A report walked through the chain to ``state`` by the real engine;
    ``filed_on`` then sets the day of its submission (and approval)."""
    item = db.session.get(Assignment, item_id)
    model = report_model(item.kind)
    u = user(clerk)
    report = model(assignment_id=item_id, work_done=work_done, problems="", progress=progress,
                   unit_id=u.unit_id, filed_by_id=u.id, state="draft", version=1)
    db.session.add(report)
    assert report.clean() == []
    db.session.commit()
    rid = report.id
    rtype = model.__record_type__
    if state != "draft":
        transition(rtype, rid, "submit", u)
        if state in ("pending_2", "approved"):
            transition(rtype, rid, "approve", user(reviewer))
        if state == "approved":
            transition(rtype, rid, "approve", user(OFFICE))
        if state == "rejected":
            transition(rtype, rid, "reject", user(reviewer), "请补充具体举措")
    if filed_on is not None and state != "draft":
        moment = dt.datetime.combine(filed_on, dt.time(10))
        values = {"submitted_on": moment}
        if state == "approved":
            values["approved_on"] = moment + dt.timedelta(hours=5)
        db.session.execute(update(model).where(model.id == rid).values(**values))
        db.session.commit()
    return rid
