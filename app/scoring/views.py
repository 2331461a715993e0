"""Admin screens of the indicator schemes (改革办): edits are validated as a
whole scheme before anything is saved; a frozen scheme is never edited."""

from __future__ import annotations

import yaml
from flask import flash, redirect
from flask_appbuilder import ModelView
from flask_appbuilder.actions import action
from flask_appbuilder.models.sqla.interface import SQLAInterface
from wtforms import BooleanField, SelectField, TextAreaField
from wtforms.validators import DataRequired

from app.errors import BadInput
from app.scoring.core.scheme import DIRECTIONS, METHOD_LABELS, plain_data, validate_scheme
from app.scoring.models import PERIOD_KIND_LABELS, Scheme, SchemeIndicator
from app.scoring.store import FROZEN, freeze, new_version, to_core
from app.security.roles import ROLE_LEADER, ROLE_REFORM_OFFICE, grant

grant(ROLE_REFORM_OFFICE,
      (r"SchemeModelView", r"can_(list|show|edit)|freeze|newversion"),
      (r"SchemeIndicatorModelView", r"can_(list|show|add|edit|delete)"),
      (r"(Scoring|Schemes)", r"menu_access"))
grant(ROLE_LEADER,
      (r"SchemeModelView", r"can_(list|show)"),
      (r"SchemeIndicatorModelView", r"can_(list|show)"),
      (r"(Scoring|Schemes)", r"menu_access"))


class SchemeChangeError(BadInput, ValueError):
    """A change refused; the message is for the user (Chinese). FAB's add,
    edit and delete views show it (str(exc) is the message). Also a ValueError,
    as before."""


def _check_scheme(core) -> None:
    errors, _ = validate_scheme(core)
    if errors:
        raise SchemeChangeError("未保存：" + "；".join(errors))


def _yaml_field(label, description):
    return TextAreaField(label, description=description, render_kw={"rows": 4})


class SchemeIndicatorModelView(ModelView):
    datamodel = SQLAInterface(SchemeIndicator)
    list_title = "指标"
    show_title = "指标详情"
    add_title = "新增指标"
    edit_title = "编辑指标"
    label_columns = {
        "scheme": "指标体系", "parent": "上级指标", "code": "指标代码", "name": "指标名称",
        "points": "分值", "weight": "权重", "rule_text": "评价细则", "direction": "方向",
        "method": "计分方法", "params": "参数", "source": "数据来源", "to_confirm": "待确认",
        "params_text": "参数（YAML）", "source_text": "数据来源（YAML）", "sort_order": "排序",
        "responsible_units": "数据责任单位",
    }
    list_columns = ["scheme", "code", "name", "points", "weight", "method", "to_confirm"]
    show_columns = ["scheme", "parent", "code", "name", "points", "weight", "rule_text",
                    "responsible_units", "direction", "method", "params", "source",
                    "to_confirm"]
    edit_columns = ["name", "points", "weight", "rule_text", "direction", "method",
                    "params_text", "source_text", "to_confirm"]
    add_columns = ["scheme", "parent", "code"] + edit_columns + ["sort_order"]
    search_columns = ["scheme", "code", "name", "method"]
    base_order = ("sort_order", "asc")
    page_size = 50
    _extra = {
        "direction": SelectField("方向", choices=[(d, {"higher": "越高越好", "lower": "越低越好"}[d])
                                                 for d in DIRECTIONS]),
        "method": SelectField("计分方法", choices=[("", "（有下级指标，无计分方法）")]
                              + list(METHOD_LABELS.items())),
        "to_confirm": BooleanField("待确认", description="依据文件未明确、需领导确认的取值"),
        "params_text": _yaml_field("参数（YAML）", "例如 coefficients: [1.0, 0.9, 0.8]"),
        "source_text": _yaml_field("数据来源（YAML）",
                                   "例如 {kind: record_count, record: recognition, "
                                   "filters: {category: 全国性肯定评价}}"),
    }
    add_form_extra_fields = _extra
    edit_form_extra_fields = _extra
    validators_columns = {"code": [DataRequired(message="请填写指标代码")],
                          "name": [DataRequired(message="请填写指标名称")]}

    def prefill_form(self, form, pk):
        item = self.datamodel.get(pk)
        form.params_text.data = yaml.safe_dump(item.params or {}, allow_unicode=True,
                                               default_flow_style=True).strip()
        form.source_text.data = yaml.safe_dump(item.source, allow_unicode=True,
                                               default_flow_style=True).strip() \
            if item.source else ""

    def _refuse(self, message):
        self.datamodel.session.rollback()
        raise SchemeChangeError(message)

    def _apply_texts(self, item):
        for attr, label in (("params", "参数"), ("source", "数据来源")):
            text = getattr(item, f"{attr}_text", None)
            if text is None:
                continue
            try:
                value = yaml.safe_load(text) if text.strip() else None
            except yaml.YAMLError as exc:
                self._refuse(f"{label}不是有效的 YAML：{getattr(exc, 'problem', exc)}")
            value = plain_data(value)  # YAML dates: ISO strings (stored as JSON)
            if attr == "params":
                value = value or {}
            if value is not None and not isinstance(value, dict):
                self._refuse(f"{label}应为键值对，例如 {{kind: record_count}}")
            setattr(item, attr, value)
        if item.method == "":
            item.method = None

    def _validate(self, scheme):
        try:
            _check_scheme(to_core(scheme))
        except SchemeChangeError as exc:
            self._refuse(exc.message)

    def pre_add(self, item):
        if item.scheme is None:
            self._refuse("请选择指标体系")
        if item.scheme.frozen:
            self._refuse(FROZEN)
        if item.parent is not None and item.parent.scheme_id != item.scheme.id:
            self._refuse("上级指标须属于同一指标体系")
        item.sort_order = item.sort_order or 0
        item.responsible_units = item.responsible_units or []
        item.extra = item.extra or {}
        self._apply_texts(item)
        if item not in item.scheme.indicators:
            item.scheme.indicators.append(item)
        self._validate(item.scheme)

    def pre_update(self, item):
        if item.scheme.frozen:
            self._refuse(FROZEN)
        self._apply_texts(item)
        self._validate(item.scheme)

    def pre_delete(self, item):
        scheme = item.scheme
        if scheme.frozen:
            self._refuse(FROZEN)
        core = to_core(scheme)

        def drop(nodes):
            return [n for n in nodes if n.code != item.code]

        for node in core.walk():
            node.children = drop(node.children)
        core.indicators = drop(core.indicators)
        try:
            _check_scheme(core)
        except SchemeChangeError as exc:
            self._refuse(exc.message)


