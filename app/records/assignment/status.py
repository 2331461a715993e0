"""Who is due or late on the assigned items: the working lists (home page, 待办,
the items' pages, the overdue page), the usage evaluation's 逾期反馈 and the
cockpit's 问题破解 board. The rule itself is :func:`app.records.assignment.due.due_status`;
this module only feeds it.

Two ways of counting reports:

* the working lists and the usage evaluation count the reports a unit filed
  and that were not sent back (submitted, under review or approved), dated by
  their last submission: a unit that reported on time is not late while its
  report waits for review;
* the cockpit counts approved reports only (SPEC §2: only approved records
  reach the cockpit), approved by the snapshot's moment of collection.

Either way only an approved report saying 已完成 ends the quarterly cycle.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select

from app.extensions import db
from app.records.assignment.due import DueStatus, Filing, due_status, missed_between
from app.records.assignment.models import (
    COMPLETED,
    KIND_BOTTLENECK,
    Assignment,
    assignment_unit,
    report_models,
)
from app.scope import scope_for
from app.units.models import Unit
from app.workflow.chain import APPROVED, PENDING_PREFIX

WITHIN_DAYS = 7


@dataclass
class PairStatus:
    """One unit's obligation on one item."""

    assignment_id: int
    kind: str
    title: str
    deadline: dt.date
    unit_id: int
    unit: str
    status: DueStatus

    def as_dict(self, within_days: int = WITHIN_DAYS) -> dict:
        s = self.status
        return {"assignment_id": self.assignment_id, "kind": self.kind, "title": self.title,
                "deadline": self.deadline, "unit_id": self.unit_id, "unit": self.unit,
                "next_due": s.next_due, "days_overdue": s.days_overdue,
                "days_left": s.days_left, "missed": len(s.missed),
                "last_filed": s.last_filed, "code": s.code(within_days),
                "label": s.label(within_days)}


def _filed_clause(model):
    return model.state.startswith(PENDING_PREFIX) | (model.state == APPROVED)


def filings(assignment_ids, unit_ids=None, approved_by: dt.datetime | None = None,
            filed_until: dt.date | None = None, session=None) -> dict[tuple, list[Filing]]:
    """{(item id, unit id): [Filing]} of the reports that count: filed and not
    sent back; with ``approved_by``, approved by that moment only. One query
    per report type."""
    session = session or db.session
    out: dict[tuple, list[Filing]] = defaultdict(list)
    ids = list(assignment_ids)
    if not ids:
        return out
    for model in report_models():
        stmt = select(model.assignment_id, model.unit_id, model.submitted_on, model.state,
                      model.progress, model.approved_on).where(model.assignment_id.in_(ids))
        if approved_by is not None:
            stmt = stmt.where(model.state == APPROVED, model.approved_on <= approved_by)
        else:
            stmt = stmt.where(_filed_clause(model))
        if unit_ids is not None:
            stmt = stmt.where(model.unit_id.in_(unit_ids))
        for aid, uid, submitted, state, progress, approved_on in session.execute(stmt):
            if submitted is None:
                continue
            day = submitted.date()
            if filed_until is not None and day > filed_until:
                continue
            out[(aid, uid)].append(Filing(day, state == APPROVED and progress == COMPLETED))
    return out


def pair_statuses(scope=None, today: dt.date | None = None, kind: str | None = None,
                  assignment_ids=None, unit_ids=None, approved_by: dt.datetime | None = None,
                  session=None) -> list[PairStatus]:
    """The status of every (item, assigned unit) pair in ``scope`` (the units
    in it; None: everything), optionally of one kind, some items or units."""
    session = session or db.session
    today = today or dt.date.today()
    a, t = Assignment, assignment_unit
    stmt = (select(a.id, a.kind, a.title, a.deadline, t.c.unit_id, Unit.name)
            .join(t, t.c.assignment_id == a.id).join(Unit, Unit.id == t.c.unit_id)
            .order_by(a.deadline, a.id, Unit.sort_order, Unit.id))
    if scope is not None and not scope.everything:
        stmt = stmt.where(t.c.unit_id.in_(scope.unit_ids_select()))
    if kind is not None:
        stmt = stmt.where(a.kind == kind)
    if assignment_ids is not None:
        stmt = stmt.where(a.id.in_(list(assignment_ids)))
    if unit_ids is not None:
        stmt = stmt.where(t.c.unit_id.in_(list(unit_ids)))
    if approved_by is not None:  # the items assigned by then
        stmt = stmt.where(t.c.assigned_on <= approved_by)
    rows = session.execute(stmt).all()
    found = filings({r[0] for r in rows}, unit_ids=list({r[4] for r in rows}),
                    approved_by=approved_by, filed_until=today if approved_by else None,
                    session=session)
    return [PairStatus(aid, kind_, title, deadline, uid, unit,
                       due_status(deadline, found.get((aid, uid), ()), today))
            for aid, kind_, title, deadline, uid, unit in rows]


