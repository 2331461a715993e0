"""`flask roles sync`: make the roles in the database match app/security/roles.py.

Flask-AppBuilder's own ``add_permissions(update_perms=True)`` does the first
half one row at a time, with a commit after each (about 1,300 statements and
280 commits for this app: many seconds at every start and every deploy). Here
the same rows are written set-based: read what exists in three queries, add
what is missing, remove what a view no longer has, commit once.
"""

from __future__ import annotations

from flask import current_app
from flask_appbuilder.security.sqla.models import (
    Permission,
    PermissionView,
    ViewMenu,
    assoc_permissionview_role,
)
from sqlalchemy import delete, select

from app.extensions import db
from app.security.roles import ALL_ROLES, matching_pairs


def wanted_permissions(appbuilder) -> tuple[dict[str, set[str]], set[str]]:
    """What Flask-AppBuilder would register: {view menu: its permissions} of
    every view (``base_permissions`` on ``class_permission_name``), and the
    menu entries (each gets ``menu_access``)."""
    views: dict[str, set[str]] = {}
    for view in appbuilder.baseviews:
        views.setdefault(view.class_permission_name, set()).update(view.base_permissions or ())
    menus: set[str] = set()
    if appbuilder.menu is not None:
        for category in appbuilder.menu.get_list():
            menus.add(category.name)
            menus.update(item.name for item in category.childs if item.name != "-")
    return views, menus


def register_permissions(appbuilder, session=None) -> None:
    """Add the missing permissions, view menus and their pairs; drop the pairs
    a view no longer has (from every role first), as Flask-AppBuilder does.
    Flushes; the caller commits."""
    session = session or db.session
    views, menus = wanted_permissions(appbuilder)
    wanted = {(p, v) for v, perms in views.items() for p in perms}
    wanted |= {("menu_access", m) for m in menus}

    permissions = {p.name: p for p in session.scalars(select(Permission))}
    view_menus = {v.name: v for v in session.scalars(select(ViewMenu))}
    for name in {p for p, _ in wanted} - set(permissions):
        permissions[name] = Permission(name=name)
        session.add(permissions[name])
    for name in (set(views) | menus) - set(view_menus):
        view_menus[name] = ViewMenu(name=name)
        session.add(view_menus[name])
    session.flush()

    existing = {(pv.permission.name, pv.view_menu.name): pv
                for pv in session.scalars(select(PermissionView))
                if pv.permission is not None and pv.view_menu is not None}
    session.add_all(PermissionView(permission=permissions[p], view_menu=view_menus[v])
                    for p, v in wanted - set(existing))
    # a view's permission that the view no longer has (menu_access rows are
    # left alone, as Flask-AppBuilder leaves them)
    stale = [pv.id for (p, v), pv in existing.items()
             if v in views and p != "menu_access" and p not in views[v]]
    if stale:
        session.execute(delete(assoc_permissionview_role).where(
            assoc_permissionview_role.c.permission_view_id.in_(stale)))
        session.execute(delete(PermissionView).where(PermissionView.id.in_(stale)))
        session.expire_all()
    session.flush()


def sync_roles() -> dict[str, int]:
    """Register every view's permissions, then set each role's permissions
    to exactly what its rules select. Idempotent; returns counts per role."""
    appbuilder = current_app.appbuilder
    sm = appbuilder.sm
    for name in (*ALL_ROLES, sm.auth_role_public):
        if sm.find_role(name) is None:
            sm.add_role(name)
    register_permissions(appbuilder)
    all_pvs = db.session.query(PermissionView).all()
    pairs = [(pv.permission.name, pv.view_menu.name) for pv in all_pvs]
    by_pair = {(pv.permission.name, pv.view_menu.name): pv for pv in all_pvs}
    counts = {}
    for name in ALL_ROLES:
        role = sm.find_role(name)
        wanted = {by_pair[p] for p in matching_pairs(name, pairs)}
        if set(role.permissions) != wanted:
            role.permissions = sorted(wanted, key=lambda pv: pv.id)
        counts[name] = len(wanted)
    db.session.commit()
    return counts
