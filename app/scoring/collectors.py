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

Filters are typed: a value from a scheme (YAML or JSON: text, numbers,
booleans, dates, ISO date strings, lists for "one of") is converted to the
Python type of the column it is compared with, from the column's SQLAlchemy
type, before any query. A link keeps the converted values, and
``SourceLink.to_dict()`` is plain JSON naming each value's type, so that a
stored snapshot is read back (``SourceLink.from_dict``) with the same values.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from sqlalchemy import func, inspect, or_, select

from app.errors import UserError
from app.extensions import db
from app.scoring.periods import Period


class SourceError(UserError):
    """A leaf's data source that cannot be used as written (数据来源有误);
    reported for that leaf, which is not scored."""

    status = 422


class MissingSource(SourceError, LookupError):
    """The leaf's data source does not exist (yet): 缺少数据来源 (also a
    LookupError, as before)."""

    status = 404


# -- typed filters -----------------------------------------------------------------

# the value types a filter can compare with: name (as a snapshot stores it) →
# Python type; bool before int and datetime before date (subclasses first)
_VALUE_TYPES: tuple[tuple[str, type], ...] = (
    ("bool", bool), ("int", int), ("float", float), ("decimal", Decimal),
    ("datetime", dt.datetime), ("date", dt.date), ("str", str),
)
_TYPE_LABELS = {
    "bool": "是/否（true 或 false）", "int": "整数", "float": "数字", "decimal": "数字",
    "datetime": "日期时间（如 2024-05-10T09:30:00）", "date": "日期（如 2024-05-10）",
    "str": "文本",
}
_TRUE, _FALSE = {"true", "1", "是"}, {"false", "0", "否"}


def _coerce(type_name: str, value):
    """``value`` as the Python type named ``type_name``; None stays None.
    Raises ValueError when it does not fit (e.g. "五月" for a date)."""
    if value is None:
        return None
    if type_name == "bool":
        if isinstance(value, bool):
            return value
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
            return value.strip().lower() in _TRUE
    elif isinstance(value, bool):
        pass  # True is not the number 1, the date or the text "True"
    elif type_name == "int":
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, Decimal) and value.is_finite() and value == value.to_integral():
            return int(value)
        if isinstance(value, str):
            return int(value.strip())
    elif type_name == "float":
        if isinstance(value, (int, float, Decimal, str)):
            return float(value)
    elif type_name == "decimal":
        if isinstance(value, (int, float, Decimal, str)):
            try:
                return Decimal(str(value).strip())
            except InvalidOperation:
                raise ValueError(value) from None
    elif type_name == "datetime":
        if isinstance(value, dt.datetime):
            return value
        if isinstance(value, str):
            return dt.datetime.fromisoformat(value.strip())
    elif type_name == "date":
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value
        if isinstance(value, str):
            return dt.date.fromisoformat(value.strip())
    elif type_name == "str":
        if isinstance(value, str):
            return value
        if isinstance(value, int):  # e.g. a code written without quotes
            return str(value)
    raise ValueError(value)


def _plain(type_name: str, value):
    """The JSON form of one typed value (the inverse of :func:`_coerce`)."""
    if value is None or type_name in ("bool", "int", "float", "str"):
        return value
    if type_name == "decimal":
        return str(value)
    return value.isoformat()  # date, datetime


