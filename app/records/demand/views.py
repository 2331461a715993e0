"""改革需求 screens: list / show / add / edit, workflow buttons, Excel download;
the 领域 / 跑道 taxonomy for the reform office."""

from __future__ import annotations

import io
import datetime

from flask import send_file
from flask_appbuilder import ModelView, expose, has_access
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.urltools import get_filter_args, get_order_args
from openpyxl import Workbook
from wtforms import SelectField
from wtforms.validators import DataRequired

from app.records.demand.models import CHANNELS, Demand, ReformDomain, ReformTrack
from app.security.filters import ScopeFilter
from app.workflow.views import WORKFLOW_LABELS, WorkflowModelView

LABELS = {
    **WORKFLOW_LABELS,
    "title": "需求标题",
    "description": "需求描述",
    "channel": "来源渠道",
    "domain": "领域",
    "track": "跑道",
}


def _channel_field():
    return SelectField("来源渠道", choices=[("", "请选择")] + [(c, c) for c in CHANNELS],
                       validators=[DataRequired(message="请选择来源渠道")])


class DemandModelView(WorkflowModelView):
    datamodel = SQLAInterface(Demand)
    record_type = "demand"
    list_title = "改革需求"
    show_title = "改革需求详情"
    add_title = "填报改革需求"
    edit_title = "编辑改革需求"
    label_columns = LABELS
    list_columns = ["title", "channel", "domain", "track", "unit", "state_label", "created_on"]
    show_columns = ["title", "description", "channel", "domain", "track", "unit", "filed_by",
                    "state_label", "created_on", "submitted_on", "approved_on"]
    add_columns = ["title", "description", "channel", "domain", "track"]
    edit_columns = add_columns
    search_columns = ["title", "channel", "domain", "track", "unit", "state"]
    search_form_query_rel_fields = {"unit": [["id", ScopeFilter, None]]}
    add_form_extra_fields = {"channel": _channel_field()}
    edit_form_extra_fields = {"channel": _channel_field()}
    description_columns = {
        "title": "高度总结凝练，要有改革味，如：建立xx机制、健全xx体系",
        "description": "来源渠道 + 具体要求/具体问题/具体做法 + 改革举措",
    }

    EXPORT_COLUMNS = [
        ("编号", lambda d: d.id),
        ("需求标题", lambda d: d.title),
        ("需求描述", lambda d: d.description),
        ("来源渠道", lambda d: d.channel),
        ("领域", lambda d: d.domain.name if d.domain else ""),
        ("跑道", lambda d: d.track.name if d.track else ""),
        ("填报单位", lambda d: d.unit.name if d.unit else ""),
        ("状态", lambda d: d.state_label),
        ("填报时间", lambda d: d.created_on.strftime("%Y-%m-%d %H:%M") if d.created_on else ""),
    ]

    @expose("/download/")
    @has_access
    def download(self):
        """The list as filtered on screen, in the user's scope, as .xlsx."""
        get_filter_args(self._filters, disallow_if_not_in_search=False)
        order_column, order_direction = get_order_args().get(
            self.__class__.__name__, ("id", "desc")) or ("id", "desc")
        joined = self._filters.get_joined_filters(self._base_filters)
        _, items = self.datamodel.query(joined, order_column or "id", order_direction or "desc")
        wb = Workbook()
        ws = wb.active
        ws.title = "改革需求"
        ws.append([name for name, _ in self.EXPORT_COLUMNS])
        for item in items:
            ws.append([get(item) for _, get in self.EXPORT_COLUMNS])
        for col, width in zip("ABCDEFGHI", (8, 30, 60, 20, 16, 16, 16, 14, 18)):
            ws.column_dimensions[col].width = width
        out = io.BytesIO()
        wb.save(out)
        out.seek(0)
        name = f"改革需求_{datetime.date.today():%Y%m%d}.xlsx"
        return send_file(out, as_attachment=True, download_name=name,
                         mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


class ReformDomainModelView(ModelView):
    datamodel = SQLAInterface(ReformDomain)
    list_title = show_title = "领域"
    add_title = "新增领域"
    edit_title = "编辑领域"
    label_columns = {"name": "领域", "sort_order": "排序", "tracks": "跑道"}
    list_columns = ["name", "sort_order"]
    show_columns = ["name", "sort_order", "tracks"]
    add_columns = edit_columns = ["name", "sort_order"]
    base_order = ("sort_order", "asc")


class ReformTrackModelView(ModelView):
    datamodel = SQLAInterface(ReformTrack)
    list_title = show_title = "跑道"
    add_title = "新增跑道"
    edit_title = "编辑跑道"
    label_columns = {"name": "跑道", "domain": "所属领域", "sort_order": "排序"}
    list_columns = ["domain", "name", "sort_order"]
    add_columns = edit_columns = show_columns = ["domain", "name", "sort_order"]
    base_order = ("domain_id", "asc")


from app.security.roles import ROLE_REFORM_OFFICE, grant  # noqa: E402
from app.workflow.permissions import grant_record_type  # noqa: E402

grant_record_type("DemandModelView", "DemandApi", r"(Demands|Demand)")
grant(ROLE_REFORM_OFFICE,
      (r"Reform(Domain|Track)ModelView", r"can_(list|show|add|edit|delete)"),
      (r"(Reform Domains|Reform Tracks)", r"menu_access"))
