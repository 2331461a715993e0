"""Plugging the workflow into the app: the 待办 page and the transition API.
It knows no concrete record type (those are registered by :mod:`app.kit.setup`)."""

from __future__ import annotations

import app.workflow.permissions  # noqa: F401  (grants)
from app.workflow.api import WorkflowApi
from app.workflow.views import TodoLabel, TodoView


def register_views(appbuilder) -> None:
    appbuilder.add_view(TodoView, "待办", label=TodoLabel(), icon="fa-tasks")
    appbuilder.add_api(WorkflowApi)
