"""CLI commands for the set-up steps: roles, demo data, users."""

from __future__ import annotations

import csv
import functools
import sys

import click
from flask import Flask
from flask.cli import AppGroup

from app.errors import NotFound, UserError


def reports_user_errors(command):
    """A UserError ends the command with its (Chinese) message and exit
    status 1; any other exception is a bug and propagates with its traceback."""

    @functools.wraps(command)
    def run(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except UserError as exc:
            click.echo(exc.message, err=True)
            raise SystemExit(1) from exc

    return run


roles_cli = AppGroup("roles", help="角色与权限")
demo_cli = AppGroup("demo", help="演示数据")
units_cli = AppGroup("units", help="单位")


@units_cli.command("load")
def units_load():
    """载入本市单位（市委改革办、41 个区县、市级部门、数据来源单位；可重复执行）。"""
    from app.demo.load import load_units

    click.echo(f"已载入 {len(load_units())} 个单位")
users_cli = AppGroup("users", help="用户账号")
attachments_cli = AppGroup("attachments", help="佐证材料文件")
scheme_cli = AppGroup("scheme", help="指标体系")
score_cli = AppGroup("score", help="计分")


@scheme_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@reports_user_errors
def scheme_import(path):
    """导入指标体系 YAML（已冻结的体系生成新版本）。"""
    from app.scoring.core.scheme import load_scheme
    from app.scoring.store import save_scheme

    row, what = save_scheme(load_scheme(path))
    text = {"unchanged": "内容未变", "updated": "已更新", "created": "已创建"}[what]
    click.echo(f"{row.code} 第 {row.version} 版：{text}")


@scheme_cli.command("export")
@click.argument("code")
@click.option("--version", type=int, default=None, help="版本号（默认最新）")
@reports_user_errors
def scheme_export(code, version):
    """以 YAML 输出指标体系。"""
    from app.scoring.core.scheme import dump_scheme
    from app.scoring.store import get, to_core

    row = get(code, version)
    if row is None:
        raise NotFound(f"找不到指标体系“{code}”" + (f" 第 {version} 版" if version else ""))
    click.echo(dump_scheme(to_core(row)), nl=False)


@score_cli.command("file")
@click.argument("scheme_path", type=click.Path(exists=True, dir_okay=False))
@click.argument("values_path", type=click.Path(exists=True, dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv")
@reports_user_errors
def score_file_cmd(scheme_path, values_path, fmt):
    """按 YAML 指标体系和 CSV 数据计分（不读写数据库）。"""
    from app.scoring.core.files import score_file

    click.echo(score_file(scheme_path, values_path, fmt), nl=False)


@score_cli.command("run")
@click.option("--scheme", "code", required=True, help="指标体系代码")
@click.option("--period", required=True, help="期间，如 2024Q1、2024-B3、2024")
@click.option("--version", type=int, default=None, help="体系版本（默认最新）")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv")
@reports_user_errors
def score_run(code, period, version, fmt):
    """按数据库中已审核通过的数据计分。"""
    from app.scoring.core.files import render
    from app.scoring.service import run_scheme

    run = run_scheme(code, period, version)
    for warning in run.result.warnings:
        click.echo(f"提示：{warning}", err=True)
    click.echo(render(run.result, fmt), nl=False)


@attachments_cli.command("sweep")
@click.option("--hours", default=6, show_default=True, help="只清理早于此时间的文件")
def attachments_sweep(hours):
    """清理没有对应记录的上传文件（例如上传后事务未提交），以及过期的暂存文件
    （表单被退回时为用户保留的文件，保留期满后）。"""
    from datetime import timedelta

    from app.attachments.storage import discard_expired_staged, discard_orphans

    staged = 0
    while True:
        n = discard_expired_staged()
        staged += n
        if n < 200:
            break
    removed = discard_orphans(older_than=timedelta(hours=hours))
    click.echo(f"已清理 {len(removed)} 个孤立文件，{staged} 个过期暂存文件")


@roles_cli.command("sync")
def roles_sync():
    """按代码中的定义同步各角色的权限（可重复执行）。"""
    from app.security.sync import sync_roles

    for role, n in sync_roles().items():
        click.echo(f"{role}: {n} 项权限")


@demo_cli.command("load")
@click.option("--password", envvar="DEMO_PASSWORD", default=None, help="演示账号密码")
@click.option("--without-records", is_flag=True, help="只载入单位和账号，不载入演示季度的记录")
def demo_load(password, without_records):
    """载入单位、演示账号和一个季度的演示记录（可重复执行，不会重复创建）。"""
    from app.demo.load import load_demo

    load_demo(password, quarter=not without_records)
    click.echo("演示数据已载入")


@demo_cli.command("accounts")
def demo_accounts():
    """以 CSV 输出演示账号（login, roles, unit）。"""
    from app.demo.load import DEMO_ACCOUNTS

    writer = csv.writer(sys.stdout)
    writer.writerow(["login", "roles", "unit"])
    for acc in DEMO_ACCOUNTS:
        writer.writerow([acc.mobile, "|".join(acc.roles), acc.unit])


@users_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@reports_user_errors
def users_import(path):
    """从 Excel 批量导入用户（全部成功或全部不导入）。"""
    from app.security.user_import import import_users

    created = import_users(path)
    click.echo(f"已导入 {len(created)} 个用户；首次登录时须修改初始密码")


@users_cli.command("create")
@click.option("--mobile", required=True, help="手机号（登录名）")
@click.option("--name", required=True, help="姓名")
@click.option("--unit", "unit_name", required=True, help="单位名称或代码")
@click.option("--role", "roles", multiple=True, required=True, help="角色，可多次指定")
@click.password_option(help="初始密码")
def users_create(mobile, name, unit_name, roles, password):
    """创建一个用户（首次登录时须修改初始密码）。"""
    from app.security.user_import import UserImportError, create_users

    try:
        create_users([{"mobile": mobile, "name": name, "unit": unit_name,
                       "roles": list(roles), "password": password, "email": ""}],
                     first_row=1)
    except UserImportError as exc:
        click.echo(str(exc), err=True)
        raise SystemExit(1) from exc
    click.echo(f"用户 {mobile} 已创建")


def register(app: Flask) -> None:
    for group in (roles_cli, demo_cli, units_cli, users_cli, attachments_cli, scheme_cli,
                  score_cli):
        app.cli.add_command(group)
