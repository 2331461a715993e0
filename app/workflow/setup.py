"""Plugging the workflow and its record types into the app (called from
``app._register_views``)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

import app.workflow.permissions  # noqa: F401  (grants)
from app.workflow.api import WorkflowApi
from app.workflow.views import TodoLabel, TodoView


def register_views(appbuilder) -> None:
    from app.records.demand.views import (
        DemandModelView,
        ReformDomainModelView,
        ReformTrackModelView,
    )
    from app.records.demand.api import DemandApi
    from app.records.recognition.api import RecognitionApi
    from app.records.recognition.views import RecognitionModelView

    appbuilder.add_view(TodoView, "Todo", label=TodoLabel(), icon="fa-tasks")
    appbuilder.add_view(DemandModelView, "Demands", label="改革需求", icon="fa-lightbulb-o",
                        category="Demand", category_label="改革需求管理")
    appbuilder.add_view(ReformDomainModelView, "Reform Domains", label="领域",
                        icon="fa-th-large", category="Demand")
    appbuilder.add_view(ReformTrackModelView, "Reform Tracks", label="跑道",
                        icon="fa-road", category="Demand")
    appbuilder.add_view(RecognitionModelView, "Recognitions", label="改革成效",
                        icon="fa-trophy", category="Recognition",
                        category_label="成效晾晒管理")
    appbuilder.add_api(DemandApi)
    appbuilder.add_api(RecognitionApi)
    appbuilder.add_api(WorkflowApi)
    from flask import current_app

    _register_cli(current_app._get_current_object())


def _register_cli(app) -> None:
    if "demand" in app.cli.commands:
        return
    group = AppGroup("demand", help="改革需求")

    @group.command("load-taxonomy")
    def load_taxonomy_cmd():
        """载入演示用的领域和跑道（可重复执行）。"""
        from app.records.demand.taxonomy import load_taxonomy

        load_taxonomy()
        click.echo("领域和跑道已载入")

    app.cli.add_command(group)
