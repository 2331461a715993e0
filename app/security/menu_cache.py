"""The navigation menu, rendered once per permission set.

Flask-AppBuilder renders the menu on every page: a permission check and a
macro call for each of its ~80 items, a third of the time of rendering a page.
Which items show depends only on the signed-in user's (permission, view)
pairs (FAB's ``is_menu_visible`` asks ``has_access("menu_access", item)``),
so the HTML is kept per permission set, locale and script root, in the
process; a change of roles or permissions is a new key, so nothing has to be
invalidated, in this process or another. The one per-user part, the label
"待办 (n)", is a slot filled in on each request.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from flask import current_app, g, render_template, request
from flask_appbuilder.menu import Menu
from flask_babel import gettext
from markupsafe import Markup, escape

SLOT = "\x00todo-label\x00"
MAX_ENTRIES = 128  # distinct (permission set, locale) pairs kept per process


class MenuCache:
    def __init__(self, max_entries: int = MAX_ENTRIES):
        self._html: OrderedDict = OrderedDict()
        self._lock = threading.Lock()
        self.max_entries = max_entries
        self.renders = 0  # how often the menu was rendered in full (tests read it)

    def get(self, key):
        with self._lock:
            html = self._html.get(key)
            if html is not None:
                self._html.move_to_end(key)
            return html

    def put(self, key, html: str) -> None:
        with self._lock:
            self._html[key] = html
            self._html.move_to_end(key)
            while len(self._html) > self.max_entries:
                self._html.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._html.clear()


def rendering_slots() -> bool:
    """True while the menu is being rendered for the cache: per-user labels
    (:class:`app.workflow.views.TodoLabel`) write their slot instead."""
    return bool(g.get("_menu_slots"))


def _key():
    from flask_babel import get_locale

    user = g.get("user")
    if user is None or not getattr(user, "is_authenticated", False):
        return None  # the login page: not worth keeping
    sm = current_app.appbuilder.sm
    return (sm.permission_set(user), str(get_locale()), request.script_root)


def navbar_menu_html() -> Markup:
    cache: MenuCache = current_app.extensions["menu_cache"]
    key = _key()
    html = cache.get(key) if key is not None else None
    if html is None:
        g._menu_slots = key is not None
        try:
            html = render_template("appbuilder/navbar_menu_items.html",
                                   menu=current_app.appbuilder.menu)
        finally:
            g._menu_slots = False
        cache.renders += 1
        if key is not None:
            cache.put(key, html)
    if SLOT in html:
        from app.workflow.views import TodoLabel

        html = html.replace(SLOT, str(escape(TodoLabel().text())))
    return Markup(html)


class ReformMenu(Menu):
    """FAB's menu, with the menu API (``/api/v1/menu/``) made linear.

    FAB 5.3's ``get_flat_name_list`` appends each category's names to the
    list and then extends the list with itself, doubling it at every category
    (583,214 names for this app's 68 items), and ``get_data`` asks for the
    user's menu access with that list again for every category."""

    def get_flat_name_list(self, menu=None, result=None) -> list:
        result = [] if result is None else result
        for item in self.menu if menu is None else menu:
            result.append(item.name)
            if item.childs:
                self.get_flat_name_list(item.childs, result)
        return result

    def get_data(self, menu=None):
        allowed = current_app.appbuilder.sm.get_user_menu_access(self.get_flat_name_list())
        return self._data(self.menu if menu is None else menu, allowed)

    def _data(self, menu, allowed) -> list:
        out = []
        for i, item in enumerate(menu):
            if not item.should_render():
                continue
            if item.name == "-" and i != len(menu) - 1:
                out.append("-")
            elif item.name not in allowed:
                continue
            elif item.childs:
                out.append({"name": item.name, "icon": item.icon,
                            "label": gettext(str(item.label)),
                            "childs": self._data(item.childs, allowed)})
            else:
                out.append({"name": item.name, "icon": item.icon,
                            "label": gettext(str(item.label)), "url": item.get_url()})
        return out


def init_app(app) -> None:
    app.extensions["menu_cache"] = MenuCache()
    app.add_template_global(navbar_menu_html, "navbar_menu_html")
