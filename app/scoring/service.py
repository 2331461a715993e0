"""Scoring a stored scheme for a period on the approved data of this moment."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from app.errors import UserError
from app.extensions import db
from app.scoring.collectors import CollectContext, Collection, collect
from app.scoring.core.engine import ScoreResult, score_scheme
from app.scoring.periods import Period, parse_period
from app.scoring.store import get, to_core
from app.units.models import Unit


class ScoringError(UserError, LookupError):
    """A scoring run that cannot start: unknown scheme (404), a period of the
    wrong kind (422), no unit to rank (409). The message is Chinese (also a
    LookupError, as before)."""


@dataclass
class Run:
    period: Period
    result: ScoreResult  # units are unit names
    collection: Collection  # units are unit ids
    unit_ids: dict[str, int]
    as_of: dt.datetime


def run_scheme(code: str, period_code: str, version: int | None = None,
               as_of: dt.datetime | None = None, session=None) -> Run:
    session = session or db.session
    row = get(code, version, session)
    if row is None:
        raise ScoringError(f"找不到指标体系“{code}”" + (f" 第 {version} 版" if version else ""),
                           status=404)
    period = parse_period(period_code)
    scheme = to_core(row)
    if scheme.period_kind != period.kind:
        raise ScoringError(f"指标体系“{scheme.name}”按{_kind(scheme.period_kind)}评价，"
                           f"期间“{period.code}”是{_kind(period.kind)}", status=422)
    units = session.execute(select(Unit.id, Unit.name).where(Unit.kind == scheme.unit_kind)
                            .order_by(Unit.sort_order, Unit.code)).all()
    if not units:
        raise ScoringError(f"没有“{scheme.unit_kind}”类单位可供评价", status=409)
    as_of = as_of or dt.datetime.now()
    ctx = CollectContext(period, [u.id for u in units], as_of, session)
    collection = collect([(leaf.code, leaf.source) for leaf in scheme.leaves()], ctx)
    names = {u.id: u.name for u in units}
    values = collection.values.assign(unit=collection.values["unit"].map(names))
    result = score_scheme(scheme, values, units=[u.name for u in units],
                          missing_reasons=collection.missing)
    return Run(period, result, collection, {u.name: u.id for u in units}, as_of)


def _kind(kind: str) -> str:
    return {"quarter": "季度", "bimonth": "两个月", "year": "年度"}.get(kind, kind)
