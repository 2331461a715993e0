"""``/api/v1/demand/``."""

from __future__ import annotations

from flask_appbuilder.models.sqla.interface import SQLAInterface

from app.records.demand.models import Demand
from app.workflow.api import WorkflowRecordApi


class DemandApi(WorkflowRecordApi):
    resource_name = "demand"
    datamodel = SQLAInterface(Demand)
    openapi_spec_tag = "改革需求"
    add_columns = ["title", "description", "channel", "domain", "track"]
    edit_columns = add_columns
    list_columns = ["id", "title", "channel", "domain.name", "track.name", "unit.name",
                    "state", "version", "created_on"]
    show_columns = ["id", "title", "description", "channel", "domain.name", "track.name",
                    "unit.name", "state", "version", "created_on", "submitted_on", "approved_on"]
    label_columns = {"title": "需求标题", "description": "需求描述", "channel": "来源渠道",
                     "domain": "领域", "track": "跑道"}
