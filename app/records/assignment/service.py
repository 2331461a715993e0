"""Assigning, changing and removing items (市委改革办), and opening a unit's
report on an item (its 录入员). Every check answers in Chinese and changes
nothing when it refuses."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import delete, func, insert, select

from app.errors import UserError
from app.extensions import db
from app.records.assignment.models import (
    KINDS,
    PROGRESS,
    Assignment,
    assignment_unit,
    report_model,
    report_models,
)
from app.scope import scope_clause, scope_for
from app.security.roles import ROLE_CLERK, ROLE_REFORM_OFFICE
from app.units.models import Unit, UnitKind
from app.workflow.chain import APPROVED, DRAFT, REJECTED

TITLE_MAX = 200


def _roles(user) -> set[str]:
    return {r.name for r in getattr(user, "roles", None) or ()}


def is_office(user) -> bool:
    return ROLE_REFORM_OFFICE in _roles(user)


def assignable_units(session=None) -> list[Unit]:
    """Every unit but the 改革办 itself, districts first."""
    session = session or db.session
    order = {k.value: i for i, k in enumerate((UnitKind.DISTRICT, UnitKind.DEPARTMENT,
                                                UnitKind.DATA_SOURCE, UnitKind.DISTRICT_DEPT,
                                                UnitKind.ENTERPRISE))}
    units = session.scalars(select(Unit).where(Unit.kind != UnitKind.REFORM_OFFICE.value)).all()
    return sorted(units, key=lambda u: (order.get(u.kind, 9), u.sort_order, u.id))


def demand_choices(session=None, limit: int = 300) -> list:
    """Approved 改革需求 an item may come from, newest first."""
    from app.records.demand.models import Demand

    session = session or db.session
    return session.execute(select(Demand.id, Demand.title).where(Demand.state == APPROVED)
                           .order_by(Demand.id.desc()).limit(limit)).all()


@dataclass
class AssignmentForm:
    """What the 改革办 typed, kept as typed so that a refused form is shown again."""

    kind: str = ""
    title: str = ""
    content: str = ""
    demand_id: str = ""
    deadline: str = ""
    unit_ids: list[str] = field(default_factory=list)

    @classmethod
    def from_request(cls, form) -> AssignmentForm:
        return cls(kind=(form.get("kind") or "").strip(), title=(form.get("title") or "").strip(),
                   content=(form.get("content") or "").strip(),
                   demand_id=(form.get("demand_id") or "").strip(),
                   deadline=(form.get("deadline") or "").strip(),
                   unit_ids=[v for v in form.getlist("unit_ids") if v.strip()])

    @classmethod
    def of(cls, item: Assignment) -> AssignmentForm:
        return cls(kind=item.kind, title=item.title, content=item.content or "",
                   demand_id=str(item.demand_id or ""), deadline=item.deadline.isoformat(),
                   unit_ids=[str(u.id) for u in item.units])


def _check(form: AssignmentForm, session, today: dt.date, item: Assignment | None):
    """(values, errors) of a form."""
    from app.records.demand.models import Demand

    errors: list[str] = []
    values: dict = {}
    if form.kind not in KINDS:
        errors.append("请选择类别：" + "、".join(KINDS))
    elif item is not None and form.kind != item.kind:
        errors.append("已交办事项的类别不能修改")
    values["kind"] = form.kind
    if not form.title:
        errors.append("标题不能为空")
    elif len(form.title) > TITLE_MAX:
        errors.append(f"标题不能超过 {TITLE_MAX} 个字（现 {len(form.title)} 个字）")
    values["title"] = form.title
    if not form.content:
        errors.append("交办内容不能为空")
    values["content"] = form.content
    values["demand_id"] = None
    if form.demand_id:
        demand = None
        if form.demand_id.isdigit() and int(form.demand_id) <= 2**31 - 1:
            demand = session.get(Demand, int(form.demand_id))
        if demand is None:
            errors.append("关联的改革需求不存在")
        elif demand.state != APPROVED:
            errors.append(f"改革需求“{demand.title}”尚未审核通过，不能关联")
        else:
            values["demand_id"] = demand.id
    deadline = None
    if not form.deadline:
        errors.append("请填写反馈时限")
    else:
        try:
            deadline = dt.date.fromisoformat(form.deadline)
        except ValueError:
            errors.append(f"反馈时限“{form.deadline[:20]}”不是有效日期，应为 2026-06-30 的格式")
    if deadline is not None:
        changed = item is None or deadline != item.deadline
        if changed and deadline < today:
            errors.append("反馈时限不能早于今天")
        elif deadline.year > today.year + 5:
            errors.append("反馈时限不能晚于五年之后")
    values["deadline"] = deadline
    wanted: list[int] = []
    for raw in form.unit_ids:
        if not raw.isdigit() or int(raw) > 2**31 - 1:
            errors.append("承办单位无效")
            break
        if int(raw) not in wanted:
            wanted.append(int(raw))
    units = session.scalars(select(Unit).where(Unit.id.in_(wanted))).all() if wanted else []
    if len(units) != len(wanted):
        errors.append("承办单位中有不存在的单位")
    office = [u.name for u in units if u.kind == UnitKind.REFORM_OFFICE.value]
    if office:
        errors.append("不能交办给市委改革办本身")
    if not wanted:
        errors.append("请至少选择一个承办单位")
    values["units"] = units
    return values, errors


def _reported_units(session, item: Assignment) -> set[int]:
    model = report_model(item.kind)
    return set(session.scalars(select(model.unit_id).where(
        model.assignment_id == item.id).distinct()))


def save(user, form: AssignmentForm, item: Assignment | None = None, session=None,
         today: dt.date | None = None) -> Assignment:
    """Create (``item`` None) or change an item; raises UserError listing every
    problem, having changed nothing."""
    session = session or db.session
    today = today or dt.date.today()
    if not is_office(user):
        raise UserError("只有市委改革办可以交办事项", 403)
    values, errors = _check(form, session, today, item)
    if item is not None and not errors:
        kept = {u.id for u in values["units"]}
        removed = _reported_units(session, item) - kept
        if removed:
            names = session.scalars(select(Unit.name).where(Unit.id.in_(removed))).all()
            errors.append("、".join(names) + " 已填报该事项的推进情况，不能从承办单位中移除")
        added = kept - {u.id for u in item.units}
        if added and values["deadline"] < today:
            errors.append("反馈时限已过：新增承办单位前，请先将反馈时限调整为今天或以后的日期")
    if errors:
        raise UserError("；".join(errors), 422)
    now = dt.datetime.now()
    units = values.pop("units")
    if item is None:
        item = Assignment(created_by_id=user.id, created_on=now, changed_on=now, **values)
        session.add(item)
        session.flush()
        before: set[int] = set()
    else:
        for key, value in values.items():
            setattr(item, key, value)
        item.changed_on = now
        before = set(session.scalars(select(assignment_unit.c.unit_id).where(
            assignment_unit.c.assignment_id == item.id)))
    after = {u.id for u in units}
    if before - after:
        session.execute(delete(assignment_unit).where(
            assignment_unit.c.assignment_id == item.id,
            assignment_unit.c.unit_id.in_(before - after)))
    if after - before:
        session.execute(insert(assignment_unit), [
            {"assignment_id": item.id, "unit_id": uid, "assigned_on": now}
            for uid in sorted(after - before)])
    session.commit()
    session.expire(item)
    return item


def remove(user, pk: int, session=None) -> str:
    """Delete an item nobody has reported on yet; returns its title."""
    session = session or db.session
    if not is_office(user):
        raise UserError("只有市委改革办可以删除交办事项", 403)
    item = session.get(Assignment, pk)
    if item is None:
        raise UserError("交办事项不存在", 404)
    model = report_model(item.kind)
    n = session.scalar(select(func.count()).select_from(model).where(
        model.assignment_id == item.id))
    if n:
        raise UserError(f"该事项已有 {n} 条推进情况，不能删除", 409)
    title = item.title
    session.execute(delete(assignment_unit).where(assignment_unit.c.assignment_id == item.id))
    session.delete(item)
    session.commit()
    return title


def visible(user, pk, session=None) -> Assignment:
    """The item if ``user`` may see it (404 otherwise)."""
    session = session or db.session
    item = None
    if isinstance(pk, int) and 1 <= pk <= 2**31 - 1:
        item = session.scalar(select(Assignment).where(
            Assignment.id == pk, scope_clause(Assignment, scope_for(user))))
    if item is None:
        raise UserError("交办事项不存在或不在您的可见范围内", 404)
    return item


def may_fill(user, item: Assignment, session=None) -> bool:
    """A 录入员 of a unit the item is assigned to."""
    session = session or db.session
    if ROLE_CLERK not in _roles(user) or getattr(user, "unit_id", None) is None:
        return False
    return session.scalar(select(assignment_unit.c.unit_id).where(
        assignment_unit.c.assignment_id == item.id,
        assignment_unit.c.unit_id == user.unit_id)) is not None


def fill(user, pk: int, session=None):
    """The unit's report to work on: its open one (草稿 or 已驳回), or a new
    draft on the item. Raises UserError when the unit cannot report."""
    session = session or db.session
    item = visible(user, pk, session)
    if not may_fill(user, item, session):
        raise UserError("只有承办单位的录入员可以填报推进情况", 403)
    model = report_model(item.kind)
    done = model.completed_message(session, item.id, user.unit_id)
    if done:
        raise UserError(done, 409)
    open_report = session.scalar(select(model).where(
        model.assignment_id == item.id, model.unit_id == user.unit_id,
        model.state.in_((DRAFT, REJECTED))).order_by(model.id.desc()).limit(1))
    if open_report is not None:
        return open_report
    report = model(assignment_id=item.id, unit_id=user.unit_id, filed_by_id=user.id,
                   work_done="", problems="", progress=PROGRESS[0], state=DRAFT, version=1)
    session.add(report)
    session.commit()
    return report


def reports_of(user, item: Assignment, session=None) -> list:
    """The reports on ``item`` that ``user`` may see, newest first."""
    session = session or db.session
    model = report_model(item.kind)
    return session.scalars(select(model).where(
        model.assignment_id == item.id, scope_clause(model, scope_for(user)))
        .order_by(model.id.desc()).limit(500)).all()


__all__ = ["AssignmentForm", "assignable_units", "demand_choices", "fill", "is_office",
           "may_fill", "remove", "report_models", "reports_of", "save", "visible"]
