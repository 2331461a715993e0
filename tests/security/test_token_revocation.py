"""JWT access and refresh tokens die with the password they were issued under.

Every way of changing a password is exercised: the user's own web form, the
REST change, an administrator's reset, and FAB's CLI (which goes through the
security manager's ``reset_password``, like every other server-side path).
"""

from __future__ import annotations

import datetime

import jwt
import pytest
from sqlalchemy import select

from app.extensions import db
from app.security.models import ReformUser
from tests.helpers import DEMO_PASSWORD, csrf_token, new_client
from tests.security.util import REFRESH_API, api_login, api_tokens, bearer

CLERK = "13900000011"
ADMIN = "13900000099"
NEW_PASSWORD = "Newer@Pass7"


def _menu(client, access):
    return client.get("/api/v1/menu/", headers=bearer(access))


def _refresh(client, refresh):
    return client.post(REFRESH_API, headers=bearer(refresh))


def _assert_revoked(resp):
    assert resp.status_code == 401, resp.get_data(as_text=True)
    message = resp.get_json()["message"]
    assert "重新登录" in message, message


def _assert_old_tokens_refused(client, access, refresh):
    _assert_revoked(_menu(client, access))
    _assert_revoked(_refresh(client, refresh))
    # a refused refresh token does not hand out a new access token either
    assert "access_token" not in (_refresh(client, refresh).get_json() or {})


def _user_id(app, mobile):
    with app.app_context():
        return db.session.scalar(select(ReformUser.id).where(ReformUser.mobile == mobile))


def test_tokens_work_before_any_change(app):
    c = new_client(app)
    access, refresh = api_tokens(c, CLERK)
    assert _menu(c, access).status_code == 200
    resp = _refresh(c, refresh)
    assert resp.status_code == 200
    assert _menu(c, resp.get_json()["access_token"]).status_code == 200


def test_own_change_on_the_web_revokes_tokens(app, login_as):
    api = new_client(app)
    access, refresh = api_tokens(api, CLERK)
    web = login_as(CLERK)
    token = csrf_token(web, "/resetmypassword/form")
    resp = web.post("/resetmypassword/form", data={
        "password": NEW_PASSWORD, "conf_password": NEW_PASSWORD, "csrf_token": token})
    assert resp.status_code == 302
    _assert_old_tokens_refused(api, access, refresh)
    # the old password no longer logs in; the new one does and its tokens work
    assert api_login(api, CLERK, DEMO_PASSWORD).status_code == 401
    new_access, new_refresh = api_tokens(api, CLERK, NEW_PASSWORD)
    assert _menu(api, new_access).status_code == 200
    assert _refresh(api, new_refresh).status_code == 200


def test_rest_change_revokes_tokens_and_returns_new_ones(app):
    c = new_client(app)
    access, refresh = api_tokens(c, CLERK)
    other_access, other_refresh = api_tokens(new_client(app), CLERK)  # another device
    resp = c.post("/api/v1/account/password", headers=bearer(access),
                  json={"old_password": DEMO_PASSWORD, "new_password": NEW_PASSWORD,
                        "refresh": True})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    body = resp.get_json()
    assert body["message"] == "密码已修改"
    _assert_old_tokens_refused(c, access, refresh)
    _assert_old_tokens_refused(c, other_access, other_refresh)
    # the caller proved the old password: it gets tokens under the new one
    assert _menu(c, body["access_token"]).status_code == 200
    assert _refresh(c, body["refresh_token"]).status_code == 200
    new_access, _ = api_tokens(c, CLERK, NEW_PASSWORD)
    assert _menu(c, new_access).status_code == 200


def test_rest_change_without_refresh_returns_an_access_token_only(app):
    c = new_client(app)
    access, _ = api_tokens(c, CLERK)
    resp = c.post("/api/v1/account/password", headers=bearer(access),
                  json={"old_password": DEMO_PASSWORD, "new_password": NEW_PASSWORD})
    assert resp.status_code == 200
    body = resp.get_json()
    assert "refresh_token" not in body
    assert _menu(c, body["access_token"]).status_code == 200


def test_refused_rest_change_keeps_tokens(app):
    """A wrong old password changes nothing, so nothing is revoked."""
    c = new_client(app)
    access, refresh = api_tokens(c, CLERK)
    resp = c.post("/api/v1/account/password", headers=bearer(access),
                  json={"old_password": "Wrong@Pass1", "new_password": NEW_PASSWORD})
    assert resp.status_code == 400
    assert _menu(c, access).status_code == 200
    assert _refresh(c, refresh).status_code == 200


