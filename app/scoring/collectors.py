"""Collectors: the values of a scheme's leaves for one period, from approved
records only (SPEC §3.3).

One registry of sources: a leaf's ``source`` dict names a ``kind``; each kind
is a function registered here with :func:`register_source`. Record types that
come later (pilots, risk incidents, surveys, metric values) plug in by
registering their kinds. A leaf whose kind — or whose record type — does not
exist yet is reported as 缺少数据来源, never scored as 0.

Every value is linked to the records it came from by a :class:`SourceLink`:
the record type, the filters, the unit, the date window and the moment of
collection (records approved later are not part of it). ``records_for(link)``
lists them again for a drill-down, so no record id list is copied per value.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy import func, select

from app.extensions import db
from app.scoring.periods import Period


class MissingSource(LookupError):
    """The leaf's data source does not exist (yet): 缺少数据来源."""


@dataclass(frozen=True)
class SourceLink:
    record_type: str
    unit_id: int
    filters: tuple[tuple[str, str], ...]
    start: dt.date | None
    end: dt.date | None
    as_of: dt.datetime
    role: str = "value"  # value | numerator | denominator

    def to_dict(self) -> dict:
        return {"record_type": self.record_type, "unit_id": self.unit_id,
                "filters": dict(self.filters), "start": _iso(self.start),
                "end": _iso(self.end), "as_of": self.as_of.isoformat(timespec="seconds"),
                "role": self.role}


def _iso(d):
    return d.isoformat() if d is not None else None


@dataclass
class CollectContext:
    period: Period
    unit_ids: list[int]
    as_of: dt.datetime
    session: object = None


@dataclass
class LeafValues:
    """What a source gives for one leaf: a value per unit id (and, for ratios,
    numerator and denominator), and the links to the records behind them."""

    value: dict[int, float]
    numerator: dict[int, float] | None = None
    denominator: dict[int, float] | None = None
    links: dict[int, list[SourceLink]] = field(default_factory=dict)


Collector = Callable[[dict, CollectContext], LeafValues]
SOURCES: dict[str, Collector] = {}


def register_source(kind: str):
    def deco(fn: Collector) -> Collector:
        SOURCES[kind] = fn
        return fn

    return deco


# -- counts of approved records --------------------------------------------------

def _window(source: dict, period: Period) -> tuple[dt.date | None, dt.date | None]:
    """The dates that count: the period itself, or (default for yearly
    tallies such as recognitions) the period's year up to the period's end."""
    window = source.get("window", "year_to_date")
    if window == "period":
        return period.start, period.end
    if window == "all":
        return None, period.end
    return period.year_start, period.end


def _count_by_unit(source: dict, spec: dict, ctx: CollectContext, role: str):
    from app.workflow.queries import approved_records
    from app.workflow.registry import get_type

    record_type = spec.get("record") or source.get("record")
    rt = get_type(record_type) if record_type else None
    if rt is None:
        raise MissingSource(f"缺少数据来源：记录类型“{record_type}”尚未上线")
    model = rt.model
    start, end = _window(spec if "window" in spec else source, ctx.period)
    stmt = approved_records(record_type, unit_ids=ctx.unit_ids, period_start=start,
                            period_end=end)
    stmt = stmt.where(model.approved_on <= ctx.as_of)
    filters = dict(spec.get("filters") or {})
    for column, wanted in filters.items():
        col = getattr(model, column, None)
        if col is None:
            raise MissingSource(f"缺少数据来源：{record_type} 没有字段“{column}”")
        stmt = stmt.where(col.in_(wanted) if isinstance(wanted, list) else col == wanted)
    sub = stmt.subquery()
    counted = select(sub.c.unit_id, func.count()).group_by(sub.c.unit_id)
    session = ctx.session or db.session
    counts = {unit_id: float(n) for unit_id, n in session.execute(counted)}
    frozen = tuple(sorted((k, str(v)) for k, v in filters.items()))
    links = {
        u: [SourceLink(record_type, u, frozen, start, end, ctx.as_of, role)]
        for u in ctx.unit_ids
    }
    return {u: counts.get(u, 0.0) for u in ctx.unit_ids}, links


@register_source("record_count")
def record_count(source: dict, ctx: CollectContext) -> LeafValues:
    values, links = _count_by_unit(source, source, ctx, "value")
    return LeafValues(values, links=links)


@register_source("record_ratio")
def record_ratio(source: dict, ctx: CollectContext) -> LeafValues:
    num, num_links = _count_by_unit(source, source["numerator"], ctx, "numerator")
    den, den_links = _count_by_unit(source, source["denominator"], ctx, "denominator")
    values = {u: (num[u] / den[u] if den[u] else float("nan")) for u in ctx.unit_ids}
    links = {u: num_links[u] + den_links[u] for u in ctx.unit_ids}
    return LeafValues(values, numerator=num, denominator=den, links=links)


