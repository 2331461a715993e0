"""国企改革 screens besides its two record types (which come from the kit):

* 典型案例采用 (``/soecaseadoption/``): the approved 改革典型案例 in the user's
  scope, with 采用 / 撤销采用 for the supervising 区国资委 and the log of who did
  what when;
* ``/api/v1/soe_case_adoption/``: the same list, ``POST <id>/adopt`` and
  ``POST <id>/revoke`` (a reason required);
* the ``soe_recognition`` and ``soe_case_adopted`` scoring sources.
"""

from __future__ import annotations

import re
from pathlib import Path

from flask import abort, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.api import BaseApi, protect, safe
from flask_appbuilder.api import expose as api_expose
from flask_appbuilder.security.decorators import permission_name
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.errors import UserError
from app.extensions import db
from app.records.soe import adoption
from app.records.soe.models import ADOPT, MENU, REVOKE, SoeCase, SoeCaseAdoption
from app.scope import scope_clause, scope_for
from app.security.roles import (
    ROLE_CLERK,
    ROLE_LEADER,
    ROLE_REFORM_OFFICE,
    ROLE_REVIEWER,
    grant,
)
from app.workflow.chain import APPROVED

LABEL = "典型案例采用"
# Chinese permission names, so that the role screens read them without a
# translation table: 典型案例采用（页面）：查看列表、提交、撤回、审核 …
VIEW_PERMISSION = f"{LABEL}（页面）"
API_PERMISSION = f"{LABEL}（接口）"
TEMPLATES = str(Path(__file__).resolve().parent / "templates")


def case_rows(user, only: str = "", session=None) -> list[dict]:
    """The approved cases in ``user``'s scope (newest approval first), each
    with its adoption log and whether ``user`` may adopt or revoke it."""
    session = session or db.session
    stmt = (select(SoeCase).options(joinedload(SoeCase.unit), joinedload(SoeCase.adopted_by))
            .where(SoeCase.state == APPROVED, scope_clause(SoeCase, scope_for(user)))
            .order_by(SoeCase.approved_on.desc(), SoeCase.id.desc()))
    if only == "adopted":
        stmt = stmt.where(SoeCase.adopted.is_(True))
    elif only == "open":
        stmt = stmt.where(SoeCase.adopted.is_(False))
    cases = session.scalars(stmt.limit(2000)).all()
    logs: dict[int, list] = {}
    if cases:
        for row in session.scalars(
                select(SoeCaseAdoption)
                .options(joinedload(SoeCaseAdoption.actor),
                         joinedload(SoeCaseAdoption.actor_unit))
                .where(SoeCaseAdoption.case_id.in_([c.id for c in cases]))
                .order_by(SoeCaseAdoption.id)):
            logs.setdefault(row.case_id, []).append({
                "action": row.action_label,
                "actor": row.actor.get_full_name() if row.actor else "",
                "unit": row.actor_unit.name if row.actor_unit else "",
                "time": row.created_on.strftime("%Y-%m-%d %H:%M"),
                "reason": row.reason or ""})
    may = set(session.scalars(select(SoeCase.id).where(
        SoeCase.id.in_([c.id for c in cases]), adoption.adopt_clause(user)))) if cases else set()
    return [{
        "id": c.id, "name": c.name, "unit": c.unit.name if c.unit else "",
        "approved_on": c.approved_on.strftime("%Y-%m-%d %H:%M") if c.approved_on else "",
        "adopted": bool(c.adopted), "adopted_label": c.adopted_label,
        "adopted_by": c.adopted_by.get_full_name() if c.adopted_by else "",
        "adopted_on": c.adopted_on.strftime("%Y-%m-%d %H:%M") if c.adopted_on else "",
        "can_adopt": c.id in may and not c.adopted,
        "can_revoke": c.id in may and bool(c.adopted),
        "log": logs.get(c.id, []),
    } for c in cases]


class SoeCaseAdoptionView(BaseView):
    """典型案例采用."""

    route_base = "/soecaseadoption"
    default_view = "index"
    template_folder = TEMPLATES
    class_permission_name = VIEW_PERMISSION
    method_permission_name = {"index": "list", "change": "transition"}

    @expose("/")
    @has_access
    def index(self):
        only = request.args.get("only") or ""
        if only not in ("", "adopted", "open"):
            only = ""
        rows = case_rows(g.user, only)
        return self.render_template("soe/adoption.html", rows=rows, only=only, title=LABEL)

    @expose("/<int:pk>/<action>", methods=["POST"])
    @has_access
    def change(self, pk, action):
        if action not in (ADOPT, REVOKE):
            abort(404)
        try:
            adoption.change(pk, action, g.user, request.form.get("reason"))
        except UserError as exc:
            db.session.rollback()
            if exc.status == 404:
                abort(404)
            flash(exc.message, "danger")
        else:
            flash("已采用该典型案例" if action == ADOPT else "已撤销采用", "success")
        return redirect(url_for("SoeCaseAdoptionView.index", only=request.args.get("only")))


