"""Security screens: users with unit and mobile, and the password forms."""

from __future__ import annotations

import re

from flask import flash, g, make_response, request
from flask_appbuilder import expose
from flask_appbuilder.fieldwidgets import BS3PasswordFieldWidget
from flask_appbuilder.models.sqla.filters import FilterNotEqual
from flask_appbuilder.security.decorators import no_cache
from flask_appbuilder.security.forms import LoginForm_db, ResetPasswordForm
from flask_appbuilder.security.views import AuthDBView as FabAuthDBView
from flask_appbuilder.security.views import (
    ResetMyPasswordView,
    ResetPasswordView,
    RoleModelView,
    UserDBModelView,
)
from flask_appbuilder.validators import PasswordComplexityValidator
from flask_appbuilder.widgets import ListWidget, ShowWidget
from flask_babel import lazy_gettext
from wtforms import PasswordField
from werkzeug.security import check_password_hash
from wtforms.validators import DataRequired, EqualTo, Regexp, ValidationError

from app.security.filters import ScopeFilter, UserScopeFilter
from app.security.permission_labels import summary

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")


def _yes_no(value) -> str:
    return "是" if value else "否"


class ReformRoleModelView(RoleModelView):
    """Roles with their permissions in Chinese; FAB's built-in 公开 (Public)
    role, which holds nothing here, is not listed."""

    list_title = "角色列表"
    show_title = "角色详情"
    add_title = "新增角色"
    edit_title = "编辑角色"
    list_widget = ListWidget
    show_widget = ShowWidget
    label_columns = {"name": "角色", "permissions": "权限"}
    list_columns = ["name", "permissions"]
    show_columns = ["name", "permissions"]
    base_filters = [["name", FilterNotEqual, "Public"]]
    formatters_columns = {"permissions": lambda pvs: summary(pvs)}


class ReformUserDBModelView(UserDBModelView):
    """Users: the mobile number is the login name; each user has one unit."""

    label_columns = {
        "mobile": "手机号（登录名）",
        "first_name": "姓名",
        "unit": "单位",
        "roles": "角色",
        "active": "启用",
        "email": "电子邮箱",
        "must_change_password": "须修改初始密码",
        "last_login": "最近登录",
        "login_count": "登录次数",
        "fail_login_count": "登录失败次数",
        "created_on": "创建时间",
        "changed_on": "修改时间",
        "password": "初始密码",
        "conf_password": "确认密码",
    }
    list_columns = ["first_name", "mobile", "unit", "roles", "active"]
    formatters_columns = {"active": _yes_no, "must_change_password": _yes_no}
    search_columns = ["first_name", "mobile", "unit", "roles", "active"]
    show_fieldsets = [
        ("账号", {"fields": ["first_name", "mobile", "unit", "roles", "active", "email"]}),
        ("登录情况", {"fields": ["must_change_password", "last_login", "login_count",
                              "fail_login_count", "created_on", "changed_on"],
                      "expanded": False}),
    ]
    user_show_fieldsets = [
        ("我的账号", {"fields": ["first_name", "mobile", "unit", "roles", "email"]}),
    ]
    add_columns = ["first_name", "mobile", "unit", "roles", "active", "email",
                   "password", "conf_password"]
    edit_columns = ["first_name", "mobile", "unit", "roles", "active", "email"]
    # Dropdowns of units follow the scope rule too.
    add_form_query_rel_fields = {"unit": [["id", ScopeFilter, None]]}
    edit_form_query_rel_fields = {"unit": [["id", ScopeFilter, None]]}
    base_filters = [["id", UserScopeFilter, None]]
    validators_columns = {
        "mobile": [DataRequired(message="请填写手机号"),
                   Regexp(MOBILE_RE, message="手机号须为 11 位中国大陆手机号")],
        "first_name": [DataRequired(message="请填写姓名")],
    }
    add_form_extra_fields = {
        "password": PasswordField(
            "初始密码",
            description="用户首次登录时须修改此密码",
            validators=[DataRequired(message="请填写初始密码"), PasswordComplexityValidator()],
            widget=BS3PasswordFieldWidget(),
        ),
        "conf_password": PasswordField(
            "确认密码",
            validators=[DataRequired(message="请再次填写密码"),
                        EqualTo("password", message="两次填写的密码不一致")],
            widget=BS3PasswordFieldWidget(),
        ),
    }

    def pre_add(self, item):
        super().pre_add(item)
        item.username = item.mobile
        item.must_change_password = True
        if item.last_name is None:
            item.last_name = ""

    def pre_update(self, item):
        super().pre_update(item)
        item.username = item.mobile


class _ChangePasswordForm(ResetPasswordForm):
    password = PasswordField(
        lazy_gettext("Password"),
        description="至少 8 位，包含大写字母、小写字母、数字、特殊字符中的至少三类",
        validators=[DataRequired(message="请填写新密码"), PasswordComplexityValidator()],
        widget=BS3PasswordFieldWidget(),
    )
    conf_password = PasswordField(
        lazy_gettext("Confirm Password"),
        validators=[EqualTo("password", message="两次填写的密码不一致")],
        widget=BS3PasswordFieldWidget(),
    )


class _ChangeMyPasswordForm(_ChangePasswordForm):
    def validate_password(self, field):
        if g.user.password and check_password_hash(g.user.password, field.data or ""):
            raise ValidationError("新密码不能与当前密码相同")


class ReformResetMyPasswordView(ResetMyPasswordView):
    """A user sets the own password; this clears the forced change."""

    form = _ChangeMyPasswordForm
    form_title = "修改密码"
    message = "密码已修改"

    def form_post(self, form):
        self.appbuilder.sm.change_own_password(g.user, form.password.data)
        flash(self.message, "info")


class ReformResetPasswordView(ResetPasswordView):
    """An administrator resets someone's password: they must change it again."""

    form = _ChangePasswordForm
    form_title = "重置用户密码"
    message = "密码已重置，用户下次登录时须修改密码"

    def form_post(self, form):
        pk = request.args.get("pk")
        self.appbuilder.sm.reset_password(pk, form.password.data, must_change=True)
        flash(self.message, "info")


class AuthDBView(FabAuthDBView):
    """FAB's login form, refusing attempts while the account or the address
    is blocked (app/security/login_throttle.py) with 429 and the reason.

    Same class name as FAB's on purpose: FAB names the blueprint after the
    class, and the endpoints ``AuthDBView.login``/``.logout`` are used across
    the app.
    """

    @expose("/login/", methods=["GET", "POST"])
    @no_cache
    def login(self):
        already_in = g.user is not None and g.user.is_authenticated
        if request.method == "POST" and not already_in:
            # CSRF was checked for every POST by app/security/csrf.py
            blocked = self.appbuilder.sm.login_blocked(request.form.get("username"))
            if blocked is not None:
                from app.audit.capture import login_attempt

                login_attempt(self.appbuilder.sm, request.form.get("username"), None,
                              reason=blocked.message)
                flash(blocked.message, "danger")
                page = self.render_template(self.login_template, title=self.title,
                                            form=LoginForm_db(), appbuilder=self.appbuilder)
                response = make_response(page, 429)
                response.headers["Retry-After"] = str(blocked.retry_after)
                return response
        return super().login()