@dataclass(frozen=True)
class Filter:
    """``column = value`` (op ``eq``; a None value: IS NULL) or ``column IN
    values`` (op ``in``: a tuple), the values typed as the column (``type``)."""

    column: str
    type: str
    value: object
    op: str = "eq"

    def clause(self, model, record_type: str):
        """The WHERE clause on ``model``, the values typed as its column is
        now (a snapshot may predate a change of the column's type)."""
        col = _column(model, self.column)
        if col is None:
            raise MissingSource(f"缺少数据来源：{record_type} 没有字段“{self.column}”")
        values = self.value if self.op == "in" else (self.value,)
        kind = _type_name(col)
        if kind != self.type:
            try:
                if kind is None:
                    raise ValueError(self.column)
                values = tuple(_coerce(kind, _plain(self.type, v)) for v in values)
            except ValueError:
                raise SourceError(f"数据来源有误：{record_type} 字段“{self.column}”的筛选值"
                                  f"与该字段的类型不符") from None
        if self.op == "in":
            present = [v for v in values if v is not None]
            clause = col.in_(present)
            return or_(clause, col.is_(None)) if len(present) < len(values) else clause
        return col.is_(None) if values[0] is None else col == values[0]

    def to_dict(self) -> dict:
        value = [_plain(self.type, v) for v in self.value] if self.op == "in" \
            else _plain(self.type, self.value)
        return {"column": self.column, "type": self.type, "op": self.op, "value": value}

    @classmethod
    def from_dict(cls, data: dict) -> Filter:
        kind, op = data["type"], data.get("op", "eq")
        if op == "in":
            value = tuple(_coerce(kind, v) for v in data["value"])
        else:
            value = _coerce(kind, data["value"])
        return cls(data["column"], kind, value, op)


def _column(model, name: str):
    """The mapped column ``name`` of ``model`` (not a relationship, a method
    or a property), or None."""
    return inspect(model).columns.get(name)


def _type_name(column) -> str | None:
    try:
        python_type = column.type.python_type
    except NotImplementedError:  # a type without a Python equivalent
        return None
    return next((name for name, t in _VALUE_TYPES if issubclass(python_type, t)), None)


def typed_filters(model, record_type: str, filters) -> tuple[Filter, ...]:
    """A source's ``filters`` ({column: value or [values]}) typed as ``model``'s
    columns; SourceError (MissingSource for an unknown column) in Chinese."""
    if not filters:
        return ()
    if not isinstance(filters, dict):
        raise SourceError(f"数据来源有误：{record_type} 的 filters 应为“字段: 值”的键值对")
    out = []
    for name, wanted in sorted(filters.items()):
        column = _column(model, name)
        if column is None:
            raise MissingSource(f"缺少数据来源：{record_type} 没有字段“{name}”")
        kind = _type_name(column)
        if kind is None:
            raise SourceError(f"数据来源有误：{record_type} 的字段“{name}”不能用作筛选条件")
        many = isinstance(wanted, (list, tuple))
        try:
            if isinstance(wanted, dict):
                raise ValueError(wanted)
            value = tuple(_coerce(kind, w) for w in wanted) if many else _coerce(kind, wanted)
        except ValueError:
            raise SourceError(f"数据来源有误：{record_type} 字段“{name}”的筛选值“{wanted}”"
                              f"应为{_TYPE_LABELS[kind]}") from None
        out.append(Filter(name, kind, value, "in" if many else "eq"))
    return tuple(out)


@dataclass(frozen=True)
class SourceLink:
    """Which records stand behind one value: ``records_for(link)`` lists them.

    By default they are the approved records of ``record_type`` of the unit,
    dated in [start, end], approved by ``as_of``, matching the filters. A
    source that counts otherwise (e.g. pilots count for every district they
    involve) names its own lister in ``drilldown`` (see
    :func:`register_drilldown`)."""

    record_type: str
    unit_id: int
    filters: tuple[Filter, ...]
    start: dt.date | None
    end: dt.date | None
    as_of: dt.datetime
    role: str = "value"  # value | numerator | denominator
    drilldown: str | None = None

    def to_dict(self) -> dict:
        """Plain JSON; :meth:`from_dict` gives the same link back."""
        out = {"record_type": self.record_type, "unit_id": self.unit_id,
               "filters": [f.to_dict() for f in self.filters], "start": _iso(self.start),
               "end": _iso(self.end), "as_of": self.as_of.isoformat(), "role": self.role}
        if self.drilldown is not None:
            out["drilldown"] = self.drilldown
        return out

    @classmethod
    def from_dict(cls, data: dict) -> SourceLink:
        def day(text):
            return dt.date.fromisoformat(text) if text is not None else None

        return cls(record_type=data["record_type"], unit_id=int(data["unit_id"]),
                   filters=tuple(Filter.from_dict(f) for f in data.get("filters") or ()),
                   start=day(data.get("start")), end=day(data.get("end")),
                   as_of=dt.datetime.fromisoformat(data["as_of"]),
                   role=data.get("role", "value"), drilldown=data.get("drilldown"))


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
Drilldown = Callable[[SourceLink, object], list]
DRILLDOWNS: dict[str, Drilldown] = {}


