"""满意度调查 and 重大改革项目满意度 (seed 001 四（六）).

1. 区县改革满意度: "市社情民意调查中心录入基本信息（各区县满意度得分、调查报告、调查结论
   等）→市委改革办审核→生成报表数据。填写频率：每季度更新一次。" One record per district
   and quarter — a unique constraint, checked first in ``clean()`` with a message
   naming the record already there, and answered the same way when two clerks
   save at the same moment (``integrity_message``). The attachment names 市统计局
   as the indicator's 数据责任单位, so its clerks may file too.
2. 重大改革项目满意度: "作为展示指标，不纳入改革报表生成指数 … 市委改革办录入 … 一般一年
   一次": :class:`ProjectSatisfaction`, a plain table the 改革办 keeps.

Scope: the filing unit and the 改革办 / city leaders (the default rule). A
district does not see the survey records about it — the seed's data flow has no
district step, and SPEC §1 makes no exception for them; a district reads its
satisfaction score in its ranking.
"""

from __future__ import annotations

import datetime

from flask_appbuilder import Model
from sqlalchemy import (
    Column,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    select,
)
from sqlalchemy.orm import relationship

from app.kit.spec import Menu, RecordSpec
from app.records.source_links import filer_unit_name, quarter_code
from app.units.models import Unit, UnitKind
from app.workflow.chain import Chain, Step, reform_office
from app.workflow.models import WorkflowMixin

FILERS = ("市社情民意调查中心", "市统计局")
SCORE_MAX = 100.0
FIRST_YEAR = 2023  # the first scheme with a satisfaction indicator (seed 001)


def quarter_choices(today: datetime.date | None = None) -> tuple[str, ...]:
    """2023Q1 … the last quarter of next year, newest first."""
    today = today or datetime.date.today()
    return tuple(f"{y}Q{q}" for y in range(today.year + 1, FIRST_YEAR - 1, -1)
                 for q in (4, 3, 2, 1))


def quarter_label(code: str) -> str:
    return f"{code[:4]}年第{code[-1]}季度" if code and len(code) == 6 else (code or "")


def _is_district():
    return Unit.kind == UnitKind.DISTRICT.value


def _example_quarter() -> str:
    day = datetime.date.today()
    return quarter_code(day)


