"""Query helpers for everything outside the workflow (scoring, cockpit,
usage evaluation): only approved records count."""

from __future__ import annotations

import datetime

from sqlalchemy import DateTime, func, select

from app.workflow.chain import APPROVED
from app.workflow.models import WorkflowHistory
from app.workflow.registry import get_type


def _bounds(column, start, end):
    """Inclusive [start, end] on a Date or DateTime column, from dates or datetimes."""
    clauses = []
    is_datetime = isinstance(column.type, DateTime)
    if start is not None:
        if is_datetime and not isinstance(start, datetime.datetime):
            start = datetime.datetime.combine(start, datetime.time.min)
        clauses.append(column >= start)
    if end is not None:
        if is_datetime and not isinstance(end, datetime.datetime):
            clauses.append(column < datetime.datetime.combine(
                end + datetime.timedelta(days=1), datetime.time.min))
        else:
            clauses.append(column <= end)
    return clauses


def approved_records(record_type: str, unit_ids=None, period_start=None, period_end=None,
                     date_field: str | None = None):
    """``select(Model)`` of the approved records of ``record_type``.

    ``unit_ids``: an iterable of unit ids or a SELECT of them (None: all
    units); ``period_start``/``period_end``: inclusive bounds on ``date_field``
    (default: the type's own date, e.g. a recognition's 日期, a demand's
    creation time)."""
    rt = get_type(record_type)
    if rt is None:
        raise LookupError(f"record type {record_type!r} is not registered")
    model = rt.model
    stmt = select(model).where(model.state == APPROVED)
    if unit_ids is not None:
        if not hasattr(unit_ids, "subquery"):
            unit_ids = list(unit_ids)
        stmt = stmt.where(model.unit_id.in_(unit_ids))
    column = getattr(model, date_field or rt.date_field)
    for clause in _bounds(column, period_start, period_end):
        stmt = stmt.where(clause)
    return stmt


def rejection_counts(unit_ids=None, start=None, end=None, record_type: str | None = None,
                     session=None) -> dict[int, int]:
    """{unit id: number of rejections of that unit's records} between
    ``start`` and ``end`` (inclusive, by the time of the rejection), from the
    history; ``record_type`` None counts every type."""
    from app.extensions import db

    session = session or db.session
    h = WorkflowHistory
    stmt = (select(h.record_unit_id, func.count())
            .where(h.action == "reject").group_by(h.record_unit_id))
    if record_type is not None:
        stmt = stmt.where(h.record_type == record_type)
    if unit_ids is not None:
        if not hasattr(unit_ids, "subquery"):
            unit_ids = list(unit_ids)
        stmt = stmt.where(h.record_unit_id.in_(unit_ids))
    for clause in _bounds(h.created_on, start, end):
        stmt = stmt.where(clause)
    return {unit_id: n for unit_id, n in session.execute(stmt)}