def register_source(kind: str):
    def deco(fn: Collector) -> Collector:
        SOURCES[kind] = fn
        return fn

    return deco


def register_drilldown(name: str):
    """Register ``fn(link, session) → records``: how :func:`records_for` lists
    the records behind the links whose ``drilldown`` is ``name`` (for sources
    that do not count "approved records of the link's unit")."""

    def deco(fn: Drilldown) -> Drilldown:
        DRILLDOWNS[name] = fn
        return fn

    return deco


# -- counts of approved records --------------------------------------------------

WINDOWS = ("year_to_date", "period", "all")


def _window(source: dict, period: Period) -> tuple[dt.date | None, dt.date | None]:
    """The dates that count: the period itself, or (default for yearly
    tallies such as recognitions) the period's year up to the period's end."""
    window = source.get("window", "year_to_date")
    if window == "period":
        return period.start, period.end
    if window == "all":
        return None, period.end
    if window == "year_to_date":
        return period.year_start, period.end
    raise SourceError(f"数据来源有误：window“{window}”应为 {'、'.join(WINDOWS)} 之一")


def _model(record_type: str | None):
    from app.workflow.registry import get_type

    rt = get_type(record_type) if record_type else None
    if rt is None:
        raise MissingSource(f"缺少数据来源：记录类型“{record_type}”尚未上线" if record_type
                            else "缺少数据来源：未指定记录类型 record")
    return rt.model


def _approved(record_type: str, model, unit_ids, start, end, as_of):
    """``select(model)``: the approved records of the units in the window,
    approved by ``as_of``. The counts and the drill-down both start here."""
    from app.workflow.queries import approved_records

    stmt = approved_records(record_type, unit_ids=unit_ids, period_start=start,
                            period_end=end)
    return stmt.where(model.approved_on <= as_of)


def _count_by_unit(source: dict, spec: dict, ctx: CollectContext, role: str):
    record_type = spec.get("record") or source.get("record")
    model = _model(record_type)
    start, end = _window(spec if "window" in spec else source, ctx.period)
    filters = typed_filters(model, record_type, spec.get("filters"))
    stmt = _approved(record_type, model, ctx.unit_ids, start, end, ctx.as_of)
    stmt = stmt.where(*[f.clause(model, record_type) for f in filters])
    sub = stmt.subquery()
    counted = select(sub.c.unit_id, func.count()).group_by(sub.c.unit_id)
    session = ctx.session or db.session
    counts = {unit_id: float(n) for unit_id, n in session.execute(counted)}
    links = {
        u: [SourceLink(record_type, u, filters, start, end, ctx.as_of, role)]
        for u in ctx.unit_ids
    }
    return {u: counts.get(u, 0.0) for u in ctx.unit_ids}, links


@register_source("record_count")
def record_count(source: dict, ctx: CollectContext) -> LeafValues:
    values, links = _count_by_unit(source, source, ctx, "value")
    return LeafValues(values, links=links)


@register_source("record_ratio")
def record_ratio(source: dict, ctx: CollectContext) -> LeafValues:
    parts = [source.get("numerator"), source.get("denominator")]
    if not all(isinstance(p, dict) for p in parts):
        raise SourceError("数据来源有误：record_ratio 须有 numerator 和 denominator（各为键值对）")
    num, num_links = _count_by_unit(source, parts[0], ctx, "numerator")
    den, den_links = _count_by_unit(source, parts[1], ctx, "denominator")
    values = {u: (num[u] / den[u] if den[u] else float("nan")) for u in ctx.unit_ids}
    links = {u: num_links[u] + den_links[u] for u in ctx.unit_ids}
    return LeafValues(values, numerator=num, denominator=den, links=links)


