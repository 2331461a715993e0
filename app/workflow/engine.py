"""The transitions: submit (提交), withdraw (撤回), approve (通过), reject (驳回).

Every transition is a compare-and-set on ``(id, state, version)``: if another
person changed the record in between, nothing changes and
:class:`AlreadyHandled` (该记录已被他人处理) is raised. Each successful
transition appends one row to ``workflow_history`` in the same transaction.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import (
    DateTime,
    Integer,
    Text,
    and_,
    any_,
    false,
    func,
    insert,
    literal,
    or_,
    select,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import selectinload
from sqlalchemy.sql.elements import False_, True_

from app.errors import UserError
from app.extensions import db
from app.scope import scope_clause, scope_for
from app.security.roles import ROLE_ADMIN
from app.workflow.chain import APPROVED, DRAFT, REJECTED
from app.workflow.models import WorkflowHistory
from app.workflow.registry import all_types, get_type

ACTION_LABELS = {"submit": "提交", "withdraw": "撤回", "approve": "通过", "reject": "驳回"}
NOT_FOUND = "记录不存在或不在您的可见范围内"
ALREADY_HANDLED = "该记录已被他人处理"
BULK_MAX = 5000  # ids per bulk call (REST and web); documented in the API
ID_MAX = 2**31 - 1  # record ids are INTEGER columns


def record_id_or_none(raw) -> int | None:
    """``raw`` as a record id, or None when it cannot be one (not an integer,
    a boolean, or outside 1 … 2³¹−1)."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        value = raw
    elif isinstance(raw, str) and raw.strip().isdigit():
        value = int(raw.strip())
    else:
        return None
    return value if 1 <= value <= ID_MAX else None


class WorkflowError(UserError):
    status = 400


class RecordNotFound(WorkflowError):
    status = 404

    def __init__(self, message: str = NOT_FOUND):
        super().__init__(message)


class NotAllowed(WorkflowError):
    status = 403


class AlreadyHandled(WorkflowError):
    status = 409

    def __init__(self, message: str = ALREADY_HANDLED):
        super().__init__(message)


def _roles(user) -> set[str]:
    return {r.name for r in getattr(user, "roles", None) or ()}


def is_owner(user, record) -> bool:
    """The filer, or a clerk (the chain's filer role) of the record's unit."""
    if user is None:
        return False
    if record.filed_by_id == user.id:
        return True
    return type(record).__chain__.filer.matches(user, record)


def refusal(action: str, user, record) -> tuple[int, str] | None:
    """Why ``user`` may not do ``action`` on ``record`` now (status, Chinese
    message), or None when allowed. Scope is checked by the caller."""
    chain = type(record).__chain__
    state = record.state
    label = chain.state_label(state)
    if action not in ACTION_LABELS:
        return 400, "未知的操作"
    if action == "submit":
        if state not in (DRAFT, REJECTED):
            return 409, f"当前状态为“{label}”，不能提交"
        if not is_owner(user, record):
            return 403, "只有本单位录入员可以提交"
        problems = record.submit_problems()
        if problems:
            return 422, "；".join(problems)
        return None
    if action == "withdraw":
        if state != chain.pending(1):
            if chain.step_index(state):
                return 409, "记录已进入后续审核，不能撤回"
            return 409, f"当前状态为“{label}”，不能撤回"
        if not is_owner(user, record):
            return 403, "只有填报单位的录入员可以撤回"
        return None
    # approve / reject
    if ROLE_ADMIN in _roles(user):
        return 403, "系统管理员不能审核记录"
    step = chain.step_for(state)
    if step is None:
        return 409, f"当前状态为“{label}”，不在审核中"
    if user.id in (record.filed_by_id, record.submitted_by_id):
        return 403, "不能审核本人填报的记录"
    if not step.actor.matches(user, record):
        return 403, f"该记录正等待{step.actor.label}审核，您无权处理"
    return None


def target_state(action: str, record) -> str:
    chain = type(record).__chain__
    if action == "submit":
        return chain.pending(1)
    if action == "withdraw":
        return DRAFT
    if action == "reject":
        return REJECTED
    return chain.next_state(record.state)


