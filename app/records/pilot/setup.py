"""The pilot module's screens besides its record types, its REST endpoints and
``flask pilot``:

* 加入试点申请 (``/pilotjoin/``, ``/api/v1/pilot_join/``): a district asks to be
  added to a pilot's 涉及区县, the supervising department accepts or declines;
* 试点更新任务 (``/pilottasks/``, ``/api/v1/pilot_task/``): each district's quarterly
  update tasks, with 填报 for the district's clerk;
* 逾期未更新 (``/pilottasks/overdue``): overdue updates per district, for the
  改革办 and the supervising departments (each sees its own scope);
* ``flask pilot open-quarter [--period 2024Q2]`` and ``flask pilot overdue``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click
from flask import abort, current_app, flash, g, redirect, request, url_for
from flask.cli import AppGroup
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.api import BaseApi, protect, safe
from flask_appbuilder.api import expose as api_expose
from flask_appbuilder.security.decorators import permission_name
from sqlalchemy import and_, func, select

from app.errors import UserError
from app.extensions import db
from app.records.pilot import join as joins
from app.records.pilot.models import (
    FILED_STATES_EXCLUDED,
    PROGRESS,
    PilotJoinRequest,
    PilotTask,
    PilotUpdate,
)
from app.records.pilot.tasks import (
    as_quarter,
    current_quarter,
    open_tasks,
    overdue_clause,
    overdue_counts,
    task_scope_clause,
)
from app.security.roles import (
    ROLE_CLERK,
    ROLE_LEADER,
    ROLE_REFORM_OFFICE,
    ROLE_REVIEWER,
    grant,
)
from app.units.models import Unit
from app.workflow.chain import APPROVED, DRAFT, REJECTED

CATEGORY = "改革试点管理"
# FAB makes each view's blueprint in its own package: name the folder absolutely
TEMPLATES = str(Path(__file__).resolve().parent / "templates")

# -- tasks as rows -----------------------------------------------------------------


def task_status(task: PilotTask, update: PilotUpdate | None, today: dt.date) -> tuple[str, str]:
    """(code, label): filed (已提交/已通过), or open (待填报/草稿/已驳回), or overdue."""
    if update is not None and update.state not in FILED_STATES_EXCLUDED:
        return ("approved", "已通过") if update.state == APPROVED else ("filed", "审核中")
    if task.due_on < today:
        return "overdue", "逾期未更新"
    if update is not None and update.state == REJECTED:
        return "open", "已驳回待修改"
    if update is not None and update.state == DRAFT:
        return "open", "草稿"
    return "open", "待填报"


def task_rows(user, period=None, only_overdue=False, today=None, session=None) -> list[dict]:
    session = session or db.session
    today = today or dt.date.today()
    t, u = PilotTask, PilotUpdate
    stmt = (select(t, u).outerjoin(u, and_(u.pilot_id == t.pilot_id, u.unit_id == t.unit_id,
                                           u.period == t.period))
            .join(Unit, Unit.id == t.unit_id)
            .where(task_scope_clause(user))
            .order_by(t.period.desc(), Unit.sort_order, t.pilot_id))
    if period is not None:
        stmt = stmt.where(t.period == period.code)
    if only_overdue:
        stmt = stmt.where(overdue_clause(today, t.__table__))
    rows = []
    for task, update in session.execute(stmt.limit(5000)):
        code, label = task_status(task, update, today)
        rows.append({
            "id": task.id, "pilot_id": task.pilot_id, "pilot": task.pilot.name,
            "doc_no": task.pilot.doc_no, "unit_id": task.unit_id, "unit": task.unit.name,
            "period": task.period, "due_on": task.due_on.isoformat(),
            "days_overdue": (today - task.due_on).days if code == "overdue" else 0,
            "status": code, "status_label": label,
            "update_id": update.id if update is not None else None,
            "update_state": update.state_label if update is not None else None,
            "can_fill": _may_fill(user, task) and (update is None or update.state in (
                DRAFT, REJECTED)),
        })
    return rows


def _may_fill(user, task) -> bool:
    roles = {r.name for r in getattr(user, "roles", None) or ()}
    return ROLE_CLERK in roles and getattr(user, "unit_id", None) == task.unit_id


def _period_arg(raw, default):
    raw = (raw or "").strip()
    if raw in ("", "current"):
        return default
    if raw == "all":
        return None
    return as_quarter(raw)


def _open_current(session=None):
    """Lazily open the current quarter's tasks (idempotent)."""
    session = session or db.session
    if open_tasks(session, current_quarter()):
        session.commit()


