"""系统管理 → 审计日志: search the audit trail by user, unit, record and time,
and export it to Excel. Read-only: this view has no add, edit or delete route
and no such permission; only the 改革办 and the administrator hold its
permissions (list, show, export)."""

from __future__ import annotations

import datetime

from flask import abort, g, send_file
from flask_appbuilder import ModelView, expose, has_access
from flask_appbuilder.models.filters import BaseFilter
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.urltools import get_filter_args, get_order_args
from sqlalchemy import or_
from wtforms import SelectField

from app.audit.models import ACTION_LABELS, OBJECT_LABELS, AuditLog
from app.kit.export import XLSX_MIMETYPE, write_xlsx

EXPORT_MAX = 200_000  # rows in one export


class AuditScopeFilter(BaseFilter):
    """The scope rule: rows about the user's units (done by their people, or
    about their records); the 改革办 and the administrator see everything."""

    name = "可见范围"
    arg_name = "audit_scope"

    def apply(self, query, value):
        from app.scope import scope_for

        scope = scope_for(g.user)
        if scope.everything:
            return query
        units = scope.unit_ids_select()
        return query.filter(or_(AuditLog.actor_unit_id.in_(units),
                                AuditLog.object_unit_id.in_(units)))


def _object_type_choices():
    from app.workflow.registry import all_types

    return [(rt.name, rt.label) for rt in all_types()] + list(OBJECT_LABELS.items())


class _LazyChoices(SelectField):
    """Object types known when the form is built (record types register late)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, choices=[], validate_choice=False, **kwargs)

    def iter_choices(self):
        self.choices = [("", "全部")] + _object_type_choices()
        return super().iter_choices()


def _when(value):
    return value.strftime("%Y-%m-%d %H:%M:%S") if value else ""


def _text(value):
    return "" if value is None else value


def _cell(value):
    """A value in the list: structured settings (stored as JSON, with their
    keys) are summarised; the Excel export shows them whole."""
    if value is None:
        return ""
    if value[:1] in ("{", "[") and len(value) > 1:
        return "（结构化设置，完整内容见导出）"
    return value if len(value) <= 80 else value[:80] + "…"


class AuditLogView(ModelView):
    datamodel = SQLAInterface(AuditLog)
    route_base = "/auditlog"
    base_permissions = ["can_list", "can_show", "can_export"]
    # the templates ask for can_add / can_edit / can_delete: names that are
    # not in base_permissions, so always refused
    method_permission_name = {"add": "add", "edit": "edit", "delete": "delete",
                              "download": "download", "action": "action",
                              "action_post": "action_post"}
    base_filters = [["id", AuditScopeFilter, None]]
    base_order = ("id", "desc")
    page_size = 50
    list_template = "audit/list.html"

    list_title = "审计日志"
    show_title = "审计日志详情"
    label_columns = {
        "id": "编号", "created_on": "时间", "actor_id": "用户编号", "actor_name": "操作人",
        "actor_unit_id": "单位编号", "actor_unit_name": "操作人单位", "action": "操作",
        "object_type": "对象类型", "object_id": "对象编号", "object_label": "对象",
        "object_unit_id": "对象所属单位编号", "field": "字段代码", "field_label": "字段",
        "old_value": "原值", "new_value": "新值", "address": "来源地址",
        "user_agent": "浏览器标识",
    }
    list_columns = ["created_on", "actor_name", "actor_unit_name", "action", "object_type",
                    "object_id", "object_label", "field_label", "old_value", "new_value",
                    "address"]
    show_columns = ["id", "created_on", "actor_name", "actor_id", "actor_unit_name", "action",
                    "object_type", "object_id", "object_label", "field_label", "old_value",
                    "new_value", "address", "user_agent"]
    search_columns = ["actor_name", "actor_id", "actor_unit_name", "actor_unit_id",
                      "object_unit_id", "action", "object_type", "object_id", "object_label",
                      "created_on", "address"]
    order_columns = ["created_on", "actor_name", "actor_unit_name", "action", "object_type",
                     "object_id"]
    search_form_extra_fields = {
        "action": SelectField("操作", choices=[("", "全部")] + list(ACTION_LABELS.items()),
                              validate_choice=False),
        "object_type": _LazyChoices("对象类型"),
    }
    formatters_columns = {
        "created_on": _when,
        "action": lambda v: ACTION_LABELS.get(v, v),
        "object_type": lambda v: dict(_object_type_choices()).get(v, v),
        "actor_name": lambda v: v or "系统（命令行或后台任务）",
        "actor_unit_name": _text, "object_id": _text, "object_label": _text,
        "field_label": _text, "old_value": _cell, "new_value": _cell, "address": _text,
        "user_agent": _text, "actor_id": _text,
    }

    # No way to change a row: FAB's add / edit / delete / download / action
    # routes are replaced by plain methods (no @expose), so they do not exist.
    def add(self):  # pragma: no cover - not routed
        abort(404)

    def edit(self, pk):  # pragma: no cover - not routed
        abort(404)

    def delete(self, pk):  # pragma: no cover - not routed
        abort(404)

    def download(self, filename):  # pragma: no cover - not routed
        abort(404)

    def action(self, name, pk):  # pragma: no cover - not routed
        abort(404)

    def action_post(self):  # pragma: no cover - not routed
        abort(404)

    @expose("/export/")
    @has_access
    def export(self):
        """The list as filtered on screen, as .xlsx (every cell neutralised)."""
        get_filter_args(self._filters, disallow_if_not_in_search=False)
        order_column, direction = (get_order_args().get(self.__class__.__name__)
                                   or ("id", "desc"))
        if order_column not in self.order_columns:
            order_column = "id"
        if direction not in ("asc", "desc"):
            direction = "desc"
        joined = self._filters.get_joined_filters(self._base_filters)
        query = self.datamodel.session.query(AuditLog)
        query = self.datamodel.apply_all(query, joined, order_column, direction)
        query = query.limit(EXPORT_MAX)
        types = dict(_object_type_choices())
        header = ["编号", "时间", "操作人", "用户编号", "操作人单位", "操作", "对象类型",
                  "对象编号", "对象", "字段", "原值", "新值", "来源地址", "浏览器标识"]

        def rows():
            for r in query.yield_per(1000):
                yield [r.id, _when(r.created_on), r.who, r.actor_id, r.actor_unit_name,
                       ACTION_LABELS.get(r.action, r.action),
                       types.get(r.object_type, r.object_type), r.object_id, r.object_label,
                       r.field_label, r.old_value, r.new_value, r.address, r.user_agent]

        out = write_xlsx("审计日志", header, rows(),
                         widths=[8, 20, 12, 8, 16, 14, 12, 8, 28, 12, 30, 30, 16, 30])
        name = f"审计日志_{datetime.date.today():%Y%m%d}.xlsx"
        return send_file(out, as_attachment=True, download_name=name, mimetype=XLSX_MIMETYPE)
