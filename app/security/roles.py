"""The roles and their permissions, defined in code.

Each role is a list of rules ``(view_menu_regex, permission_regex)`` matched
against the permission-view pairs Flask-AppBuilder has registered.
``flask roles sync`` (also run by ``run.py`` and ``flask demo load``) makes the
database match exactly: missing permissions are added, others removed. Feature
packages add their own rules with :func:`grant` when they are imported.
"""

from __future__ import annotations

import re

ROLE_CLERK = "录入员"
ROLE_REVIEWER = "审核员"
ROLE_LEADER = "领导"
ROLE_REFORM_OFFICE = "改革办"
ROLE_ADMIN = "系统管理员"

ALL_ROLES = (ROLE_CLERK, ROLE_REVIEWER, ROLE_LEADER, ROLE_REFORM_OFFICE, ROLE_ADMIN)

# What every signed-in person needs: own password, own profile, language, menu.
_BASE = [
    (r"(Reform)?ResetMyPasswordView", r"can_this_form_(get|post)"),
    (r"UserInfoEditView", r"can_this_form_(get|post)"),
    (r"UserDBModelView", r"can_userinfo"),
    (r"ReformUserDBModelView", r"can_userinfo|resetmypassword|userinfoedit"),
    (r"ChangePasswordApi", r"can_post"),
    (r"MenuApi", r"can_get"),
    (r"(LocaleView|Locale)", r".*"),
]

_ADMIN = [
    (r"(ReformUserDBModelView|UserDBModelView)", r"can_(list|show|add|edit|delete|userinfo)"),
    (r"(ReformUserDBModelView|UserDBModelView)", r"resetpasswords"),
    (r"(Reform)?ResetPasswordView", r"can_this_form_(get|post)"),
    (r"RoleModelView", r"can_(list|show)"),
    (r"UnitModelView", r"can_(list|show|add|edit|delete)"),
    (r"UserImportView", r"can_this_form_(get|post)"),
    (r"(Security|List Users|List Roles|Units|Import Users)", r"menu_access"),
    (r"(OpenApi|SwaggerView)", r"can_(get|show)"),
]

ROLE_RULES: dict[str, list[tuple[str, str]]] = {
    ROLE_CLERK: list(_BASE),
    ROLE_REVIEWER: list(_BASE),
    ROLE_LEADER: list(_BASE),
    ROLE_REFORM_OFFICE: list(_BASE) + [(r"UnitModelView", r"can_(list|show)")],
    ROLE_ADMIN: list(_BASE) + _ADMIN,
}


def grant(role: str, *rules: tuple[str, str]) -> None:
    """Add rules to a role (called by feature packages at import time)."""
    for rule in rules:
        if rule not in ROLE_RULES[role]:
            ROLE_RULES[role].append(rule)


def matching_pairs(role: str, pairs: list[tuple[str, str]]) -> set[tuple[str, str]]:
    """The (permission, view_menu) pairs the role's rules select among ``pairs``."""
    compiled = [(re.compile(v + r"\Z"), re.compile(p + r"\Z")) for v, p in ROLE_RULES[role]]
    return {
        (perm, view)
        for perm, view in pairs
        if any(vr.match(view) and pr.match(perm) for vr, pr in compiled)
    }