def fill_task(user, task_id, session=None) -> PilotUpdate:
    """The update of a task for its district's clerk: the existing one, or a
    new draft with the pilot and quarter filled in."""
    session = session or db.session
    task = session.scalar(select(PilotTask).where(PilotTask.id == task_id,
                                                  task_scope_clause(user)))
    if task is None:
        raise UserError("任务不存在或不在您的可见范围内", 404)
    if not _may_fill(user, task):
        raise UserError("只有该区县的录入员可以填报", 403)
    update = session.scalar(select(PilotUpdate).where(
        PilotUpdate.pilot_id == task.pilot_id, PilotUpdate.unit_id == task.unit_id,
        PilotUpdate.period == task.period))
    if update is not None:
        return update
    update = PilotUpdate(pilot_id=task.pilot_id, unit_id=task.unit_id, period=task.period,
                         work_done="", problems="", progress=PROGRESS[0],
                         supervisor_id=task.pilot.supervisor_id, filed_by_id=user.id,
                         state=DRAFT, version=1)
    session.add(update)
    session.commit()
    return update


# -- web ---------------------------------------------------------------------------


class PilotJoinView(BaseView):
    """加入试点申请."""

    route_base = "/pilotjoin"
    default_view = "index"
    template_folder = TEMPLATES

    @expose("/")
    @has_access
    def index(self):
        status = request.args.get("status") or ""
        stmt = (select(PilotJoinRequest).where(joins.visible_clause(g.user))
                .order_by(PilotJoinRequest.id.desc()))
        if status:
            stmt = stmt.where(PilotJoinRequest.status == status)
        rows = [joins.as_dict(r, g.user) for r in db.session.scalars(stmt.limit(1000))]
        return self.render_template("pilot/join_list.html", rows=rows, status=status,
                                    title="加入试点申请")

    @expose("/new", methods=["GET", "POST"])
    @has_access
    def new(self):
        doc_no = (request.values.get("doc_no") or "").strip()
        note = (request.form.get("note") or "").strip()
        if request.method == "POST":
            try:
                req = joins.request_join(g.user, doc_no, note)
            except UserError as exc:
                db.session.rollback()
                flash(exc.message, "danger")
            else:
                flash(f"已提交加入申请，等待主管部门{req.pilot.supervisor.name}确认", "success")
                return redirect(url_for("PilotJoinView.index"))
        return self.render_template("pilot/join_new.html", doc_no=doc_no, note=note,
                                    title="申请加入试点")

    @expose("/<int:pk>/<decision>", methods=["POST"])
    @has_access
    def decide(self, pk, decision):
        if decision not in ("accept", "decline"):
            abort(404)
        try:
            joins.decide(g.user, pk, decision == "accept", request.form.get("reason"))
        except UserError as exc:
            db.session.rollback()
            if exc.status == 404:
                abort(404)
            flash(exc.message, "danger")
        else:
            flash("已同意加入，该区县已列入涉及区县" if decision == "accept" else "已不同意该申请",
                  "success")
        return redirect(url_for("PilotJoinView.index"))


class PilotTaskView(BaseView):
    """试点更新任务 and 逾期未更新."""

    route_base = "/pilottasks"
    default_view = "index"
    template_folder = TEMPLATES

    @expose("/")
    @has_access
    def index(self):
        try:
            period = _period_arg(request.args.get("period"), current_quarter())
        except UserError as exc:
            flash(exc.message, "danger")
            period = current_quarter()
        _open_current()
        rows = task_rows(g.user, period)
        return self.render_template(
            "pilot/tasks.html", rows=rows, period=period.code if period else "all",
            current=current_quarter().code, title="试点推进状态更新任务")

    @expose("/overdue")
    @has_access
    def overdue(self):
        try:
            period = _period_arg(request.args.get("period"), None)
        except UserError as exc:
            flash(exc.message, "danger")
            period = None
        _open_current()
        rows = task_rows(g.user, period, only_overdue=True)
        summary: dict[int, dict] = {}
        for row in rows:
            item = summary.setdefault(row["unit_id"], {"unit": row["unit"], "count": 0})
            item["count"] += 1
        ranked = sorted(summary.values(), key=lambda s: (-s["count"], s["unit"]))
        return self.render_template(
            "pilot/overdue.html", rows=rows, summary=ranked,
            period=period.code if period else "all", title="逾期未更新的试点推进状态")

    @expose("/<int:pk>/fill", methods=["POST"])
    @has_access
    def fill(self, pk):
        try:
            update = fill_task(g.user, pk)
        except UserError as exc:
            db.session.rollback()
            if exc.status == 404:
                abort(404)
            flash(exc.message, "danger")
            return redirect(url_for("PilotTaskView.index"))
        if update.state in (DRAFT, REJECTED):
            return redirect(url_for("PilotUpdateModelView.edit", pk=update.id))
        return redirect(url_for("PilotUpdateModelView.show", pk=update.id))


