"""Which metrics exist, who enters them, and what a valid value is — read off
the stored indicator schemes, never written twice.

A scheme leaf with ``source: {kind: metric, metric: <key>}`` asks for metric
values. Its definition comes from the leaf:

* **kind** — ``ratio`` when the source says ``ratio: true`` (a numerator and a
  denominator are entered), ``score`` when the leaf's method is ``entered``
  (an expert's or a self-score, 0 … ``params.full``; seed 000 item 1's
  区县城运中心事件处置率), else ``value`` (one number);
* **departments** — the 数据来源单位: the leaf's ``responsible_units``, or its
  nearest ancestor's (seed 000 names them per item: item 1 市政府办公厅、市委组织部、
  市大数据发展局 …). Only their clerks enter the metric;
* **rules** — ``integer: true`` (a count), ``ratio_max: 1`` (the numerator is a
  part of the denominator, so it cannot exceed it: a 覆盖率, 合格率, 纠错率 …);
  numbers are never negative.

Which scheme applies to a period: the stored schemes (latest version of each
code) of the period's kind whose year is the latest year not after the
period's; their metric leaves are the period's metrics.

:class:`~app.records.metric.models.MetricIndicator` keeps one row per metric
key, for the choice lists and the scope rule in SQL; :func:`sync_catalog`
refreshes it from the schemes and runs by itself whenever a scheme's
indicators change (see the session hook in models.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

KINDS = {"value": "数值", "ratio": "比率（分子/分母）", "score": "录入得分"}


@dataclass(frozen=True)
class MetricDef:
    key: str
    code: str  # the leaf's code in its scheme, e.g. D2.1
    name: str
    kind: str  # value | ratio | score
    rule_text: str
    departments: tuple[str, ...]
    scheme_code: str
    scheme_name: str
    year: int
    period_kind: str
    integer: bool = False
    ratio_max: float | None = None
    full: float | None = None
    order: int = 0

    @property
    def label(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def kind_label(self) -> str:
        return KINDS[self.kind]


def _year(text) -> int | None:
    try:
        return int(str(text).strip()[:4])
    except (TypeError, ValueError):
        return None


def scheme_metrics(scheme, year: int | None = None) -> list[MetricDef]:
    """The metric leaves of a core :class:`~app.scoring.core.scheme.Scheme`."""
    out: list[MetricDef] = []
    year = year if year is not None else (_year(scheme.version) or 0)

    def walk(ind, inherited: tuple[str, ...]):
        units = tuple(ind.responsible_units) or inherited
        if ind.children:
            for child in ind.children:
                walk(child, units)
            return
        source = ind.source or {}
        if source.get("kind") != "metric" or not source.get("metric"):
            return
        if source.get("ratio"):
            kind = "ratio"
        elif ind.method == "entered":
            kind = "score"
        else:
            kind = "value"
        full = None
        if kind == "score":
            full = float(ind.params.get("full", ind.points) or 100)
        ratio_max = source.get("ratio_max")
        out.append(MetricDef(
            key=str(source["metric"]), code=ind.code, name=ind.name, kind=kind,
            rule_text=ind.rule_text or "", departments=units, scheme_code=scheme.code,
            scheme_name=scheme.name, year=year, period_kind=scheme.period_kind,
            integer=bool(source.get("integer")),
            ratio_max=float(ratio_max) if ratio_max is not None else None, full=full,
            order=len(out)))

    for top in scheme.indicators:
        walk(top, ())
    return out


def _latest_rows(session):
    from app.scoring.models import Scheme as SchemeRow

    newest = (select(SchemeRow.code, func.max(SchemeRow.version).label("v"))
              .group_by(SchemeRow.code).subquery())
    return session.scalars(select(SchemeRow).join(
        newest, (SchemeRow.code == newest.c.code) & (SchemeRow.version == newest.c.v))).all()


def all_metrics(session) -> list[MetricDef]:
    """Every metric leaf of the latest version of every stored scheme."""
    from app.scoring.store import to_core

    out = []
    for row in _latest_rows(session):
        out.extend(scheme_metrics(to_core(row), _year(row.year)))
    return out


def metrics_for_period(session, period, known: list[MetricDef] | None = None
                       ) -> list[MetricDef]:
    """The metrics of the scheme(s) that apply to ``period`` (a Period);
    ``known``: :func:`all_metrics`, when the caller has it already."""
    candidates = [m for m in (all_metrics(session) if known is None else known)
                  if m.period_kind == period.kind and m.year and m.year <= period.year]
    if not candidates:
        return []
    year = max(m.year for m in candidates)
    chosen = [m for m in candidates if m.year == year]
    seen, out = set(), []
    for m in chosen:
        if m.key not in seen:
            seen.add(m.key)
            out.append(m)
    return out


def sync_catalog(session) -> int:
    """Make the MetricIndicator rows match the schemes (one row per key: the
    newest scheme naming it wins); keys no scheme names any more are kept,
    inactive. Returns the number of active metrics. Does not commit."""
    from app.records.metric.models import MetricIndicator
    from app.units.models import Unit

    defs: dict[str, MetricDef] = {}
    for m in sorted(all_metrics(session), key=lambda m: (m.year, m.scheme_code)):
        defs[m.key] = m  # the newest year last
    ordered = sorted(defs.values(), key=lambda m: (-m.year, m.scheme_code, m.order))
    names = {n for m in ordered for n in m.departments}
    units = {u.name: u for u in session.scalars(select(Unit).where(Unit.name.in_(names)))} \
        if names else {}
    rows = {r.key: r for r in session.scalars(select(MetricIndicator))}
    for n, m in enumerate(ordered, start=1):
        row = rows.get(m.key)
        if row is None:
            row = MetricIndicator(key=m.key)
            session.add(row)
            rows[m.key] = row
        for attr, value in dict(
                code=m.code, name=m.name, kind=m.kind, rule_text=m.rule_text,
                integer=m.integer, ratio_max=m.ratio_max, full=m.full,
                scheme_code=m.scheme_code, year=m.year, period_kind=m.period_kind,
                active=True, sort_order=n).items():
            if getattr(row, attr) != value:
                setattr(row, attr, value)
        wanted = [units[name] for name in m.departments if name in units]
        if [u.id for u in row.departments] != [u.id for u in wanted]:
            row.departments = wanted
    for key, row in rows.items():
        if key not in defs and row.active:
            row.active = False
    return len(defs)