def records_for(link: SourceLink | dict, session=None):
    """The approved records behind one value (for the drill-down): exactly
    those counted for that unit and leaf. ``link``: a SourceLink or its
    stored ``to_dict()``."""
    if isinstance(link, dict):
        link = SourceLink.from_dict(link)
    if link.drilldown is not None:
        lister = DRILLDOWNS.get(link.drilldown)
        if lister is None:
            raise MissingSource(f"缺少数据来源：无法列出“{link.drilldown}”类数值的记录")
        return list(lister(link, session or db.session))
    model = _model(link.record_type)
    stmt = _approved(link.record_type, model, [link.unit_id], link.start, link.end,
                     link.as_of)
    stmt = stmt.where(*[f.clause(model, link.record_type) for f in link.filters])
    return (session or db.session).scalars(stmt.order_by(model.id)).all()


# -- a whole scheme ---------------------------------------------------------------

@dataclass
class Collection:
    values: object  # a pandas DataFrame: columns unit, indicator, value, numerator, denominator
    links: dict[tuple[int, str], list[SourceLink]]
    missing: dict[str, str]  # leaf code → 缺少数据来源 …


def _batch_key(source: dict):
    """Counts of one record type, one window and one filter column can share a
    single GROUP BY query (e.g. recognitions by category): the key, or None."""
    filters = source.get("filters") or {}
    if source.get("kind") != "record_count" or not isinstance(filters, dict) \
            or len(filters) != 1:
        return None
    (column, wanted), = filters.items()
    if wanted is None or isinstance(wanted, (list, tuple, dict)):
        return None
    return source.get("record"), source.get("window", "year_to_date"), column


def _count_batch(key, members: list[tuple[str, dict]], ctx: CollectContext):
    """({leaf code: LeafValues}, {leaf code: reason}) for leaves counting one
    record type by one column."""
    record_type, window, column = key
    model = _model(record_type)
    start, end = _window({"window": window}, ctx.period)
    typed: dict[str, Filter] = {}
    missing: dict[str, str] = {}
    for code, src in members:
        try:
            typed[code], = typed_filters(model, record_type, src["filters"])
        except SourceError as exc:
            missing[code] = exc.message
    if not typed:
        return {}, missing
    col = _column(model, column)
    wanted = list(dict.fromkeys(f.value for f in typed.values()))
    stmt = _approved(record_type, model, ctx.unit_ids, start, end, ctx.as_of) \
        .where(col.in_(wanted))
    sub = stmt.subquery()
    counted = select(sub.c.unit_id, sub.c[col.key], func.count()).group_by(
        sub.c.unit_id, sub.c[col.key])
    counts: dict[tuple, float] = {}
    for unit_id, value, n in (ctx.session or db.session).execute(counted):
        counts[(unit_id, value)] = float(n)
    out = {}
    for code, f in typed.items():
        out[code] = LeafValues(
            {u: counts.get((u, f.value), 0.0) for u in ctx.unit_ids},
            links={u: [SourceLink(record_type, u, (f,), start, end, ctx.as_of)]
                   for u in ctx.unit_ids})
    return out, missing


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
            got, bad = _count_batch(key, members, ctx)
        except SourceError as exc:
            for code, _ in members:
                missing[code] = exc.message
            continue
        batched.update(got)
        missing.update(bad)
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
            except SourceError as exc:
                missing[code] = exc.message
                continue
        for unit_id in ctx.unit_ids:
            rows.append({
                "unit": unit_id, "indicator": code, "value": got.value.get(unit_id),
                "numerator": (got.numerator or {}).get(unit_id),
                "denominator": (got.denominator or {}).get(unit_id),
            })
            links[(unit_id, code)] = got.links.get(unit_id, [])
    import pandas as pd  # here, not at import: web workers do not need it

    frame = pd.DataFrame(rows, columns=["unit", "indicator", "value", "numerator",
                                        "denominator"])
    return Collection(frame, links, missing)