class SoeCaseAdoptionApi(BaseApi):
    """``/api/v1/soe_case_adoption/``: adopting approved 改革典型案例."""

    resource_name = "soe_case_adoption"
    openapi_spec_tag = "典型案例采用"
    allow_browser_login = True
    class_permission_name = API_PERMISSION

    def _change(self, pk, action):
        try:
            body = request.get_json(silent=True) if request.is_json else {}
            if body is not None and not isinstance(body, dict):
                raise UserError("请求体必须是 JSON 对象", 400)
            reason = (body or {}).get("reason")
            if reason is not None and not isinstance(reason, str):
                raise UserError("理由必须是文字", 422)
            case = adoption.change(pk, action, g.user, reason)
        except UserError as exc:
            db.session.rollback()
            return self.response(exc.status, message=exc.message)
        row = next((r for r in case_rows(g.user) if r["id"] == case.id), None)
        return self.response(200, id=case.id, result=row)

    @api_expose("/", methods=["GET"])
    @protect()
    @safe
    @permission_name("get")
    def list_cases(self):
        """Approved typical cases and their adoption
        ---
        get:
          summary: 列出可见的已通过改革典型案例及其采用情况（only 可选：adopted / open）
          parameters:
          - in: query
            name: only
            schema: {type: string, enum: [adopted, open]}
          responses:
            200:
              description: 案例列表
            401:
              $ref: '#/components/responses/401'
        """
        only = request.args.get("only") or ""
        rows = case_rows(g.user, only if only in ("adopted", "open") else "")
        return self.response(200, result=rows, count=len(rows))

    @api_expose("/<int:pk>/adopt", methods=["POST"])
    @protect()
    @safe
    @permission_name("put")
    def adopt(self, pk):
        """Adopt an approved case
        ---
        post:
          summary: 区国资委采用已通过的改革典型案例（记录采用人和时间）
          parameters:
          - in: path
            name: pk
            schema: {type: integer, minimum: 1, maximum: 2147483647}
          responses:
            200:
              description: 已采用
            400:
              $ref: '#/components/responses/400'
            403:
              $ref: '#/components/responses/403'
            404:
              $ref: '#/components/responses/404'
            409:
              description: 尚未通过、已采用或已被他人处理
            422:
              $ref: '#/components/responses/422'
        """
        return self._change(pk, ADOPT)

    @api_expose("/<int:pk>/revoke", methods=["POST"])
    @protect()
    @safe
    @permission_name("put")
    def revoke(self, pk):
        """Take an adoption back, with a reason
        ---
        post:
          summary: 区国资委撤销采用（须填写理由）
          parameters:
          - in: path
            name: pk
            schema: {type: integer, minimum: 1, maximum: 2147483647}
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  type: object
                  required: [reason]
                  properties:
                    reason: {type: string}
          responses:
            200:
              description: 已撤销采用
            400:
              $ref: '#/components/responses/400'
            403:
              $ref: '#/components/responses/403'
            404:
              $ref: '#/components/responses/404'
            409:
              description: 尚未采用或已被他人处理
            422:
              $ref: '#/components/responses/422'
        """
        return self._change(pk, REVOKE)


# 采用 is the 区国资委's (its 录入员 and 审核员); the engine-like check in
# adoption.refusal decides per case, so an enterprise's clerk holding the same
# permission is refused there (403)
_MENUS = (f"({re.escape(LABEL)}|{re.escape(MENU.category)})", r"menu_access")
for _role in (ROLE_CLERK, ROLE_REVIEWER):
    grant(_role, (re.escape(VIEW_PERMISSION), r"can_(list|transition)"),
          (re.escape(API_PERMISSION), r"can_(get|put)"), _MENUS)
for _role in (ROLE_LEADER, ROLE_REFORM_OFFICE):
    grant(_role, (re.escape(VIEW_PERMISSION), r"can_list"),
          (re.escape(API_PERMISSION), r"can_get"), _MENUS)


def register(appbuilder) -> None:
    import app.records.soe.sources  # noqa: F401 - registers the sources

    appbuilder.add_view(SoeCaseAdoptionView, LABEL, label=LABEL, icon="fa-check-square-o",
                        category=MENU.category, category_label=MENU.category)
    appbuilder.add_api(SoeCaseAdoptionApi)
