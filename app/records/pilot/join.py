"""申请加入试点: a district that undertakes a pilot another district created (it
cannot create it again: the 文号 is taken) asks the supervising department to
add it to 涉及区县; the department's 录入员 accepts (the district is added, and
gets its update task if the pilot is distributed) or declines with a reason.

The request names the pilot by its 部署文件文号 — the district may not see the
pilot yet, and the number is what it has in hand.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from app.errors import Conflict, Forbidden, NotFound, UserError
from app.extensions import db
from app.records.pilot.docno import normalize_doc_no
from app.records.pilot.models import (
    JOIN_ACCEPTED,
    JOIN_DECLINED,
    JOIN_PENDING,
    NATIONAL,
    Pilot,
    PilotJoinRequest,
    pilot_district,
)
from app.security.roles import ROLE_ADMIN, ROLE_CLERK
from app.units.models import Unit, UnitKind
from app.workflow.chain import APPROVED, DRAFT

NOT_FOUND = "申请不存在或不在您的可见范围内"


def _roles(user) -> set[str]:
    return {r.name for r in getattr(user, "roles", None) or ()}


def visible_clause(user):
    """Requests ``user`` may see: the own districts' (and units below), those for
    pilots the own department supervises; the 改革办 all."""
    from app.scope import scope_for

    scope = scope_for(user)
    if ROLE_ADMIN in _roles(user):
        return PilotJoinRequest.id.is_(None)  # administrators hold no record permission
    if scope.everything:
        return PilotJoinRequest.id.is_not(None)
    if scope.nothing:
        return PilotJoinRequest.id.is_(None)
    units = scope.unit_ids_select()
    return or_(PilotJoinRequest.unit_id.in_(units),
               PilotJoinRequest.pilot_id.in_(select(Pilot.id).where(
                   Pilot.supervisor_id.in_(units))))


def may_decide(user, request: PilotJoinRequest) -> bool:
    """The supervising department's 录入员 (as when confirming the pilot)."""
    if user is None or ROLE_CLERK not in _roles(user):
        return False
    return request.pilot.supervisor_id == getattr(user, "unit_id", None)


def request_join(user, doc_no: str, note: str = "", session=None) -> PilotJoinRequest:
    """File a request for the user's district; UserError (Chinese) when refused."""
    session = session or db.session
    unit = getattr(user, "unit", None)
    if ROLE_CLERK not in _roles(user) or unit is None:
        raise Forbidden("只有区县录入员可以申请加入试点")
    if unit.kind != UnitKind.DISTRICT.value:
        raise Forbidden("只有区县可以申请加入试点的涉及区县")
    key = normalize_doc_no(doc_no)
    if not key:
        raise UserError("请填写部署文件文号", 422)
    note = (note or "").strip()
    if len(note) > 2000:
        raise UserError("申请说明不能超过 2000 个字", 422)
    pilot = session.scalar(select(Pilot).where(Pilot.doc_no_key == key))
    if pilot is None:
        raise NotFound(f"未找到部署文件文号为“{(doc_no or '').strip()}”的试点，"
                       "本区县可以直接创建该试点")
    if pilot.state == DRAFT:
        raise Conflict(f"试点“{pilot.name}”尚是{pilot.unit.name}的草稿，"
                       f"请联系{pilot.unit.name}在涉及区县中加入本区县")
    involved = session.scalar(select(pilot_district.c.unit_id).where(
        pilot_district.c.pilot_id == pilot.id, pilot_district.c.unit_id == unit.id))
    if involved is not None:
        raise Conflict(f"本区县已在试点“{pilot.name}”的涉及区县中")
    pending = session.scalar(select(PilotJoinRequest.id).where(
        PilotJoinRequest.pilot_id == pilot.id, PilotJoinRequest.unit_id == unit.id,
        PilotJoinRequest.status == JOIN_PENDING))
    if pending is not None:
        raise Conflict(f"本区县已申请加入试点“{pilot.name}”（申请编号 {pending}），"
                       "正等待主管部门确认")
    req = PilotJoinRequest(pilot_id=pilot.id, unit_id=unit.id, note=note,
                           status=JOIN_PENDING, requested_by_id=user.id)
    session.add(req)
    try:
        session.commit()
    except IntegrityError:  # the same district asked at the same moment
        session.rollback()
        raise Conflict(f"本区县已申请加入试点“{pilot.name}”，正等待主管部门确认") from None
    return req


