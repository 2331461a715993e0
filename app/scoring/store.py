"""Schemes in the database ↔ the pure core's dataclasses.

One place converts: :func:`to_core` (rows → Scheme) and :func:`save_scheme`
(Scheme → rows, a new version when the current one is frozen).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from app.errors import Conflict
from app.extensions import db
from app.scoring.core.scheme import Indicator, Scheme, SchemeError, dump_scheme, validate_scheme
from app.scoring.models import Scheme as SchemeRow
from app.scoring.models import SchemeIndicator

_IND_COLUMNS = ("code", "name", "points", "weight", "rule_text", "responsible_units",
                "direction", "method", "params", "source", "to_confirm")
_IND_EXTRA = ("missing", "note")


FROZEN = "该指标体系已冻结，请先创建新版本"


class FrozenSchemeError(Conflict, ValueError):
    """A frozen scheme version (used by a published report) is never edited
    (also a ValueError, as before)."""

    def __init__(self, message: str = FROZEN, **details):
        super().__init__(message, **details)


def latest(code: str, session=None) -> SchemeRow | None:
    session = session or db.session
    return session.scalar(select(SchemeRow).where(SchemeRow.code == code)
                          .order_by(SchemeRow.version.desc()).limit(1))


def get(code: str, version: int | None = None, session=None) -> SchemeRow | None:
    if version is None:
        return latest(code, session)
    session = session or db.session
    return session.scalar(select(SchemeRow).where(SchemeRow.code == code,
                                                  SchemeRow.version == version))


def to_core(row: SchemeRow) -> Scheme:
    def build(ind: SchemeIndicator) -> Indicator:
        kids = [c for c in row.indicators if c.parent is ind]
        kids.sort(key=lambda i: i.sort_order)
        extra = ind.extra or {}
        return Indicator(
            code=ind.code, name=ind.name, points=float(ind.points or 0),
            weight=float(ind.weight if ind.weight is not None else 1),
            rule_text=ind.rule_text or "", responsible_units=list(ind.responsible_units or []),
            direction=ind.direction or "higher", method=ind.method or None,
            params=dict(ind.params or {}), source=ind.source or None,
            missing=extra.get("missing", "report"), to_confirm=bool(ind.to_confirm),
            note=extra.get("note", ""), children=[build(k) for k in kids],
        )

    tops = sorted([i for i in row.indicators if i.parent is None], key=lambda i: i.sort_order)
    extra = row.extra or {}
    return Scheme(code=row.code, name=row.name, report_type=row.report_type,
                  version=row.year or str(row.version), period_kind=row.period_kind,
                  unit_kind=row.unit_kind, status=extra.get("core_status", "active"),
                  notes=row.notes or "", bands=extra.get("bands"),
                  indicators=[build(t) for t in tops])


def _fill(row: SchemeRow, scheme: Scheme, session) -> None:
    if row.frozen:
        raise FrozenSchemeError()
    if row.indicators:  # replace: delete the old rows first (codes are unique per scheme)
        for old in list(row.indicators):
            session.delete(old)
        session.flush()
        session.expire(row, ["indicators"])
    row.name, row.report_type, row.year = scheme.name, scheme.report_type, scheme.version
    row.period_kind, row.unit_kind, row.notes = scheme.period_kind, scheme.unit_kind, scheme.notes
    row.extra = {"bands": scheme.bands, "core_status": scheme.status}
    order = 0

    def add(ind: Indicator, parent: SchemeIndicator | None):
        nonlocal order
        order += 1
        r = SchemeIndicator(
            code=ind.code, name=ind.name, points=ind.points, weight=ind.weight,
            rule_text=ind.rule_text, responsible_units=list(ind.responsible_units),
            direction=ind.direction, method=ind.method, params=dict(ind.params),
            source=ind.source, to_confirm=ind.to_confirm,
            extra={"missing": ind.missing, "note": ind.note}, sort_order=order, parent=parent,
        )
        row.indicators.append(r)
        for child in ind.children:
            add(child, r)

    for top in scheme.indicators:
        add(top, None)


def save_scheme(scheme: Scheme, session=None) -> tuple[SchemeRow, str]:
    """Store a scheme. Returns (row, what happened: unchanged | updated | created).

    Same content as the latest version: nothing changes. The latest version
    is frozen (used by a published report): a new version. Otherwise the
    latest version is replaced."""
    session = session or db.session
    errors, _ = validate_scheme(scheme)
    if errors:
        raise SchemeError(errors)
    row = latest(scheme.code, session)
    if row is not None and dump_scheme(to_core(row)) == dump_scheme(scheme):
        return row, "unchanged"
    if row is None or row.frozen:
        version = (session.scalar(select(func.max(SchemeRow.version))
                                  .where(SchemeRow.code == scheme.code)) or 0) + 1
        row = SchemeRow(code=scheme.code, version=version, status="active")
        session.add(row)
        what = "created"
    else:
        what = "updated"
    _fill(row, scheme, session)
    session.commit()
    return row, what


def freeze(row: SchemeRow, session=None) -> None:
    session = session or db.session
    if not row.frozen:
        row.status, row.frozen_on = "frozen", dt.datetime.now()
        session.commit()


def new_version(row: SchemeRow, session=None) -> SchemeRow:
    """A draft copy of ``row`` as the next version (to edit a frozen scheme)."""
    session = session or db.session
    scheme = to_core(row)
    version = (session.scalar(select(func.max(SchemeRow.version))
                              .where(SchemeRow.code == row.code)) or 0) + 1
    copy = SchemeRow(code=row.code, version=version, status="draft")
    session.add(copy)
    _fill(copy, scheme, session)
    session.commit()
    return copy


def load_shipped(session=None) -> list[tuple[str, str]]:
    """The schemes in app/scoring/schemes/ (demo data and first install)."""
    from pathlib import Path

    from app.scoring.core.scheme import load_scheme

    out = []
    for path in sorted((Path(__file__).parent / "schemes").glob("*.yaml")):
        row, what = save_scheme(load_scheme(path), session)
        out.append((row.code, what))
    return out
