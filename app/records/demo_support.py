"""What the demo generators of the data-source record types share: the
accounts the chains need, moments in working hours, and writing records with
their history in a few statements (as app/demo/quarter.py does).

A generator is ``generate(session, rng, today) -> {state: count}``: it is
deterministic for a given ``rng`` seed and ``today``, puts nothing later than
``today`` 08:00 (so a demo loaded during the day never shows future times),
and adds nothing when its records are already there.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import insert, select
from werkzeug.security import generate_password_hash

from app.security.models import ReformUser
from app.units.models import Unit
from app.workflow.chain import APPROVED, DRAFT, REJECTED
from app.workflow.models import WorkflowHistory

# demo accounts the data-source chains need besides app/demo/load.py's
# (mobile, name, unit, role); the 改革办 account is 13900000001
EXTRA_ACCOUNTS = [
    ("13900000042", "网信办审核员", "市委网信办", "审核员"),
    ("13900000043", "信访办录入员", "市信访办", "录入员"),
    ("13900000044", "信访办审核员", "市信访办", "审核员"),
    ("13900000052", "社情民意审核员", "市社情民意调查中心", "审核员"),
    ("13900000071", "市财政局录入员", "市财政局", "录入员"),
    ("13900000072", "市财政局审核员", "市财政局", "审核员"),
    ("13900000073", "市卫生健康委录入员", "市卫生健康委", "录入员"),
    ("13900000074", "市卫生健康委审核员", "市卫生健康委", "审核员"),
    ("13900000075", "市大数据发展局录入员", "市大数据发展局", "录入员"),
    ("13900000076", "市大数据发展局审核员", "市大数据发展局", "审核员"),
    ("13900000077", "市司法局录入员", "市司法局", "录入员"),
    ("13900000078", "市司法局审核员", "市司法局", "审核员"),
    ("13900000079", "市发展改革委录入员", "市发展改革委", "录入员"),
    ("13900000080", "市发展改革委审核员", "市发展改革委", "审核员"),
]
OFFICE_MOBILE = "13900000001"


def package_demo_lists(name: str) -> list[tuple]:
    """``name`` (``ACCOUNTS`` or ``UNITS``) of every record package's optional
    ``accounts.py``, concatenated in package order. ``ACCOUNTS`` rows are
    (mobile, name, unit name, role); ``UNITS`` rows are (code, name, kind,
    parent unit name or None). A package adds its demo people and units there,
    without editing a shared list."""
    import importlib
    import importlib.util

    from app import records

    rows: list[tuple] = []
    for package in records.subpackages():
        module_name = f"app.records.{package}.accounts"
        if importlib.util.find_spec(module_name) is not None:
            rows += list(getattr(importlib.import_module(module_name), name, ()))
    return rows


def ensure_accounts(session, accounts=None) -> dict[str, int]:
    """Create the missing demo accounts (one password hash); returns
    {mobile: user id} of every account asked for whose unit exists."""
    from app.security.roles import ALL_ROLES

    if accounts is None:
        accounts = EXTRA_ACCOUNTS + package_demo_lists("ACCOUNTS")
    mobiles = [a[0] for a in accounts] + [OFFICE_MOBILE]
    have = dict(session.execute(select(ReformUser.mobile, ReformUser.id).where(
        ReformUser.mobile.in_(mobiles))).all())
    units = dict(session.execute(select(Unit.name, Unit.id)).all())
    missing = [a for a in accounts if a[0] not in have and a[2] in units]
    if missing:
        sm = current_app.appbuilder.sm
        roles = {name: sm.find_role(name) for name in ALL_ROLES}
        password = current_app.config["DEMO_PASSWORD"]
        hashed = generate_password_hash(
            password, method=current_app.config.get("FAB_PASSWORD_HASH_METHOD", "scrypt"))
        users = [ReformUser(first_name=name, last_name="", username=mobile, mobile=mobile,
                            email=f"{mobile}@demo.invalid", active=True, unit_id=units[unit],
                            must_change_password=False, password=hashed, roles=[roles[role]])
                 for mobile, name, unit, role in missing]
        session.add_all(users)
        session.flush()
        have.update({u.mobile: u.id for u in users})
    return have


def users_of(session, unit_id: int, role: str) -> list[int]:
    from flask_appbuilder.security.sqla.models import Role, assoc_user_role

    return list(session.scalars(
        select(ReformUser.id)
        .join(assoc_user_role, assoc_user_role.c.user_id == ReformUser.id)
        .join(Role, Role.id == assoc_user_role.c.role_id)
        .where(ReformUser.unit_id == unit_id, Role.name == role, ReformUser.active.is_(True))
        .order_by(ReformUser.mobile)))


def limit_of(today: dt.date) -> dt.datetime:
    """Nothing in the demo is later than this."""
    return dt.datetime.combine(today, dt.time(8, 0))


def working_moment(rng, day: dt.date) -> dt.datetime:
    """A moment in working hours on ``day`` (moved back to Friday on a weekend)."""
    while day.weekday() >= 5:
        day -= dt.timedelta(days=1)
    minutes = rng.randint(9 * 60, 17 * 60 - 1)
    return dt.datetime.combine(day, dt.time(minutes // 60, minutes % 60))


@dataclass
class DemoRow:
    """One record: its own columns, its unit, filer, creation time and acts
    ((action, actor id, reason), in order; their times are spread after
    ``created_on`` and before the limit)."""

    values: dict
    unit_id: int
    filer_id: int
    created_on: dt.datetime
    acts: list[tuple[str, int, str | None]] = field(default_factory=list)
    extra: dict = field(default_factory=dict)  # e.g. many-to-many ids, for the caller


def path_to(state: str, steps: int, actors: list[int], filer: int, rng,
            reason: str = "材料不完整，请补充后重新提交") -> list[tuple[str, int, str | None]]:
    """The acts leading a record of a ``steps``-step chain to ``state``;
    ``actors[i]`` acts at step i + 1."""
    if state == DRAFT:
        return []
    acts = [("submit", filer, None)]
    if state == REJECTED:
        at = rng.randint(1, steps)
        acts += [("approve", actors[i], None) for i in range(at - 1)]
        return acts + [("reject", actors[at - 1], reason)]
    target = steps if state == APPROVED else int(state.split("_")[1]) - 1
    if state == APPROVED and rng.random() < 0.2:  # once rejected on the way
        acts += [("reject", actors[0], reason), ("submit", filer, None)]
    return acts + [("approve", actors[i], None) for i in range(target)]


def write(session, model, record_type: str, rows: list[DemoRow], limit: dt.datetime,
          rng) -> tuple[dict[str, int], list[int]]:
    """Insert ``rows`` with their workflow columns and history; returns
    ({state: count}, ids in the order of ``rows``)."""
    chain = model.__chain__
    records, history = [], []
    for row in rows:
        state = DRAFT
        moment = row.created_on
        submitted_by = submitted_on = approved_on = None
        hist = []
        room = max((limit - moment).total_seconds(), 60.0)
        gap = room / (len(row.acts) + 1)
        for action, actor, reason in row.acts:
            moment = moment + dt.timedelta(seconds=rng.uniform(0.3, 0.9) * gap)
            if action == "submit":
                to = chain.pending(1)
                submitted_by, submitted_on, approved_on = actor, moment, None
            elif action == "withdraw":
                to = DRAFT
            elif action == "reject":
                to = REJECTED
            else:
                to = chain.next_state(state)
                if to == APPROVED:
                    approved_on = moment
            hist.append({"from_state": state, "to_state": to, "action": action,
                         "actor_id": actor, "record_unit_id": row.unit_id, "reason": reason,
                         "created_on": moment.replace(microsecond=0)})
            state = to
        records.append(dict(row.values, unit_id=row.unit_id, filed_by_id=row.filer_id,
                            state=state, version=len(row.acts) + 1,
                            submitted_by_id=submitted_by,
                            submitted_on=submitted_on and submitted_on.replace(microsecond=0),
                            approved_on=approved_on and approved_on.replace(microsecond=0),
                            created_on=row.created_on,
                            changed_on=moment.replace(microsecond=0)))
        history.append(hist)
    if not records:
        return {}, []
    table = model.__table__
    ids = session.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True),
                          records).scalars().all()
    units = dict(session.execute(select(ReformUser.id, ReformUser.unit_id)).all())
    flat = [dict(h, record_type=record_type, record_id=rid, actor_unit_id=units.get(h["actor_id"]))
            for rid, hs in zip(ids, history, strict=True) for h in hs]
    for start in range(0, len(flat), 2000):
        session.execute(insert(WorkflowHistory.__table__), flat[start:start + 2000])
    return dict(Counter(r["state"] for r in records)), list(ids)