def get_visible(user, request_id, session=None) -> PilotJoinRequest:
    session = session or db.session
    req = session.scalar(select(PilotJoinRequest).where(
        PilotJoinRequest.id == request_id, visible_clause(user)))
    if req is None:
        raise NotFound(NOT_FOUND)
    return req


def decide(user, request_id, accept: bool, reason: str | None = None,
           session=None) -> PilotJoinRequest:
    """Accept or decline one pending request, as the supervising department's
    clerk. Compare-and-set on the status: a second decision gets 409."""
    from app.records.pilot.tasks import open_tasks, quarter_of

    session = session or db.session
    req = get_visible(user, request_id, session)
    if not may_decide(user, req):
        raise Forbidden("只有该试点主管部门的录入员可以处理加入申请")
    reason = (reason or "").strip() or None
    if not accept and not reason:
        raise UserError("不同意加入须填写理由", 422)
    if req.status != JOIN_PENDING:
        raise Conflict("该申请已被处理")
    pilot = req.pilot
    if accept and pilot.level == NATIONAL:
        total = session.scalar(select(func.count()).select_from(Unit).where(
            Unit.kind == UnitKind.DISTRICT.value))
        have = session.scalar(select(func.count()).select_from(pilot_district).where(
            pilot_district.c.pilot_id == pilot.id))
        if have + 1 >= total:
            raise Conflict("加入后该国家级试点将覆盖全市所有区县，不纳入填报范围，不能同意")
    now = dt.datetime.now()
    done = session.execute(
        update(PilotJoinRequest.__table__)
        .where(PilotJoinRequest.id == req.id, PilotJoinRequest.status == JOIN_PENDING)
        .values(status=JOIN_ACCEPTED if accept else JOIN_DECLINED, decided_by_id=user.id,
                decided_on=now, reason=reason))
    if done.rowcount != 1:
        session.rollback()
        raise Conflict("该申请已被他人处理")
    if accept:
        exists_ = session.scalar(select(pilot_district.c.unit_id).where(
            pilot_district.c.pilot_id == pilot.id, pilot_district.c.unit_id == req.unit_id))
        if exists_ is None:
            session.execute(insert(pilot_district).values(
                pilot_id=pilot.id, unit_id=req.unit_id, added_on=now))
        if pilot.state == APPROVED:
            open_tasks(session, quarter_of(now.date()), pilot_ids=[pilot.id],
                       unit_ids=[req.unit_id], now=now)
    session.commit()
    session.expire_all()
    return session.get(PilotJoinRequest, req.id)


def as_dict(req: PilotJoinRequest, user=None) -> dict:
    pilot = req.pilot
    return {
        "id": req.id, "pilot_id": req.pilot_id, "pilot": pilot.name, "doc_no": pilot.doc_no,
        "supervisor": pilot.supervisor.name if pilot.supervisor else None,
        "unit_id": req.unit_id, "unit_name": req.unit.name, "note": req.note,
        "status": req.status, "status_label": req.status_label,
        "requested_by": req.requested_by.get_full_name() if req.requested_by else None,
        "created_on": req.created_on.isoformat(timespec="seconds"),
        "decided_by": req.decided_by.get_full_name() if req.decided_by else None,
        "decided_on": req.decided_on.isoformat(timespec="seconds") if req.decided_on else None,
        "reason": req.reason,
        "can_decide": user is not None and req.status == JOIN_PENDING and may_decide(user, req),
    }
