"""The pilots' data sources for the collectors (``register_source``).

A pilot counts for **every involved district** (seed 001 四（二）2: 报表也会给所有
承接了该试点项目的区县计数), not for the district that happened to create it, so
these kinds join the 涉及区县 instead of counting by the record's own unit as
``record_count`` does. Only distributed pilots (approved by the supervising
department, before the moment of collection) count, and a district counts a
pilot only from the moment it was among its 涉及区县.

``pilot_count`` — the number of pilots involving the unit::

    {kind: pilot_count, levels: [国家级, 市级], window: all, basis: all}

  ``levels``: one level or a list (default both); ``window`` on the 部署日期:
  ``all`` (default: everything deployed up to the period's end),
  ``year_to_date`` or ``period``; ``basis``: ``all`` (default), ``new``
  (deployed after 2017-10-18) or ``continuing`` (deployed before and still
  running). The 2023 scheme's 承接国家级和市级试点项目数 (新承接 + 继续开展) is
  ``levels: [国家级, 市级], window: all``; the 2024 scheme's 新增国家改革试点项目数
  (当年新争取) is ``levels: 国家级, window: year_to_date``.

``pilot_acceptance_rate`` — the 2023 scheme's 按时通过验收率 (seed 001 附件:
（截至报表生成时已通过验收项目数/应通过验收项目数）×100%)::

    {kind: pilot_acceptance_rate, levels: [国家级, 市级]}

  The report date is the period's end, or the moment of collection if that is
  earlier. For one district and pilot, the acceptance date is the earliest
  验收日期 of the district's approved status updates that report 通过验收, on or
  before the report date.

  * due (denominator): the 验收时限 is on or before the report date, or the
    pilot was accepted by then (an early acceptance is due too — otherwise it
    would count above the line and not below it);
  * accepted on time (numerator): accepted, on or before the 验收时限 (a pilot
    without a 验收时限 cannot be late).

  A district with nothing due gets no value (not applicable; the scheme's
  ``na`` says how that is scored).

Each value links back to its records as the other data-source types do
(:func:`app.records.source_links.id_links`): a ``SourceLink(record_type="pilot")``
per creating district, filtering on the ids of exactly the pilots behind the
value, so that :func:`app.scoring.collectors.records_for` — which lists a link's
records as those *filed by the link's unit* — lists them (a pilot counts for
districts that did not create it). ``role`` is ``value``, or ``numerator`` /
``denominator`` for the rate. A district with nothing to count has no link.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import and_, case, func, or_, select

from app.records.pilot.models import CUTOFF, LEVELS, Pilot, PilotUpdate, pilot_district
from app.records.source_links import id_links
from app.scoring.collectors import (
    CollectContext,
    LeafValues,
    SourceError,
    register_source,
    typed_filters,
)
from app.workflow.chain import APPROVED

WINDOWS = ("all", "year_to_date", "period")
BASES = ("all", "new", "continuing")


def _levels(source: dict) -> tuple[str, ...]:
    raw = source.get("levels", list(LEVELS))
    levels = (raw,) if isinstance(raw, str) else tuple(raw or ())
    bad = [str(v) for v in levels if v not in LEVELS]
    if not levels or bad:
        raise SourceError(f"数据来源有误：levels 应为 {'、'.join(LEVELS)} 中的一项或几项"
                          + (f"，“{'、'.join(bad)}”不是" if bad else ""))
    return levels


def _window(source: dict, ctx: CollectContext) -> tuple[dt.date | None, dt.date]:
    window = source.get("window", "all")
    basis = source.get("basis", "all")
    if window not in WINDOWS:
        raise SourceError(f"数据来源有误：window“{window}”应为 {'、'.join(WINDOWS)} 之一")
    if basis not in BASES:
        raise SourceError(f"数据来源有误：basis“{basis}”应为 {'、'.join(BASES)} 之一")
    start = {"all": None, "year_to_date": ctx.period.year_start,
             "period": ctx.period.start}[window]
    end = ctx.period.end
    if basis == "new":
        first = CUTOFF + dt.timedelta(days=1)
        start = max(start, first) if start else first
    elif basis == "continuing":
        end = min(end, CUTOFF)
    return start, end


def _filters(levels):
    return typed_filters(Pilot, "pilot", {"level": list(levels)})


def _involving(unit_ids, as_of: dt.datetime, filters, start, end):
    """SELECT (unit id, pilot id, creating unit id) of the distributed pilots
    involving the units, deployed in [start, end]."""
    p = Pilot
    stmt = (select(pilot_district.c.unit_id.label("unit_id"), p.id.label("pilot_id"),
                   p.unit_id.label("filer_id"))
            .select_from(pilot_district.join(p.__table__, p.id == pilot_district.c.pilot_id))
            .where(p.state == APPROVED, p.approved_on <= as_of,
                   pilot_district.c.added_on <= as_of,
                   pilot_district.c.unit_id.in_(list(unit_ids)), p.deploy_date <= end,
                   *[f.clause(p, "pilot") for f in filters]))
    if start is not None:
        stmt = stmt.where(p.deploy_date >= start)
    return stmt


def _session(ctx):
    from app.extensions import db

    return ctx.session or db.session


@register_source("pilot_count")
def pilot_count(source: dict, ctx: CollectContext) -> LeafValues:
    filters = _filters(_levels(source))
    start, end = _window(source, ctx)
    rows = _session(ctx).execute(_involving(ctx.unit_ids, ctx.as_of, filters, start, end)).all()
    counts: dict[int, float] = {u: 0.0 for u in ctx.unit_ids}
    for unit_id, _pilot_id, _filer in rows:
        counts[unit_id] += 1
    links = id_links("pilot", rows, start, end, ctx.as_of)
    return LeafValues(counts, links={u: links.get(u, []) for u in ctx.unit_ids})


def report_date(ctx: CollectContext) -> dt.date:
    return min(ctx.period.end, ctx.as_of.date())


def _acceptance(unit_ids, as_of: dt.datetime, filters, report_day: dt.date):
    """SELECT unit id, pilot id, creating unit id, due, on_time per involved pilot."""
    u = PilotUpdate
    accepted = (select(u.pilot_id, u.unit_id, func.min(u.accepted_on).label("accepted_on"))
                .where(u.state == APPROVED, u.approved_on <= as_of, u.accepted.is_(True),
                       u.accepted_on <= report_day, u.unit_id.in_(list(unit_ids)))
                .group_by(u.pilot_id, u.unit_id).subquery())
    base = _involving(unit_ids, as_of, filters, None, report_day).subquery()
    deadline = Pilot.acceptance_deadline
    due = or_(and_(deadline.is_not(None), deadline <= report_day),
              accepted.c.accepted_on.is_not(None))
    on_time = and_(accepted.c.accepted_on.is_not(None),
                   or_(deadline.is_(None), accepted.c.accepted_on <= deadline))
    return (select(base.c.unit_id, base.c.pilot_id, base.c.filer_id,
                   case((due, 1), else_=0).label("due"),
                   case((on_time, 1), else_=0).label("on_time"))
            .select_from(base.join(Pilot.__table__, Pilot.id == base.c.pilot_id)
                         .outerjoin(accepted, and_(accepted.c.pilot_id == base.c.pilot_id,
                                                   accepted.c.unit_id == base.c.unit_id))))


@register_source("pilot_acceptance_rate")
def pilot_acceptance_rate(source: dict, ctx: CollectContext) -> LeafValues:
    filters = _filters(_levels(source))
    day = report_date(ctx)
    rows = _session(ctx).execute(_acceptance(ctx.unit_ids, ctx.as_of, filters, day)).all()
    num: dict[int, float] = {u: 0.0 for u in ctx.unit_ids}
    den: dict[int, float] = {u: 0.0 for u in ctx.unit_ids}
    for unit_id, _pilot_id, _filer, due, on_time in rows:
        num[unit_id] += on_time
        den[unit_id] += due
    values = {u: (num[u] / den[u] if den[u] else float("nan")) for u in ctx.unit_ids}
    on_time_links = id_links("pilot", [(u, p, f) for u, p, f, _d, ok in rows if ok],
                             None, day, ctx.as_of, "numerator")
    due_links = id_links("pilot", [(u, p, f) for u, p, f, d, _ok in rows if d],
                         None, day, ctx.as_of, "denominator")
    links = {u: on_time_links.get(u, []) + due_links.get(u, []) for u in ctx.unit_ids}
    return LeafValues(values, numerator=num, denominator=den, links=links)
