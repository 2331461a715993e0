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
    or a data-source unit) or ``"anywhere"`` (e.g. the reform office).
    """

    role: str
    where: str = "own_unit"
    unit_attr: str | None = None
    label: str = ""

    def matches(self, user, record) -> bool:
        if user is None or self.role not in _roles(user):
            return False
        if self.where == "anywhere":
            return True
        unit_id = getattr(user, "unit_id", None)
        if unit_id is None:
            return False
        column = "unit_id" if self.where == "own_unit" else self.unit_attr
        return getattr(record, column) == unit_id

    def clause(self, model, user):
        """The same rule as SQL, for lists of records waiting for ``user``."""
        if user is None or self.role not in _roles(user):
            return false()
        if self.where == "anywhere":
            return true()
        unit_id = getattr(user, "unit_id", None)
        if unit_id is None:
            return false()
        column = "unit_id" if self.where == "own_unit" else self.unit_attr
        return getattr(model, column) == unit_id


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
