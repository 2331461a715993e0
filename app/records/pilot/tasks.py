"""The quarterly 试点推进状态更新 tasks, and which of them are overdue.

A task is one involved district's update due for one pilot and quarter
(``PilotTask``). Tasks are opened

* when the supervising department distributes the pilot (the quarter of that
  day, for every involved district: ``Pilot.after_transition``);
* when a district is added later (a join request accepted);
* for every later quarter by ``flask pilot open-quarter`` — and lazily by the
  task screens, by :func:`overdue_counts` and when an update is saved — for
  each district of each distributed pilot that has not reported 已完成 in an
  approved update of an earlier quarter. Opening is idempotent.

A task is *filed* once an update of its pilot, district and quarter has been
submitted and not sent back (any state but 草稿 and 已驳回). It is *overdue*
when it is not filed after its due date: the quarter's last day plus
``PILOT_UPDATE_GRACE_DAYS`` (default 0), so an update for 2024Q2 not filed by
30 June 2024 is overdue from 1 July 2024.
"""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import and_, exists, func, literal, or_, select
from sqlalchemy.dialects import postgresql, sqlite

from app.records.pilot.models import (
    COMPLETED,
    FILED_STATES_EXCLUDED,
    Pilot,
    PilotTask,
    PilotUpdate,
    pilot_district,
)
from app.scoring.periods import Period, parse_period
from app.workflow.chain import APPROVED

PERIOD_RE = re.compile(r"\A\d{4}Q[1-4]\Z")


def quarter_of(day: dt.date) -> Period:
    return parse_period(f"{day.year}Q{(day.month - 1) // 3 + 1}")


def current_quarter(today: dt.date | None = None) -> Period:
    return quarter_of(today or dt.date.today())


def as_quarter(period) -> Period:
    """A quarter from a Period or a code such as 2024Q2 (PeriodError otherwise)."""
    if isinstance(period, Period):
        value = period
    else:
        value = parse_period(str(period))
    if value.kind != "quarter":
        from app.scoring.periods import PeriodError

        raise PeriodError(f"“{value.code}”不是季度：试点推进状态按季度更新，应为 2024Q2 的格式")
    return value


def grace_days() -> int:
    from flask import current_app, has_app_context

    if has_app_context():
        return int(current_app.config.get("PILOT_UPDATE_GRACE_DAYS", 0) or 0)
    return 0


def due_date(period: Period) -> dt.date:
    return period.end + dt.timedelta(days=grace_days())


def _insert_ignoring_duplicates(session, table):
    name = session.get_bind().dialect.name
    if name == "postgresql":
        return postgresql.insert(table), True
    if name == "sqlite":
        return sqlite.insert(table), True
    return table.insert(), False


def _finished_before(period_code: str):
    """An approved update of the same pilot and district, of an earlier
    quarter, that reported 已完成."""
    u = PilotUpdate.__table__
    return exists().where(
        u.c.pilot_id == pilot_district.c.pilot_id, u.c.unit_id == pilot_district.c.unit_id,
        u.c.state == APPROVED, u.c.progress == COMPLETED, u.c.period < period_code)


