"""Generated views for workflow records: the base ModelView (scope, locks,
workflow buttons, history timeline, 批量通过 / 批量驳回) and the 待办 page."""

from __future__ import annotations

from flask import abort, current_app, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, ModelView, expose, has_access
from flask_appbuilder.actions import action
from sqlalchemy import inspect as sa_inspect

from app.security.filters import ScopeFilter
from app.workflow import engine
from app.workflow.engine import ACTION_LABELS, RecordNotFound, WorkflowError
from app.workflow.registry import get_type

# Labels of the columns every workflow record has (WorkflowMixin).
WORKFLOW_LABELS = {
    "id": "编号",
    "unit": "填报单位",
    "filed_by": "填报人",
    "state": "状态",
    "state_label": "状态",
    "created_on": "填报时间",
    "submitted_on": "提交时间",
    "approved_on": "通过时间",
}

BULK_ACTIONS = ("bulk_approve", "bulk_reject")
BUTTON_STYLES = {"submit": "primary", "withdraw": "default", "approve": "success",
                 "reject": "danger"}


def refuse_page(message: str, status: int = 403):
    from app import error_page

    return error_page(current_app, message, status)


def history_rows(record_type: str, record) -> list[dict]:
    chain = type(record).__chain__
    rows = []
    for h in engine.history_of(record_type, record.id):
        rows.append({
            "time": h.created_on.strftime("%Y-%m-%d %H:%M:%S"),
            "actor": h.actor.get_full_name() if h.actor else "",
            "unit": h.actor_unit.name if h.actor_unit else "",
            "action": ACTION_LABELS.get(h.action, h.action),
            "from": chain.state_label(h.from_state),
            "to": chain.state_label(h.to_state),
            "reason": h.reason or "",
            "kind": h.action,
        })
    return rows


class WorkflowModelView(ModelView):
    """Base for every record type's ModelView. Subclasses set ``datamodel``
    and ``record_type``; columns and labels are theirs."""

    record_type: str = ""
    base_filters = [["id", ScopeFilter, None]]
    base_order = ("id", "desc")
    show_template = "workflow/show.html"

    # -- adding, editing, deleting ---------------------------------------------
    def pre_add(self, item):
        user = g.user
        if getattr(user, "unit_id", None) is None:
            raise ValueError("您的账号未关联单位，不能填报")
        item.unit_id = user.unit_id
        item.filed_by_id = user.id
        item.state = "draft"
        item.version = 1
        self._clean(item)

    def pre_update(self, item):
        allowed = set(engine.editable_fields(g.user, item))
        changed = [a.key for a in sa_inspect(item).attrs if a.history.has_changes()]
        bad = [key for key in changed if key not in allowed]
        if bad:
            self.datamodel.session.rollback()
            names = "、".join(str(self.label_columns.get(k, k)) for k in sorted(allowed))
            raise ValueError(f"当前只能修改：{names}" if names else "您无权修改该记录")
        self._clean(item)

    def pre_delete(self, item):
        why = engine.delete_refusal(g.user, item)
        if why:
            raise ValueError(why)

    def _clean(self, item):
        errors = item.clean() if hasattr(item, "clean") else []
        if errors:
            self.datamodel.session.rollback()
            raise ValueError("；".join(errors))

    @expose("/edit/<pk>", methods=["GET", "POST"])
    @has_access
    def edit(self, pk):
        item = self.datamodel.get(pk, self._base_filters)
        if item is None:
            abort(404)
        why = engine.edit_refusal(g.user, item)
        if why:
            return refuse_page(why)
        return super().edit(pk)

    @expose("/delete/<pk>", methods=["GET", "POST"])
    @has_access
    def delete(self, pk):
        item = self.datamodel.get(pk, self._base_filters)
        if item is None:
            abort(404)
        why = engine.delete_refusal(g.user, item)
        if why:
            return refuse_page(why)
        return super().delete(pk)

    # -- the show page: buttons and the history timeline -------------------------
    def render_template(self, template, **kwargs):
        if template == self.show_template and "pk" in kwargs:
            item = self.datamodel.get(kwargs["pk"], self._base_filters)
            if item is not None:
                kwargs["wf"] = {
                    "record": item,
                    "state_label": item.state_label,
                    "actions": [(a, ACTION_LABELS[a], BUTTON_STYLES[a])
                                for a in engine.available_actions(g.user, item)],
                    "history": history_rows(self.record_type, item),
                    "steps": [s.label for s in type(item).__chain__.steps],
                    "endpoint": self.endpoint,
                    "can_edit": bool(engine.editable_fields(g.user, item)),
                    "extra": self.show_extra(item),
                }
        return super().render_template(template, **kwargs)

    def show_extra(self, item) -> dict:
        """More for the show page (e.g. attachments); subclasses override."""
        return {}

    @expose("/transition/<int:pk>/<name>", methods=["POST"])
    @has_access
    def transition(self, pk, name):
        try:
            engine.transition(self.record_type, pk, name, g.user, request.form.get("reason"))
        except RecordNotFound:
            abort(404)
        except WorkflowError as exc:
            flash(exc.message, "danger")
        else:
            flash(f"已{ACTION_LABELS[name]}", "success")
        return redirect(url_for(f"{self.endpoint}.show", pk=pk))

    # -- 批量通过 / 批量驳回 --------------------------------------------------------
    @action("bulk_approve", "批量通过", "确定通过所选记录吗？", "fa-check", single=False)
    def bulk_approve(self, items):  # pragma: no cover - action_post handles it by id
        return redirect(self.get_redirect())

    @action("bulk_reject", "批量驳回", "", "fa-times", single=False)
    def bulk_reject(self, items):  # pragma: no cover - action_post handles it by id
        return redirect(self.get_redirect())

    @expose("/action_post", methods=["POST"])
    def action_post(self):
        """FAB's action_post loads the records one by one and ignores the
        scope; the bulk actions pass the ids to the engine instead, which
        loads them in one scoped query."""
        name = request.form.get("action")
        if name not in BULK_ACTIONS:
            return super().action_post()
        if not self.appbuilder.sm.has_access(name, self.class_permission_name):
            return refuse_page("您没有执行该操作的权限")
        ids = request.form.getlist("rowid")
        if name == "bulk_reject":
            return redirect(url_for(f"{self.endpoint}.bulk_reject_form", ids=",".join(ids)))
        result = engine.bulk_transition(self.record_type, ids, "approve", g.user)
        return self._bulk_result(result)

    @expose("/bulk_reject/", methods=["GET", "POST"])
    @has_access
    def bulk_reject_form(self):
        ids = [i for i in (request.values.get("ids") or "").split(",") if i.strip()]
        reason = (request.form.get("reason") or "").strip()
        if request.method == "POST":
            if not reason:
                flash("驳回必须填写理由", "danger")
            else:
                result = engine.bulk_transition(self.record_type, ids, "reject", g.user, reason)
                return self._bulk_result(result)
        return self.render_template(
            "workflow/bulk_reject.html", ids=",".join(ids), count=len(ids), reason=reason,
            title="批量驳回", back=url_for(f"{self.endpoint}.list"),
        )

    def _bulk_result(self, result):
        return self.render_template(
            "workflow/bulk_result.html", result=result,
            action_label=ACTION_LABELS[result.action], title="批量操作结果",
            back=url_for(f"{self.endpoint}.list"),
        )


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