class SchemeModelView(ModelView):
    datamodel = SQLAInterface(Scheme)
    list_title = "指标体系"
    show_title = "指标体系详情"
    edit_title = "编辑指标体系"
    related_views = [SchemeIndicatorModelView]
    label_columns = {
        "code": "代码", "version": "版本", "name": "名称", "report_type": "报表类型",
        "year": "年度版本", "period_kind": "评价周期", "unit_kind": "评价单位类型",
        "status": "状态", "status_label": "状态", "notes": "说明", "created_on": "创建时间",
        "frozen_on": "冻结时间", "check_summary": "校验结果",
    }
    list_columns = ["name", "version", "report_type", "period_kind", "status_label"]
    show_columns = ["code", "version", "name", "report_type", "year", "period_kind",
                    "unit_kind", "status_label", "notes", "check_summary", "created_on",
                    "frozen_on"]
    edit_columns = ["name", "notes", "status"]
    formatters_columns = {"period_kind": lambda v: PERIOD_KIND_LABELS.get(v, v)}
    edit_form_extra_fields = {
        "status": SelectField("状态", choices=[("draft", "草稿"), ("active", "启用")]),
    }
    base_order = ("code", "asc")
    search_columns = ["name", "code", "report_type", "period_kind", "status"]

    def pre_update(self, item):
        if item.frozen or item.frozen_on is not None:
            self.datamodel.session.rollback()
            raise SchemeChangeError(FROZEN)

    @action("freeze", "冻结", "冻结后不能再修改，只能创建新版本。确定冻结？", "fa-lock",
            multiple=False)
    def freeze(self, item):
        freeze(item, self.datamodel.session)
        flash(f"“{item}”已冻结", "success")
        return redirect(self.get_redirect())

    @action("newversion", "创建新版本", "以此版本为基础创建一个可编辑的新版本？", "fa-copy",
            multiple=False)
    def newversion(self, item):
        copy = new_version(item, self.datamodel.session)
        flash(f"已创建第 {copy.version} 版（草稿）", "success")
        return redirect(f"{self.route_base}/show/{copy.id}")