def test_administrator_reset_revokes_tokens(app, login_as):
    api = new_client(app)
    access, refresh = api_tokens(api, CLERK)
    admin = login_as(ADMIN)
    user_id = _user_id(app, CLERK)
    path = f"/resetpassword/form?pk={user_id}"
    token = csrf_token(admin, path)
    resp = admin.post(path, data={"password": NEW_PASSWORD, "conf_password": NEW_PASSWORD,
                                  "csrf_token": token})
    assert resp.status_code == 302
    _assert_old_tokens_refused(api, access, refresh)
    # the new token is accepted: the user is sent to the forced change (403),
    # not refused as unauthenticated, and can make that change with it
    new_access, _ = api_tokens(api, CLERK, NEW_PASSWORD)
    resp = _menu(api, new_access)
    assert resp.status_code == 403 and "修改初始密码" in resp.get_json()["message"]
    resp = api.post("/api/v1/account/password", headers=bearer(new_access),
                    json={"old_password": NEW_PASSWORD, "new_password": "Third@Pass8"})
    assert resp.status_code == 200
    assert _menu(api, resp.get_json()["access_token"]).status_code == 200


def test_cli_reset_revokes_tokens(app, runner):
    from flask_appbuilder.cli import fab

    c = new_client(app)
    access, refresh = api_tokens(c, CLERK)
    result = runner.invoke(fab, args=["reset-password", "--username", CLERK,
                                      "--password", NEW_PASSWORD])
    assert result.exit_code == 0, result.output
    _assert_old_tokens_refused(c, access, refresh)
    new_access, new_refresh = api_tokens(c, CLERK, NEW_PASSWORD)
    assert _menu(c, new_access).status_code == 200
    assert _refresh(c, new_refresh).status_code == 200


def test_security_manager_reset_password_revokes_tokens(app):
    """The server-side path every other change goes through."""
    c = new_client(app)
    access, refresh = api_tokens(c, CLERK)
    with app.app_context():
        app.appbuilder.sm.reset_password(_user_id(app, CLERK), NEW_PASSWORD)
        db.session.remove()
    _assert_old_tokens_refused(c, access, refresh)


def test_same_password_set_again_still_revokes(app):
    """A reset to the same text is still a reset (e.g. after a leak was
    suspected and the administrator re-issued the initial password)."""
    c = new_client(app)
    access, refresh = api_tokens(c, CLERK)
    with app.app_context():
        app.appbuilder.sm.reset_password(_user_id(app, CLERK), DEMO_PASSWORD)
        db.session.remove()
    _assert_old_tokens_refused(c, access, refresh)
    assert _menu(c, api_tokens(c, CLERK)[0]).status_code == 200


def test_other_account_changes_keep_tokens(app):
    """Only the password counts: editing the name or unit revokes nothing."""
    c = new_client(app)
    access, refresh = api_tokens(c, CLERK)
    with app.app_context():
        user = db.session.scalar(select(ReformUser).where(ReformUser.mobile == CLERK))
        user.first_name = "改名后"
        user.changed_on = datetime.datetime.now()
        db.session.commit()
        db.session.remove()
    assert _menu(c, access).status_code == 200
    assert _refresh(c, refresh).status_code == 200


def test_other_users_tokens_are_unaffected(app):
    c = new_client(app)
    access, refresh = api_tokens(c, "13900000012")
    with app.app_context():
        app.appbuilder.sm.reset_password(_user_id(app, CLERK), NEW_PASSWORD)
        db.session.remove()
    assert _menu(c, access).status_code == 200
    assert _refresh(c, refresh).status_code == 200


def test_deactivation_revokes_tokens_with_a_chinese_message(app):
    c = new_client(app)
    access, refresh = api_tokens(c, CLERK)
    with app.app_context():
        user = db.session.scalar(select(ReformUser).where(ReformUser.mobile == CLERK))
        user.active = False
        db.session.commit()
        db.session.remove()
    _assert_old_tokens_refused(c, access, refresh)


@pytest.mark.parametrize("claims", [{}, {"pw": "0" * 32}])
def test_token_without_the_current_password_claim_is_refused(app, claims):
    """A validly signed token that lacks the claim (issued before this check
    existed) or carries a wrong one is refused."""
    now = datetime.datetime.now(datetime.timezone.utc)
    payload = {"sub": str(_user_id(app, CLERK)), "type": "access", "fresh": True,
               "jti": "test-jti", "iat": now, "nbf": now,
               "exp": now + datetime.timedelta(minutes=5), **claims}
    key = app.config.get("JWT_SECRET_KEY") or app.config["SECRET_KEY"]
    token = jwt.encode(payload, key, algorithm="HS256")
    _assert_revoked(_menu(new_client(app), token))


def test_missing_and_expired_tokens_get_chinese_messages(app):
    c = new_client(app)
    resp = c.get("/api/v1/menu/", headers=bearer("not-a-token"))
    assert resp.status_code in (401, 422)
    assert "登录凭证" in resp.get_json()["message"]
    now = datetime.datetime.now(datetime.timezone.utc)
    payload = {"sub": str(_user_id(app, CLERK)), "type": "access", "fresh": True,
               "jti": "test-jti", "iat": now - datetime.timedelta(hours=2),
               "nbf": now - datetime.timedelta(hours=2),
               "exp": now - datetime.timedelta(hours=1)}
    key = app.config.get("JWT_SECRET_KEY") or app.config["SECRET_KEY"]
    resp = c.get("/api/v1/menu/", headers=bearer(jwt.encode(payload, key, algorithm="HS256")))
    assert resp.status_code == 401
    assert "过期" in resp.get_json()["message"]
