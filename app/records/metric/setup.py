"""指标数据导入 screens (template, upload, batches reviewed as a whole), the
``metric`` scoring source and ``flask metric``."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import click
from flask import abort, current_app, flash, g, redirect, request, send_file, url_for
from flask.cli import AppGroup
from flask_appbuilder import BaseView, expose, has_access
from sqlalchemy import select

from app.errors import UserError
from app.extensions import db
from app.kit.export import XLSX_MIMETYPE
from app.records.metric.excel import MetricImportError, batch_summary, build_template, import_file
from app.records.metric.models import MetricImportBatch, MetricValue, period_choices, period_label
from app.records.source_links import quarter_code
from app.scope import scope_clause, scope_for
from app.security.roles import (
    ROLE_CLERK,
    ROLE_LEADER,
    ROLE_REFORM_OFFICE,
    ROLE_REVIEWER,
    grant,
)
from app.workflow import engine
from app.workflow.engine import ACTION_LABELS

LABEL = "指标数据导入"
CATEGORY = "指标数据填报"
SHOWN_ROWS = 2000  # values listed on a batch page (the rest are counted)

grant(ROLE_CLERK, ("MetricImportView", r"can_(index|template|upload|batch|file)"),
      (f"({LABEL}|{CATEGORY})", "menu_access"))
grant(ROLE_REVIEWER, ("MetricImportView", r"can_(index|batch|act|file)"),
      (f"({LABEL}|{CATEGORY})", "menu_access"))
grant(ROLE_REFORM_OFFICE, ("MetricImportView", r"can_(index|template|batch|act|file)"),
      (f"({LABEL}|{CATEGORY})", "menu_access"))
grant(ROLE_LEADER, ("MetricImportView", r"can_(index|batch|file)"),
      (f"({LABEL}|{CATEGORY})", "menu_access"))


def _roles(user) -> set[str]:
    return {r.name for r in getattr(user, "roles", None) or ()}


def visible_batch(user, batch_id: int):
    """The batch, or None when it does not exist or is out of ``user``'s scope."""
    batch = db.session.get(MetricImportBatch, batch_id)
    if batch is None or not scope_for(user).covers_unit(batch.unit):
        return None
    return batch


def batch_actions(user, batch) -> dict[str, list[int]]:
    """{action: ids} the user may do on the batch's values now (the values of
    one batch share unit, filer and state, so one check per state decides)."""
    values = db.session.scalars(select(MetricValue).where(
        MetricValue.batch_id == batch.id,
        scope_clause(MetricValue, scope_for(user))).order_by(MetricValue.id)).all()
    by_state: dict[str, list] = {}
    for v in values:
        by_state.setdefault(v.state, []).append(v)
    out: dict[str, list[int]] = {}
    for action in ("approve", "reject"):
        for group in by_state.values():
            if engine.refusal(action, user, group[0]) is None:
                out.setdefault(action, []).extend(v.id for v in group)
    return out


