"""Registering every record type with the app: one loop over the registry.

For each registered type the kit builds its ModelView and ModelRestApi,
adds the menu entry under the declared group, and grants the role matrix of
:mod:`app.workflow.permissions` on the generated class names.
"""

from __future__ import annotations

import re

from app.kit.api import build_api
from app.kit.views import build_view
from app.workflow.permissions import grant_record_type
from app.workflow.registry import all_types

_BUILT: dict[str, tuple[type, type]] = {}


def classes_for(rt) -> tuple[type, type]:
    """(view class, API class) of a record type, built once per process."""
    if rt.name not in _BUILT:
        _BUILT[rt.name] = (build_view(rt), build_api(rt))
    return _BUILT[rt.name]


def register_record_types(appbuilder) -> None:
    for rt in all_types():
        view, api = classes_for(rt)
        menu = rt.spec.menu
        appbuilder.add_view(view, rt.label, label=rt.label, icon=menu.icon,
                            category=menu.category, category_label=menu.category,
                            category_icon=menu.category_icon)
        appbuilder.add_api(api)
        grant_record_type(rt.view_name, rt.api_name,
                          f"({re.escape(rt.label)}|{re.escape(menu.category)})")
