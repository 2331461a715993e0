"""Chains as data: who files, which steps follow, who acts at each step and
which fields the acting step may correct.

States: ``draft`` (草稿), ``pending_1`` … ``pending_n`` (待<step label>),
``rejected`` (已驳回), ``approved`` (已通过).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import false, true

from app.security.roles import ROLE_CLERK, ROLE_REFORM_OFFICE, ROLE_REVIEWER

DRAFT = "draft"
REJECTED = "rejected"
APPROVED = "approved"
PENDING_PREFIX = "pending_"

FIXED_STATE_LABELS = {DRAFT: "草稿", REJECTED: "已驳回", APPROVED: "已通过"}


def _roles(user) -> set[str]:
    return {r.name for r in getattr(user, "roles", None) or ()}


@dataclass(frozen=True)
class Actor:
    """Who acts: a role, and where the user's unit must be.

    ``where`` is ``"own_unit"`` (the record's unit), ``"unit_attr"`` (the unit
    named by the record's column ``unit_attr``, e.g. a supervising department
    or a data-source unit), ``"parent_unit"`` (the unit directly above the
    record's unit, e.g. the district 国资委 of an enterprise),
    ``"office_under"`` (a unit directly under the unit named by the record's
    column ``unit_attr`` that passes ``unit_test``, e.g. the 区委办/区政府办 of
    the filer's district), ``"unit_code"`` (the one unit whose code is
    ``unit_code``, e.g. the finance office) or ``"anywhere"`` (e.g. the
    reform office).
    """

    role: str
    where: str = "own_unit"
    unit_attr: str | None = None
    label: str = ""
    # for "office_under": which units under it act (a Unit → bool, judged on
    # the user's own unit only, so that matches() and clause() agree)
    unit_test: object = None
    # for "unit_code": the code of the one unit whose role holders act
    unit_code: str | None = None

    def _in_fixed_unit(self, user) -> bool:
        """For "unit_code": whether the user's own unit is that unit (the
        record plays no part, so that matches() and clause() agree)."""
        unit = getattr(user, "unit", None)
        return unit is not None and self.unit_code is not None and unit.code == self.unit_code

    def matches(self, user, record) -> bool:
        if user is None or self.role not in _roles(user):
            return False
        if self.where == "anywhere":
            return True
        if self.where == "unit_code":
            return self._in_fixed_unit(user)
        unit_id = getattr(user, "unit_id", None)
        if unit_id is None:
            return False
        if self.where == "parent_unit":
            return _parent_id(record) == unit_id
        if self.where == "office_under":
            parent_id = self._office_parent_id(user)
            return parent_id is not None and getattr(record, self.unit_attr) == parent_id
        column = "unit_id" if self.where == "own_unit" else self.unit_attr
        return getattr(record, column) == unit_id

    def clause(self, model, user):
        """The same rule as SQL, for lists of records waiting for ``user``."""
        if user is None or self.role not in _roles(user):
            return false()
        if self.where == "anywhere":
            return true()
        if self.where == "unit_code":
            return true() if self._in_fixed_unit(user) else false()
        unit_id = getattr(user, "unit_id", None)
        if unit_id is None:
            return false()
        if self.where == "parent_unit":
            from sqlalchemy import select

            from app.units.models import Unit

            return model.unit_id.in_(select(Unit.id).where(Unit.parent_id == unit_id))
        if self.where == "office_under":
            parent_id = self._office_parent_id(user)
            return false() if parent_id is None else getattr(model, self.unit_attr) == parent_id
        column = "unit_id" if self.where == "own_unit" else self.unit_attr
        return getattr(model, column) == unit_id

    def _office_parent_id(self, user) -> int | None:
        """For "office_under": the id of the unit above the user's unit when
        the user's unit passes ``unit_test``, else None."""
        unit = getattr(user, "unit", None)
        if unit is None or unit.parent_id is None:
            return None
        if self.unit_test is not None and not self.unit_test(unit):
            return None
        return unit.parent_id


