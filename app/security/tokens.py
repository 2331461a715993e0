"""JWT tokens that die with the password they were issued under.

Each access and refresh token carries a ``pw`` claim: a keyed digest of the
user's password hash at issue time. Every time a token is verified (each REST
call, and /api/v1/security/refresh) the claim is compared with the digest of
the user's current hash, so any change of the stored hash — the user's own
change on the web or by REST, an administrator's reset, ``flask fab
reset-password``, anything else that writes ``ab_user.password`` — revokes
every token issued before it. The hash is salted, so setting the same password
again also revokes. Deactivation is checked at the same point (as FAB's
``load_user_jwt`` already does), so a deactivated user's tokens stop too.

No state is stored: nothing to migrate, nothing to clean up. The digest is an
HMAC with the app's secret key, so the claim (readable by the token's holder)
reveals nothing about the password hash.
"""

from __future__ import annotations

import hashlib
import hmac

from flask import current_app, jsonify

PASSWORD_CLAIM = "pw"

MSG_REVOKED = "登录凭证已失效（密码已修改或账号已停用），请重新登录"
MSG_EXPIRED = "登录凭证已过期，请重新登录"
MSG_INVALID = "登录凭证无效，请重新登录"
MSG_MISSING = "缺少登录凭证，请先登录"


def password_stamp(user) -> str:
    """A keyed digest of the user's current password hash."""
    key = current_app.config.get("JWT_SECRET_KEY") or current_app.config["SECRET_KEY"]
    digest = hmac.new(str(key).encode(), (user.password or "").encode(), hashlib.sha256)
    return digest.hexdigest()[:32]


def _user_for(sm, identity):
    try:
        return sm.get_user_by_id(int(identity))
    except (TypeError, ValueError):
        return None


def install(jwt_manager, sm) -> None:
    """Register the claim, the check and Chinese error answers on FAB's JWTManager."""

    @jwt_manager.additional_claims_loader
    def _claims(identity):
        user = _user_for(sm, identity)
        return {PASSWORD_CLAIM: password_stamp(user)} if user is not None else {}

    @jwt_manager.token_in_blocklist_loader
    def _revoked(_jwt_header, jwt_data) -> bool:
        user = _user_for(sm, jwt_data.get("sub"))
        if user is None or not user.is_active:
            return True
        claim = jwt_data.get(PASSWORD_CLAIM)
        # a token without the claim was issued before this check: refused
        return not isinstance(claim, str) or not hmac.compare_digest(
            claim, password_stamp(user)
        )

    def _answer(message, status):
        return jsonify(message=message), status

    jwt_manager.revoked_token_loader(lambda _h, _d: _answer(MSG_REVOKED, 401))
    jwt_manager.user_lookup_error_loader(lambda _h, _d: _answer(MSG_REVOKED, 401))
    jwt_manager.expired_token_loader(lambda _h, _d: _answer(MSG_EXPIRED, 401))
    # flask-jwt-extended's statuses are kept (422 for a malformed token)
    jwt_manager.invalid_token_loader(lambda _reason: _answer(MSG_INVALID, 422))
    jwt_manager.unauthorized_loader(lambda _reason: _answer(MSG_MISSING, 401))
