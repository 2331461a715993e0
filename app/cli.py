"""CLI commands for the set-up steps: roles, demo data, users."""

from __future__ import annotations

import csv
import sys

import click
from flask import Flask
from flask.cli import AppGroup

roles_cli = AppGroup("roles", help="角色与权限")
demo_cli = AppGroup("demo", help="演示数据")
users_cli = AppGroup("users", help="用户账号")
attachments_cli = AppGroup("attachments", help="佐证材料文件")


@attachments_cli.command("sweep")
@click.option("--hours", default=6, show_default=True, help="只清理早于此时间的文件")
def attachments_sweep(hours):
    """清理没有对应记录的上传文件（例如上传后事务未提交）。"""
    from datetime import timedelta

    from app.attachments.storage import discard_orphans

    removed = discard_orphans(older_than=timedelta(hours=hours))
    click.echo(f"已清理 {len(removed)} 个孤立文件")


@roles_cli.command("sync")
def roles_sync():
    """按代码中的定义同步各角色的权限（可重复执行）。"""
    from app.security.sync import sync_roles

    for role, n in sync_roles().items():
        click.echo(f"{role}: {n} 项权限")


@demo_cli.command("load")
@click.option("--password", envvar="DEMO_PASSWORD", default=None, help="演示账号密码")
def demo_load(password):
    """载入单位和演示账号（可重复执行，不会重复创建）。"""
    from app.demo.load import load_demo

    load_demo(password)
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
def users_import(path):
    """从 Excel 批量导入用户（全部成功或全部不导入）。"""
    from app.security.user_import import UserImportError, import_users

    try:
        created = import_users(path)
    except UserImportError as exc:
        click.echo(str(exc), err=True)
        raise SystemExit(1) from exc
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
    for group in (roles_cli, demo_cli, users_cli, attachments_cli):
        app.cli.add_command(group)
