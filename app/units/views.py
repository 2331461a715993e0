"""Unit administration (系统管理员; the reform office reads)."""

from __future__ import annotations

from flask_appbuilder import ModelView
from flask_appbuilder.models.sqla.interface import SQLAInterface
from wtforms import BooleanField, IntegerField, SelectField
from wtforms.validators import DataRequired, Optional

from app.security.filters import ScopeFilter
from app.units.models import REGIONS, UNIT_KIND_LABELS, Unit
from app.units.service import check_parent, refresh_paths


class UnitModelView(ModelView):
    datamodel = SQLAInterface(Unit)
    base_filters = [["id", ScopeFilter, None]]
    base_order = ("sort_order", "asc")
    list_title = "单位列表"
    show_title = "单位详情"
    add_title = "新增单位"
    edit_title = "编辑单位"
    label_columns = {
        "code": "单位代码",
        "name": "单位名称",
        "kind": "单位类型",
        "kind_label": "单位类型",
        "region": "所属片区",
        "parent": "上级单位",
        "is_data_source": "数据来源单位",
        "sort_order": "排序",
    }
    list_columns = ["name", "kind_label", "region", "parent"]
    formatters_columns = {"region": lambda v: v or "", "parent": lambda v: v or "",
                          "is_data_source": lambda v: "是" if v else "否"}
    show_columns = ["code", "name", "kind_label", "region", "parent", "is_data_source"]
    add_columns = ["code", "name", "kind", "region", "parent", "is_data_source", "sort_order"]
    edit_columns = add_columns
    search_columns = ["code", "name", "kind", "region", "parent"]
    add_form_query_rel_fields = {"parent": [["id", ScopeFilter, None]]}
    edit_form_query_rel_fields = {"parent": [["id", ScopeFilter, None]]}
    add_form_extra_fields = {
        "kind": SelectField("单位类型", choices=list(UNIT_KIND_LABELS.items()),
                            validators=[DataRequired(message="请选择单位类型")]),
        "region": SelectField("所属片区", choices=[("", "（无）")] + [(r, r) for r in REGIONS],
                              validators=[Optional()]),
        "is_data_source": BooleanField("数据来源单位", description="为各区县填报指标数据的部门"),
        "sort_order": IntegerField("排序", default=0, validators=[Optional()]),
    }
    edit_form_extra_fields = add_form_extra_fields

    def _check_tree(self, item):
        if item.region == "":
            item.region = None
        if item.sort_order is None:
            item.sort_order = 0
        check_parent(item, item.parent)  # UnitTreeError: FAB shows its message

    def pre_add(self, item):
        self._check_tree(item)

    def pre_update(self, item):
        self._check_tree(item)

    def post_add(self, item):
        refresh_paths(self.datamodel.session, item)
        self.datamodel.session.commit()

    def post_update(self, item):
        refresh_paths(self.datamodel.session, item)
        self.datamodel.session.commit()