def available_actions(user, record) -> list[str]:
    return [a for a in ACTION_LABELS if refusal(a, user, record) is None]


def editable_fields(user, record) -> tuple[str, ...]:
    """The fields ``user`` may change now: all of the filer's fields in draft
    or rejected, the acting step's correctable ones under review, none after."""
    chain = type(record).__chain__
    if record.state in (DRAFT, REJECTED):
        return chain.editable if is_owner(user, record) else ()
    if chain.step_for(record.state) and refusal("approve", user, record) is None:
        return chain.step_for(record.state).correctable
    return ()


def edit_refusal(user, record) -> str | None:
    if editable_fields(user, record):
        return None
    if record.state == APPROVED:
        return "已通过的记录不能修改"
    if type(record).__chain__.step_for(record.state) and is_owner(user, record):
        return "记录正在审核中，不能修改；如需修改请先撤回"
    return "您无权修改该记录"


def delete_refusal(user, record) -> str | None:
    if record.state == DRAFT and is_owner(user, record):
        return None
    if record.state == DRAFT:
        return "您无权删除该记录"
    return "只有草稿状态的记录可以删除"


def _model(record_type: str):
    rt = get_type(record_type)
    if rt is None:
        raise RecordNotFound("未知的记录类型")
    return rt.model


def _clean_reason(action: str, reason) -> str | None:
    reason = (reason or "").strip() if isinstance(reason, (str, type(None))) else None
    if action == "reject" and not reason:
        raise WorkflowError("驳回必须填写理由", 400)
    return reason or None


def _values(action: str, to_state: str, user, now) -> dict:
    values = {"state": to_state, "changed_on": now}
    if action == "submit":
        values.update(submitted_by_id=user.id, submitted_on=now, approved_on=None)
    if to_state == APPROVED:
        values["approved_on"] = now
    return values


def _history_row(record_type, record, from_state, to_state, action, user, reason, now) -> dict:
    return {
        "record_type": record_type, "record_id": record.id, "from_state": from_state,
        "to_state": to_state, "action": action, "actor_id": user.id,
        "actor_unit_id": getattr(user, "unit_id", None), "record_unit_id": record.unit_id,
        "reason": reason, "created_on": now,
    }


def _after(model, session, ids, action, from_state, to_state, user, now) -> None:
    """The model's own consequences of a transition (e.g. a distributed pilot
    opens update tasks), in the same transaction."""
    hook = getattr(model, "after_transition", None)
    if hook is not None and ids:
        hook(session, list(ids), action, from_state, to_state, user, now)


def transition(record_type: str, record_id, action: str, user, reason: str | None = None,
               session=None):
    """Do ``action`` on one record as ``user``; returns the record.

    Raises RecordNotFound (unknown or out of scope: 404), NotAllowed (403),
    WorkflowError (bad input or state), AlreadyHandled (lost the race: 409)."""
    model = _model(record_type)
    if action not in ACTION_LABELS:
        raise WorkflowError("未知的操作", 400)
    reason = _clean_reason(action, reason)
    session = session or db.session
    record_id = record_id_or_none(record_id)
    if record_id is None:
        raise RecordNotFound()
    record = session.execute(
        select(model).where(model.id == record_id, scope_clause(model, scope_for(user)))
    ).scalar_one_or_none()
    if record is None:
        raise RecordNotFound()
    why = refusal(action, user, record)
    if why:
        lost = lost_race(record_type, action, user, record, session) \
            if action in ("approve", "reject") else None
        if lost:
            raise AlreadyHandled(lost)
        raise NotAllowed(why[1]) if why[0] == 403 else WorkflowError(why[1], why[0])
    table = model.__table__
    now = datetime.datetime.now()
    from_state, version = record.state, record.version
    to_state = target_state(action, record)
    result = session.execute(
        table.update()
        .where(table.c.id == record.id, table.c.state == from_state, table.c.version == version)
        .values(version=table.c.version + 1, **_values(action, to_state, user, now))
    )
    if result.rowcount != 1:
        session.rollback()
        raise AlreadyHandled()
    session.execute(insert(WorkflowHistory.__table__).values(
        _history_row(record_type, record, from_state, to_state, action, user, reason, now)))
    _after(model, session, [record.id], action, from_state, to_state, user, now)
    session.commit()
    session.expire(record)
    return record