def _parent_id(record) -> int | None:
    """The id of the unit directly above ``record``'s unit (None at the top)."""
    unit = getattr(record, "unit", None)
    if unit is None and getattr(record, "unit_id", None) is not None:
        from sqlalchemy.orm import object_session

        from app.units.models import Unit

        session = object_session(record)
        unit = session.get(Unit, record.unit_id) if session is not None else None
    return getattr(unit, "parent_id", None)


def own_unit(role: str) -> Actor:
    """A user holding ``role`` in the record's own unit."""
    return Actor(role=role, where="own_unit", label=f"本单位{role}")


def reform_office() -> Actor:
    """Anyone holding the 改革办 role."""
    return Actor(role=ROLE_REFORM_OFFICE, where="anywhere", label="市委改革办")


def unit_of(unit_attr: str, role: str = ROLE_REVIEWER, label: str = "") -> Actor:
    """A ``role`` holder of the unit the record names in ``unit_attr``
    (a supervising department, a data-source unit …)."""
    return Actor(role=role, where="unit_attr", unit_attr=unit_attr, label=label or unit_attr)


def office_under(unit_attr: str, unit_test, role: str = ROLE_REVIEWER, label: str = "") -> Actor:
    """A ``role`` holder of a unit directly under the unit the record names in
    ``unit_attr`` whose unit passes ``unit_test`` (the 区委办/区政府办 of the
    filer's district, for the city-to-district assessment reports)."""
    return Actor(role=role, where="office_under", unit_attr=unit_attr, unit_test=unit_test,
                 label=label or unit_attr)


def parent_unit(role: str = ROLE_REVIEWER, label: str = "") -> Actor:
    """A ``role`` holder of the unit directly above the record's unit (the
    supervising district 国资委 of a filing enterprise)."""
    return Actor(role=role, where="parent_unit", label=label or f"上级单位{role}")


def fixed_unit(code: str, role: str = ROLE_REVIEWER, label: str = "") -> Actor:
    """A ``role`` holder of the one unit whose code is ``code`` (the finance
    office reviewing every department's self-evaluation)."""
    return Actor(role=role, where="unit_code", unit_code=code, label=label or code)


@dataclass(frozen=True)
class Step:
    label: str  # e.g. 本单位审核 → state label 待本单位审核
    actor: Actor
    correctable: tuple[str, ...] = ()


@dataclass(frozen=True)
class Chain:
    steps: tuple[Step, ...]
    filer: Actor = field(default_factory=lambda: own_unit(ROLE_CLERK))
    editable: tuple[str, ...] = ()  # the fields the filer fills in

    def __post_init__(self):
        if not self.steps:
            raise ValueError("a chain needs at least one review step")

    # -- states -------------------------------------------------------------
    @property
    def states(self) -> list[str]:
        return [DRAFT] + [self.pending(i) for i in range(1, len(self.steps) + 1)] + [
            REJECTED, APPROVED]

    @staticmethod
    def pending(index: int) -> str:
        return f"{PENDING_PREFIX}{index}"

    def step_index(self, state: str) -> int | None:
        """1-based index of the step a pending state waits for, else None."""
        if state and state.startswith(PENDING_PREFIX):
            try:
                index = int(state[len(PENDING_PREFIX):])
            except ValueError:
                return None
            if 1 <= index <= len(self.steps):
                return index
        return None

    def step_for(self, state: str) -> Step | None:
        index = self.step_index(state)
        return self.steps[index - 1] if index else None

    def next_state(self, state: str) -> str:
        index = self.step_index(state)
        return APPROVED if index == len(self.steps) else self.pending(index + 1)

    def state_label(self, state: str) -> str:
        if state in FIXED_STATE_LABELS:
            return FIXED_STATE_LABELS[state]
        step = self.step_for(state)
        return f"待{step.label}" if step else state

    def state_choices(self) -> list[tuple[str, str]]:
        return [(s, self.state_label(s)) for s in self.states]
