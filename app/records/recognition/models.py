"""改革成效 and its categories with the numbered sub-criteria (seed 001 表三;
the 2024 national list of seed 000 item 9)."""

from __future__ import annotations

import datetime

from flask import current_app, has_app_context
from flask_appbuilder import Model
from sqlalchemy import Column, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import relationship

from app.kit.fields import labelled
from app.kit.spec import Menu, RecordSpec
from app.security.roles import ROLE_REVIEWER
from app.workflow.chain import Chain, Step, own_unit, reform_office
from app.workflow.models import WorkflowMixin

NATIONAL = "全国性肯定评价"
CITY = "全市推广"
MEDIA = "5家中央媒体深度专题报道"
CATEGORIES = (NATIONAL, CITY, MEDIA)

SUB_CRITERIA: dict[str, list[tuple[str, str]]] = {
    NATIONAL: [
        # seed 001 表三 (2023 scheme)
        ("N23-1", "①在党和国家领导人出席的全国性会议作经验交流"),
        ("N23-2", "②获党中央国务院或中办国办发文通报表彰"),
        ("N23-3", "③在党中央国务院或中办国办文件中得到肯定性表述"),
        ("N23-4", "④被中央和国家有关部委工作简报刊发（单篇或单自然段以上）"),
        ("N23-5", "⑤获党和国家领导人肯定性批示"),
        ("N23-6", "⑥在国家部委主要领导出席的全国性会议作经验交流"),
        ("N23-7", "⑦在国家部委文件中得到肯定性表述"),
        # seed 000 item 9 (2024 scheme)
        ("N24-1", "（2024）①获党和国家领导人肯定性批示"),
        ("N24-2", "（2024）②在党和国家领导人出席的全国性会议上作经验交流"),
        ("N24-3", "（2024）③获党中央、国务院或中办、国办发文通报表彰"),
        ("N24-4", "（2024）④在党中央、国务院或中办、国办、部委文件中得到肯定性表述"),
        ("N24-5", "（2024）⑤在中央和国家有关部委主要领导出席的全国性会议上作经验交流"),
        ("N24-6", "（2024）⑥中央和国家有关部委发文明确向全国复制推广"),
        ("N24-7", "（2024）⑦中央改革办《改革情况交流》单篇刊载"),
    ],
    CITY: [
        ("C-1", "①获市委市政府（含两办）文件点名推广"),
        ("C-2", "②在有市委或市政府主要领导出席的全市性会议上作经验交流"),
        ("C-3", "③在本区县召开有市领导参加的改革经验现场推广会"),
        ("C-4", "④改革经验被列入市委“最佳实践”案例"),
        ("C-5", "⑤在本区县召开有市级部门主要负责人参加的全市性改革经验现场推广会"),
        ("C-6", "⑥获市级部门文件点名推广（单篇或单自然段以上介绍本区县改革经验）"),
    ],
    MEDIA: [
        # seed 001 表三 defines the term rather than numbering it
        ("M-1", "人民日报、新华社、光明日报、经济日报单篇深度专题报道"),
        ("M-2", "中央广播电视总台《新闻联播》单条报道"),
    ],
}
CRITERION_LABELS = {code: label for items in SUB_CRITERIA.values() for code, label in items}
CRITERION_CATEGORY = {code: cat for cat, items in SUB_CRITERIA.items() for code, _ in items}


def criterion_fits_year(code: str, year: int) -> bool:
    """The national sub-criteria differ by scheme: seed 001's list (N23-*)
    for 2023 and earlier, seed 000's (N24-*) from 2024."""
    if code.startswith("N23-"):
        return year <= 2023
    if code.startswith("N24-"):
        return year >= 2024
    return True


def evaluation_year() -> int:
    if has_app_context():
        year = current_app.config.get("EVALUATION_YEAR")
        if year:
            return int(year)
    return datetime.date.today().year


_CLASSIFICATION = ("category", "criterion")


class Recognition(WorkflowMixin, Model):
    """改革成效: unit clerk → unit reviewer → 市委改革办."""

    __tablename__ = "recognition"
    __record__ = RecordSpec(
        name="recognition", label="改革成效", menu=Menu("成效晾晒管理", "fa-trophy"), order=20,
        chain=Chain(
            steps=(
                Step("本单位审核", own_unit(ROLE_REVIEWER), correctable=_CLASSIFICATION),
                Step("市委改革办审核", reform_office(), correctable=_CLASSIFICATION),
            ),
            editable=("item", "problem", "result", "category", "criterion", "date", "demand"),
        ),
        title_field="item", date_field="date",
        list_columns=("item", "category", "criterion_label", "date"),
        search_columns=("item", "category", "date", "demand"),
        show_columns=("item", "problem", "result", "category", "criterion_label", "date",
                      "demand"),
        export_columns=("item", "problem", "result", "category", "criterion_label", "date",
                        "demand"),
        attachments=True,
        example={"item": "推行企业开办“一件事”集成改革", "problem": "企业开办环节多",
                 "result": "开办时间压缩至1个工作日", "category": CITY, "criterion": "C-1",
                 "date": lambda: datetime.date(evaluation_year(), 1, 1)},
    )

    id = Column(Integer, primary_key=True)
    item = Column(String(200), nullable=False, info={"label": "改革事项"})
    problem = Column(Text, nullable=False, default="", info={"label": "解决问题"})
    result = Column(Text, nullable=False, default="", info={"label": "主要成果"})
    category = Column(String(30), nullable=False, index=True,
                      info={"label": "类别", "choices": CATEGORIES})
    criterion = Column(String(10), nullable=False, info={
        "label": "评价细则", "choices": tuple(CRITERION_LABELS), "depends_on": "category",
        "choice_labels": CRITERION_LABELS})
    date = Column(Date, nullable=False, index=True, info={
        "label": "日期", "description": "获肯定、推广或报道的日期（须在本考评年度内）"})
    demand_id = Column(Integer, ForeignKey("demand.id"), nullable=True)

    demand = relationship("Demand", info={"label": "关联改革需求"})

    def __repr__(self) -> str:
        return self.item or f"改革成效#{self.id}"

    @property
    @labelled("评价细则")
    def criterion_label(self) -> str:
        return CRITERION_LABELS.get(self.criterion, self.criterion or "")

    @classmethod
    def dependent_choices(cls) -> dict:
        """评价细则 allowed by 类别 and the scheme year of the date (for the form)."""
        years = range(2023, evaluation_year() + 2)
        return {"criterion": {"parents": ["category", "date:year"], "map": {
            f"{cat}|{year}": [code for code, _ in SUB_CRITERIA[cat]
                              if criterion_fits_year(code, year)]
            for cat in CATEGORIES for year in years}}}

    def clean(self) -> list[str]:
        errors = []
        if not (self.item or "").strip():
            errors.append("改革事项不能为空")
        if self.category not in CATEGORIES:
            errors.append("类别必须是：" + "、".join(CATEGORIES))
        elif CRITERION_CATEGORY.get(self.criterion) != self.category:
            errors.append(f"所选评价细则不属于类别“{self.category}”")
        elif self.date is not None and not criterion_fits_year(self.criterion, self.date.year):
            errors.append(f"所选评价细则不是{self.date.year}年考评方案中的细则")
        year = evaluation_year()
        if self.date is None:
            errors.append("请填写日期")
        elif self.date.year != year:
            errors.append(f"日期必须在{year}年内（只填报本考评年度获肯定、推广、报道的情形）")
        if self.demand is not None and self.demand.unit_id != self.unit_id:
            errors.append("关联的改革需求必须是本单位的")
        return errors