# -- REST --------------------------------------------------------------------------


class PilotJoinApi(BaseApi):
    """``/api/v1/pilot_join/``: requests to join a pilot's 涉及区县."""

    resource_name = "pilot_join"
    openapi_spec_tag = "加入试点申请"
    allow_browser_login = True

    def _fail(self, exc: UserError):
        db.session.rollback()
        return self.response(exc.status, message=exc.message)

    def _body(self) -> dict:
        body = request.get_json(silent=True) if request.is_json else None
        if not isinstance(body, dict):
            raise UserError("请求体必须是 JSON 对象（Content-Type: application/json）", 400)
        return body

    @api_expose("/", methods=["GET"])
    @protect()
    @safe
    @permission_name("get")
    def list_requests(self):
        """Requests in the user's scope
        ---
        get:
          summary: 列出可见的加入试点申请（status 可选：pending / accepted / declined）
          parameters:
          - in: query
            name: status
            schema: {type: string, enum: [pending, accepted, declined]}
          responses:
            200:
              description: 申请列表
            401:
              $ref: '#/components/responses/401'
        """
        stmt = (select(PilotJoinRequest).where(joins.visible_clause(g.user))
                .order_by(PilotJoinRequest.id.desc()))
        status = request.args.get("status")
        if status:
            stmt = stmt.where(PilotJoinRequest.status == status)
        rows = [joins.as_dict(r, g.user) for r in db.session.scalars(stmt.limit(1000))]
        return self.response(200, result=rows, count=len(rows))

    @api_expose("/<int:pk>", methods=["GET"])
    @protect()
    @safe
    @permission_name("get")
    def get_request(self, pk):
        """One request
        ---
        get:
          summary: 读取一条加入试点申请
          parameters:
          - in: path
            name: pk
            schema: {type: integer, minimum: 1, maximum: 2147483647}
          responses:
            200:
              description: 申请
            404:
              $ref: '#/components/responses/404'
        """
        try:
            req = joins.get_visible(g.user, pk)
        except UserError as exc:
            return self._fail(exc)
        return self.response(200, id=req.id, result=joins.as_dict(req, g.user))

    @api_expose("/", methods=["POST"])
    @protect()
    @safe
    @permission_name("post")
    def post_request(self):
        """Ask to be added to a pilot's 涉及区县
        ---
        post:
          summary: 本区县申请加入某试点的涉及区县（按部署文件文号指明试点）
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  type: object
                  required: [doc_no]
                  properties:
                    doc_no: {type: string, description: 部署文件文号}
                    note: {type: string, description: 申请说明}
          responses:
            201:
              description: 已提交
            400:
              $ref: '#/components/responses/400'
            403:
              $ref: '#/components/responses/403'
            404:
              $ref: '#/components/responses/404'
            409:
              description: 已在涉及区县中、已有待确认的申请或试点尚是草稿
            422:
              $ref: '#/components/responses/422'
        """
        try:
            body = self._body()
            unknown = sorted(set(body) - {"doc_no", "note"})
            if unknown:
                raise UserError(f"“{unknown[0][:40]}”不是可以填写的字段", 422)
            doc_no, note = body.get("doc_no"), body.get("note") or ""
            if not isinstance(doc_no, str) or not isinstance(note, str):
                raise UserError("部署文件文号和申请说明必须是文字", 422)
            req = joins.request_join(g.user, doc_no, note)
        except UserError as exc:
            return self._fail(exc)
        return self.response(201, id=req.id, result=joins.as_dict(req, g.user))

    def _decide(self, pk, accept: bool):
        try:
            body = request.get_json(silent=True) if request.is_json else {}
            reason = (body or {}).get("reason") if isinstance(body, dict) else None
            if reason is not None and not isinstance(reason, str):
                raise UserError("理由必须是文字", 422)
            req = joins.decide(g.user, pk, accept, reason)
        except UserError as exc:
            return self._fail(exc)
        return self.response(200, id=req.id, result=joins.as_dict(req, g.user))

    @api_expose("/<int:pk>/accept", methods=["POST"])
    @protect()
    @safe
    @permission_name("decide")
    def accept(self, pk):
        """Accept: the district is added to 涉及区县
        ---
        post:
          summary: 主管部门录入员同意加入（该区县列入涉及区县，已分发的试点随即生成本季度更新任务）
          parameters:
          - in: path
            name: pk
            schema: {type: integer, minimum: 1, maximum: 2147483647}
          responses:
            200:
              description: 已同意
            403:
              $ref: '#/components/responses/403'
            404:
              $ref: '#/components/responses/404'
            409:
              description: 已被处理
        """
        return self._decide(pk, True)

    @api_expose("/<int:pk>/decline", methods=["POST"])
    @protect()
    @safe
    @permission_name("decide")
    def decline(self, pk):
        """Decline with a reason
        ---
        post:
          summary: 主管部门录入员不同意加入（须填写理由）
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
              description: 已不同意
            403:
              $ref: '#/components/responses/403'
            404:
              $ref: '#/components/responses/404'
            409:
              description: 已被处理
            422:
              $ref: '#/components/responses/422'
        """
        return self._decide(pk, False)


