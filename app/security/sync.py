"""`flask roles sync`: make the roles in the database match app/security/roles.py."""

from __future__ import annotations

from flask import current_app
from flask_appbuilder.security.sqla.models import PermissionView

from app.extensions import db
from app.security.roles import ALL_ROLES, matching_pairs


def sync_roles() -> dict[str, int]:
    """Register every view's permissions, then set each role's permissions
    to exactly what its rules select. Idempotent; returns counts per role."""
    appbuilder = current_app.appbuilder
    sm = appbuilder.sm
    for name in (*ALL_ROLES, sm.auth_role_public):
        if sm.find_role(name) is None:
            sm.add_role(name)
    appbuilder.add_permissions(update_perms=True)
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
