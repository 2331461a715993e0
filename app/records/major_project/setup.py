"""The 重大改革项目 screens besides the progress record type (which the kit makes):

* ``/majorproject/`` the projects in the user's scope; ``/majorproject/<id>`` a
  project's page: milestones with their status, overdue ones marked, the
  progress reports, and the yearly 重大改革项目满意度 (display only);
* ``/majorproject/add``, ``/<id>/edit``, ``/<id>/delete`` for the 改革办, with
  the milestone rows on the form;
* ``/majorproject/<id>/report/new`` and ``/majorproject/report/<rid>/edit``: the
  progress form with one row per milestone, for the lead department's clerk;
* ``/majorproject/overdue``: the overdue milestones (the 改革办 sees all, a
  unit those of its projects).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from flask import abort, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access

from app.errors import UserError
from app.extensions import db
from app.records.major_project import service as svc
from app.records.major_project.models import (
    CATEGORY,
    LABEL,
    MajorProjectReport,
    bimonth_choices,
    completion_of,
    milestone_status,
    period_label,
)
from app.scope import scope_clause, scope_for
from app.security.roles import (
    ROLE_CLERK,
    ROLE_LEADER,
    ROLE_REFORM_OFFICE,
    ROLE_REVIEWER,
    grant,
)
from app.workflow import engine
from app.workflow.chain import DRAFT, REJECTED

TEMPLATES = str(Path(__file__).resolve().parent / "templates")
OVERDUE_LABEL = "逾期里程碑"


def _today() -> dt.date:
    return dt.date.today()


def _period_options(today: dt.date) -> list[tuple[str, str]]:
    from app.scoring.periods import parse_period

    return [(c, period_label(c)) for c in bimonth_choices(today)
            if parse_period(c).start <= today]


class MajorProjectView(BaseView):
    route_base = "/majorproject"
    default_view = "index"
    template_folder = TEMPLATES
    method_permission_name = {
        "index": "read", "show": "read", "overdue": "read",
        "add": "write", "edit": "write", "delete": "write",
        "report_new": "file", "report_edit": "file",
    }

    def _project_or_404(self, pk):
        try:
            return svc.get_project(db.session, g.user, pk)
        except UserError:
            abort(404)

    @expose("/")
    @has_access
    def index(self):
        rows = svc.project_rows(db.session, g.user, _today())
        return self.render_template("major_project/list.html", rows=rows,
                                    can_write=svc.is_office(g.user), title=LABEL)

    @expose("/<int:pk>")
    @has_access
    def show(self, pk):
        project = self._project_or_404(pk)
        today = _today()
        done = completion_of(db.session, [m.id for m in project.milestones])
        milestones = []
        for n, m in enumerate(project.milestones, start=1):
            code, label = milestone_status(m, done, today)
            milestones.append({"n": n, "m": m, "status": code, "label": label,
                               "report_id": done[m.id][1] if m.id in done else None})
        from sqlalchemy import select

        reports = list(db.session.scalars(select(MajorProjectReport).where(
            MajorProjectReport.project_id == project.id,
            scope_clause(MajorProjectReport, scope_for(g.user)))
            .order_by(MajorProjectReport.period.desc())))
        report_rows = [{"r": r, "period": period_label(r.period),
                        "can_edit": r.state in (DRAFT, REJECTED)
                        and bool(engine.editable_fields(g.user, r))} for r in reports]
        return self.render_template(
            "major_project/show.html", project=project, milestones=milestones,
            reports=report_rows, satisfaction=svc.satisfaction_of(db.session, project),
            can_write=svc.is_office(g.user), can_file=svc.may_file(g.user, project),
            overdue=sum(1 for m in milestones if m["status"] == "overdue"),
            title=project.name)

    def _form_page(self, form, project=None):
        return self.render_template(
            "major_project/form.html", form=form, project=project,
            leads=svc.unit_choices(db.session, svc.LEAD_KINDS),
            units=svc.unit_choices(db.session, svc.PARTICIPANT_KINDS),
            title=f"编辑{LABEL}" if project else f"新建{LABEL}")

    @expose("/add", methods=["GET", "POST"])
    @has_access
    def add(self):
        if not svc.is_office(g.user):
            abort(403)
        if request.method == "POST":
            form = svc.ProjectForm.from_request(request.form)
            try:
                project = svc.save_project(db.session, g.user, form)
            except UserError as exc:
                db.session.rollback()
                flash(exc.message, "danger")
                return self._form_page(form)
            flash("已保存", "success")
            return redirect(url_for("MajorProjectView.show", pk=project.id))
        year = str(_today().year)
        return self._form_page(svc.ProjectForm(year=year, milestones=[
            {"id": "", "name": "", "planned_on": ""} for _ in range(3)]))

    @expose("/<int:pk>/edit", methods=["GET", "POST"])
    @has_access
    def edit(self, pk):
        project = self._project_or_404(pk)
        if not svc.is_office(g.user):
            abort(403)
        if request.method == "POST":
            form = svc.ProjectForm.from_request(request.form)
            try:
                svc.save_project(db.session, g.user, form, project)
            except UserError as exc:
                db.session.rollback()
                flash(exc.message, "danger")
                return self._form_page(form, self._project_or_404(pk))
            flash("已保存", "success")
            return redirect(url_for("MajorProjectView.show", pk=pk))
        return self._form_page(svc.ProjectForm.from_project(project), project)

    @expose("/<int:pk>/delete", methods=["POST"])
    @has_access
    def delete(self, pk):
        project = self._project_or_404(pk)
        try:
            svc.delete_project(db.session, g.user, project)
        except UserError as exc:
            db.session.rollback()
            flash(exc.message, "danger")
            return redirect(url_for("MajorProjectView.show", pk=pk))
        flash("已删除", "success")
        return redirect(url_for("MajorProjectView.index"))

    # -- the progress form -----------------------------------------------------------
    def _report_page(self, project, form, report=None):
        today = _today()
        done = completion_of(db.session, [m.id for m in project.milestones])
        rows = []
        for n, m in enumerate(project.milestones, start=1):
            code, label = milestone_status(m, done, today)
            rows.append({"n": n, "m": m, "label": label, "status": code,
                         "value": form.rows.get(m.id) or {}})
        return self.render_template(
            "major_project/report_form.html", project=project, form=form, report=report,
            rows=rows, periods=_period_options(today),
            title=f"填报{project.name}进展")

    def _after_save(self, report):
        if request.form.get("_submit"):
            try:
                engine.transition(report.__record_type__, report.id, "submit", g.user)
            except engine.WorkflowError as exc:
                flash(f"已保存为草稿，但未能提交：{exc.message}", "warning")
            else:
                flash("已保存并提交", "success")
        else:
            flash("已保存", "success")
        return redirect(url_for("MajorProjectReportModelView.show", pk=report.id))

    @expose("/<int:pk>/report/new", methods=["GET", "POST"])
    @has_access
    def report_new(self, pk):
        project = self._project_or_404(pk)
        if not svc.may_file(g.user, project):
            flash("只有牵头单位的录入员可以填报该项目的进展", "danger")
            return redirect(url_for("MajorProjectView.show", pk=pk))
        if request.method == "POST":
            form = svc.ReportForm.from_request(request.form, project)
            try:
                report = svc.save_report(db.session, g.user, project, form)
            except UserError as exc:
                db.session.rollback()
                flash(exc.message, "danger")
                return self._report_page(self._project_or_404(pk), form)
            return self._after_save(report)
        return self._report_page(project, svc.ReportForm.blank(db.session, project, _today()))

    @expose("/report/<int:rid>/edit", methods=["GET", "POST"])
    @has_access
    def report_edit(self, rid):
        from sqlalchemy import select

        report = db.session.scalar(select(MajorProjectReport).where(
            MajorProjectReport.id == rid,
            scope_clause(MajorProjectReport, scope_for(g.user))))
        if report is None:
            abort(404)
        why = engine.edit_refusal(g.user, report)
        if why or report.state not in (DRAFT, REJECTED):
            flash(why or "只有草稿或被驳回的报告可以修改", "danger")
            return redirect(url_for("MajorProjectReportModelView.show", pk=rid))
        project = report.project
        if request.method == "POST":
            form = svc.ReportForm.from_request(request.form, project)
            try:
                report = svc.save_report(db.session, g.user, project, form, report)
            except UserError as exc:
                db.session.rollback()
                flash(exc.message, "danger")
                report = db.session.get(MajorProjectReport, rid)
                return self._report_page(report.project, form, report)
            return self._after_save(report)
        return self._report_page(project, svc.ReportForm.from_report(report), report)

    # -- overdue -----------------------------------------------------------------------
    @expose("/overdue")
    @has_access
    def overdue(self):
        today = _today()
        rows = svc.overdue_rows(db.session, g.user, today)
        summary: dict[str, int] = {}
        for r in rows:
            summary[r["lead"]] = summary.get(r["lead"], 0) + 1
        ranked = sorted(summary.items(), key=lambda kv: (-kv[1], kv[0]))
        return self.render_template("major_project/overdue.html", rows=rows, summary=ranked,
                                    today=today, title=OVERDUE_LABEL)


_MENUS = f"({LABEL}|{OVERDUE_LABEL}|{CATEGORY})"
grant(ROLE_REFORM_OFFICE, ("MajorProjectView", r"can_(read|write)"), (_MENUS, "menu_access"))
grant(ROLE_CLERK, ("MajorProjectView", r"can_(read|file)"), (_MENUS, "menu_access"))
grant(ROLE_REVIEWER, ("MajorProjectView", r"can_read"), (_MENUS, "menu_access"))
grant(ROLE_LEADER, ("MajorProjectView", r"can_read"), (_MENUS, "menu_access"))


def register(appbuilder) -> None:
    appbuilder.add_view(MajorProjectView, LABEL, label=LABEL, icon="fa-flag",
                        category=CATEGORY, category_label=CATEGORY)
    appbuilder.add_link(OVERDUE_LABEL, label=OVERDUE_LABEL, href="/majorproject/overdue",
                        icon="fa-clock-o", category=CATEGORY, category_label=CATEGORY)
