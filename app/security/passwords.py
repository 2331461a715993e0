"""The password policy, one function used by every path: the web forms (via
FAB's FAB_PASSWORD_COMPLEXITY_VALIDATOR), the REST API, the CLI and the Excel
import (via the security manager's add_user / reset_password)."""

from __future__ import annotations

import re

from flask import current_app, has_app_context
from flask_appbuilder.exceptions import PasswordComplexityValidationError

WEAK_PASSWORDS = {"123456", "12345678", "123456789", "password", "11111111", "88888888"}


def password_problems(password: str | None, min_length: int | None = None) -> list[str]:
    """Every rule the password breaks, in Chinese; empty when it is acceptable."""
    if min_length is None:
        min_length = current_app.config.get("PASSWORD_MIN_LENGTH", 8) if has_app_context() else 8
    password = password or ""
    problems: list[str] = []
    if len(password) < min_length:
        problems.append(f"长度至少 {min_length} 位")
    classes = sum(
        bool(re.search(p, password)) for p in (r"[a-z]", r"[A-Z]", r"[0-9]", r"[^A-Za-z0-9]")
    )
    if classes < 3:
        problems.append("须包含大写字母、小写字母、数字、特殊字符中的至少三类")
    if password.lower() in WEAK_PASSWORDS or re.fullmatch(r"(.)\1+", password or "x"):
        problems.append("不能使用常见弱密码")
    if re.search(r"\s", password):
        problems.append("不能包含空格")
    return problems


def validate_password(password: str | None) -> None:
    """Raise FAB's PasswordComplexityValidationError with a Chinese message."""
    problems = password_problems(password)
    if problems:
        raise PasswordComplexityValidationError("密码不符合要求：" + "；".join(problems) + "。")