def lost_race(record_type: str, action: str, user, record, session) -> str | None:
    """When a review (approve / reject) is refused only because someone moved
    the record first (the user could have done it in the state the record was
    in just before), the 已被他人处理 message saying who did what; else None."""
    from sqlalchemy.orm.attributes import set_committed_value

    last = session.execute(
        select(WorkflowHistory).where(WorkflowHistory.record_type == record_type,
                                      WorkflowHistory.record_id == record.id)
        .order_by(WorkflowHistory.id.desc()).limit(1)).scalar_one_or_none()
    if last is None or last.to_state != record.state:
        return None
    current = record.state
    with session.no_autoflush:
        set_committed_value(record, "state", last.from_state)
        try:
            could = refusal(action, user, record) is None
        finally:
            set_committed_value(record, "state", current)
    if not could:
        return None
    label = type(record).__chain__.state_label(current)
    done = (f"于 {last.created_on:%Y-%m-%d %H:%M:%S} {ACTION_LABELS.get(last.action, last.action)}"
            f"，当前状态为“{label}”")
    if last.actor_id == user.id:  # e.g. a second click: already done by this user
        return f"该记录已由您本人处理：您已{done}"
    who = last.actor.get_full_name() if last.actor else "他人"
    return f"{ALREADY_HANDLED}：{who}已{done}"


@dataclass
class BulkResult:
    action: str
    done: list[int] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)  # {"id", "title", "reason"}

    def as_dict(self) -> dict:
        return {"action": self.action, "done": self.done, "skipped": self.skipped,
                "done_count": len(self.done), "skipped_count": len(self.skipped)}


def _id_in(column, ids, session):
    """``column IN ids``. On PostgreSQL ``column = ANY(:ids)``: one array
    parameter, so the statement's text is the same for any number of ids
    (an expanding IN of 1,000 ids is 1,000 parameters to render, cast and
    convert on every call: a quarter of a bulk approval's time)."""
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(literal(list(ids), ARRAY(Integer)))
    return column.in_(list(ids))


