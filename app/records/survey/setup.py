"""重大改革项目满意度 screens (改革办 keeps them, leaders read them) and the
``survey`` scoring source."""

from __future__ import annotations

from flask import g
from flask_appbuilder import ModelView
from flask_appbuilder.models.sqla.interface import SQLAInterface

from app.errors import UserError
from app.records.survey.models import SCORE_MAX, ProjectSatisfaction
from app.security.roles import ROLE_LEADER, ROLE_REFORM_OFFICE, grant

LABEL = "重大改革项目满意度"
CATEGORY = "改革满意度管理"


class ProjectSatisfactionModelView(ModelView):
    datamodel = SQLAInterface(ProjectSatisfaction)
    list_title = LABEL
    show_title = f"{LABEL}详情"
    add_title = f"录入{LABEL}"
    edit_title = f"编辑{LABEL}"
    label_columns = {"year": "年度", "project": "改革项目", "score": "满意度得分",
                     "respondents": "有效样本数", "conclusion": "调查结论",
                     "report": "调查报告摘要", "entered_by": "录入人", "entered_on": "录入时间"}
    description_columns = {
        "score": "百分制，0–100；作为展示指标，不纳入改革报表指数（种子文件 001 四（六）2）",
        "report": "通过互联网收集统计群众、企业、基层对改革项目成效的评价意见"}
    list_columns = ["year", "project", "score", "respondents", "entered_on"]
    show_columns = ["year", "project", "score", "respondents", "conclusion", "report",
                    "entered_by", "entered_on"]
    add_columns = edit_columns = ["year", "project", "score", "respondents", "conclusion",
                                  "report"]
    search_columns = ["year", "project"]
    base_order = ("year", "desc")

    def _check(self, item):
        problems = []
        if not item.year or not 2000 <= int(item.year) <= 2100:
            problems.append("年度应为四位年份")
        if not (item.project or "").strip():
            problems.append("请填写改革项目")
        if item.score is None or not 0 <= float(item.score) <= SCORE_MAX:
            problems.append(f"满意度得分应在 0 至 {SCORE_MAX:g} 之间")
        if item.respondents is not None and item.respondents < 0:
            problems.append("有效样本数不能为负")
        if problems:
            raise UserError("；".join(problems))

    def pre_add(self, item):
        self._check(item)
        item.entered_by_id = g.user.id

    def pre_update(self, item):
        self._check(item)


grant(ROLE_REFORM_OFFICE, ("ProjectSatisfactionModelView", r"can_(list|show|add|edit|delete)"),
      (f"({LABEL}|{CATEGORY})", "menu_access"))
grant(ROLE_LEADER, ("ProjectSatisfactionModelView", r"can_(list|show)"),
      (f"({LABEL}|{CATEGORY})", "menu_access"))


def register(appbuilder) -> None:
    import app.records.survey.sources  # noqa: F401 - registers the source

    appbuilder.add_view(ProjectSatisfactionModelView, LABEL, label=LABEL, icon="fa-bar-chart",
                        category=CATEGORY, category_label=CATEGORY)
