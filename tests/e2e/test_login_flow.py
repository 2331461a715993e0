"""A new account's first login in a real browser: the forced password change."""

from __future__ import annotations

from tests.helpers import DEMO_PASSWORD


def _make_user(app):
    from app.security.user_import import create_users

    with app.app_context():
        create_users([{"mobile": "13611112222", "name": "浏览器用户", "unit": "渝中区",
                       "roles": ["录入员"], "password": "Init@Pass7", "email": ""}])


def _login(page, base, mobile, password):
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", mobile)
    page.fill("input[name=password]", password)
    page.locator("input[type=submit], button[type=submit]").first.click()
    page.wait_for_load_state()


def test_first_login_forces_password_change(app, live_server, page, tmp_path):
    _make_user(app)
    _login(page, live_server, "13611112222", "Init@Pass7")
    assert "/resetmypassword/form" in page.url
    assert "修改初始密码" in page.content()
    # a weak password is refused with the policy's message, in Chinese
    page.fill("input[name=password]", "abc12345")
    page.fill("input[name=conf_password]", "abc12345")
    page.locator("input[type=submit], button[type=submit]").first.click()
    page.wait_for_load_state()
    assert "密码不符合要求" in page.content()
    page.fill("input[name=password]", "Better@Pass8")
    page.fill("input[name=conf_password]", "Better@Pass8")
    page.locator("input[type=submit], button[type=submit]").first.click()
    page.wait_for_load_state()
    assert "/resetmypassword" not in page.url
    assert "浏览器用户" in page.content() and "渝中区" in page.content()
    page.screenshot(path=str(tmp_path / "home.png"))


def test_demo_account_logs_in_and_sees_chinese_menu(app, live_server, page):
    _login(page, live_server, "13900000099", DEMO_PASSWORD)
    html = page.content()
    assert "系统管理" in html and "单位管理" in html
    page.goto(f"{live_server}/unitmodelview/list/")
    assert "渝中区" in page.content() and "单位列表" in page.content()