def bulk_transition(record_type: str, ids, action: str, user, reason: str | None = None,
                    session=None) -> BulkResult:
    """Do ``action`` on many records at once. The number of SQL statements
    does not depend on the number of records: one SELECT, one UPDATE per
    distinct from-state (at most the chain's length), one INSERT of history.
    Each record that cannot be handled is listed with the reason."""
    model = _model(record_type)
    if action not in ACTION_LABELS:
        raise WorkflowError("未知的操作", 400)
    reason = _clean_reason(action, reason)
    session = session or db.session
    result = BulkResult(action=action)
    ids = list(ids or ())
    if len(ids) > BULK_MAX:
        raise WorkflowError(f"一次最多处理 {BULK_MAX} 条记录", 400)
    wanted: list[int] = []
    seen: set[int] = set()
    for raw in ids:
        value = record_id_or_none(raw)
        if value is None:
            shown = raw if isinstance(raw, (str, int)) and len(str(raw)) < 40 else None
            result.skipped.append({"id": shown, "title": None, "reason": "编号无效"})
            continue
        if value not in seen:
            seen.add(value)
            wanted.append(value)
    if not wanted:
        return result
    # the unit with the records: actors that look at the record's unit (its
    # parent, e.g. the supervising 国资委) then need no query per record
    records = session.execute(
        select(model).where(_id_in(model.id, wanted, session),
                            scope_clause(model, scope_for(user)))
        .options(selectinload(model.unit))
    ).scalars().all()
    by_id = {r.id: r for r in records}
    groups: dict[str, list] = defaultdict(list)
    for record_id in wanted:
        record = by_id.get(record_id)
        if record is None:
            result.skipped.append({"id": record_id, "title": None, "reason": NOT_FOUND})
            continue
        why = refusal(action, user, record)
        if why:
            result.skipped.append({"id": record_id, "title": record.title, "reason": why[1]})
            continue
        groups[record.state].append(record)
    table = model.__table__
    now = datetime.datetime.now()
    done: set[int] = set()
    for from_state, group in groups.items():
        to_state = target_state(action, group[0])
        # ``id IN`` lets both databases find the rows by primary key; the
        # compare-and-set on every record's version is one ``version = v AND
        # id IN (…)`` per version read (a handful): (id, version) pairs made
        # SQLite scan the state index and PostgreSQL compare each row with
        # every pair (10 ms more for 1,000 records)
        by_version: dict[int, list[int]] = defaultdict(list)
        for r in group:
            by_version[r.version].append(r.id)
        updated = set(session.execute(
            table.update()
            .where(_id_in(table.c.id, [r.id for r in group], session),
                   or_(*(and_(table.c.version == version, _id_in(table.c.id, same, session))
                         for version, same in sorted(by_version.items()))),
                   table.c.state == from_state)
            .values(version=table.c.version + 1, **_values(action, to_state, user, now))
            .returning(table.c.id)
        ).scalars())
        if updated:
            # history straight from the updated rows: one set-based statement whose
            # compiled form is cached (an expanding IN), whatever the number of rows
            session.execute(insert(WorkflowHistory.__table__).from_select(
                ["record_type", "record_id", "from_state", "to_state", "action", "actor_id",
                 "actor_unit_id", "record_unit_id", "reason", "created_on"],
                select(literal(record_type), table.c.id, literal(from_state),
                       literal(to_state), literal(action), literal(user.id),
                       literal(getattr(user, "unit_id", None), Integer),
                       table.c.unit_id, literal(reason, Text),
                       literal(now, DateTime)).where(_id_in(table.c.id, sorted(updated), session))))
        for record in group:
            if record.id not in updated:
                result.skipped.append({"id": record.id, "title": record.title,
                                       "reason": ALREADY_HANDLED})
        done |= updated
        _after(model, session, sorted(updated), action, from_state, to_state, user, now)
    session.commit()  # expires the loaded records (expire_on_commit): no loop over them
    result.done = [i for i in wanted if i in done]
    return result


# -- 待办 -------------------------------------------------------------------------

def todo_clause(model, user):
    """Records of ``model`` waiting for ``user``'s action (scope included).
    Steps the user cannot act at are left out of the SQL altogether, so that
    the 改革办's clause is ``state = 'pending_2' AND …`` (an index range), not
    ``(0 = 1 OR state = …)``."""
    if user is None or ROLE_ADMIN in _roles(user) or not getattr(user, "id", None):
        return false()
    chain = model.__chain__
    waiting = []
    for i, step in enumerate(chain.steps, start=1):
        where = step.actor.clause(model, user)
        if isinstance(where, False_):
            continue
        at_step = model.state == chain.pending(i)
        waiting.append(at_step if isinstance(where, True_) else and_(at_step, where))
    if not waiting:
        return false()
    return and_(
        or_(*waiting) if len(waiting) > 1 else waiting[0],
        model.filed_by_id != user.id,
        or_(model.submitted_by_id.is_(None), model.submitted_by_id != user.id),
        scope_clause(model, scope_for(user)),
    )


def owned_clause(model, user, state: str):
    """The records in ``state`` that ``user`` files: the own ones, and for a
    clerk those of the own unit (a colleague's rejected record is the unit's)."""
    if user is None or not getattr(user, "id", None) or ROLE_ADMIN in _roles(user):
        return false()
    mine = model.filed_by_id == user.id
    unit = model.__chain__.filer.clause(model, user)
    who = mine if isinstance(unit, False_) else or_(mine, unit)
    return and_(model.state == state, who, scope_clause(model, scope_for(user)))


TODO_KINDS = ("waiting", "rejected", "draft")


def _kind_clause(kind: str, model, user):
    if kind == "waiting":
        return todo_clause(model, user)
    return owned_clause(model, user, REJECTED if kind == "rejected" else DRAFT)


_USER_STATEMENTS: dict[tuple, object] = {}


