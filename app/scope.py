"""The scope rule (SPEC §1), written once.

A user sees the records of the own unit and of the units below it; a
supervising department also sees what it supervises (a record type says how,
through ``scope_clause``); the reform office (its staff, or anyone holding the
改革办 role) and city leaders see everything.

Every list, detail, edit, delete, bulk action, export, REST endpoint, download
and related-record dropdown goes through :func:`scope_filter` /
:func:`can_see`; nothing else decides who sees what.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import false, select, true

from app.security.roles import ROLE_ADMIN, ROLE_REFORM_OFFICE
from app.units.models import Unit, UnitKind


@dataclass(frozen=True)
class Scope:
    """What one user may see: everything, or the subtree under ``unit_path``."""

    everything: bool
    unit_id: int | None = None
    unit_path: str | None = None

    @property
    def nothing(self) -> bool:
        return not self.everything and self.unit_path is None

    def unit_ids_select(self):
        """A SELECT of the ids of the units in scope (for ``IN (...)``)."""
        if self.everything:
            return select(Unit.id)
        if self.unit_path is None:
            return select(Unit.id).where(false())
        return select(Unit.id).where(Unit.path.startswith(self.unit_path))

    def covers_unit(self, unit: Unit | None) -> bool:
        if self.everything:
            return True
        if unit is None or self.unit_path is None:
            return False
        return (unit.path or "").startswith(self.unit_path)


NO_SCOPE = Scope(everything=False)


def scope_for(user) -> Scope:
    """The scope of a user (anonymous or inactive users see nothing)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return NO_SCOPE
    unit = getattr(user, "unit", None)
    roles = {r.name for r in user.roles}
    if ROLE_REFORM_OFFICE in roles or ROLE_ADMIN in roles:
        # the reform office sees every record; administrators manage every
        # unit and account (they hold no permission on records)
        return Scope(everything=True, unit_id=unit.id if unit else None)
    if unit is None:
        return NO_SCOPE
    if unit.kind == UnitKind.REFORM_OFFICE.value:
        # reform-office staff and city leaders (领导 of the city level)
        return Scope(everything=True, unit_id=unit.id, unit_path=unit.path)
    return Scope(everything=False, unit_id=unit.id, unit_path=unit.path)


def scope_clause(model, scope: Scope):
    """The WHERE clause restricting ``model`` rows to ``scope``.

    A model may define ``scope_clause(cls, unit_ids_select, scope)`` to add
    other ways in (e.g. a pilot seen by its supervising department); the
    default is ``model.unit_id IN (units in scope)``; a Unit itself is
    scoped by its path.
    """
    if scope.everything:
        return true()
    if scope.nothing:
        return false()
    if model is Unit:
        return Unit.path.startswith(scope.unit_path)
    custom = getattr(model, "scope_clause", None)
    if custom is not None:
        return custom(scope.unit_ids_select(), scope)
    return model.unit_id.in_(scope.unit_ids_select())


def scope_filter(query, model, user):
    """Apply the user's scope to a SQLAlchemy ORM query or select()."""
    return query.where(scope_clause(model, scope_for(user))) if hasattr(
        query, "where"
    ) else query.filter(scope_clause(model, scope_for(user)))


def can_see(user, record, session=None) -> bool:
    """Whether ``user`` may see ``record`` (one row): the same rule, for one object."""
    if record is None:
        return False
    scope = scope_for(user)
    if scope.everything:
        return True
    if scope.nothing:
        return False
    model = type(record)
    if isinstance(record, Unit):
        return scope.covers_unit(record)
    if getattr(model, "scope_clause", None) is None:
        unit = getattr(record, "unit", None)
        return scope.covers_unit(unit)
    # custom scope: ask the database, so that the rule stays in one place
    from app.extensions import db

    sess = session or db.session
    pk = model.__mapper__.primary_key[0]
    stmt = select(pk).where(pk == getattr(record, pk.key), scope_clause(model, scope))
    return sess.execute(stmt).first() is not None
