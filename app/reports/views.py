"""Report pages: snapshots and their ranking, five-colour view, unit pages,
drill-downs, trends, comparison, downloads and background jobs; the cockpit;
the usage evaluation; the periods (改革办).

Permissions (FAB, per view): ``can_read`` (rankings, cockpit, trends),
``can_unit`` (a unit's page and drill-down, the own unit for clerks),
``can_download`` (rank sheet PDF/Excel, the unit sheets job), ``can_manage``
(generate, publish, compare, verify). On top of them every page checks the
scope rule (app/scope.py): a unit outside the user's scope is a 404; drafts
are seen by the reform office only.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from urllib.parse import quote

from flask import (
    abort,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    request,
    send_file,
    url_for,
)
from flask_appbuilder import BaseView, ModelView, expose, has_access
from flask_appbuilder.models.sqla.interface import SQLAInterface
from sqlalchemy import select
from werkzeug.routing import BuildError
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired

from app.errors import UserError
from app.extensions import db
from app.reports import format as F
from app.reports import service
from app.reports.models import DRAFT, PUBLISHED, ReportJob, ReportPeriod, ReportSnapshot
from app.scope import Scope, scope_for
from app.security.roles import (
    ROLE_CLERK,
    ROLE_LEADER,
    ROLE_REFORM_OFFICE,
    ROLE_REVIEWER,
    grant,
)
from app.units.models import Unit

grant(ROLE_REFORM_OFFICE,
      (r"ReportView", r"can_(read|unit|download|manage)"),
      (r"CockpitView", r"can_read"), (r"UsageView", r"can_(read|download)"),
      (r"ReportPeriodModelView", r"can_(list|show|add|edit|delete)"),
      (r"(Reports|Cockpit|Report Snapshots|Report Trends|Usage Evaluation|Report Periods)",
       r"menu_access"))
grant(ROLE_LEADER,
      (r"ReportView", r"can_(read|unit|download)"),
      (r"CockpitView", r"can_read"), (r"UsageView", r"can_(read|download)"),
      (r"(Reports|Cockpit|Report Snapshots|Report Trends|Usage Evaluation)", r"menu_access"))
for _role in (ROLE_CLERK, ROLE_REVIEWER):
    grant(_role, (r"ReportView", r"can_unit"), (r"(Reports|Unit Scores)", r"menu_access"))


def _sees_others() -> bool:
    value = current_app.config.get("REPORTS_DISTRICT_SEES_OTHERS", True)
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes", "on"}
    return bool(value)


def _refuse(exc: UserError):
    from app import error_page

    return error_page(current_app, exc.message, exc.status)


@dataclass
class Viewer:
    """Who is looking: the scope, whether drafts and management are theirs,
    and whether a district sees the other units' totals and bands."""

    scope: Scope
    manage: bool
    sees_others: bool

    @property
    def own_unit_id(self) -> int | None:
        return None if self.scope.everything else self.scope.unit_id

    def full_ids(self, units: list[dict]) -> set[int]:
        """The units (of a snapshot) whose details this viewer may open."""
        if self.scope.everything:
            return {u["id"] for u in units}
        rows = db.session.scalars(select(Unit).where(Unit.id.in_([u["id"] for u in units])))
        return {u.id for u in rows if self.scope.covers_unit(u)}

    def rows(self, units: list[dict]) -> tuple[list[dict], set[int]]:
        """(the rows shown, the ids shown in full)."""
        full = self.full_ids(units)
        if self.scope.everything or self.sees_others:
            return units, full
        return [u for u in units if u["id"] in full], full


def viewer() -> Viewer:
    sm = current_app.appbuilder.sm
    return Viewer(scope_for(g.user), sm.has_access("can_manage", "ReportView"), _sees_others())


def _snapshot(v: Viewer, snapshot_id) -> ReportSnapshot:
    """The snapshot, or 404 when it does not exist or is a draft for a reader."""
    try:
        snap = service.get_snapshot(snapshot_id)
    except UserError:
        abort(404)
    if snap.status == DRAFT and not v.manage:
        abort(404)
    return snap


def _unit_in(snap, v: Viewer, unit_id: int) -> dict:
    """The snapshot's unit, or 404 when it is not in the viewer's scope."""
    unit = next((u for u in snap.data["units"] if u["id"] == unit_id), None)
    if unit is None or unit_id not in v.full_ids([unit]):
        abort(404)
    return unit