class SurveyResult(WorkflowMixin, Model):
    """满意度调查: 市社情民意调查中心 (or 市统计局) clerk → 市委改革办."""

    __tablename__ = "survey_result"
    __table_args__ = (
        UniqueConstraint("district_id", "quarter", name="uq_survey_result_district_quarter"),
    )
    __record__ = RecordSpec(
        name="survey", label="满意度调查", menu=Menu("改革满意度管理", "fa-smile-o", "fa-heart"),
        order=70,
        chain=Chain(
            steps=(Step("市委改革办审核", reform_office()),),
            editable=("district", "quarter", "score", "conclusion"),
        ),
        title_field="title", date_field="created_on",
        list_columns=("title", "district", "quarter", "score"),
        search_columns=("district", "quarter"),
        show_columns=("title", "district", "quarter", "score", "conclusion"),
        attachments=True, attachments_required=True,
        example={"quarter": _example_quarter, "score": 86.5,
                 "conclusion": "受访群众对本区县改革工作总体满意，营商环境和政务服务评价较高。"},
    )

    id = Column(Integer, primary_key=True)
    title = Column(String(200), nullable=False, default="", info={"label": "调查"})
    district_id = Column(Integer, ForeignKey("unit.id"), nullable=False, index=True)
    quarter = Column(String(6), nullable=False, index=True, info={
        "label": "调查季度", "choices": quarter_choices(),
        "choice_labels": {q: quarter_label(q) for q in quarter_choices()}})
    score = Column(Float, nullable=False, info={
        "label": "满意度得分", "description": "百分制，0–100"})
    conclusion = Column(Text, nullable=False, info={
        "label": "调查结论", "widget": "textarea"})

    district = relationship("Unit", foreign_keys=[district_id], info={
        "label": "区县", "where": _is_district})

    def __repr__(self) -> str:
        return self.title or f"满意度调查#{self.id}"

    def _district(self):
        from app.extensions import db

        if self.district is not None:
            return self.district
        if self.district_id is not None:
            with db.session.no_autoflush:
                return db.session.get(Unit, self.district_id)
        return None

    @classmethod
    def existing(cls, session, district_id, quarter, exclude_id=None):
        """The record already kept for this district and quarter, or None."""
        stmt = select(cls).where(cls.district_id == district_id, cls.quarter == quarter)
        if exclude_id is not None:
            stmt = stmt.where(cls.id != exclude_id)
        with session.no_autoflush:
            return session.scalar(stmt.limit(1))

    @staticmethod
    def duplicate_message(other) -> str:
        filer = other.filed_by.get_full_name() if other.filed_by else ""
        unit = other.unit.name if other.unit else ""
        return (f"{other.district.name}{quarter_label(other.quarter)}的满意度调查已存在"
                f"（编号 {other.id}，{unit}{filer}填报，状态：{other.state_label}），"
                "每个区县每季度只能填报一条；如需修改请编辑该记录")

    @classmethod
    def integrity_message(cls, session, item) -> str | None:
        with session.no_autoflush:
            other = cls.existing(session, item.district_id or getattr(item.district, "id", None),
                                 item.quarter, exclude_id=item.id)
            return cls.duplicate_message(other) if other is not None else None

    def clean(self) -> list[str]:
        from app.extensions import db

        with db.session.no_autoflush:  # this record is not saved by a lookup
            return self._problems(db.session)

    def _problems(self, session) -> list[str]:
        errors = []
        unit_name = filer_unit_name(self)
        if unit_name not in FILERS:
            errors.append("满意度调查只能由" + "或".join(FILERS) + "填报"
                          + (f"，{unit_name}不能填报" if unit_name else ""))
        district = self._district()
        if district is None:
            errors.append("请选择区县")
        elif district.kind != UnitKind.DISTRICT.value:
            errors.append(f"“{district.name}”不是区县")
        if self.quarter not in quarter_choices():
            errors.append("调查季度应为 2023Q1 至明年第四季度之间的季度，如 2024Q1")
        elif self.quarter > quarter_code(datetime.date.today()):
            errors.append(f"{quarter_label(self.quarter)}尚未开始，不能填报")
        if self.score is None:
            errors.append("请填写满意度得分")
        elif not 0 <= float(self.score) <= SCORE_MAX:
            errors.append(f"满意度得分应在 0 至 {SCORE_MAX:g} 之间")
        if not (self.conclusion or "").strip():
            errors.append("请填写调查结论")
        if district is not None and self.quarter and not errors:
            other = self.existing(session, district.id, self.quarter, exclude_id=self.id)
            if other is not None:
                errors.append(self.duplicate_message(other))
        if district is not None and self.quarter:
            self.title = f"{district.name}{quarter_label(self.quarter)}改革满意度调查"
        return errors


class ProjectSatisfaction(Model):
    """重大改革项目满意度: yearly, entered by the 改革办, shown only (not scored)."""

    __tablename__ = "project_satisfaction"
    __table_args__ = (
        UniqueConstraint("year", "project", name="uq_project_satisfaction_year_project"),
    )

    id = Column(Integer, primary_key=True)
    year = Column(Integer, nullable=False, index=True)
    project = Column(String(200), nullable=False)
    score = Column(Float, nullable=False)
    respondents = Column(Integer, nullable=True)
    conclusion = Column(Text, nullable=False, default="")
    report = Column(Text, nullable=True)
    entered_by_id = Column(Integer, ForeignKey("ab_user.id"), nullable=True)
    entered_on = Column(DateTime, nullable=False, default=datetime.datetime.now)

    entered_by = relationship("ReformUser", foreign_keys=[entered_by_id])

    def __repr__(self) -> str:
        return f"{self.year}年 {self.project}"
