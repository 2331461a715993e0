"""Creating accounts in bulk from an Excel sheet: every row or none.

Columns (first row): 手机号, 姓名, 单位 (name or code), 角色 (several separated
by 、 , ， ; or |), 初始密码, and optionally 电子邮箱. Every bad row and column is
listed in Chinese; nothing is written unless all rows are good. Imported
accounts must change the initial password at first login.
"""

from __future__ import annotations

import re
import tempfile
import zipfile
from pathlib import Path
from xml.etree.ElementTree import ParseError

from flask import current_app, flash, g, redirect
from flask_appbuilder import SimpleFormView
from flask_appbuilder.forms import DynamicForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from sqlalchemy import func, or_, select
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.security import generate_password_hash

from app.errors import BadInput
from app.extensions import db
from app.scope import scope_for
from app.security.models import ReformUser
from app.security.passwords import password_problems
from app.security.roles import ALL_ROLES
from app.security.views import MOBILE_RE
from app.units.models import Unit

COLUMNS = {"手机号": "mobile", "姓名": "name", "单位": "unit", "角色": "roles",
           "初始密码": "password", "电子邮箱": "email"}
REQUIRED = ("手机号", "姓名", "单位", "角色", "初始密码")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class UserImportError(BadInput, ValueError):
    """Nothing was imported; ``errors`` lists every bad row and column (Chinese)
    (also a ValueError, as before: code that catches that still works)."""

    def __init__(self, errors: list[str]):
        self.errors = list(errors)
        super().__init__("导入失败，未导入任何用户。请修正以下问题后重新导入：\n"
                         + "\n".join(self.errors), errors=self.errors)


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def read_rows(path) -> list[dict]:
    """The sheet's rows as dicts keyed by field; raises UserImportError."""
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    # what a file that is not a readable .xlsx raises: not a zip (e.g. an .xls
    # or a CSV renamed), a zip without the workbook's parts, broken XML, an
    # unsupported extension, values openpyxl refuses; rows are read lazily,
    # so reading them is inside too
    unreadable = (zipfile.BadZipFile, KeyError, ParseError, InvalidFileException, ValueError)
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
        try:
            rows = list(wb.worksheets[0].iter_rows(values_only=True))
        finally:
            wb.close()
    except unreadable as exc:
        raise UserImportError([f"无法读取 Excel 文件（请使用 .xlsx 格式）：{exc.__class__.__name__}"]) from exc
    if not rows:
        raise UserImportError(["文件是空的：第 1 行应为表头（手机号、姓名、单位、角色、初始密码）"])
    header = [_cell(h) for h in rows[0]]
    missing = [c for c in REQUIRED if c not in header]
    unknown = [h for h in header if h and h not in COLUMNS]
    errors = [f"表头缺少列「{c}」" for c in missing] + [f"表头有无法识别的列「{h}」" for h in unknown]
    if errors:
        raise UserImportError(errors)
    index = {COLUMNS[h]: i for i, h in enumerate(header) if h in COLUMNS}
    records = []
    for n, row in enumerate(rows[1:], start=2):
        if all(_cell(v) == "" for v in row):
            continue
        rec = {f: _cell(row[i]) if i < len(row) else "" for f, i in index.items()}
        rec["roles"] = [r for r in re.split(r"[、,，;；|]", rec["roles"]) if r.strip()]
        rec["roles"] = [r.strip() for r in rec["roles"]]
        rec["_row"] = n
        records.append(rec)
    if not records:
        raise UserImportError(["文件中没有数据行"])
    return records