def due_items(user, today: dt.date | None = None, within_days: int = WITHIN_DAYS,
              session=None) -> list[dict]:
    """The items of the units in ``user``'s scope that are overdue or due
    within ``within_days`` days: overdue first (longest first), then by due
    date. Each a dict (see :meth:`PairStatus.as_dict`) with its page's URL."""
    scope = scope_for(user)
    if scope.nothing:
        return []
    rows = [p.as_dict(within_days) for p in pair_statuses(scope, today, session=session)]
    rows = [r for r in rows if r["code"] in ("overdue", "soon")]
    rows.sort(key=lambda r: (r["code"] != "overdue", -r["days_overdue"],
                             r["next_due"], r["assignment_id"], r["unit"]))
    return rows


def overdue_summary(pairs: list[PairStatus]) -> list[dict]:
    """Per unit: items overdue now (of each kind) and due dates missed so far."""
    per: dict[int, dict] = {}
    for p in pairs:
        row = per.setdefault(p.unit_id, {"unit_id": p.unit_id, "unit": p.unit, "overdue": 0,
                                         "demand": 0, "bottleneck": 0, "missed": 0,
                                         "assigned": 0})
        row["assigned"] += 1
        row["missed"] += len(p.status.missed)
        if p.status.overdue:
            row["overdue"] += 1
            row["bottleneck" if p.kind == KIND_BOTTLENECK else "demand"] += 1
    rows = [r for r in per.values() if r["overdue"] or r["missed"]]
    rows.sort(key=lambda r: (-r["overdue"], -r["missed"], r["unit"]))
    return rows


def overdue_counts(unit_ids=None, today: dt.date | None = None, session=None) -> dict[int, int]:
    """{unit id: items overdue now} (units with none left out)."""
    out: dict[int, int] = defaultdict(int)
    for p in pair_statuses(None, today, unit_ids=unit_ids, session=session):
        if p.status.overdue:
            out[p.unit_id] += 1
    return dict(out)


def missed_in_period(unit_ids, start: dt.date, end: dt.date, today: dt.date | None = None,
                     session=None) -> dict[int, int]:
    """{unit id: feedback due in [start, end] and not given in time} — the
    usage evaluation's 逾期反馈 (a due date counts once it has passed)."""
    out: dict[int, int] = defaultdict(int)
    for p in pair_statuses(None, today, unit_ids=unit_ids, session=session):
        n = missed_between(p.status, start, end)
        if n:
            out[p.unit_id] += n
    return dict(out)


def bottleneck_figures(unit_ids, day: dt.date, approved_by: dt.datetime,
                       session=None) -> dict[int, dict]:
    """问题破解 per unit on ``day`` from approved reports only: items assigned,
    in progress (not yet completed), completed, overdue."""
    out: dict[int, dict] = {}
    for p in pair_statuses(None, day, kind=KIND_BOTTLENECK, unit_ids=unit_ids,
                           approved_by=approved_by, session=session):
        row = out.setdefault(p.unit_id, {"assigned": 0, "in_progress": 0, "completed": 0,
                                         "overdue": 0})
        row["assigned"] += 1
        if p.status.completed:
            row["completed"] += 1
        else:
            row["in_progress"] += 1
            if p.status.overdue:
                row["overdue"] += 1
    return out


def due_panel(user, today: dt.date | None = None, limit: int = 10) -> dict | None:
    """What the 即将到期与逾期 panel of the home page and 待办 shows (None when
    there is nothing due or late in the user's scope)."""
    from app.security.roles import ROLE_REFORM_OFFICE

    if user is None or not getattr(user, "is_authenticated", False):
        return None
    rows = due_items(user, today)
    if not rows:
        return None
    overdue = sum(1 for r in rows if r["code"] == "overdue")
    roles = {r.name for r in user.roles}
    own = getattr(user, "unit_id", None)
    return {"rows": rows[:limit], "overdue": overdue, "soon": len(rows) - overdue,
            "more": max(0, len(rows) - limit), "office": ROLE_REFORM_OFFICE in roles,
            "show_unit": any(r["unit_id"] != own for r in rows)}