class PilotTaskApi(BaseApi):
    """``/api/v1/pilot_task/``: the quarterly update tasks in the user's scope."""

    resource_name = "pilot_task"
    openapi_spec_tag = "试点更新任务"
    allow_browser_login = True

    @api_expose("/", methods=["GET"])
    @protect()
    @safe
    @permission_name("get")
    def list_tasks(self):
        """Update tasks
        ---
        get:
          summary: 列出可见的试点推进状态更新任务（period 默认当前季度，all 为全部；overdue=1 只列逾期）
          parameters:
          - in: query
            name: period
            schema: {type: string, example: 2024Q2}
          - in: query
            name: overdue
            schema: {type: integer, enum: [0, 1]}
          responses:
            200:
              description: 任务列表
            422:
              $ref: '#/components/responses/422'
        """
        try:
            period = _period_arg(request.args.get("period"), current_quarter())
        except UserError as exc:
            return self.response(422, message=exc.message)
        _open_current()
        rows = task_rows(g.user, period, only_overdue=request.args.get("overdue") == "1")
        for row in rows:
            row.pop("can_fill")
        return self.response(200, result=rows, count=len(rows))


# -- permissions, menu, CLI ---------------------------------------------------------------

grant(ROLE_CLERK,
      ("PilotJoinView", r"can_(index|new|decide)"), ("PilotJoinApi", r"can_(get|post|decide)"),
      ("PilotTaskView", r"can_(index|overdue|fill)"), ("PilotTaskApi", r"can_get"),
      (r"(加入试点申请|试点更新任务|逾期未更新)", r"menu_access"))
for _role in (ROLE_REVIEWER, ROLE_LEADER, ROLE_REFORM_OFFICE):
    grant(_role,
          ("PilotJoinView", r"can_index"), ("PilotJoinApi", r"can_get"),
          ("PilotTaskView", r"can_(index|overdue)"), ("PilotTaskApi", r"can_get"),
          (r"(加入试点申请|试点更新任务|逾期未更新)", r"menu_access"))


def register(appbuilder) -> None:
    appbuilder.add_view(PilotTaskView, "试点更新任务", label="试点更新任务", icon="fa-tasks",
                        category=CATEGORY)
    appbuilder.add_link("逾期未更新", label="逾期未更新", href="/pilottasks/overdue",
                        icon="fa-clock-o", category=CATEGORY)
    appbuilder.add_view(PilotJoinView, "加入试点申请", label="加入试点申请",
                        icon="fa-user-plus", category=CATEGORY)
    appbuilder.add_api(PilotJoinApi)
    appbuilder.add_api(PilotTaskApi)
    app = current_app._get_current_object()
    if "pilot" not in app.cli.commands:
        app.cli.add_command(pilot_cli)


pilot_cli = AppGroup("pilot", help="改革试点")


@pilot_cli.command("open-quarter")
@click.option("--period", default=None, help="季度，如 2024Q2（默认当前季度）")
def open_quarter_cmd(period):
    """为已分发、尚未完成的试点生成该季度的推进状态更新任务（可重复执行）。"""
    try:
        quarter = as_quarter(period) if period else current_quarter()
    except UserError as exc:
        raise click.ClickException(exc.message) from None
    n = open_tasks(db.session, quarter)
    db.session.commit()
    total = db.session.scalar(select(func.count()).select_from(PilotTask).where(
        PilotTask.period == quarter.code))
    click.echo(f"{quarter.label}：新生成 {n} 项试点推进状态更新任务，共 {total} 项")


@pilot_cli.command("overdue")
@click.option("--period", default=None, help="季度，如 2024Q2（默认全部季度）")
def overdue_cmd(period):
    """按区县列出逾期未更新的试点推进状态数。"""
    try:
        quarter = as_quarter(period) if period else None
    except UserError as exc:
        raise click.ClickException(exc.message) from None
    counts = overdue_counts(quarter)
    db.session.commit()
    if not counts:
        click.echo("没有逾期未更新的试点推进状态")
        return
    names = dict(db.session.execute(select(Unit.id, Unit.name).where(
        Unit.id.in_(list(counts)))).all())
    for unit_id, n in sorted(counts.items(), key=lambda kv: (-kv[1], names[kv[0]])):
        click.echo(f"{names[unit_id]}\t{n}")