def per_user_statement(name: str, user, build):
    """``build(user)``, kept per process for this user, their unit and roles
    (the key of :func:`_todo_key`). For statements read on every page whose
    dozens of scope clauses cost more to build than to run; the clauses are
    subqueries, so what they select is read afresh each time."""
    key = (name, *_todo_key(user))
    built = _USER_STATEMENTS.get(key)
    if built is None:
        built = build(user)
        if len(_USER_STATEMENTS) >= 4096:
            _USER_STATEMENTS.clear()
        _USER_STATEMENTS[key] = built
    return built


def _todo_key(user) -> tuple:
    """Everything the 待办 clauses read off the user and their unit."""
    unit = getattr(user, "unit", None)
    return (getattr(user, "id", None), getattr(user, "unit_id", None),
            bool(getattr(user, "is_authenticated", False)), bool(getattr(user, "is_active", False)),
            frozenset(_roles(user)),
            tuple(getattr(unit, a, None) for a in ("path", "kind", "code", "name", "parent_id")),
            tuple(rt.name for rt in all_types()))


def _todo_statement(user) -> tuple[list, object]:
    columns, keys = [], []
    for rt in all_types():
        for kind in TODO_KINDS:
            where = _kind_clause(kind, rt.model, user)
            if isinstance(where, False_):
                continue
            keys.append((rt.name, kind))
            columns.append(select(func.count()).select_from(rt.model).where(where)
                           .scalar_subquery())
    return keys, (select(*columns) if columns else None)


def todo_counts(user, session=None) -> dict[tuple[str, str], int]:
    """{(record type, kind): n} for every type and kind (waiting for me,
    rejected back to me, my drafts), in ONE statement of scalar subqueries.

    The counts are read on every page (the "待办 (n)" label) and are index-only
    (migration 0007_todo_index); building the statement's dozens of clauses
    cost more than running it, so the statement is built once per user (and
    their unit and roles) and process, and run each time."""
    session = session or db.session
    keys, stmt = per_user_statement("todo", user, _todo_statement)
    if stmt is None:
        return {}
    row = session.execute(stmt).one()
    return dict(zip(keys, row))


def todo_count(user, session=None) -> int:
    """Everything that needs the user now: waiting, rejected and drafts."""
    return sum(todo_counts(user, session).values())


def todo_page(record_type: str, kind: str, user, page: int = 0, page_size: int = 50,
              order: str = "submitted_on", session=None) -> list:
    """One page of the records of one kind, oldest waiting first, with their
    units loaded in the same statement."""
    from sqlalchemy.orm import joinedload

    session = session or db.session
    model = _model(record_type)
    column = {"submitted_on": model.submitted_on, "changed_on": model.changed_on,
              "id": model.id}.get(order, model.submitted_on)
    return session.execute(
        select(model).options(joinedload(model.unit)).where(_kind_clause(kind, model, user))
        .order_by(column, model.id).offset(page * page_size).limit(page_size)
    ).scalars().all()


def todo(user, session=None) -> list[tuple]:
    """[(RecordType, [records…]), …]: what waits for ``user`` over every type."""
    return [(rt, todo_page(rt.name, "waiting", user, page_size=10_000, session=session))
            for rt in all_types()]


def last_rejections(record_type: str, ids, session=None) -> dict[int, WorkflowHistory]:
    """{record id: its latest rejection} in one statement."""
    session = session or db.session
    ids = list(ids)
    if not ids:
        return {}
    h = WorkflowHistory
    latest = (select(func.max(h.id)).where(h.record_type == record_type, h.action == "reject",
                                           h.record_id.in_(ids))
              .group_by(h.record_id))
    from sqlalchemy.orm import joinedload

    rows = session.execute(select(h).options(joinedload(h.actor), joinedload(h.actor_unit))
                           .where(h.id.in_(latest))).scalars()
    return {r.record_id: r for r in rows}


def history_of(record_type: str, record_id: int, session=None) -> list[WorkflowHistory]:
    session = session or db.session
    return session.execute(
        select(WorkflowHistory)
        .where(WorkflowHistory.record_type == record_type, WorkflowHistory.record_id == record_id)
        .order_by(WorkflowHistory.created_on, WorkflowHistory.id)
    ).scalars().all()
