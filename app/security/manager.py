"""The security manager: FAB's, with the unit-aware user, the password policy
on every path, the login limit on failed attempts, tokens revoked by a
password change, security headers and the forced password change."""

from __future__ import annotations

import datetime
import logging

from flask import current_app, flash, g, jsonify, redirect, request, session, url_for
from flask_appbuilder.api import expose, safe
from flask_appbuilder.exceptions import PasswordComplexityValidationError
from flask_appbuilder.security.api import SecurityApi
from flask_appbuilder.security.sqla.manager import SecurityManager
from werkzeug.security import check_password_hash

from app.security import headers, tokens
from app.security.login_throttle import Blocked, LoginThrottle, account_key, client_address
from app.security.models import ReformUser
from app.security.passwords import validate_password
from app.security.views import (
    AuthDBView,
    ReformResetMyPasswordView,
    ReformResetPasswordView,
    ReformRoleModelView,
    ReformUserDBModelView,
)

log = logging.getLogger(__name__)


class RateLimitedSecurityApi(SecurityApi):
    """FAB's /api/v1/security/login under the login limit on failed attempts
    (app/security/login_throttle.py), shared with the web form."""

    @expose("/login", methods=["POST"])
    @safe
    def login(self):
        """Login endpoint for the API returns a JWT and optionally a refresh token
        ---
        post:
          description: >-
            Authenticate and get a JWT access and refresh token. Failed attempts
            are limited per account and per client address; while either is
            blocked every attempt is refused with 429.
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  type: object
                  properties:
                    username:
                      description: The login name (手机号)
                      example: "13900000011"
                      type: string
                    password:
                      description: The password for authentication
                      example: complex-password
                      type: string
                    provider:
                      description: Choose an authentication provider
                      example: db
                      type: string
                      enum:
                      - db
                    refresh:
                      description: If true a refresh token is provided also
                      example: true
                      type: boolean
          responses:
            200:
              description: Authentication Successful
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      access_token:
                        type: string
                      refresh_token:
                        type: string
            400:
              $ref: '#/components/responses/400'
            401:
              $ref: '#/components/responses/401'
            429:
              description: 登录失败次数过多，请稍后再试
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      message:
                        type: string
            500:
              $ref: '#/components/responses/500'
        """
        payload = request.get_json(silent=True)
        username = payload.get("username") if isinstance(payload, dict) else None
        blocked = self.appbuilder.sm.login_blocked(username if isinstance(username, str)
                                                   else None)
        if blocked is not None:
            from app.audit.capture import login_attempt

            login_attempt(self.appbuilder.sm, username, None, reason=blocked.message)
            response = self.response(429, message=blocked.message)
            response.headers["Retry-After"] = str(blocked.retry_after)
            return response
        response = super().login()
        if response.status_code == 401:
            return self.response(401, message="手机号或密码错误")
        return response


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
    rolemodelview = ReformRoleModelView
    resetmypasswordview = ReformResetMyPasswordView
    resetpasswordview = ReformResetPasswordView
    authdbview = AuthDBView
    security_api = RateLimitedSecurityApi

    def __init__(self, appbuilder):
        super().__init__(appbuilder)
        headers.install(current_app._get_current_object())

    def get_user_by_id(self, pk):
        """The user with roles, groups and unit in one statement (each request
        loads the signed-in user; lazy loads made that four)."""
        from sqlalchemy import select
        from sqlalchemy.orm import joinedload

        try:
            pk = int(pk)  # FAB passes ids from query strings as text
        except (TypeError, ValueError):
            return None
        # a REST call asks up to five times (the token's revocation check and
        # user look-up, each in two verifications, and the password-change
        # guard): once per app context, while the row is in the session
        # (where commits expire it, so what is read is never stale)
        known = g.setdefault("_users_by_id", {})
        user = known.get(pk)
        if user is not None and user in self.session:
            return user
        model = self.user_model
        user = self.session.execute(
            select(model).options(joinedload(model.roles), joinedload(model.groups),
                                  joinedload(model.unit))
            .where(model.id == pk)
        ).unique().scalar_one_or_none()
        if user is not None:
            known[pk] = user
        return user

    # -- permissions: the user's whole set once per request ---------------------
    def permission_set(self, user) -> frozenset[tuple[str, str]]:
        """Every (permission, view) pair of the user's roles, loaded in one
        query and kept for the rest of the request (FAB asks the database once
        per check: 16 checks on a list page)."""
        cache = g.setdefault("_permission_sets", {})
        key = (getattr(user, "id", None), tuple(sorted(r.id for r in self.get_user_roles(user))))
        if key not in cache:
            from flask_appbuilder.security.sqla.models import assoc_permissionview_role

            role_ids = list(key[1])
            cache[key] = self._pairs(
                assoc_permissionview_role.c.role_id.in_(role_ids)) if role_ids else frozenset()
        return cache[key]

    def _pairs(self, role_clause) -> frozenset[tuple[str, str]]:
        """The (permission, view) pairs of the roles that ``role_clause`` selects."""
        from flask_appbuilder.security.sqla.models import (
            Permission,
            PermissionView,
            ViewMenu,
            assoc_permissionview_role,
        )
        from sqlalchemy import select

        rows = self.appbuilder.session.execute(
            select(Permission.name, ViewMenu.name)
            .join(PermissionView, PermissionView.permission_id == Permission.id)
            .join(ViewMenu, PermissionView.view_menu_id == ViewMenu.id)
            .join(assoc_permissionview_role,
                  assoc_permissionview_role.c.permission_view_id == PermissionView.id)
            .where(role_clause)
        ).all()
        return frozenset((perm, view) for perm, view in rows)

    def is_item_public(self, permission_name, view_name) -> bool:
        """FAB asks this first on every REST call (two statements: the public
        role, then its permissions); here one statement per request."""
        cache = g.setdefault("_permission_sets", {})
        if "public" not in cache:
            from flask_appbuilder.security.sqla.models import Role, assoc_permissionview_role
            from sqlalchemy import select

            cache["public"] = self._pairs(assoc_permissionview_role.c.role_id.in_(
                select(Role.id).where(Role.name == self.auth_role_public).scalar_subquery()))
        return (permission_name, view_name) in cache["public"]

    def _has_view_access(self, user, permission_name, view_name) -> bool:
        return (permission_name, view_name) in self.permission_set(user)

    def _get_user_permission_view_menus(self, user, permission_name, view_menus_name):
        if user is None:
            return super()._get_user_permission_view_menus(user, permission_name,
                                                           view_menus_name)
        perms = self.permission_set(user)
        names = view_menus_name if view_menus_name is not None else {v for _, v in perms}
        return {v for v in names if (permission_name, v) in perms}

    # -- tokens revoked by a password change ---------------------------------
    def create_jwt_manager(self, app):
        jwt_manager = super().create_jwt_manager(app)
        tokens.install(jwt_manager, self)
        return jwt_manager

    # -- the login limit: failed attempts per account and per address ----------
    @property
    def is_auth_limited(self) -> bool:
        """Keeps FAB from limiting every POST to the login form per address
        (successful logins included): the limit is login_blocked() instead,
        switched by the same AUTH_RATE_LIMITED."""
        return False

    def _login_throttle(self) -> LoginThrottle | None:
        if not current_app.config.get("AUTH_RATE_LIMITED") or not self.limiter.enabled:
            return None
        return LoginThrottle(self.limiter.storage)

    def login_blocked(self, username: str | None) -> Blocked | None:
        """Why a login attempt with this name from this address is refused now."""
        throttle = self._login_throttle()
        if throttle is None:
            return None
        return throttle.blocked(account_key(self, username), client_address())

    def auth_user_db(self, username, password):
        """FAB's check, not even attempted while blocked; a failure is counted."""
        from app.audit.capture import login_attempt  # every attempt is audited

        throttle = self._login_throttle()
        if throttle is None:
            user = super().auth_user_db(username, password)
            login_attempt(self, username, user)
            return user
        account, address = account_key(self, username), client_address()
        blocked = throttle.blocked(account, address)
        if blocked is not None:
            log.warning("login refused for %r from %s: %s", username, address, blocked.message)
            login_attempt(self, username, None, reason=blocked.message)
            return None
        user = super().auth_user_db(username, password)
        if user is None:
            throttle.record_failure(account, address)
        login_attempt(self, username, user)
        return user

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