def _download(data: bytes, filename: str, mimetype: str):
    resp = send_file(io.BytesIO(data), mimetype=mimetype, as_attachment=True,
                     download_name=filename)
    resp.headers["Content-Disposition"] = (
        f"attachment; filename=report; filename*=UTF-8''{quote(filename)}")
    resp.headers["X-Content-Type-Options"] = "nosniff"
    return resp


def record_url(record_type: str, record_id: int) -> str | None:
    from app.workflow.registry import get_type

    rt = get_type(record_type)
    if rt is None:
        return None
    try:
        return url_for(f"{rt.view_endpoint}.show", pk=record_id)
    except BuildError:
        return None


def _chart(option: dict) -> str:
    """An ECharts option as JSON safe inside <script type="application/json">."""
    return json.dumps(option, ensure_ascii=False).replace("</", "<\\/")


def _missing_lines(data) -> list[str]:
    names = {i["code"]: i["name"] for i in data["indicators"]}
    return [f"{code} {names.get(code, '')}：{F.reason(why)}，未计分"
            for code, why in (data.get("missing") or {}).items()]


def _trend_option(snaps: list, unit_ids: list[int], names: dict[int, str]) -> dict:
    periods = [s.period_code for s in snaps]
    series = []
    for uid in unit_ids:
        points = []
        for s in snaps:
            u = next((x for x in s.data["units"] if x["id"] == uid), None)
            points.append(u["total"] if u else None)
        series.append({"name": names[uid], "type": "line", "data": points,
                       "connectNulls": True})
    return {"tooltip": {"trigger": "axis"}, "legend": {"type": "scroll"},
            "xAxis": {"type": "category", "data": periods},
            "yAxis": {"type": "value", "name": "总分"}, "series": series}


