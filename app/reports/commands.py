"""``flask report …``: list, period, generate, publish, verify, compare, pdf, xlsx, worker."""

from __future__ import annotations

import csv
import datetime as dt
import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from app.errors import UserError

report_cli = AppGroup("report", help="报表：生成、发布、校验、导出")


def _fail(exc: UserError):
    click.echo(exc.message, err=True)
    raise SystemExit(1) from exc


@report_cli.command("list")
def report_list():
    """以 CSV 输出全部报表（id, scheme, version, period, status, generated at, hash）。"""
    from sqlalchemy import select

    from app.extensions import db
    from app.reports.models import ReportSnapshot

    writer = csv.writer(sys.stdout)
    writer.writerow(["id", "scheme", "version", "period", "status", "generated_at", "hash"])
    for s in db.session.scalars(select(ReportSnapshot).order_by(ReportSnapshot.id)):
        writer.writerow([s.id, f"{s.scheme_code}@{s.scheme_version}", s.version,
                         s.period_code, s.status, s.generated_at.isoformat(timespec="seconds"),
                         s.inputs_hash])


@report_cli.command("period")
@click.option("--type", "report_type", required=True, help="报表类型，如 区县改革报表")
@click.option("--code", required=True, help="期间，如 2024Q1、2024-B3、2024")
@click.option("--deadline", required=True, help="填报截止日期，如 2024-04-10")
@click.option("--note", default=None, help="备注")
def report_period(report_type, code, deadline, note):
    """新增报表期间（含填报截止日期）。"""
    from app.reports.service import ReportError, add_period

    try:
        day = dt.date.fromisoformat(deadline)
    except ValueError:
        _fail(ReportError(f"无法识别的日期“{deadline}”：应为 2024-04-10 的格式"))
    try:
        period = add_period(report_type, code, day, note)
    except UserError as exc:
        _fail(exc)
    click.echo(f"已新增期间：{period.report_type} {period.code}（截止 {period.deadline}）")


@report_cli.command("generate")
@click.option("--scheme", "code", required=True, help="指标体系代码")
@click.option("--period", required=True, help="期间，如 2024Q1")
@click.option("--version", type=int, default=None, help="指标体系版本（默认最新）")
def report_generate(code, period, version):
    """按当前已审核通过的数据生成报表（草稿），输出新报表的编号。"""
    from app.reports.service import generate

    try:
        snap = generate(code, period, None, scheme_version=version)
    except UserError as exc:
        _fail(exc)
    for warning in snap.data["warnings"]:
        click.echo(f"提示：{warning}", err=True)
    click.echo(snap.id)


@report_cli.command("publish")
@click.argument("snapshot_id")
def report_publish(snapshot_id):
    """发布报表（先校验；同时冻结所用的指标体系版本）。"""
    from app.reports.service import publish

    try:
        snap = publish(snapshot_id)
    except UserError as exc:
        _fail(exc)
    click.echo(f"报表 {snap.id} 已发布；指标体系 {snap.scheme_code} 第 {snap.scheme_version} 版已冻结")


@report_cli.command("verify")
@click.argument("snapshot_id")
def report_verify(snapshot_id):
    """按存储的输入重新计算哈希并重新计分；不一致时退出码为 1。"""
    from app.reports.service import verify

    try:
        check = verify(snapshot_id)
    except UserError as exc:
        _fail(exc)
    if check.ok:
        click.echo(f"报表 {check.snapshot_id} 校验通过：{check.computed_hash}")
        return
    click.echo(f"报表 {check.snapshot_id} 校验未通过：", err=True)
    for problem in check.problems:
        click.echo(f"  {problem}", err=True)
    raise SystemExit(1)


@report_cli.command("compare")
@click.argument("a_id")
@click.argument("b_id")
def report_compare(a_id, b_id):
    """对比两个报表版本：得分、排名、档次的变化及其涉及的记录（CSV）。"""
    from app.reports.service import compare

    try:
        cmp = compare(a_id, b_id)
    except UserError as exc:
        _fail(exc)
    for note in cmp.notes:
        click.echo(f"提示：{note}", err=True)
    writer = csv.writer(sys.stdout)
    writer.writerow(["unit", "total_a", "total_b", "rank_a", "rank_b", "band_a", "band_b",
                     "indicator", "score_a", "score_b", "records_added", "records_removed"])
    for unit in cmp.units:
        head = [unit.name, *unit.total, *unit.rank, *unit.band]
        if not unit.leaves:
            writer.writerow(head + ["", "", "", "", ""])
        for leaf in unit.leaves:
            writer.writerow(head + [leaf.code, *leaf.score,
                                    " ".join(f"{t}#{i}" for t, i in leaf.added),
                                    " ".join(f"{t}#{i}" for t, i in leaf.removed)])


@report_cli.command("pdf")
@click.argument("snapshot_id")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False), help="输出文件")
@click.option("--unit", "unit_code", default=None,
              help="单位代码或名称：输出该单位的计分表；ALL：全部单位的计分表")
def report_pdf(snapshot_id, out, unit_code):
    """导出 PDF 排名表（或单位计分表）。"""
    from app.reports import pdf
    from app.reports.service import ReportError, get_snapshot

    try:
        snap = get_snapshot(snapshot_id)
        if unit_code is None:
            data = pdf.rank_sheet(snap)
        elif unit_code.upper() == "ALL":
            data = pdf.unit_sheets(snap)
        else:
            unit = next((u for u in snap.data["units"]
                         if unit_code in (u["code"], u["name"])), None)
            if unit is None:
                raise ReportError(f"报表 {snap.id} 中没有单位“{unit_code}”")
            data = pdf.unit_sheets(snap, [unit["id"]])
    except UserError as exc:
        _fail(exc)
    Path(out).write_bytes(data)
    click.echo(f"已写入 {out}")


@report_cli.command("xlsx")
@click.argument("snapshot_id")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False), help="输出文件")
def report_xlsx(snapshot_id, out):
    """导出 Excel 排名表（第二张工作表为计分说明）。"""
    from app.reports.service import get_snapshot
    from app.reports.xlsx import ranking_workbook

    try:
        snap = get_snapshot(snapshot_id)
    except UserError as exc:
        _fail(exc)
    Path(out).write_bytes(ranking_workbook(snap))
    click.echo(f"已写入 {out}")


@report_cli.command("worker")
@click.option("--workers", default=2, show_default=True, help="工作线程数")
def report_worker(workers):
    """运行后台任务队列的消费者（生成报表、导出全部单位计分表、大批量导出 Excel）。"""
    from flask import current_app

    from app.reports.tasks import run_consumer

    run_consumer(current_app._get_current_object(), workers=workers)


@report_cli.command("cleanup-jobs")
@click.option("--days", type=float, default=None,
              help="删除多少天前完成的任务文件（默认取设置 JOB_FILE_RETENTION_DAYS，即 7 天）")
def report_cleanup_jobs(days):
    """删除过期的后台任务文件（导出的 Excel、全部单位计分表 PDF）。"""
    from flask import current_app

    from app.reports.tasks import cleanup_jobs

    n = cleanup_jobs(current_app._get_current_object(), days=days)
    click.echo(f"已删除 {n} 个过期文件")


def register_cli(app) -> None:
    if "report" not in app.cli.commands:
        app.cli.add_command(report_cli)
