"""Screens of the city-to-district assessment besides its two record types —
考核指标分解 (the district's breakdown, with the Excel template and the
all-or-nothing import for the 区委办/区政府办) and 考核情况总览 (the district
overview) — and ``flask assessment load-breakdown``."""

from __future__ import annotations

import io
from pathlib import Path

import click
from flask import abort, current_app, flash, g, redirect, request, send_file, url_for
from flask.cli import AppGroup
from flask_appbuilder import BaseView, expose, has_access
from sqlalchemy import func, select

from app.extensions import db
from app.kit.export import XLSX_MIMETYPE
from app.records.district_assessment.breakdown import (
    SHIPPED_YEAR,
    BreakdownError,
    import_workbook,
    load_breakdown,
    load_shipped_breakdown,
    read_csv,
    read_workbook,
    workbook_bytes,
)
from app.records.district_assessment.models import (
    GROUP_TITLES,
    GROUPS,
    AssessmentIndicator,
    SupervisionItem,
)
from app.records.district_assessment.overview import (
    breakdown_district,
    build_overview,
    can_manage,
    viewer_district,
)
from app.security.roles import (
    ROLE_CLERK,
    ROLE_LEADER,
    ROLE_REFORM_OFFICE,
    ROLE_REVIEWER,
    grant,
)
from app.units.models import Unit, UnitKind

CATEGORY = "市对区考核"
BREAKDOWN = "考核指标分解"
OVERVIEW = "考核情况总览"
TEMPLATES = str(Path(__file__).resolve().parent / "templates")
MAX_UPLOAD = 5 * 1024 * 1024

_MENUS = (f"({BREAKDOWN}|{OVERVIEW}|{CATEGORY})", "menu_access")
for _role in (ROLE_CLERK, ROLE_REVIEWER):
    grant(_role, ("AssessmentView", r"can_(breakdown|template|upload|overview)"), _MENUS)
grant(ROLE_REFORM_OFFICE, ("AssessmentView", r"can_(breakdown|template|upload|overview)"), _MENUS)
grant(ROLE_LEADER, ("AssessmentView", r"can_(breakdown|template|overview)"), _MENUS)


def _districts():
    return db.session.scalars(select(Unit).where(Unit.kind == UnitKind.DISTRICT.value)
                              .order_by(Unit.sort_order, Unit.id)).all()


def _years(district) -> list[int]:
    if district is None:
        return [SHIPPED_YEAR]
    years = list(db.session.scalars(
        select(AssessmentIndicator.year).where(AssessmentIndicator.district_id == district.id)
        .distinct().order_by(AssessmentIndicator.year.desc())))
    return years or [SHIPPED_YEAR]


def _year_arg(years) -> int:
    raw = (request.values.get("year") or "").strip()
    if raw.isdigit() and 2000 <= int(raw) <= 2100:
        return int(raw)
    return years[0]


def _pick_district(everything: bool, own):
    """The district asked for (``district`` id) when the user may see every
    district, else the user's own (None: nothing to show)."""
    if not everything:
        return own
    from app.guards import int_id

    district_id = int_id(request.values.get("district"))
    if district_id is not None:
        unit = db.session.get(Unit, district_id)
        if unit is not None and unit.kind == UnitKind.DISTRICT.value:
            return unit
    with_data = db.session.scalar(
        select(Unit).join(AssessmentIndicator, AssessmentIndicator.district_id == Unit.id)
        .order_by(Unit.sort_order).limit(1))
    return with_data or db.session.scalar(select(Unit).where(Unit.name == "万州区"))