def open_tasks(session, period, pilot_ids=None, unit_ids=None, now=None) -> int:
    """Open the tasks of quarter ``period`` that are due and missing; one
    INSERT … SELECT whatever the number of pilots. Returns how many were opened."""
    period = as_quarter(period)
    now = now or dt.datetime.now()
    p, t = Pilot.__table__, PilotTask.__table__
    end = dt.datetime.combine(period.end + dt.timedelta(days=1), dt.time.min)
    source = (
        select(pilot_district.c.pilot_id, pilot_district.c.unit_id,
               literal(period.code).label("period"), literal(due_date(period)).label("due_on"),
               literal(now).label("opened_on"))
        .select_from(pilot_district.join(p, p.c.id == pilot_district.c.pilot_id))
        .where(p.c.state == APPROVED, p.c.approved_on < end, pilot_district.c.added_on < end,
               ~exists().where(t.c.pilot_id == pilot_district.c.pilot_id,
                               t.c.unit_id == pilot_district.c.unit_id,
                               t.c.period == period.code),
               ~_finished_before(period.code))
    )
    if pilot_ids is not None:
        source = source.where(pilot_district.c.pilot_id.in_(list(pilot_ids)))
    if unit_ids is not None:
        source = source.where(pilot_district.c.unit_id.in_(list(unit_ids)))
    stmt, ignoring = _insert_ignoring_duplicates(session, t)
    stmt = stmt.from_select(["pilot_id", "unit_id", "period", "due_on", "opened_on"], source)
    if ignoring:
        stmt = stmt.on_conflict_do_nothing()
    # counted from RETURNING: the driver's rowcount of INSERT … SELECT … ON
    # CONFLICT is not reliable (psycopg2 through SQLAlchemy reported 0)
    return len(session.execute(stmt.returning(t.c.id)).all())


def close_finished(session, update_ids) -> int:
    """After updates reporting 已完成 are approved: remove the tasks of later
    quarters of those pilots and districts that nothing was filed for (they
    were opened while the 已完成 update was still under review). One DELETE."""
    t, u = PilotTask.__table__, PilotUpdate.__table__
    done = u.alias("done")
    filed = u.alias("filed")
    stmt = t.delete().where(
        exists().where(done.c.id.in_(list(update_ids)), done.c.progress == COMPLETED,
                       done.c.pilot_id == t.c.pilot_id, done.c.unit_id == t.c.unit_id,
                       t.c.period > done.c.period),
        ~exists().where(filed.c.pilot_id == t.c.pilot_id, filed.c.unit_id == t.c.unit_id,
                        filed.c.period == t.c.period))
    return session.execute(stmt).rowcount or 0


def filed_clause(task_table=None):
    """The task has an update submitted and not sent back."""
    t = task_table if task_table is not None else PilotTask.__table__
    u = PilotUpdate.__table__.alias("filed_update")  # not correlated to an outer update
    return exists().where(u.c.pilot_id == t.c.pilot_id, u.c.unit_id == t.c.unit_id,
                          u.c.period == t.c.period, u.c.state.not_in(FILED_STATES_EXCLUDED))


def overdue_clause(today: dt.date, task_table=None):
    t = task_table if task_table is not None else PilotTask.__table__
    return and_(t.c.due_on < today, ~filed_clause(t))


def overdue_counts(period=None, today: dt.date | None = None, session=None,
                   open_missing: bool = True) -> dict[int, int]:
    """{district unit id: number of its overdue updates} for quarter ``period``
    (a code such as 2024Q2 or a Period; None: every quarter), as of ``today``.
    Districts with none are left out. The quarter's missing tasks are opened
    first (in the caller's transaction) unless ``open_missing`` is False."""
    from app.extensions import db

    session = session or db.session
    today = today or dt.date.today()
    t = PilotTask.__table__
    stmt = select(t.c.unit_id, func.count()).where(overdue_clause(today)).group_by(t.c.unit_id)
    if period is not None:
        period = as_quarter(period)
        if open_missing and period.start <= today:
            open_tasks(session, period)
        stmt = stmt.where(t.c.period == period.code)
    return {unit_id: n for unit_id, n in session.execute(stmt)}


def task_scope_clause(user):
    """Tasks a user may see: the own districts', those of the pilots the own
    department supervises or the own district created; the 改革办 all."""
    from app.scope import scope_for

    scope = scope_for(user)
    if scope.everything:
        return literal(True)
    if scope.nothing:
        return literal(False)
    units = scope.unit_ids_select()
    return or_(PilotTask.unit_id.in_(units),
               PilotTask.pilot_id.in_(select(Pilot.id).where(
                   or_(Pilot.supervisor_id.in_(units), Pilot.unit_id.in_(units)))))
