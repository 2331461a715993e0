"""采用 (adopting) an approved 改革典型案例, and taking it back.

Seed 004 一（二）3: "区国资委将把改革典型案例培育纳入改革报表考核，一经采用，按照相应标准
进行加分". Only the supervising 区国资委 — a 录入员 or 审核员 of the unit directly
above the filing enterprise — may adopt, and only an approved case. Each
adoption or revocation is a compare-and-set on the case (two clicks at once give
one change and one "已被他人处理") and one row of the append-only log.
"""

from __future__ import annotations

import datetime

from sqlalchemy import insert, or_, select, update

from app.errors import UserError
from app.extensions import db
from app.records.soe.models import ADOPT, REVOKE, SoeCase, SoeCaseAdoption
from app.scope import scope_clause, scope_for
from app.security.roles import ROLE_CLERK, ROLE_REVIEWER
from app.workflow.chain import APPROVED, parent_unit

# a 录入员 or 审核员 of the unit directly above the filing enterprise: the
# chain's own actor, whose Python and SQL forms agree (app/workflow/chain.py)
ADOPTERS = (parent_unit(ROLE_CLERK), parent_unit(ROLE_REVIEWER))
NOT_FOUND = "案例不存在或不在您的可见范围内"


def is_supervisor(user, case) -> bool:
    """Whether ``user`` is a 录入员 or 审核员 of the case's 区国资委."""
    return any(actor.matches(user, case) for actor in ADOPTERS)


def adopt_clause(user):
    """SQL twin of :func:`is_supervisor`: the cases ``user`` may adopt or revoke."""
    return or_(*(actor.clause(SoeCase, user) for actor in ADOPTERS))


def refusal(action: str, user, case) -> tuple[int, str] | None:
    """Why ``user`` may not ``action`` (adopt / revoke) ``case`` now, or None."""
    if action not in (ADOPT, REVOKE):
        return 400, "未知的操作"
    if not is_supervisor(user, case):
        return 403, "只有填报企业的主管区国资委可以采用典型案例"
    if case.state != APPROVED:
        return 409, "只有审核通过的典型案例可以采用"
    if action == ADOPT and case.adopted:
        return 409, "该案例已被采用"
    if action == REVOKE and not case.adopted:
        return 409, "该案例尚未采用，无需撤销"
    return None


def change(case_id, action: str, user, reason: str | None = None, session=None) -> SoeCase:
    """Adopt or revoke one case as ``user``; returns the case. Raises
    UserError: 404 out of scope, 403 not its 区国资委, 409 state or lost race,
    400 a revocation without a reason."""
    from app.workflow.engine import record_id_or_none

    session = session or db.session
    reason = (reason or "").strip() if isinstance(reason, (str, type(None))) else ""
    pk = record_id_or_none(case_id)
    if pk is None:
        raise UserError(NOT_FOUND, 404)
    case = session.execute(select(SoeCase).where(
        SoeCase.id == pk, scope_clause(SoeCase, scope_for(user)))).scalar_one_or_none()
    if case is None:
        raise UserError(NOT_FOUND, 404)
    why = refusal(action, user, case)
    if why:
        raise UserError(why[1], why[0])
    if action == REVOKE and not reason:
        raise UserError("撤销采用必须填写理由", 400)
    now = datetime.datetime.now().replace(microsecond=0)
    adopting = action == ADOPT
    table = SoeCase.__table__
    result = session.execute(
        update(table).where(table.c.id == case.id, table.c.state == APPROVED,
                            table.c.adopted.is_(not adopting))
        .values(adopted=adopting, adopted_on=now if adopting else None,
                adopted_by_id=user.id if adopting else None))
    if result.rowcount != 1:
        session.rollback()
        raise UserError("该案例已被他人处理", 409)
    session.execute(insert(SoeCaseAdoption.__table__).values(
        case_id=case.id, action=action, reason=reason or None, actor_id=user.id,
        actor_unit_id=getattr(user, "unit_id", None), created_on=now))
    session.commit()
    session.expire(case)
    return case


def log_of(case_id: int, session=None) -> list[SoeCaseAdoption]:
    session = session or db.session
    return session.scalars(select(SoeCaseAdoption).where(SoeCaseAdoption.case_id == case_id)
                           .order_by(SoeCaseAdoption.id)).all()
