"""``/api/v1/recognition/``."""

from __future__ import annotations

from flask_appbuilder.models.sqla.interface import SQLAInterface

from app.records.recognition.models import Recognition
from app.security.filters import ScopeFilter
from app.workflow.api import WorkflowRecordApi


class RecognitionApi(WorkflowRecordApi):
    resource_name = "recognition"
    datamodel = SQLAInterface(Recognition)
    openapi_spec_tag = "改革成效"
    add_columns = ["item", "problem", "result", "category", "criterion", "date", "demand"]
    edit_columns = add_columns
    list_columns = ["id", "item", "category", "criterion", "date", "unit.name", "state",
                    "version"]
    show_columns = ["id", "item", "problem", "result", "category", "criterion", "date",
                    "demand.title", "unit.name", "state", "version", "created_on",
                    "submitted_on", "approved_on"]
    add_query_rel_fields = {"demand": [["id", ScopeFilter, None]]}
    edit_query_rel_fields = add_query_rel_fields
