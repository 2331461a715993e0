"""The screens of the assigned items besides the two report types:

* ``/assignments/?kind=demand|bottleneck`` — the items in the user's scope, with
  each assigned unit's state; 新建交办 for the 市委改革办;
* ``/assignments/new``, ``/<id>/edit``, ``/<id>/delete`` — assigning (改革办);
* ``/assignments/<id>`` — one item: its units' states and the reports the user
  may see; 填报推进情况 for an assigned unit's 录入员 (``/<id>/fill``);
* ``/assignments/overdue`` — overdue items and per-unit overdue counts.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from flask import abort, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access

from app.errors import UserError
from app.extensions import db
from app.records.assignment import service
from app.records.assignment.models import (
    CODE_OF_KIND,
    KIND_CODES,
    KINDS,
    report_model,
)
from app.records.assignment.status import WITHIN_DAYS, overdue_summary, pair_statuses
from app.scope import scope_clause, scope_for
from app.security.roles import (
    ROLE_CLERK,
    ROLE_LEADER,
    ROLE_REFORM_OFFICE,
    ROLE_REVIEWER,
    grant,
)
from app.workflow.registry import get_type

TEMPLATES = str(Path(__file__).resolve().parent / "templates")
DEMAND_CATEGORY, BOTTLENECK_CATEGORY = "改革需求管理", "堵点卡点管理"
MENU_NAMES = ("需求清单交办", "堵点卡点交办", "需求清单逾期情况", "堵点卡点逾期情况")


def _kind_arg() -> str | None:
    return KIND_CODES.get((request.args.get("kind") or "").strip())


def report_endpoint(kind: str) -> str:
    return get_type(report_model(kind).__record_type__).view_endpoint


def _units_form_context(form) -> dict:
    groups: dict[str, list] = {}
    for unit in service.assignable_units():
        groups.setdefault(unit.kind_label, []).append(unit)
    return {"form": form, "unit_groups": list(groups.items()),
            "chosen": set(form.unit_ids), "demands": service.demand_choices(), "kinds": KINDS}


class AssignmentView(BaseView):
    """交办事项 (需求清单交办 and 堵点卡点)."""

    route_base = "/assignments"
    default_view = "index"
    template_folder = TEMPLATES

    @expose("/")
    @has_access
    def index(self):
        from app.records.assignment.models import Assignment
        from sqlalchemy import select

        kind = _kind_arg()
        term = (request.args.get("q") or "").strip()[:50]
        user = g.user
        stmt = (select(Assignment).where(scope_clause(Assignment, scope_for(user)))
                .order_by(Assignment.deadline.desc(), Assignment.id.desc()))
        if kind:
            stmt = stmt.where(Assignment.kind == kind)
        if term:
            stmt = stmt.where(Assignment.title.contains(term))
        items = db.session.scalars(stmt.limit(500)).all()
        pairs = pair_statuses(scope_for(user), assignment_ids=[i.id for i in items])
        per_item: dict[int, list] = {}
        for p in pairs:
            per_item.setdefault(p.assignment_id, []).append(p)
        rows = []
        own = getattr(user, "unit_id", None)
        for item in items:
            ps = per_item.get(item.id, [])
            mine = next((p for p in ps if p.unit_id == own), None)
            rows.append({
                "item": item, "units": len(ps),
                "completed": sum(1 for p in ps if p.status.completed),
                "overdue": sum(1 for p in ps if p.status.overdue),
                "mine": mine.as_dict() if mine else None,
            })
        title = kind or "交办事项"
        return self.render_template(
            "assignment/list.html", rows=rows, kind=kind, kind_code=CODE_OF_KIND.get(kind, ""),
            q=term, title=title, office=service.is_office(user), kind_codes=KIND_CODES)

    def _form_page(self, form, item=None):
        title = "修改交办事项" if item is not None else "新建交办"
        return self.render_template("assignment/form.html", item=item, title=title,
                                    **_units_form_context(form))

    @expose("/new", methods=["GET", "POST"])
    @has_access
    def new(self):
        if not service.is_office(g.user):
            abort(403)
        if request.method == "POST":
            form = service.AssignmentForm.from_request(request.form)
            try:
                item = service.save(g.user, form)
            except UserError as exc:
                db.session.rollback()
                flash(exc.message, "danger")
                return self._form_page(form)
            flash(f"已交办：{item.title}（{len(item.units)} 个单位）", "success")
            return redirect(url_for("AssignmentView.show", pk=item.id))
        form = service.AssignmentForm(kind=_kind_arg() or "")
        return self._form_page(form)

    @expose("/<int:pk>")
    @has_access
    def show(self, pk):
        try:
            item = service.visible(g.user, pk)
        except UserError:
            abort(404)
        user = g.user
        pairs = pair_statuses(scope_for(user), assignment_ids=[item.id])
        reports = service.reports_of(user, item)
        return self.render_template(
            "assignment/show.html", item=item, pairs=[p.as_dict() for p in pairs],
            reports=reports, report_endpoint=report_endpoint(item.kind),
            may_fill=service.may_fill(user, item), office=service.is_office(user),
            title=item.title, within=WITHIN_DAYS)

    @expose("/<int:pk>/edit", methods=["GET", "POST"])
    @has_access
    def edit(self, pk):
        if not service.is_office(g.user):
            abort(403)
        try:
            item = service.visible(g.user, pk)
        except UserError:
            abort(404)
        if request.method == "POST":
            form = service.AssignmentForm.from_request(request.form)
            try:
                service.save(g.user, form, item)
            except UserError as exc:
                db.session.rollback()
                flash(exc.message, "danger")
                return self._form_page(form, item)
            flash("已保存", "success")
            return redirect(url_for("AssignmentView.show", pk=pk))
        return self._form_page(service.AssignmentForm.of(item), item)

    @expose("/<int:pk>/delete", methods=["POST"])
    @has_access
    def delete(self, pk):
        try:
            title = service.remove(g.user, pk)
        except UserError as exc:
            db.session.rollback()
            if exc.status == 404:
                abort(404)
            flash(exc.message, "danger")
            return redirect(url_for("AssignmentView.show", pk=pk))
        flash(f"已删除交办事项：{title}", "success")
        return redirect(url_for("AssignmentView.index"))

    @expose("/<int:pk>/fill", methods=["POST"])
    @has_access
    def fill(self, pk):
        try:
            report = service.fill(g.user, pk)
        except UserError as exc:
            db.session.rollback()
            if exc.status == 404:
                abort(404)
            flash(exc.message, "danger")
            return redirect(url_for("AssignmentView.show", pk=pk))
        endpoint = get_type(type(report).__record_type__).view_endpoint
        return redirect(url_for(f"{endpoint}.edit", pk=report.id))

    @expose("/overdue")
    @has_access
    def overdue(self):
        kind = _kind_arg()
        today = dt.date.today()
        pairs = pair_statuses(scope_for(g.user), today, kind=kind)
        rows = sorted((p.as_dict() for p in pairs if p.status.overdue),
                      key=lambda r: (-r["days_overdue"], r["unit"], r["assignment_id"]))
        return self.render_template(
            "assignment/overdue.html", rows=rows, summary=overdue_summary(pairs), kind=kind,
            kind_code=CODE_OF_KIND.get(kind, ""), today=today, kind_codes=KIND_CODES,
            title=f"{kind or '交办事项'}逾期情况")


# -- permissions, menu --------------------------------------------------------------

_MENUS = "(" + "|".join(MENU_NAMES) + ")"
grant(ROLE_REFORM_OFFICE, ("AssignmentView", r"can_(index|show|overdue|new|edit|delete)"),
      (_MENUS, r"menu_access"))
grant(ROLE_CLERK, ("AssignmentView", r"can_(index|show|overdue|fill)"),
      (_MENUS, r"menu_access"))
for _role in (ROLE_REVIEWER, ROLE_LEADER):
    grant(_role, ("AssignmentView", r"can_(index|show|overdue)"), (_MENUS, r"menu_access"))


def register(appbuilder) -> None:
    appbuilder.add_view_no_menu(AssignmentView)
    appbuilder.add_link(MENU_NAMES[0], label=MENU_NAMES[0], href="/assignments/?kind=demand",
                        icon="fa-share-square-o", category=DEMAND_CATEGORY)
    appbuilder.add_link(MENU_NAMES[2], label=MENU_NAMES[2], href="/assignments/overdue?kind=demand",
                        icon="fa-clock-o", category=DEMAND_CATEGORY)
    appbuilder.add_link(MENU_NAMES[1], label=MENU_NAMES[1],
                        href="/assignments/?kind=bottleneck", icon="fa-share-square-o",
                        category=BOTTLENECK_CATEGORY)
    appbuilder.add_link(MENU_NAMES[3], label=MENU_NAMES[3],
                        href="/assignments/overdue?kind=bottleneck", icon="fa-clock-o",
                        category=BOTTLENECK_CATEGORY)
