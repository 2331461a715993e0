"""The role matrix for workflow record types, applied with ``grant``.

录入员: list/show/add/edit/delete (the engine allows drafts only)/submit/withdraw/export;
审核员: list/show/approve/reject/export, edit of the acting step's correctable fields;
改革办: all of it; 领导: list/show/export; 系统管理员: none of the records.
"""

from __future__ import annotations

from app.security.roles import (
    ROLE_CLERK,
    ROLE_LEADER,
    ROLE_REFORM_OFFICE,
    ROLE_REVIEWER,
    grant,
)


def grant_record_type(view: str, api: str, menus: str) -> None:
    """``view``: the ModelView class name, ``api``: the ModelRestApi class
    name, ``menus``: a regex of the menu entries (view and category)."""
    grant(ROLE_CLERK,
          (view, r"can_(list|show|add|edit|delete|export|transition)"),
          (api, r"can_(get|post|put|delete|info)"),
          (menus, r"menu_access"))
    grant(ROLE_REVIEWER,
          (view, r"can_(list|show|edit|export|transition|bulk_reject_form)"),
          (view, r"bulk_(approve|reject)"),
          (api, r"can_(get|put|info)"),
          (menus, r"menu_access"))
    grant(ROLE_REFORM_OFFICE,
          (view, r"can_(list|show|add|edit|delete|export|transition|bulk_reject_form)"),
          (view, r"bulk_(approve|reject)"),
          (api, r"can_(get|post|put|delete|info)"),
          (menus, r"menu_access"))
    grant(ROLE_LEADER,
          (view, r"can_(list|show|export)"),
          (api, r"can_(get|info)"),
          (menus, r"menu_access"))


# the to-do page and the transition API: the engine decides who may act
for _role in (ROLE_CLERK, ROLE_REVIEWER, ROLE_REFORM_OFFICE):
    grant(_role, ("TodoView", r"can_index"), ("待办", r"menu_access"),
          ("WorkflowApi", r"can_(transition|bulk)"))