def records_for(link: SourceLink, session=None):
    """The approved records behind one value (for the drill-down)."""
    from app.workflow.queries import approved_records
    from app.workflow.registry import get_type

    model = get_type(link.record_type).model
    stmt = approved_records(link.record_type, unit_ids=[link.unit_id],
                            period_start=link.start, period_end=link.end)
    stmt = stmt.where(model.approved_on <= link.as_of)
    for column, wanted in link.filters:
        stmt = stmt.where(getattr(model, column) == wanted)
    return (session or db.session).scalars(stmt.order_by(model.id)).all()


# -- a whole scheme ---------------------------------------------------------------

@dataclass
class Collection:
    values: pd.DataFrame  # columns unit, indicator, value, numerator, denominator
    links: dict[tuple[int, str], list[SourceLink]]
    missing: dict[str, str]  # leaf code → 缺少数据来源 …


def _batch_key(source: dict):
    """Counts of one record type, one window and one filter column can share a
    single GROUP BY query (e.g. recognitions by category): the key, or None."""
    filters = source.get("filters") or {}
    if source.get("kind") != "record_count" or len(filters) != 1:
        return None
    (column, wanted), = filters.items()
    if isinstance(wanted, (list, dict)):
        return None
    return source.get("record"), source.get("window", "year_to_date"), column


def _count_batch(key, members: list[tuple[str, dict]], ctx: CollectContext) -> dict:
    """{leaf code: LeafValues} for leaves counting one record type by one column."""
    record_type, window, column = key
    wanted = [src["filters"][column] for _, src in members]
    spec = {"record": record_type, "window": window, "filters": {column: wanted}}
    from app.workflow.queries import approved_records
    from app.workflow.registry import get_type

    rt = get_type(record_type) if record_type else None
    if rt is None:
        raise MissingSource(f"缺少数据来源：记录类型“{record_type}”尚未上线")
    model = rt.model
    col = getattr(model, column, None)
    if col is None:
        raise MissingSource(f"缺少数据来源：{record_type} 没有字段“{column}”")
    start, end = _window(spec, ctx.period)
    stmt = approved_records(record_type, unit_ids=ctx.unit_ids, period_start=start,
                            period_end=end).where(model.approved_on <= ctx.as_of,
                                                  col.in_(wanted))
    sub = stmt.subquery()
    counted = select(sub.c.unit_id, sub.c[column], func.count()).group_by(
        sub.c.unit_id, sub.c[column])
    counts: dict[tuple, float] = {}
    for unit_id, value, n in (ctx.session or db.session).execute(counted):
        counts[(unit_id, value)] = float(n)
    out = {}
    for code, src in members:
        value = src["filters"][column]
        frozen = ((column, str(value)),)
        out[code] = LeafValues(
            {u: counts.get((u, value), 0.0) for u in ctx.unit_ids},
            links={u: [SourceLink(record_type, u, frozen, start, end, ctx.as_of)]
                   for u in ctx.unit_ids})
    return out


def collect(leaves: list[tuple[str, dict]], ctx: CollectContext) -> Collection:
    """Gather every leaf's values. ``leaves``: (indicator code, source dict)."""
    rows: list[dict] = []
    links: dict[tuple[int, str], list[SourceLink]] = {}
    missing: dict[str, str] = {}
    batches: dict[tuple, list[tuple[str, dict]]] = {}
    for code, source in leaves:
        key = _batch_key(source or {})
        if key is not None:
            batches.setdefault(key, []).append((code, source))
    batched: dict[str, LeafValues] = {}
    for key, members in batches.items():
        try:
            batched.update(_count_batch(key, members, ctx))
        except MissingSource as exc:
            for code, _ in members:
                missing[code] = str(exc)
    for code, source in leaves:
        if code in missing:
            continue
        kind = (source or {}).get("kind")
        collector = SOURCES.get(kind)
        if code in batched:
            got = batched[code]
        elif collector is None:
            missing[code] = f"缺少数据来源：尚无“{kind}”类数据" if kind else "缺少数据来源"
            continue
        else:
            try:
                got = collector(source, ctx)
            except MissingSource as exc:
                missing[code] = str(exc)
                continue
        for unit_id in ctx.unit_ids:
            rows.append({
                "unit": unit_id, "indicator": code, "value": got.value.get(unit_id),
                "numerator": (got.numerator or {}).get(unit_id),
                "denominator": (got.denominator or {}).get(unit_id),
            })
            links[(unit_id, code)] = got.links.get(unit_id, [])
    frame = pd.DataFrame(rows, columns=["unit", "indicator", "value", "numerator",
                                        "denominator"])
    return Collection(frame, links, missing)
