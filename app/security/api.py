"""REST: a user changes the own password (the way out of the forced change
for API clients).

A password change revokes every token issued before it (app/security/tokens.py),
including the one that made the call: the answer carries a new access token
(and a new refresh token when asked for), since the caller just proved the old
password.
"""

from __future__ import annotations

from flask import request
from flask_appbuilder.api import BaseApi, expose, safe
from flask_appbuilder.exceptions import PasswordComplexityValidationError
from flask_appbuilder.security.decorators import protect
from flask_login import current_user
from flask_jwt_extended import (
    create_access_token,
    create_refresh_token,
    get_jwt_identity,
    verify_jwt_in_request,
)


def _current_user():
    if current_user and current_user.is_authenticated:
        return current_user
    from flask import current_app

    verify_jwt_in_request(optional=True)
    identity = get_jwt_identity()
    return current_app.appbuilder.sm.get_user_by_id(int(identity)) if identity else None


class ChangePasswordApi(BaseApi):
    resource_name = "account"
    openapi_spec_tag = "Account"
    class_permission_name = "ChangePasswordApi"
    method_permission_name = {"post": "post"}

    @expose("/password", methods=["POST"])
    @protect()
    @safe
    def post(self):
        """Change the own password.
        ---
        post:
          description: >-
            Change the signed-in user's password (须先修改初始密码 before any
            other call works).
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  type: object
                  required: [old_password, new_password]
                  properties:
                    old_password: {type: string}
                    new_password: {type: string}
                    refresh:
                      type: boolean
                      description: also return a new refresh token
          responses:
            200:
              description: >-
                密码已修改. Every token issued before the change is revoked;
                the new tokens are returned.
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      message: {type: string}
                      access_token: {type: string}
                      refresh_token: {type: string}
            400:
              $ref: '#/components/responses/400'
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/403'
        """
        payload = request.get_json(silent=True)
        if not isinstance(payload, dict) or not isinstance(payload.get("new_password"), str) \
                or not isinstance(payload.get("old_password"), str):
            return self.response_400(message="请提供 old_password 和 new_password")
        user = _current_user()
        try:
            self.appbuilder.sm.change_own_password(
                user, payload["new_password"], old_password=payload["old_password"]
            )
        except PasswordComplexityValidationError as exc:
            return self.response_400(message=str(exc))
        # the old tokens, this call's included, are revoked now: hand out new ones
        tokens = {"access_token": create_access_token(identity=str(user.id), fresh=True)}
        if payload.get("refresh") is True:
            tokens["refresh_token"] = create_refresh_token(identity=str(user.id))
        return self.response(200, message="密码已修改", **tokens)