class ReportView(BaseView):
    route_base = "/reports"
    default_view = "index"
    method_permission_name = {
        "index": "read", "ranking": "read", "colours": "read", "trend": "read",
        "job": "read", "job_status": "read", "job_file": "read",
        "unit": "unit", "cell": "unit", "unit_pdf": "unit", "mine": "unit",
        "pdf": "download", "xlsx": "download", "unit_sheets": "download",
        "generate": "manage", "publish": "manage", "compare": "manage", "verify": "manage",
    }

    # -- the list of reports and 生成报表 --------------------------------------------
    @expose("/")
    @has_access
    def index(self):
        v = viewer()
        stmt = select(ReportSnapshot).order_by(ReportSnapshot.period_code.desc(),
                                               ReportSnapshot.scheme_code,
                                               ReportSnapshot.version.desc())
        if not v.manage:
            stmt = stmt.where(ReportSnapshot.status == PUBLISHED)
        snaps = db.session.scalars(stmt).all()
        schemes, periods = [], []
        if v.manage:
            from app.scoring.models import Scheme

            latest: dict[str, Scheme] = {}
            for row in db.session.scalars(select(Scheme).order_by(
                    Scheme.report_type, Scheme.code, Scheme.version.desc())):
                latest.setdefault(row.code, row)  # a report scores the latest version
            schemes = list(latest.values())
            periods = db.session.scalars(select(ReportPeriod).order_by(
                ReportPeriod.report_type, ReportPeriod.code.desc())).all()
        jobs = db.session.scalars(select(ReportJob).where(ReportJob.created_by_id == g.user.id,
                                                          ReportJob.kind != "export")
                                  .order_by(ReportJob.id.desc()).limit(10)).all()
        return self.render_template("reports/list.html", snaps=snaps, v=v, schemes=schemes,
                                    periods=periods, jobs=jobs)

    @expose("/generate", methods=["POST"])
    @has_access
    def generate(self):
        from app.reports.tasks import queue_generate

        try:
            job = queue_generate(current_app._get_current_object(),
                                 request.form.get("scheme", ""), request.form.get("period", ""),
                                 g.user)
        except UserError as exc:
            flash(exc.message, "danger")
            return redirect(url_for("ReportView.index"))
        return redirect(url_for("ReportView.job", job_id=job.id))

    @expose("/<int:snapshot_id>/publish", methods=["POST"])
    @has_access
    def publish(self, snapshot_id):
        try:
            snap = service.publish(snapshot_id, g.user)
        except UserError as exc:
            if exc.status == 404:
                abort(404)
            flash(exc.message, "danger")
        else:
            flash(f"报表已发布；指标体系“{snap.scheme_name}”第 {snap.scheme_version} 版已冻结",
                  "success")
        return redirect(url_for("ReportView.ranking", snapshot_id=snapshot_id))

    @expose("/<int:snapshot_id>/verify")
    @has_access
    def verify(self, snapshot_id):
        snap = _snapshot(viewer(), snapshot_id)
        check = service.verify(snap)
        return self.render_template("reports/verify.html", snap=snap, check=check)

    # -- a snapshot ----------------------------------------------------------------------
    @expose("/<int:snapshot_id>")
    @has_access
    def ranking(self, snapshot_id):
        v = viewer()
        snap = _snapshot(v, snapshot_id)
        data = snap.data
        rows, full = v.rows(data["units"])
        if not rows:
            abort(404)
        tops = [i for i in data["indicators"] if i["parent"] is None]
        versions = db.session.scalars(select(ReportSnapshot).where(
            ReportSnapshot.scheme_code == snap.scheme_code, ReportSnapshot.id != snap.id)
            .order_by(ReportSnapshot.period_code.desc(), ReportSnapshot.version.desc())).all()
        if not v.manage:
            versions = [s for s in versions if s.published]
        return self.render_template(
            "reports/ranking.html", snap=snap, data=data, rows=rows, full=full, tops=tops, v=v,
            versions=versions, missing=_missing_lines(data), F=F)

    @expose("/<int:snapshot_id>/colours")
    @has_access
    def colours(self, snapshot_id):
        v = viewer()
        snap = _snapshot(v, snapshot_id)
        rows, full = v.rows(snap.data["units"])
        if not rows:
            abort(404)
        return self.render_template("reports/colours.html", snap=snap, data=snap.data,
                                    regions=regions_of(rows), full=full, v=v, F=F)

    @expose("/<int:snapshot_id>/units/<int:unit_id>")
    @has_access
    def unit(self, snapshot_id, unit_id):
        v = viewer()
        snap = _snapshot(v, snapshot_id)
        unit = _unit_in(snap, v, unit_id)
        data = snap.data
        history = [s for s in service.published_snapshots(scheme_code=snap.scheme_code)
                   if any(u["id"] == unit_id for u in s.data["units"])]
        if snap not in history:
            history = sorted(history + [snap], key=service._period_key)
        option = _trend_option(history, [unit_id], {unit_id: unit["name"]})
        rank_option = {"tooltip": {"trigger": "axis"},
                       "xAxis": {"type": "category", "data": [s.period_code for s in history]},
                       "yAxis": {"type": "value", "inverse": True, "minInterval": 1,
                                 "name": "排名"},
                       "series": [{"name": "排名", "type": "line", "data": [
                           next((u["rank"] for u in s.data["units"] if u["id"] == unit_id), None)
                           for s in history]}]}
        return self.render_template(
            "reports/unit.html", snap=snap, data=data, unit=unit,
            cells=data["cells"].get(str(unit_id), {}), history=history,
            trend_json=_chart(option), rank_json=_chart(rank_option), v=v, F=F,
            n_units=len(data["units"]))

    @expose("/<int:snapshot_id>/units/<int:unit_id>/<code>")
    @has_access
    def cell(self, snapshot_id, unit_id, code):
        from app.scoring.collectors import records_for

        v = viewer()
        snap = _snapshot(v, snapshot_id)
        unit = _unit_in(snap, v, unit_id)
        data = snap.data
        ind = next((i for i in data["indicators"] if i["code"] == code), None)
        if ind is None:
            abort(404)
        leaves = [ind] if ind["leaf"] else [
            i for i in data["indicators"] if i["leaf"] and _under(data, i, code)]
        cells = data["cells"].get(str(unit_id), {})
        stored = snap.input_data.get("records", {}).get(str(unit_id), {})
        details = []
        for leaf in leaves:
            cell = cells.get(leaf["code"], {})
            groups = []
            for link in cell.get("links", []):
                records = records_for(link)
                kept = {(g_["type"], i) for g_ in stored.get(leaf["code"], [])
                        for i in g_["ids"]}
                groups.append({
                    "role": {"value": "计数", "numerator": "分子",
                             "denominator": "分母"}.get(link.get("role"), ""),
                    "label": _type_label(link["record_type"]),
                    "records": [{"id": r.id, "title": r.title,
                                 "date": getattr(r, r.__class__.__date_field__, None),
                                 "approved_on": r.approved_on,
                                 "url": record_url(link["record_type"], r.id),
                                 "in_snapshot": (link["record_type"], r.id) in kept}
                                for r in records],
                    "window": (link.get("start"), link.get("end")),
                })
            details.append({"ind": leaf, "cell": cell, "groups": groups})
        return self.render_template("reports/cell.html", snap=snap, data=data, unit=unit,
                                    ind=ind, details=details,
                                    score=unit["scores"].get(code), F=F)

    @expose("/mine")
    @has_access
    def mine(self):
        """The own unit's page in the latest published report that ranks it."""
        unit_id = getattr(g.user, "unit_id", None)
        for snap in reversed(service.published_snapshots()):
            if any(u["id"] == unit_id for u in snap.data["units"]):
                return redirect(url_for("ReportView.unit", snapshot_id=snap.id, unit_id=unit_id))
        return self.render_template("reports/empty.html",
                                    message="尚无包含本单位的已发布报表")

    # -- downloads ------------------------------------------------------------------------
    def _whole(self, snapshot_id) -> ReportSnapshot:
        """A snapshot whose every unit's details the user may see (whole-report files)."""
        v = viewer()
        snap = _snapshot(v, snapshot_id)
        if not v.scope.everything:
            abort(404)
        return snap

    @expose("/<int:snapshot_id>/pdf")
    @has_access
    def pdf(self, snapshot_id):
        from app.reports.pdf import rank_sheet

        snap = self._whole(snapshot_id)
        return _download(rank_sheet(snap), f"{snap.report_type}-{snap.period_code}-排名表-报表"
                         f"{snap.id}.pdf", "application/pdf")

    @expose("/<int:snapshot_id>/xlsx")
    @has_access
    def xlsx(self, snapshot_id):
        from app.reports.xlsx import ranking_workbook

        snap = self._whole(snapshot_id)
        return _download(ranking_workbook(snap), f"{snap.report_type}-{snap.period_code}-排名表-"
                         f"报表{snap.id}.xlsx",
                         "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

    @expose("/<int:snapshot_id>/units/<int:unit_id>/pdf")
    @has_access
    def unit_pdf(self, snapshot_id, unit_id):
        from app.reports.pdf import unit_sheets

        v = viewer()
        snap = _snapshot(v, snapshot_id)
        unit = _unit_in(snap, v, unit_id)
        return _download(unit_sheets(snap, [unit_id]),
                         f"{unit['name']}-{snap.period_code}-计分表-报表{snap.id}.pdf",
                         "application/pdf")

    @expose("/<int:snapshot_id>/unit-sheets", methods=["POST"])
    @has_access
    def unit_sheets(self, snapshot_id):
        from app.reports.tasks import queue_unit_sheets

        snap = self._whole(snapshot_id)
        job = queue_unit_sheets(current_app._get_current_object(), snap, g.user)
        return redirect(url_for("ReportView.job", job_id=job.id))

    # -- jobs -------------------------------------------------------------------------------
    def _job(self, job_id) -> ReportJob:
        job = db.session.get(ReportJob, job_id)
        if job is None or job.created_by_id != g.user.id or job.kind == "export":
            abort(404)  # an export job has its pages on its record list
        return job

    @expose("/jobs/<int:job_id>")
    @has_access
    def job(self, job_id):
        job = self._job(job_id)
        return self.render_template("reports/job.html", job=job)

    @expose("/jobs/<int:job_id>/status")
    @has_access
    def job_status(self, job_id):
        job = self._job(job_id)
        out = {"id": job.id, "status": job.status, "status_label": job.status_label,
               "progress": job.progress, "message": job.message or "", "url": None}
        if job.status == "done":
            if job.kind == "generate" and job.snapshot_id:
                out["url"] = url_for("ReportView.ranking", snapshot_id=job.snapshot_id)
                out["link_label"] = "查看报表"
            elif job.file_name:
                out["url"] = url_for("ReportView.job_file", job_id=job.id)
                out["link_label"] = "下载文件"
        return jsonify(out)

    @expose("/jobs/<int:job_id>/file")
    @has_access
    def job_file(self, job_id):
        from app.reports.tasks import job_file

        job = self._job(job_id)
        path = job_file(current_app._get_current_object(), job)
        if path is None:
            abort(404)
        # the file holds every unit's details: the same check as when it was asked for
        v = viewer()
        snap = _snapshot(v, job.snapshot_id)
        if job.unit_id is None and not v.scope.everything:
            abort(404)
        if job.unit_id is not None:
            _unit_in(snap, v, job.unit_id)
        return _download(path.read_bytes(), job.file_name, "application/pdf")

    # -- comparing and trends -----------------------------------------------------------------
    @expose("/compare")
    @has_access
    def compare(self):
        v = viewer()
        a = _snapshot(v, request.args.get("a"))
        b = _snapshot(v, request.args.get("b"))
        try:
            cmp = service.compare(a.id, b.id)
        except UserError as exc:
            return _refuse(exc)
        return self.render_template("reports/compare.html", cmp=cmp, F=F, record_url=record_url,
                                    type_label=_type_label)

    @expose("/trend")
    @has_access
    def trend(self):
        v = viewer()
        snaps = service.published_snapshots()
        scheme_names = {s.scheme_code: s.scheme_name for s in snaps}  # the latest name of each
        codes = sorted(scheme_names)
        code = request.args.get("scheme") or (snaps[-1].scheme_code if snaps else None)
        chosen = [s for s in snaps if s.scheme_code == code]
        option_json, table, units = None, [], []
        if chosen:
            latest = chosen[-1].data["units"]
            rows, full = v.rows(latest)
            units = rows
            names = {u["id"]: u["name"] for u in rows}
            option_json = _chart(_trend_option(chosen, [u["id"] for u in rows], names))
            for u in rows:
                cells = []
                for s in chosen:
                    x = next((y for y in s.data["units"] if y["id"] == u["id"]), None)
                    cells.append(x)
                table.append({"unit": u, "cells": cells, "full": u["id"] in full})
        return self.render_template("reports/trend.html", codes=codes, code=code, snaps=chosen,
                                    scheme_names=scheme_names,
                                    option_json=option_json, table=table, units=units, F=F,
                                    own=v.own_unit_id)


def _under(data, ind, code) -> bool:
    parents = {i["code"]: i["parent"] for i in data["indicators"]}
    p = ind["parent"]
    while p is not None:
        if p == code:
            return True
        p = parents.get(p)
    return False


def _type_label(record_type: str) -> str:
    from app.workflow.registry import get_type

    rt = get_type(record_type)
    return rt.label if rt else "记录"


def regions_of(units: list[dict]) -> list[tuple[str, list[dict]]]:
    """The units grouped by region, regions in the city's order."""
    from app.units.models import REGIONS

    groups: dict[str, list[dict]] = {}
    for u in units:
        groups.setdefault(u.get("region") or "其他", []).append(u)
    order = {r: n for n, r in enumerate(REGIONS)}
    return sorted(groups.items(), key=lambda kv: order.get(kv[0], len(order)))


class CockpitView(BaseView):
    """驾驶舱: one screen per report type, from its latest published snapshot."""

    route_base = "/cockpit"
    default_view = "index"
    method_permission_name = {"index": "read"}

    @expose("/")
    @has_access
    def index(self):
        from app.reports import cockpit

        v = viewer()
        published = service.published_snapshots()
        types = list(dict.fromkeys(s.report_type for s in published))
        report_type = request.args.get("type") or (types[0] if types else None)
        if report_type not in types:
            report_type = types[0] if types else None
        ctx = {"types": types, "report_type": report_type, "snap": None, "F": F, "v": v}
        if report_type is None:
            return self.render_template("reports/cockpit.html", **ctx)
        chain = cockpit.latest_per_period([s for s in published if s.report_type == report_type])
        snap = chain[-1]
        rows, full = v.rows(snap.data["units"])
        if not rows:
            ctx["message"] = "最新发布的报表中没有您可见的单位"
            return self.render_template("reports/cockpit.html", **ctx)
        ranked = sorted(rows, key=lambda u: u["rank"])
        ctx.update(
            snap=snap, data=snap.data, full=full, regions=regions_of(rows),
            top=ranked[:5], bottom=list(reversed(ranked[-5:])) if len(ranked) > 5 else [],
            boards=cockpit.boards(snap, rows),
            trend_json=_chart(cockpit.trend(chain, v.own_unit_id)),
            own=v.own_unit_id,
        )
        return self.render_template("reports/cockpit.html", **ctx)


class UsageView(BaseView):
    """系统使用情况考评."""

    route_base = "/usage"
    default_view = "index"
    method_permission_name = {"index": "read", "xlsx": "download"}

    def _evaluation(self):
        from app.reports.usage import evaluate

        code = request.args.get("period") or _default_period()
        return evaluate(code, scope_for(g.user))

    @expose("/")
    @has_access
    def index(self):
        periods = db.session.scalars(select(ReportPeriod.code).distinct()
                                     .order_by(ReportPeriod.code.desc())).all()
        try:
            ev = self._evaluation()
        except UserError as exc:
            flash(exc.message, "danger")
            return redirect(url_for("UsageView.index"))
        return self.render_template("reports/usage.html", ev=ev, periods=periods)

    @expose("/xlsx")
    @has_access
    def xlsx(self):
        from app.reports.xlsx import usage_workbook

        try:
            ev = self._evaluation()
        except UserError as exc:
            return _refuse(exc)
        return _download(usage_workbook(ev), f"系统使用情况考评-{ev.period.code}.xlsx",
                         "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def _default_period() -> str:
    import datetime as dt

    today = dt.date.today()
    return f"{today.year}Q{(today.month - 1) // 3 + 1}"


class ReportPeriodModelView(ModelView):
    """报表期间: managed by the reform office."""

    datamodel = SQLAInterface(ReportPeriod)
    list_title = "报表期间"
    show_title = "报表期间"
    add_title = "新增报表期间"
    edit_title = "编辑报表期间"
    label_columns = {"report_type": "报表类型", "code": "期间代码", "label": "期间",
                     "kind_label": "期间类型", "deadline": "填报截止日期", "note": "备注"}
    list_columns = ["report_type", "code", "label", "kind_label", "deadline", "note"]
    show_columns = list_columns
    add_columns = ["report_type", "code", "deadline", "note"]
    edit_columns = ["deadline", "note"]
    search_columns = ["report_type", "code", "deadline"]
    base_order = ("code", "desc")
    formatters_columns = {"note": lambda value: value or ""}
    add_form_extra_fields = {
        "report_type": SelectField("报表类型", choices=lambda: service.report_types(),
                                   validators=[DataRequired()]),
        "code": StringField("期间代码", validators=[DataRequired()],
                            description="如 2024Q1（季度）、2024-B3（两个月）、2024（年度）"),
    }

    def pre_add(self, item):
        from app.scoring.periods import parse_period

        item.code = (item.code or "").strip().upper()
        problems = service.period_problems(item.report_type, item.code, item.deadline)
        if problems:
            raise ValueError("；".join(problems))
        item.kind = parse_period(item.code).kind

    def pre_update(self, item):
        if item.deadline is None:
            raise ValueError("请填写填报截止日期")
        end = item.period.end
        if item.deadline < end:
            raise ValueError(f"填报截止日期不能早于期间结束日 {end.isoformat()}")

    def pre_delete(self, item):
        used = db.session.scalar(select(ReportSnapshot.id).where(
            ReportSnapshot.period_id == item.id).limit(1))
        if used is not None:
            raise ValueError("该期间已有报表，不能删除")


def register_views(appbuilder) -> None:
    from app.reports.commands import register_cli

    cat = dict(category="Reports", category_label="报表与驾驶舱", category_icon="fa-bar-chart")
    appbuilder.add_view(CockpitView, "Cockpit", label="驾驶舱", icon="fa-dashboard", **cat)
    appbuilder.add_view(ReportView, "Report Snapshots", label="报表与排名", icon="fa-trophy",
                        **cat)
    appbuilder.add_link("Report Trends", href="/reports/trend", label="得分趋势",
                        icon="fa-line-chart", category="Reports")
    appbuilder.add_link("Unit Scores", href="/reports/mine", label="本单位得分",
                        icon="fa-star", category="Reports")
    appbuilder.add_view(UsageView, "Usage Evaluation", label="系统使用情况考评",
                        icon="fa-check-square-o", category="Reports")
    appbuilder.add_view(ReportPeriodModelView, "Report Periods", label="报表期间",
                        icon="fa-calendar", category="Reports")
    register_cli(current_app._get_current_object())
