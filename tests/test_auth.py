"""Accounts: login by mobile, forced password change, password policy on every
path, login rate limits, CSRF."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.security.models import ReformUser
from tests.helpers import DEMO_PASSWORD, api_token, csrf_token, login, new_client

NEW_USER = "13811112222"
INITIAL = "Init@Pass9"


def _make_user(app, mobile=NEW_USER, password=INITIAL, unit="渝中区", role="录入员"):
    from app.security.user_import import create_users

    with app.app_context():
        create_users([{"mobile": mobile, "name": "新用户", "unit": unit, "roles": [role],
                       "password": password, "email": ""}])


def test_app_boots_and_login_page_is_chinese(client):
    resp = client.get("/login/")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert "登录" in html
    assert 'name="csrf_token"' in html


def test_login_by_mobile_number(client, app):
    resp = login(client, "13900000011")
    assert resp.status_code == 302
    home = client.get("/", follow_redirects=True).get_data(as_text=True)
    assert "万州录入员" in home and "万州区" in home


def test_wrong_password_is_refused(client):
    resp = login(client, "13900000011", "Wrong@Pass1")
    assert resp.status_code == 302
    page = client.get("/").headers.get("Location", "")
    assert "/login/" in page


def test_username_always_equals_mobile(app):
    _make_user(app)
    with app.app_context():
        user = db.session.scalar(select(ReformUser).where(ReformUser.mobile == NEW_USER))
        assert user.username == NEW_USER
        user.mobile = "13811113333"
        db.session.commit()
        assert user.username == "13811113333"


def test_forced_password_change_web(app):
    _make_user(app)
    c = new_client(app)
    assert login(c, NEW_USER, INITIAL).status_code == 302
    # every page sends the user to the password form
    resp = c.get("/unitmodelview/list/")
    assert resp.status_code == 302 and "/resetmypassword/form" in resp.headers["Location"]
    resp = c.get("/")
    assert "/resetmypassword/form" in resp.headers["Location"]
    token = csrf_token(c, "/resetmypassword/form")
    # same password as before: refused
    page = c.post("/resetmypassword/form", data={
        "password": INITIAL, "conf_password": INITIAL, "csrf_token": token})
    assert "新密码不能与当前密码相同" in page.get_data(as_text=True)
    # a weak one: refused with the policy's message
    page = c.post("/resetmypassword/form", data={
        "password": "abc", "conf_password": "abc", "csrf_token": token})
    assert "密码不符合要求" in page.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(ReformUser.must_change_password).where(
            ReformUser.mobile == NEW_USER)) is True
    resp = c.post("/resetmypassword/form", data={
        "password": "Better@Pass2", "conf_password": "Better@Pass2", "csrf_token": token})
    assert resp.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(ReformUser.must_change_password).where(
            ReformUser.mobile == NEW_USER)) is False
    assert c.get("/").status_code == 200


def test_forced_password_change_api(app):
    _make_user(app)
    c = new_client(app)
    token = api_token(c, NEW_USER, INITIAL)
    headers = {"Authorization": f"Bearer {token}"}
    resp = c.get("/api/v1/menu/", headers=headers)
    assert resp.status_code == 403
    assert "修改初始密码" in resp.get_json()["message"]
    # wrong old password, weak new one: refused
    resp = c.post("/api/v1/account/password", headers=headers,
                  json={"old_password": "nope", "new_password": "Better@Pass2"})
    assert resp.status_code == 400 and "原密码不正确" in resp.get_json()["message"]
    resp = c.post("/api/v1/account/password", headers=headers,
                  json={"old_password": INITIAL, "new_password": "short"})
    assert resp.status_code == 400 and "密码不符合要求" in resp.get_json()["message"]
    resp = c.post("/api/v1/account/password", headers=headers,
                  json={"old_password": INITIAL, "new_password": "Better@Pass2"})
    assert resp.status_code == 200
    # the change revokes the token that made it; the answer carries a new one
    assert c.get("/api/v1/menu/", headers=headers).status_code == 401
    new_headers = {"Authorization": f"Bearer {resp.get_json()['access_token']}"}
    assert c.get("/api/v1/menu/", headers=new_headers).status_code == 200


def test_demo_accounts_skip_the_forced_change(login_as):
    c = login_as("13900000001")
    assert c.get("/").status_code == 200


def test_password_policy_admin_form(login_as, app):
    c = login_as("13900000099")
    token = csrf_token(c, "/users/add")
    with app.app_context():
        from app.units.models import Unit

        unit_id = db.session.scalar(select(Unit.id).where(Unit.name == "渝中区"))
        role_id = app.appbuilder.sm.find_role("录入员").id
    form = {"first_name": "张三", "mobile": "13855556666", "unit": str(unit_id),
            "roles": str(role_id), "active": "y", "email": "zs@example.com",
            "password": "weakpass", "conf_password": "weakpass", "csrf_token": token}
    page = c.post("/users/add", data=form).get_data(as_text=True)
    assert "密码不符合要求" in page
    with app.app_context():
        assert db.session.scalar(select(ReformUser).where(
            ReformUser.mobile == "13855556666")) is None
    form.update(password="Strong@Pass1", conf_password="Strong@Pass1")
    resp = c.post("/users/add", data=form)
    assert resp.status_code == 302
    with app.app_context():
        user = db.session.scalar(select(ReformUser).where(ReformUser.mobile == "13855556666"))
        assert user is not None and user.username == "13855556666"
        assert user.must_change_password is True
        assert user.unit.name == "渝中区"


def test_password_policy_cli(runner, app):
    result = runner.invoke(args=["users", "create", "--mobile", "13877778888", "--name", "李四",
                                 "--unit", "渝中区", "--role", "录入员", "--password", "123456"])
    assert result.exit_code == 1
    assert "初始密码" in result.output
    from flask_appbuilder.cli import fab

    result = runner.invoke(fab, args=["create-admin", "--username", "13877779999",
                                      "--firstname", "a", "--lastname", "b", "--email", "a@b.cn",
                                      "--password", "123456"])
    assert "密码不符合要求" in str(result.exception) + result.output
    with app.app_context():
        assert db.session.scalar(select(ReformUser).where(
            ReformUser.username == "13877779999")) is None
    result = runner.invoke(args=["users", "create", "--mobile", "13877778888", "--name", "李四",
                                 "--unit", "渝中区", "--role", "录入员",
                                 "--password", "Good@Pass3"])
    assert result.exit_code == 0, result.output


def test_login_rate_limit_web(app):
    """Failed attempts only, per account: the sixth attempt after five failures
    is refused even with the right password, from any address."""
    c = new_client(app)
    codes = [login(c, "13900000011", "Wrong@Pass1").status_code for _ in range(5)]
    assert codes == [302] * 5
    resp = login(c, "13900000011")
    assert resp.status_code == 429
    assert "登录失败次数过多" in resp.get_data(as_text=True)
    # the account is blocked from another address too ...
    assert login(new_client(app), "13900000011").status_code == 429
    # ... while another account behind the first address still logs in
    resp = login(c, "13900000012")
    assert resp.status_code == 302 and "/login/" not in resp.headers["Location"]


def test_login_rate_limit_api(app):
    c = new_client(app)
    codes = [c.post("/api/v1/security/login", json={
        "username": "13900000011", "password": "Wrong@Pass1", "provider": "db"}).status_code
        for _ in range(5)]
    assert codes == [401] * 5
    resp = c.post("/api/v1/security/login", json={
        "username": "13900000011", "password": DEMO_PASSWORD, "provider": "db"})
    assert resp.status_code == 429
    assert "登录失败次数过多" in resp.get_json()["message"]
    assert api_token(c, "13900000012")


def test_successful_logins_are_not_limited(app):
    """Colleagues behind one office address: successes count for nothing."""
    c = new_client(app)
    for _ in range(3):
        for mobile in ("13900000001", "13900000002", "13900000011", "13900000012"):
            assert api_token(c, mobile)
            resp = login(new_client(app), mobile)
            assert resp.status_code == 302 and "/login/" not in resp.headers["Location"]


def test_post_without_csrf_token_is_refused(login_as, app):
    c = login_as("13900000099")
    resp = c.post("/unitmodelview/add", data={"code": "X1", "name": "测试单位",
                                              "kind": "department"})
    assert resp.status_code == 400
    assert "CSRF" in resp.get_data(as_text=True)
    # the login form itself
    c2 = new_client(app)
    resp = c2.post("/login/", data={"username": "13900000011", "password": DEMO_PASSWORD})
    assert resp.status_code == 400
    # a REST call with the session cookie and no token
    resp = c.post("/api/v1/account/password", json={"old_password": DEMO_PASSWORD,
                                                    "new_password": "Other@Pass4"})
    assert resp.status_code == 400


def test_session_cookie_flags(client):
    token = csrf_token(client)
    resp = client.post("/login/", data={"username": "13900000011", "password": DEMO_PASSWORD,
                                        "csrf_token": token})
    cookie = resp.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Expires=" in cookie


def test_no_self_registration(client):
    assert client.get("/register/form").status_code == 404


def test_login_rate_limit_with_redis_storage(tmp_path, database_url, app):
    """Production keeps the counters in Redis, shared by every worker."""
    import pytest
    import redis

    uri = "redis://127.0.0.1:6379/5"
    try:
        redis.Redis.from_url(uri).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis at 127.0.0.1:6379")
    from tests.conftest import make_app

    apps = [make_app(tmp_path, SQLALCHEMY_DATABASE_URI=database_url,
                     RATELIMIT_STORAGE_URI=uri) for _ in range(2)]
    apps[0].appbuilder.sm.limiter.reset()
    addr = "10.250.0.1"
    codes = []
    for i in range(6):  # alternate between two "workers"; the last try is right
        c = apps[i % 2].test_client()
        c.environ_base["REMOTE_ADDR"] = addr
        password = "Wrong@Pass1" if i < 5 else DEMO_PASSWORD
        codes.append(c.post("/api/v1/security/login", json={
            "username": "13900000011", "password": password, "provider": "db"}).status_code)
    apps[0].appbuilder.sm.limiter.reset()
    assert codes == [401] * 5 + [429]


def test_state_changing_fab_endpoints_refuse_get(login_as, app):
    """FAB accepts GET on /delete/<pk> and /action/<name>/<pk>; a GET has no
    CSRF token, so a link on another site could delete or approve."""
    from app.units.models import Unit

    with app.app_context():
        unit_id = db.session.scalar(select(Unit.id).where(Unit.name == "万盛经开区"))
    c = login_as("13900000099")
    assert c.get(f"/unitmodelview/delete/{unit_id}").status_code == 405
    with app.app_context():
        assert db.session.get(Unit, unit_id) is not None
    token = csrf_token(c, "/unitmodelview/add")
    assert c.post(f"/unitmodelview/delete/{unit_id}", data={}).status_code == 400
    resp = c.post(f"/unitmodelview/delete/{unit_id}", data={"csrf_token": token})
    assert resp.status_code == 302
    with app.app_context():
        assert db.session.get(Unit, unit_id) is None


def test_fab_create_admin_makes_a_working_administrator(runner, app):
    """The production set-up: `flask fab create-admin` with a mobile number."""
    from flask_appbuilder.cli import fab

    result = runner.invoke(fab, args=["create-admin", "--username", "13877770000",
                                      "--firstname", "管理员", "--lastname", "", "--email",
                                      "admin@example.gov.cn", "--password", "Admin@Pass1"])
    assert "created" in result.output
    with app.app_context():
        user = db.session.scalar(select(ReformUser).where(ReformUser.username == "13877770000"))
        assert user.mobile == "13877770000" and user.unit is None
        assert user.must_change_password is True
        assert {r.name for r in user.roles} == {"系统管理员"}
    c = new_client(app)
    assert login(c, "13877770000", "Admin@Pass1").status_code == 302
    token = csrf_token(c, "/resetmypassword/form")
    c.post("/resetmypassword/form", data={"password": "Admin@Pass2",
                                          "conf_password": "Admin@Pass2", "csrf_token": token})
    page = c.get("/users/list/").get_data(as_text=True)
    assert "万州录入员" in page  # an administrator without a unit still manages every account
    assert c.get("/unitmodelview/list/").status_code == 200
