"""Keeping the unit tree consistent: paths and no cycles."""

from __future__ import annotations

from sqlalchemy import select

from app.units.models import Unit


class UnitTreeError(ValueError):
    """A change that would break the tree; the message is for the user (Chinese)."""


def check_parent(unit: Unit, parent: Unit | None) -> None:
    if parent is None or unit.id is None:
        return
    if parent.id == unit.id:
        raise UnitTreeError("上级单位不能是本单位")
    if unit.path and parent.path.startswith(unit.path):
        raise UnitTreeError(f"上级单位“{parent.name}”是“{unit.name}”的下级单位，不能互为上下级")


def refresh_paths(session, unit: Unit) -> None:
    """Recompute ``unit.path`` and the paths of every unit below it."""
    session.flush()  # the unit needs its id
    old = unit.path or ""
    unit.path = unit.compute_path()
    if old and old != unit.path:
        below = session.scalars(select(Unit).where(Unit.path.startswith(old), Unit.id != unit.id))
        for child in below:
            child.path = unit.path + child.path[len(old):]
    session.flush()