class AssessmentView(BaseView):
    route_base = "/assessment"
    default_view = "breakdown"
    template_folder = TEMPLATES

    def _render_breakdown(self, errors=None, status=200):
        everything, own = breakdown_district(g.user)
        district = _pick_district(everything, own)
        if district is None:
            return self.render_template(
                "district_assessment/denied.html", title=BREAKDOWN,
                message="考核指标分解只对区县及其区级部门、市委改革办开放"), 403
        years = _years(district)
        year = _year_arg(years)
        rows = db.session.scalars(select(AssessmentIndicator).where(
            AssessmentIndicator.district_id == district.id, AssessmentIndicator.year == year)
            .order_by(AssessmentIndicator.sort_order, AssessmentIndicator.id)).all()
        items = db.session.scalars(select(SupervisionItem).where(
            SupervisionItem.district_id == district.id, SupervisionItem.year == year)
            .order_by(SupervisionItem.seq)).all()
        groups = [(g_, GROUP_TITLES[g_], [r for r in rows if r.group_name == g_]) for g_ in GROUPS]
        weights = sum(r.weight or 0 for r in rows)
        return self.render_template(
            "district_assessment/breakdown.html", title=BREAKDOWN, district=district,
            districts=_districts() if everything else [], year=year, years=years,
            groups=[x for x in groups if x[2]], items=items, weights=weights,
            indicator_count=len({(r.group_name, r.seq) for r in rows}), row_count=len(rows),
            can_manage=can_manage(g.user, district), errors=errors or []), status

    @expose("/breakdown/")
    @has_access
    def breakdown(self):
        return self._render_breakdown()

    @expose("/template/")
    @has_access
    def template(self):
        everything, own = breakdown_district(g.user)
        district = _pick_district(everything, own)
        if district is None:
            abort(403)
        year = _year_arg(_years(district))
        data = workbook_bytes(db.session, district, year)
        return send_file(io.BytesIO(data), as_attachment=True, mimetype=XLSX_MIMETYPE,
                         download_name=f"考核指标分解_{district.name}_{year}.xlsx")

    @expose("/upload/", methods=["POST"])
    @has_access
    def upload(self):
        everything, own = breakdown_district(g.user)
        district = _pick_district(everything, own)
        if district is None or not can_manage(g.user, district):
            return self._render_breakdown(["只有本区县的区委办、区政府办（或市委改革办）可以导入考核指标分解"],
                                          403)
        raw_year = (request.form.get("year") or "").strip()
        if not (raw_year.isdigit() and 2000 <= int(raw_year) <= 2100):
            return self._render_breakdown(["请填写年度（如 2021）"], 400)
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            return self._render_breakdown(["请选择要导入的 Excel 文件"], 400)
        if not upload.filename.lower().endswith(".xlsx"):
            return self._render_breakdown(["只接受 .xlsx 文件（可先下载模板）"], 400)
        data = upload.read(MAX_UPLOAD + 1)
        if len(data) > MAX_UPLOAD:
            return self._render_breakdown(["文件超过 5 MB"], 400)
        try:
            counts = import_workbook(db.session, district, int(raw_year), data)
            db.session.commit()
        except BreakdownError as exc:
            db.session.rollback()
            return self._render_breakdown([exc.summary] + exc.errors, 422)
        flash(f"已导入{district.name}{raw_year}年考核指标分解：{counts['indicators']} 项指标、"
              f"{counts['rows']} 行，督查激励事项 {counts['supervision']} 项", "success")
        return redirect(url_for("AssessmentView.breakdown", year=raw_year,
                                district=district.id))

    @expose("/overview/")
    @has_access
    def overview(self):
        everything, own = viewer_district(g.user)
        district = _pick_district(everything, own)
        if district is None:
            return self.render_template(
                "district_assessment/denied.html", title=OVERVIEW,
                message="考核情况总览只对区委办、区政府办、区县领导和市委改革办开放"), 403
        years = _years(district)
        year = _year_arg(years)
        data = build_overview(db.session, district, year)
        return self.render_template(
            "district_assessment/overview.html", title=OVERVIEW, ov=data, years=years,
            districts=_districts() if everything else [])


def _load_command(group):
    @group.command("load-breakdown")
    @click.option("--year", type=int, default=SHIPPED_YEAR, show_default=True, help="考核年度")
    @click.option("--district", "district_name", required=True, help="区县名称，如 万州区")
    @click.option("--file", "path", type=click.Path(exists=True, dir_okay=False), default=None,
                  help="Excel（.xlsx，工作表“考核指标”“督查激励”）；不填则用随系统提供的种子数据")
    @click.option("--create-units", is_flag=True, default=False,
                  help="区县下缺少的区级部门自动建立")
    def load_cmd(year, district_name, path, create_units):
        """载入某区县某年度的市对区考核指标分解（全部成功或全部不载入）。"""
        district = db.session.scalar(select(Unit).where(Unit.name == district_name))
        if district is None or district.kind != UnitKind.DISTRICT.value:
            raise click.ClickException(f"找不到区县“{district_name}”")
        try:
            if path is None:
                counts = load_shipped_breakdown(db.session, district, year, create_units)
            elif path.lower().endswith(".csv"):
                counts = load_breakdown(db.session, district, year, read_csv(Path(path)), None,
                                        create_units)
            else:
                indicators, supervision = read_workbook(Path(path).read_bytes())
                counts = load_breakdown(db.session, district, year, indicators, supervision,
                                        create_units)
            db.session.commit()
        except BreakdownError as exc:
            db.session.rollback()
            click.echo(exc.message, err=True)
            raise SystemExit(1) from exc
        except Exception as exc:  # a missing shipped year …
            db.session.rollback()
            message = getattr(exc, "message", None)
            if message is None:
                raise
            raise click.ClickException(message) from exc
        total = db.session.scalar(select(func.sum(AssessmentIndicator.weight)).where(
            AssessmentIndicator.district_id == district.id, AssessmentIndicator.year == year))
        click.echo(f"已载入{district.name}{year}年考核指标分解：{counts['indicators']} 项指标、"
                   f"{counts['rows']} 行（权重合计 {total or 0:g}），督查激励事项 "
                   f"{counts['supervision']} 项" + (f"，新建区级部门 {counts['units_created']} 个"
                                                   if counts["units_created"] else ""))


def register(appbuilder) -> None:
    import app.records.district_assessment.sources  # noqa: F401 - registers the source

    appbuilder.add_view(AssessmentView, BREAKDOWN, label=BREAKDOWN, icon="fa-sitemap",
                        category=CATEGORY, category_label=CATEGORY)
    appbuilder.add_link(OVERVIEW, label=OVERVIEW, href="/assessment/overview/",
                        icon="fa-pie-chart", category=CATEGORY, category_label=CATEGORY)
    app = current_app._get_current_object()
    if "assessment" in app.cli.commands:
        return
    group = AppGroup("assessment", help="市对区考核")
    _load_command(group)
    app.cli.add_command(group)
