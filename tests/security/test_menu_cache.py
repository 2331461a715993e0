"""The navigation menu is rendered once per permission set and kept
(app/security/menu_cache.py): every user still sees exactly the items of
their own roles, a change of permissions shows on the next page, and the
label 待办 (n) is counted for each request."""

from __future__ import annotations

import re

from flask_appbuilder.security.sqla.models import Permission, PermissionView, Role, ViewMenu
from sqlalchemy import select

from app.extensions import db
from app.workflow.registry import get_type
from tests.kit.test_contract import make
from tests.helpers import login, new_client

CLERK = "13900000011"      # 万州区 录入员
REVIEWER = "13900000012"   # 万州区 审核员
ADMIN = "13900000099"
NAV = re.compile(r'<ul class="nav navbar-nav">(.*?)</ul>\s*<ul class="nav navbar-nav navbar-right">',
                 re.S)


def _menu(client) -> str:
    html = client.get("/").get_data(as_text=True)
    match = NAV.search(html)
    assert match, html[:500]
    return match.group(1)


def _signed_in(app, mobile):
    client = new_client(app)
    login(client, mobile)
    return client


def test_each_user_sees_the_menu_of_their_own_roles(app):
    cache = app.extensions["menu_cache"]
    cache.clear()
    clerk, admin = _signed_in(app, CLERK), _signed_in(app, ADMIN)
    first = _menu(clerk)
    renders = cache.renders
    assert _menu(clerk) == first, "the kept menu differs from the first rendering"
    assert cache.renders == renders, "the second page rendered the menu again"
    admin_menu = _menu(admin)
    assert "系统管理" in admin_menu and "系统管理" not in first
    assert cache.renders == renders + 1
    assert "系统管理" not in _menu(clerk)
    assert "\x00" not in first + admin_menu


def test_a_permission_change_shows_on_the_next_page(app):
    clerk = _signed_in(app, CLERK)
    item = re.compile(r"&nbsp;\s*改革需求</a>")
    assert item.search(_menu(clerk))
    with app.app_context():
        role = db.session.scalar(select(Role).where(Role.name == "录入员"))
        pv = db.session.scalar(
            select(PermissionView).join(Permission).join(ViewMenu)
            .where(Permission.name == "menu_access", ViewMenu.name == "改革需求"))
        assert pv in role.permissions
        role.permissions.remove(pv)
        db.session.commit()
    assert not item.search(_menu(clerk))


def test_the_todo_label_is_counted_per_request(app):
    reviewer = _signed_in(app, REVIEWER)
    label = re.compile(r"待办(?: \((\d+)\))?</a>")

    def count():
        found = label.search(_menu(reviewer))
        assert found, "no 待办 in the menu"
        return int(found.group(1) or 0)

    before = count()
    renders = app.extensions["menu_cache"].renders
    with app.app_context():  # one more 改革需求 waits for the 万州 reviewer
        make(get_type("demand"), CLERK, title="菜单计数", submit=True)
    assert count() == before + 1
    assert app.extensions["menu_cache"].renders == renders


def test_menu_api_lists_each_visible_item_once(app):
    """/api/v1/menu/ (FAB's MenuApi): each item the user may see, in menu
    order, by the user's own menu_access permissions. FAB's flat name list
    doubled at every category (583,214 names for 16 entries)."""
    from tests.helpers import api_token

    menu = app.appbuilder.menu
    with app.test_request_context():
        every = menu.get_flat_name_list()
    expected_count = sum(1 + len(item.childs) for item in menu.get_list())
    assert len(every) == expected_count
    for mobile in (CLERK, REVIEWER, ADMIN):
        client = new_client(app)
        token = api_token(client, mobile)
        resp = client.get("/api/v1/menu/", headers={"Authorization": f"Bearer {token}"})
        assert resp.status_code == 200, resp.get_data(as_text=True)
        with app.app_context():
            from app.security.models import ReformUser

            user = db.session.scalar(select(ReformUser).where(ReformUser.mobile == mobile))
            allowed = {v for p, v in app.appbuilder.sm.permission_set(user) if p == "menu_access"}

        def expect(items):
            out = []
            for item in items:
                if item.name == "-" or not item.should_render() or item.name not in allowed:
                    continue
                out.append(item.name if not item.childs else (item.name, expect(item.childs)))
            return [x for x in out if not isinstance(x, tuple) or x[1]]

        def got(items):
            out = [i["name"] if "childs" not in i else (i["name"], got(i["childs"]))
                   for i in items if i != "-"]
            return [x for x in out if not isinstance(x, tuple) or x[1]]

        shown = got(resp.get_json()["result"])
        assert shown == expect(menu.get_list()), mobile
        assert shown, mobile  # everyone sees something
