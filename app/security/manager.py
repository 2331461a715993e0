"""The security manager: FAB's, with the unit-aware user, the password policy
on every path, rate-limited REST login and the forced password change."""

from __future__ import annotations

import datetime
import logging

from flask import current_app, flash, g, jsonify, redirect, request, session, url_for
from flask_appbuilder.exceptions import PasswordComplexityValidationError
from flask_appbuilder.security.api import SecurityApi
from flask_appbuilder.security.sqla.manager import SecurityManager
from flask_appbuilder.utils.limit import Limit
from flask_limiter.util import get_remote_address
from werkzeug.security import check_password_hash

from app.security.models import ReformUser
from app.security.passwords import validate_password
from app.security.views import (
    ReformResetMyPasswordView,
    ReformResetPasswordView,
    ReformUserDBModelView,
)

log = logging.getLogger(__name__)


def _login_limit() -> str:
    return current_app.config["AUTH_RATE_LIMIT"]


class RateLimitedSecurityApi(SecurityApi):
    """FAB's /api/v1/security/login, limited like the web login form."""

    limits = [
        Limit(
            limit_value=_login_limit,
            key_func=get_remote_address,
            methods=("POST",),
            error_message="登录尝试过于频繁，请稍后再试",
        )
    ]


# Endpoints a user who must change the initial password may still reach.
_PASSWORD_CHANGE_ENDPOINTS = {
    "ReformResetMyPasswordView.this_form_get",
    "ReformResetMyPasswordView.this_form_post",
    "AuthDBView.logout",
    "AuthDBView.login",
    "ChangePasswordApi.post",
    "SecurityApi.login",
    "RateLimitedSecurityApi.login",
    "RateLimitedSecurityApi.refresh",
    "LocaleView.index",
    "static",
    "appbuilder.static",
}


class ReformSecurityManager(SecurityManager):
    user_model = ReformUser
    userdbmodelview = ReformUserDBModelView
    resetmypasswordview = ReformResetMyPasswordView
    resetpasswordview = ReformResetPasswordView
    security_api = RateLimitedSecurityApi

    # -- password policy on every path -------------------------------------
    def add_user(self, username, first_name, last_name, email, role, password="",
                 hashed_password="", groups=None, **kwargs):
        if not hashed_password:
            validate_password(password)
        return super().add_user(
            username, first_name, last_name, email, role, password=password,
            hashed_password=hashed_password, groups=groups,
        )

    def reset_password(self, userid, password, *, must_change: bool | None = None):
        """Set a new password (checked against the policy).

        ``must_change`` True: an administrator's reset, the user changes it at
        next login; False: the user chose it.
        """
        validate_password(password)
        super().reset_password(userid, password)
        user = self.get_user_by_id(userid)
        user.password_changed_on = datetime.datetime.now()
        if must_change is not None:
            user.must_change_password = must_change
        self.update_user(user)

    def change_own_password(self, user, new_password: str, old_password: str | None = None):
        """A user changes the own password; raises PasswordComplexityValidationError."""
        if old_password is not None and not check_password_hash(user.password, old_password):
            raise PasswordComplexityValidationError("原密码不正确")
        if user.password and check_password_hash(user.password, new_password):
            raise PasswordComplexityValidationError("新密码不能与当前密码相同")
        self.reset_password(user.id, new_password, must_change=False)

    # -- the forced password change ------------------------------------------
    def register_views(self):
        super().register_views()
        from app.security.api import ChangePasswordApi

        self.appbuilder.add_api(ChangePasswordApi)

    @staticmethod
    def before_request():
        SecurityManager.before_request()
        session.permanent = True  # idle timeout: PERMANENT_SESSION_LIFETIME
        user = g.user
        if request.path.startswith("/api/") and (
            user is None or not getattr(user, "is_authenticated", False)
        ):
            user = _jwt_user()
        if user is None or not getattr(user, "is_authenticated", False):
            return None
        if not getattr(user, "must_change_password", False):
            return None
        if request.endpoint in _PASSWORD_CHANGE_ENDPOINTS or (
            request.endpoint or ""
        ).endswith(".static"):
            return None
        message = "首次登录或密码被重置后，须先修改初始密码"
        if request.path.startswith("/api/"):
            return jsonify(message=message), 403
        flash(message, "warning")
        return redirect(url_for("ReformResetMyPasswordView.this_form_get"))


def _jwt_user():
    from flask_jwt_extended import get_jwt_identity, verify_jwt_in_request

    try:
        verify_jwt_in_request(optional=True)
        identity = get_jwt_identity()
    except Exception:  # an invalid token is dealt with by the endpoint itself
        return None
    if identity is None:
        return None
    return current_app.appbuilder.sm.get_user_by_id(int(identity))
