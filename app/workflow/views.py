"""The 待办 page: every record waiting for the signed-in user, over all types.
(The screens of the record types themselves are built by :mod:`app.kit.views`.)"""

from __future__ import annotations

from flask import g, url_for
from flask_appbuilder import BaseView, expose, has_access

from app.workflow import engine
from app.workflow.registry import get_type


class TodoLabel:
    """A menu label computed per request: 待办 (n)."""

    def __str__(self) -> str:
        try:
            user = g.user
        except (AttributeError, RuntimeError):
            return "待办"
        if user is None or not getattr(user, "is_authenticated", False):
            return "待办"
        n = engine.todo_count(user)
        return f"待办 ({n})" if n else "待办"

    def __html__(self) -> str:
        return str(self)

    def __hash__(self) -> int:
        return id(self)

    def __eq__(self, other) -> bool:
        return self is other


class TodoView(BaseView):
    """Every record waiting for the signed-in user's action, over all types."""

    route_base = "/todo"
    default_view = "index"

    @expose("/")
    @has_access
    def index(self):
        groups = []
        for rt, records in engine.todo(g.user):
            rows = [{"id": r.id, "title": r.title, "state": r.state_label,
                     "unit": r.unit.name if r.unit else "",
                     "submitted_on": r.submitted_on.strftime("%Y-%m-%d %H:%M")
                     if r.submitted_on else "",
                     "url": url_for(f"{rt.view_endpoint}.show", pk=r.id)
                     if rt.view_endpoint else None} for r in records]
            groups.append({"label": rt.label, "name": rt.name, "rows": rows})
        total = sum(len(grp["rows"]) for grp in groups)
        return self.render_template("workflow/todo.html", groups=groups, total=total,
                                    title="待办")


def type_label(record_type: str) -> str:
    rt = get_type(record_type)
    return rt.label if rt else record_type