def create_users(records: list[dict], first_row: int = 2, actor=None) -> list[ReformUser]:
    """Validate every record, then create all of them in one transaction.

    ``actor``: the administrator importing on the web; accounts can only be
    made in units within the actor's scope (the CLI has no actor).
    """
    session = db.session
    scope = scope_for(actor) if actor is not None else None
    errors: list[str] = []
    units = {u.name: u for u in session.scalars(select(Unit))}
    units.update({u.code: u for u in units.values()})
    sm = current_app.appbuilder.sm
    roles = {name: sm.find_role(name) for name in ALL_ROLES}
    mobiles = [r["mobile"] for r in records]
    emails = [r.get("email") or f"{r['mobile']}@users.invalid" for r in records]
    taken = set(session.scalars(select(ReformUser.username).where(
        or_(ReformUser.username.in_(mobiles), ReformUser.mobile.in_(mobiles)))))
    taken_emails = set(session.scalars(select(func.lower(ReformUser.email)).where(
        func.lower(ReformUser.email).in_([e.lower() for e in emails]))))
    seen_mobiles: dict[str, int] = {}
    for i, rec in enumerate(records):
        row = rec.get("_row", first_row + i)

        def bad(column, message, row=row):
            errors.append(f"第 {row} 行「{column}」：{message}")

        if not MOBILE_RE.match(rec["mobile"]):
            bad("手机号", f"“{rec['mobile']}”不是 11 位中国大陆手机号")
        elif rec["mobile"] in taken:
            bad("手机号", f"{rec['mobile']} 已有账号")
        elif rec["mobile"] in seen_mobiles:
            bad("手机号", f"{rec['mobile']} 与第 {seen_mobiles[rec['mobile']]} 行重复")
        seen_mobiles.setdefault(rec["mobile"], row)
        if not rec["name"]:
            bad("姓名", "不能为空")
        elif len(rec["name"]) > 64:
            bad("姓名", "不能超过 64 个字")
        if rec["unit"] not in units:
            bad("单位", f"找不到单位“{rec['unit']}”" if rec["unit"] else "不能为空")
        elif scope is not None and not scope.covers_unit(units[rec["unit"]]):
            bad("单位", f"无权在“{rec['unit']}”创建账号")
        if not rec["roles"]:
            bad("角色", "不能为空")
        for r in rec["roles"]:
            if r not in roles:
                bad("角色", f"“{r}”不是有效角色（可选：{'、'.join(ALL_ROLES)}）")
        problems = password_problems(rec["password"])
        if problems:
            bad("初始密码", "；".join(problems))
        email = rec.get("email") or ""
        if email and not EMAIL_RE.match(email):
            bad("电子邮箱", f"“{email}”格式不正确")
        elif email and email.lower() in taken_emails:
            bad("电子邮箱", f"{email} 已被其他账号使用")
    if errors:
        raise UserImportError(errors)
    method = current_app.config.get("FAB_PASSWORD_HASH_METHOD", "scrypt")
    created = []
    try:
        for rec in records:
            user = ReformUser(
                first_name=rec["name"], last_name="", username=rec["mobile"],
                mobile=rec["mobile"], email=rec.get("email") or f"{rec['mobile']}@users.invalid",
                active=True, unit=units[rec["unit"]], must_change_password=True,
                password=generate_password_hash(rec["password"], method=method),
                roles=[roles[r] for r in dict.fromkeys(rec["roles"])],
            )
            session.add(user)
            created.append(user)
        session.commit()
    except SQLAlchemyError:  # e.g. a mobile taken in between: undo the batch, re-raise
        session.rollback()
        raise
    return created


def import_users(path, actor=None) -> list[ReformUser]:
    return create_users(read_rows(path), actor=actor)


class UserImportForm(DynamicForm):
    file = FileField(
        "Excel 文件",
        description="第 1 行为表头：手机号、姓名、单位、角色、初始密码（可选：电子邮箱）",
        validators=[FileRequired(message="请选择文件"),
                    FileAllowed(["xlsx"], message="只接受 .xlsx 文件")],
    )


class UserImportView(SimpleFormView):
    form = UserImportForm
    form_title = "批量导入用户"

    def form_post(self, form):
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "users.xlsx"
            form.file.data.save(path)
            try:
                created = import_users(path, actor=g.user)
            except UserImportError as exc:
                for line in [exc.message.splitlines()[0]] + exc.errors:
                    flash(line, "danger")
                return redirect(self.get_redirect())
        flash(f"已导入 {len(created)} 个用户；首次登录时须修改初始密码", "success")
        return redirect(self.get_redirect())
