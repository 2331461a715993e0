"""The 领域 / 跑道 taxonomy the reform office maintains, and ``flask demand``."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup
from flask_appbuilder import ModelView
from flask_appbuilder.models.sqla.interface import SQLAInterface

from app.records.demand.models import ReformDomain, ReformTrack
from app.security.roles import ROLE_REFORM_OFFICE, grant


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


grant(ROLE_REFORM_OFFICE,
      (r"Reform(Domain|Track)ModelView", r"can_(list|show|add|edit|delete)"),
      (r"(领域|跑道)", r"menu_access"))


def register(appbuilder) -> None:
    appbuilder.add_view(ReformDomainModelView, "领域", label="领域", icon="fa-th-large",
                        category="改革需求管理")
    appbuilder.add_view(ReformTrackModelView, "跑道", label="跑道", icon="fa-road",
                        category="改革需求管理")
    app = current_app._get_current_object()
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
