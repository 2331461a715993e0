"""The 待办 page: every record waiting for the signed-in user, over all types.
(The screens of the record types themselves are built by :mod:`app.kit.views`.)"""

from __future__ import annotations

from flask import g, request, url_for
from flask_appbuilder import BaseView, expose, has_access

from app.workflow import engine
from app.workflow.registry import get_type


class TodoLabel:
    """A menu label computed per request: 待办 (n), counted once per request
    in one statement."""

    def __str__(self) -> str:
        from app.security.menu_cache import SLOT, rendering_slots

        try:
            if rendering_slots():  # the menu kept per permission set: filled in per request
                return SLOT
        except RuntimeError:  # outside a request
            return "待办"
        return self.text()

    def text(self) -> str:
        try:
            user = g.user
        except (AttributeError, RuntimeError):
            return "待办"
        if user is None or not getattr(user, "is_authenticated", False):
            return "待办"
        n = g.get("_todo_total")
        if n is None:
            n = g._todo_total = engine.todo_count(user)
        return f"待办 ({n})" if n else "待办"

    def __html__(self) -> str:
        return str(self)

    def __hash__(self) -> int:
        return id(self)

    def __eq__(self, other) -> bool:
        return self is other


KIND_TITLES = {"waiting": "等待我审核", "rejected": "被驳回、待我修改后重新提交",
               "draft": "我的草稿（尚未提交）"}
PAGE_SIZE = 50


class TodoView(BaseView):
    """What needs the signed-in user now, over all types: records waiting at
    the user's step (with 批量通过 / 批量驳回 right here), records rejected back
    to the user with the reason and who rejected, and unsubmitted drafts."""

    route_base = "/todo"
    default_view = "index"

    @expose("/")
    @has_access
    def index(self):
        user = g.user
        counts = engine.todo_counts(user)
        g._todo_total = sum(counts.values())
        sections = []
        for kind in engine.TODO_KINDS:
            groups = []
            for (name, k), n in counts.items():
                if k != kind or not n:
                    continue
                rt = get_type(name)
                page = max(0, request.args.get(f"p_{name}_{kind}", 0, type=int))
                records = engine.todo_page(name, kind, user, page=page, page_size=PAGE_SIZE,
                                           order="changed_on" if kind != "waiting"
                                           else "submitted_on")
                rejections = engine.last_rejections(name, [r.id for r in records]) \
                    if kind == "rejected" else {}
                rows = []
                for r in records:
                    rej = rejections.get(r.id)
                    rows.append({
                        "id": r.id, "title": r.title, "state": r.state_label,
                        "state_code": r.state, "unit": r.unit.name if r.unit else "",
                        "time": (r.submitted_on or r.changed_on).strftime("%Y-%m-%d %H:%M"),
                        "url": url_for(f"{rt.view_endpoint}.show", pk=r.id),
                        "reason": rej.reason if rej else "",
                        "rejected_by": (f"{rej.actor.get_full_name()}（{rej.actor_unit.name}）"
                                        if rej and rej.actor and rej.actor_unit else ""),
                    })
                groups.append({
                    "label": rt.label, "name": name, "rows": rows, "count": n, "page": page,
                    "pages": (n + PAGE_SIZE - 1) // PAGE_SIZE, "endpoint": rt.view_endpoint,
                    "bulk": kind == "waiting",
                })
            sections.append({"kind": kind, "title": KIND_TITLES[kind], "groups": groups,
                             "count": sum(gr["count"] for gr in groups)})
        return self.render_template("workflow/todo.html", sections=sections,
                                    total=g._todo_total, title="待办", due=_due_panel(user))


def _due_panel(user):
    """For a 录入员: the assigned items due within 7 days or overdue."""
    from app.records.assignment.status import due_panel
    from app.security.roles import ROLE_CLERK

    if ROLE_CLERK not in {r.name for r in user.roles}:
        return None

    return due_panel(user)


def type_label(record_type: str) -> str:
    rt = get_type(record_type)
    return rt.label if rt else record_type