class MetricImportView(BaseView):
    route_base = "/metric_import"
    default_view = "index"

    def _render_index(self, errors=None, status=200):
        user = g.user
        scope = scope_for(user)
        stmt = select(MetricImportBatch).order_by(MetricImportBatch.id.desc()).limit(100)
        if not scope.everything:
            stmt = stmt.where(MetricImportBatch.unit_id.in_(scope.unit_ids_select()))
        batches = db.session.scalars(stmt).all()
        current = quarter_code(dt.date.today())
        periods = [p for p in period_choices() if p <= current]
        default = quarter_code(dt.date.today().replace(day=1) - dt.timedelta(days=80))
        rows = [(b, batch_summary(db.session, b)) for b in batches]
        return self.render_template(
            "metric/import.html", title=LABEL, batches=rows, periods=periods,
            default_period=default if default in periods else (periods[0] if periods else ""),
            period_label=period_label, errors=errors or [],
            can_import=ROLE_CLERK in _roles(user), state_label=MetricValue.__chain__.state_label,
        ), status

    @expose("/")
    @has_access
    def index(self):
        return self._render_index()

    @expose("/template/")
    @has_access
    def template(self):
        from app.scoring.periods import PeriodError, parse_period
        from app.units.models import Unit

        code = (request.args.get("period") or "").strip().upper()
        unit = db.session.get(Unit, g.user.unit_id) if g.user.unit_id else None
        try:
            period = parse_period(code)
            if period.kind != "quarter" or code not in period_choices():
                raise PeriodError("请选择季度")
            if unit is None:
                raise UserError("您的账号未关联单位")
            data, _ = build_template(db.session, unit, period)
        except (PeriodError, UserError) as exc:
            flash(exc.message, "danger")
            return redirect(url_for("MetricImportView.index"))
        import io

        name = f"指标数据模板_{unit.name}_{period.code}.xlsx"
        return send_file(io.BytesIO(data), as_attachment=True, download_name=name,
                         mimetype=XLSX_MIMETYPE)

    @expose("/upload/", methods=["POST"])
    @has_access
    def upload(self):
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            return self._render_index(["请选择要导入的 Excel 文件"], 400)
        if not upload.filename.lower().endswith(".xlsx"):
            return self._render_index(["只接受 .xlsx 文件（请使用系统生成的模板）"], 400)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "sheet.xlsx"
            upload.save(path)
            try:
                batch = import_file(db.session, g.user, path, upload.filename,
                                    keep_dir=Path(current_app.config["UPLOAD_FOLDER"]))
            except MetricImportError as exc:
                db.session.rollback()
                return self._render_index([exc.message.splitlines()[0]] + exc.errors, 422)
        flash(f"已导入 {batch.value_count} 个数值（第 {batch.id} 批），已提交本单位审核", "success")
        return redirect(url_for("MetricImportView.batch", batch_id=batch.id))

    @expose("/batch/<int:batch_id>")
    @has_access
    def batch(self, batch_id):
        batch = visible_batch(g.user, batch_id)
        if batch is None:
            abort(404)
        values = db.session.scalars(select(MetricValue).where(
            MetricValue.batch_id == batch.id,
            scope_clause(MetricValue, scope_for(g.user)))
            .order_by(MetricValue.district_id, MetricValue.indicator_id).limit(SHOWN_ROWS)).all()
        actions = batch_actions(g.user, batch)
        return self.render_template(
            "metric/batch.html", title=f"导入批次 {batch.id}", batch=batch, values=values,
            summary=batch_summary(db.session, batch), shown=SHOWN_ROWS,
            actions={a: len(ids) for a, ids in actions.items()}, labels=ACTION_LABELS,
            state_label=MetricValue.__chain__.state_label)

    @expose("/batch/<int:batch_id>/<action>", methods=["POST"])
    @has_access
    def act(self, batch_id, action):
        batch = visible_batch(g.user, batch_id)
        if batch is None:
            abort(404)
        if action not in ("approve", "reject"):
            abort(404)
        reason = (request.form.get("reason") or "").strip()
        if action == "reject" and not reason:
            flash("驳回必须填写理由", "danger")
            return redirect(url_for("MetricImportView.batch", batch_id=batch.id))
        ids = batch_actions(g.user, batch).get(action, [])
        if not ids:
            flash("该批次当前没有等待您处理的数值", "danger")
            return redirect(url_for("MetricImportView.batch", batch_id=batch.id))
        done, skipped = 0, []
        for start in range(0, len(ids), engine.BULK_MAX):
            result = engine.bulk_transition("metric_value", ids[start:start + engine.BULK_MAX],
                                            action, g.user, reason or None)
            done += len(result.done)
            skipped += result.skipped
        label = ACTION_LABELS[action]
        flash(f"本批已{label} {done} 个数值" + (f"，跳过 {len(skipped)} 个" if skipped else ""),
              "success" if not skipped else "warning")
        for s in skipped[:10]:
            flash(f"编号 {s['id']}：{s['reason']}", "warning")
        return redirect(url_for("MetricImportView.batch", batch_id=batch.id))

    @expose("/batch/<int:batch_id>/file")
    @has_access
    def file(self, batch_id):
        batch = visible_batch(g.user, batch_id)
        if batch is None or not batch.stored_name:
            abort(404)
        root = Path(current_app.config["UPLOAD_FOLDER"]).resolve()
        path = (root / batch.stored_name).resolve()
        if root not in path.parents or not path.is_file():
            abort(404)
        return send_file(path, as_attachment=True, download_name=batch.file_name,
                         mimetype=XLSX_MIMETYPE)


def register(appbuilder) -> None:
    import app.records.metric.sources  # noqa: F401 - registers the source

    appbuilder.add_view(MetricImportView, LABEL, label=LABEL, icon="fa-upload",
                        category=CATEGORY, category_label=CATEGORY)
    app = current_app._get_current_object()
    if "metric" in app.cli.commands:
        return
    group = AppGroup("metric", help="指标数据")

    @group.command("sync")
    def sync_cmd():
        """按指标体系更新指标目录（可重复执行）。"""
        from app.records.metric.catalog import sync_catalog

        n = sync_catalog(db.session)
        db.session.commit()
        click.echo(f"指标目录已更新：{n} 个指标")

    @group.command("template")
    @click.option("--unit", "unit_name", required=True, help="数据来源单位名称")
    @click.option("--period", required=True, help="季度，如 2024Q3")
    @click.option("--out", "out", required=True, type=click.Path(dir_okay=False))
    def template_cmd(unit_name, period, out):
        """生成某单位某季度的指标数据填报模板。"""
        from app.scoring.periods import parse_period
        from app.units.models import Unit

        unit = db.session.scalar(select(Unit).where(Unit.name == unit_name))
        if unit is None:
            raise click.ClickException(f"找不到单位“{unit_name}”")
        try:
            data, n = build_template(db.session, unit, parse_period(period))
        except UserError as exc:
            raise click.ClickException(exc.message) from exc
        Path(out).write_bytes(data)
        click.echo(f"已生成模板（{n} 个指标）：{out}")

    @group.command("import")
    @click.option("--mobile", required=True, help="导入人（数据来源单位录入员）的手机号")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False))
    def import_cmd(mobile, path):
        """导入填好的模板（全部成功或全部不导入），整批提交审核。"""
        from app.security.models import ReformUser

        user = db.session.scalar(select(ReformUser).where(ReformUser.mobile == mobile))
        if user is None or ROLE_CLERK not in _roles(user):
            raise click.ClickException(f"{mobile} 不是录入员账号")
        try:
            batch = import_file(db.session, user, path, Path(path).name,
                                keep_dir=Path(current_app.config["UPLOAD_FOLDER"]))
        except MetricImportError as exc:
            click.echo(exc.message, err=True)
            raise SystemExit(1) from exc
        click.echo(f"已导入 {batch.value_count} 个数值（第 {batch.id} 批）")

    app.cli.add_command(group)
