"""深改委会议 and 工作动态 (seed 001 四（八）、（九）; SPEC §2 "meeting records, news
items — reform office — plain CRUD").

The seed leaves both modules open ("该模块功能持续完善中"). They are the 改革办's own
records: its clerk (录入员 of 市委改革办) files them and a holder of the 改革办 role
approves them — one review step (:mod:`app.workflow.chain` needs at least one), so
that only checked items reach the cockpit's board "深改委会议与工作动态".

Scope: a meeting is seen by the 改革办 and city leaders (the default rule on the
filing unit, 市委改革办). A news item is also seen by the unit it is about (and the
units above it) — an extra way in, like a pilot's supervising department.
"""

from __future__ import annotations

import datetime

from flask_appbuilder import Model
from sqlalchemy import Column, Date, ForeignKey, Integer, String, Text, or_
from sqlalchemy.orm import relationship

from app.kit.spec import Menu, RecordSpec
from app.units.models import Unit, UnitKind
from app.workflow.chain import Chain, Step, reform_office
from app.workflow.models import WorkflowMixin

CATEGORY = "深改委会议与工作动态"


def _today() -> datetime.date:
    return datetime.date.today()


def _filer_unit(record):
    from app.extensions import db

    unit = record.unit
    if unit is None and record.unit_id is not None:
        with db.session.no_autoflush:
            unit = db.session.get(Unit, record.unit_id)
    return unit


def _office_problems(record, label: str) -> list[str]:
    unit = _filer_unit(record)
    if unit is None or unit.kind != UnitKind.REFORM_OFFICE.value:
        return [f"{label}只能由市委改革办填报" + (f"，{unit.name}不能填报" if unit else "")]
    return []


def _date_problems(value, label: str) -> list[str]:
    if value is None:
        return [f"请填写{label}"]
    if isinstance(value, datetime.date) and value > _today():
        return [f"{label}不能晚于今天"]
    return []


class Meeting(WorkflowMixin, Model):
    """深改委会议."""

    __tablename__ = "reform_meeting"
    __record__ = RecordSpec(
        name="meeting", label="深改委会议", menu=Menu(CATEGORY, "fa-users", "fa-university"),
        order=95,
        chain=Chain(steps=(Step("市委改革办审核", reform_office()),),
                    editable=("title", "held_on", "term", "topics", "decisions")),
        title_field="title", date_field="held_on",
        list_columns=("title", "term", "held_on"),
        search_columns=("title", "term", "held_on"),
        attachments=True,
        example={"title": "市委全面深化改革委员会第十次会议", "held_on": _today,
                 "term": "六届市委",
                 "topics": "审议《关于深化国有企业改革的实施方案》等 3 个文件",
                 "decisions": "会议原则同意上述文件，请牵头单位按会议意见修改完善后按程序印发。"},
    )

    id = Column(Integer, primary_key=True)
    title = Column(String(200), nullable=False, info={
        "label": "会议名称", "description": "如：市委全面深化改革委员会第十次会议"})
    held_on = Column(Date, nullable=False, index=True, info={"label": "会议日期"})
    term = Column(String(50), nullable=False, info={
        "label": "届次", "description": "如：六届市委"})
    topics = Column(Text, nullable=False, info={
        "label": "会议议题", "widget": "textarea", "description": "审议、研究的事项，一行一项"})
    decisions = Column(Text, nullable=False, info={
        "label": "会议决定", "widget": "textarea", "description": "会议作出的决定和工作要求"})

    def __repr__(self) -> str:
        return self.title or f"深改委会议#{self.id}"

    def clean(self) -> list[str]:
        errors = _office_problems(self, "深改委会议")
        for name, label in (("title", "会议名称"), ("term", "届次"), ("topics", "会议议题"),
                            ("decisions", "会议决定")):
            if not (getattr(self, name) or "").strip():
                errors.append(f"请填写{label}")
        return errors + _date_problems(self.held_on, "会议日期")


class NewsItem(WorkflowMixin, Model):
    """工作动态."""

    __tablename__ = "reform_news"
    __record__ = RecordSpec(
        name="news", label="工作动态", menu=Menu(CATEGORY, "fa-newspaper-o", "fa-university"),
        order=96,
        chain=Chain(steps=(Step("市委改革办审核", reform_office()),),
                    editable=("title", "published_on", "about_unit", "body")),
        title_field="title", date_field="published_on",
        list_columns=("title", "published_on", "about_unit"),
        search_columns=("title", "published_on", "about_unit"),
        attachments=True,
        example={"title": "我市召开国有企业改革深化提升行动推进会", "published_on": _today,
                 "body": "会议通报了全市国企改革进展情况，部署下一阶段重点任务。"},
    )

    id = Column(Integer, primary_key=True)
    title = Column(String(200), nullable=False, info={"label": "标题"})
    published_on = Column(Date, nullable=False, index=True, info={"label": "日期"})
    about_unit_id = Column(Integer, ForeignKey("unit.id"), nullable=True, index=True)
    body = Column(Text, nullable=False, info={"label": "正文", "widget": "textarea"})

    about_unit = relationship("Unit", foreign_keys=[about_unit_id], info={
        "label": "相关单位", "description": "动态涉及的区县或部门（可不选）；该单位可以看到这条动态"})

    def __repr__(self) -> str:
        return self.title or f"工作动态#{self.id}"

    @classmethod
    def scope_clause(cls, unit_ids_select, scope):
        return or_(cls.unit_id.in_(unit_ids_select), cls.about_unit_id.in_(unit_ids_select))

    def clean(self) -> list[str]:
        errors = _office_problems(self, "工作动态")
        if not (self.title or "").strip():
            errors.append("请填写标题")
        if not (self.body or "").strip():
            errors.append("请填写正文")
        return errors + _date_problems(self.published_on, "日期")
