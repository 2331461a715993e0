"""市级重大改革项目 and its bimonthly progress (seed 001 一（一）, 四（七）; SPEC §2).

Seed 001 一（一）: "共设置市级重大改革项目报表、区县改革报表“两张表”。其中，重大改革项目报表
每两月生成一次" — the major-project report is made every two months; 四（七）"市级重大改革
项目管理模块 … 待上线后同步更新操作说明" leaves the fields open.

Who keeps the projects
----------------------
The 改革办 does (:class:`MajorProject` is a plain table, not a filed record). The
projects are the city's list — the report "围绕贯彻落实党中央重大改革决策部署和市委重要
改革工作安排" (一), decided by the 市委深改委 whose meetings the 改革办 records (四（八）),
not proposals a department files for approval; the 改革办 "manages schemes, periods,
assignments and reports" (SPEC §1) and enters the projects' satisfaction itself
(四（六）2 "市委改革办录入"). What a lead department files is the progress: the
bimonthly :class:`MajorProjectReport`, lead-department clerk → its reviewer → 改革办
(SPEC §2's chain for this module).

Milestones
----------
Each project has milestones with a planned date (kept on the project form).
A report says, per milestone, whether it is completed and when
(:class:`MajorProjectReportItem`). A milestone is overdue on a day when its planned
date is before that day (due today is not overdue) and no *approved* report
says it is completed (:func:`overdue_clause`).

Scope
-----
A project is seen by the 改革办 and city leaders, by its lead department and by
its participating units (and the units above them). A report follows the default
rule (the lead department that filed it and the units above it).
"""

from __future__ import annotations

import datetime

from flask_appbuilder import Model
from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    and_,
    exists,
    or_,
    select,
)
from sqlalchemy.orm import relationship

from app.kit.fields import labelled
from app.kit.spec import Menu, RecordSpec
from app.scoring.periods import PeriodError, parse_period
from app.security.roles import ROLE_REVIEWER
from app.units.models import Unit
from app.workflow.chain import APPROVED, Chain, Step, own_unit, reform_office
from app.workflow.models import WorkflowMixin

FIRST_YEAR = 2023  # seed 001 (2023年4月1日版) introduces the major-project report
LABEL = "重大改革项目"
REPORT_LABEL = "重大改革项目进展"
CATEGORY = "市级重大改革项目管理"


def _today() -> datetime.date:
    return datetime.date.today()


def bimonth_code(day: datetime.date) -> str:
    """The two-month period ``day`` falls in, e.g. 2026-B6 for November."""
    return f"{day.year}-B{(day.month + 1) // 2}"


def bimonth_choices(today: datetime.date | None = None) -> tuple[str, ...]:
    """2023-B1 … the last two months of next year, newest first."""
    today = today or _today()
    return tuple(f"{y}-B{b}" for y in range(today.year + 1, FIRST_YEAR - 1, -1)
                 for b in range(6, 0, -1))


def period_label(code: str) -> str:
    try:
        return parse_period(code).label
    except PeriodError:
        return code or ""


def period_problems(code, today: datetime.date | None = None) -> list[str]:
    """Why ``code`` is not a two-month period a report may be filed for."""
    today = today or _today()
    code = (code or "").strip() if isinstance(code, str) else ""
    if not code:
        return ["请选择报告期间（两个月为一期，如 2026-B3 即 2026年5—6月）"]
    try:
        period = parse_period(code)
    except PeriodError:
        return [f"报告期间“{code}”无法识别：应为两个月一期的期间编码，如 2026-B3（2026年5—6月）"]
    if period.kind != "bimonth" or period.code != code:
        return [f"报告期间“{code}”不是两个月一期的期间：重大改革项目进展每两个月报告一次，"
                "应为 2026-B1 至 2026-B6 这样的编码"]
    if period.year < FIRST_YEAR:
        return [f"报告期间不能早于 {FIRST_YEAR} 年"]
    if period.start > today:
        return [f"{period.label}尚未开始，不能报告进展"]
    return []


major_project_unit = Table(
    "major_project_unit", Model.metadata,
    Column("project_id", Integer, ForeignKey("major_project.id", ondelete="CASCADE"),
           primary_key=True),
    Column("unit_id", Integer, ForeignKey("unit.id"), primary_key=True, index=True),
)


class MajorProject(Model):
    """市级重大改革项目, kept by the 改革办."""

    __tablename__ = "major_project"
    __title_field__ = "name"

    id = Column(Integer, primary_key=True)
    name = Column(String(200), nullable=False, unique=True)
    lead_unit_id = Column(Integer, ForeignKey("unit.id"), nullable=False, index=True)
    year = Column(Integer, nullable=False, index=True)
    description = Column(Text, nullable=False, default="")
    created_on = Column(DateTime, nullable=False, default=datetime.datetime.now)
    changed_on = Column(DateTime, nullable=False, default=datetime.datetime.now,
                        onupdate=datetime.datetime.now)
    created_by_id = Column(Integer, ForeignKey("ab_user.id"), nullable=True)

    lead_unit = relationship("Unit", foreign_keys=[lead_unit_id])
    participants = relationship("Unit", secondary=major_project_unit,
                                order_by="Unit.sort_order")
    milestones = relationship("MajorProjectMilestone", back_populates="project",
                              cascade="all, delete-orphan",
                              order_by="(MajorProjectMilestone.planned_on, "
                                       "MajorProjectMilestone.seq, MajorProjectMilestone.id)")

    def __repr__(self) -> str:
        return self.name or f"重大改革项目#{self.id}"

    @classmethod
    def scope_clause(cls, unit_ids_select, scope):
        """The lead department or a participating unit is in scope."""
        return or_(cls.lead_unit_id.in_(unit_ids_select),
                   exists().where(major_project_unit.c.project_id == cls.id,
                                  major_project_unit.c.unit_id.in_(unit_ids_select)))


class MajorProjectMilestone(Model):
    """A milestone with its planned date."""

    __tablename__ = "major_project_milestone"

    id = Column(Integer, primary_key=True)
    project_id = Column(Integer, ForeignKey("major_project.id", ondelete="CASCADE"),
                        nullable=False, index=True)
    seq = Column(Integer, nullable=False, default=0)
    name = Column(String(200), nullable=False)
    planned_on = Column(Date, nullable=False, index=True)

    project = relationship("MajorProject", back_populates="milestones")

    def __repr__(self) -> str:
        return self.name or f"里程碑#{self.id}"


def _example_period() -> str:
    """The current two months; makes sure a project exists for the contract
    suite to choose (its lead, 市国资委, has demo clerk and reviewer)."""
    ensure_example_project()
    return bimonth_code(_today())


EXAMPLE_PROJECT = "国有企业改革深化提升行动（契约示例）"


def ensure_example_project() -> None:
    from app.extensions import db

    session = db.session
    with session.no_autoflush:
        if session.scalar(select(MajorProject.id).where(
                MajorProject.name == EXAMPLE_PROJECT)) is not None:
            return
        lead = session.scalar(select(Unit.id).where(Unit.name == "市国资委"))
    if lead is None:
        return
    today = _today()
    session.add(MajorProject(
        name=EXAMPLE_PROJECT, lead_unit_id=lead, year=today.year,
        description="契约测试使用的示例项目",
        milestones=[MajorProjectMilestone(seq=1, name="印发实施方案",
                                          planned_on=today - datetime.timedelta(days=30))]))
    session.commit()


class MajorProjectReport(WorkflowMixin, Model):
    """重大改革项目进展: every two months, lead-department clerk → its reviewer → 改革办."""

    __tablename__ = "major_project_report"
    __table_args__ = (
        UniqueConstraint("project_id", "period", name="uq_major_project_report_period"),
    )
    __record__ = RecordSpec(
        name="major_project_report", label=REPORT_LABEL,
        menu=Menu(CATEGORY, "fa-tasks", "fa-flag"), order=90,
        chain=Chain(
            steps=(
                Step("牵头单位审核", own_unit(ROLE_REVIEWER)),
                Step("市委改革办审核", reform_office()),
            ),
            editable=("project", "period", "progress", "problems", "plan"),
        ),
        title_field="title", date_field="period_end",
        list_columns=("title", "project", "period"),
        search_columns=("project", "period"),
        show_columns=("project", "period_text", "milestone_summary", "progress", "problems",
                      "plan"),
        export_columns=("project", "period_text", "milestone_summary", "progress", "problems",
                        "plan"),
        example={"period": _example_period,
                 "progress": "实施方案已印发，完成首批 3 家企业董事会规范建设。",
                 "problems": "部分企业外部董事人选储备不足。",
                 "plan": "下两个月完成剩余企业董事会建设，开展中期评估。"},
    )

    id = Column(Integer, primary_key=True)
    title = Column(String(300), nullable=False, default="", info={"label": "进展报告"})
    project_id = Column(Integer, ForeignKey("major_project.id"), nullable=False, index=True)
    period = Column(String(8), nullable=False, index=True, info={
        "label": "报告期间", "choices": bimonth_choices(),
        "choice_labels": {c: period_label(c) for c in bimonth_choices()},
        "description": "每两个月报告一次（种子文件 001 一（一）：重大改革项目报表每两月生成一次）"})
    period_end = Column(Date, nullable=False, index=True, info={"label": "期间截止日"})
    progress = Column(Text, nullable=False, info={
        "label": "进展情况", "widget": "textarea",
        "description": "本期推进的主要工作和取得的阶段性成果"})
    problems = Column(Text, nullable=False, info={
        "label": "存在问题", "widget": "textarea"})
    plan = Column(Text, nullable=False, info={
        "label": "下步计划", "widget": "textarea"})

    project = relationship("MajorProject", info={
        "label": "重大改革项目",
        "description": "只能填报本单位牵头的项目；在“重大改革项目”页面点击“填报本期进展”，"
                       "可同时填写各里程碑完成情况"})
    items = relationship("MajorProjectReportItem", back_populates="report",
                         cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return self.title or f"重大改革项目进展#{self.id}"

    @property
    @labelled("报告期间")
    def period_text(self) -> str:
        return f"{period_label(self.period)}（{self.period}）" if self.period else ""

    @property
    @labelled("里程碑完成情况")
    def milestone_summary(self) -> str:
        done = {i.milestone_id: i for i in self.items or [] if i.completed}
        project = self.project
        if project is None:
            return ""
        parts = []
        for n, m in enumerate(project.milestones, start=1):
            item = done.get(m.id)
            if item is not None:
                when = f"，{item.completed_on:%Y-%m-%d}" if item.completed_on else ""
                parts.append(f"{n}. {m.name}：已完成{when}")
            else:
                parts.append(f"{n}. {m.name}：未完成（计划 {m.planned_on:%Y-%m-%d}）")
        return "；".join(parts) if parts else "该项目未设置里程碑"

    def _project(self):
        from app.extensions import db

        if self.project is not None:
            return self.project
        if self.project_id is not None:
            with db.session.no_autoflush:
                return db.session.get(MajorProject, self.project_id)
        return None

    @classmethod
    def existing(cls, session, project_id, period, exclude_id=None):
        stmt = select(cls).where(cls.project_id == project_id, cls.period == period)
        if exclude_id is not None:
            stmt = stmt.where(cls.id != exclude_id)
        with session.no_autoflush:
            return session.scalar(stmt.limit(1))

    @staticmethod
    def duplicate_message(other) -> str:
        return (f"“{other.project.name}”{period_label(other.period)}的进展已填报"
                f"（编号 {other.id}，状态：{other.state_label}），每个项目每期只能填报一份；"
                "如需修改请编辑该报告")

    @classmethod
    def integrity_message(cls, session, item) -> str | None:
        with session.no_autoflush:
            other = cls.existing(session, item.project_id or getattr(item.project, "id", None),
                                 item.period, exclude_id=item.id)
            return cls.duplicate_message(other) if other is not None else None

    def clean(self) -> list[str]:
        from app.extensions import db

        with db.session.no_autoflush:
            return self._problems(db.session)

    def _problems(self, session) -> list[str]:
        errors = []
        project = self._project()
        if project is None:
            errors.append("请选择重大改革项目")
        elif self.unit_id is not None and project.lead_unit_id != self.unit_id:
            lead = project.lead_unit.name if project.lead_unit else ""
            errors.append(f"“{project.name}”的牵头单位是{lead}，只有牵头单位可以填报进展")
        period_errors = period_problems(self.period)
        errors += period_errors
        for name, label in (("progress", "进展情况"), ("problems", "存在问题"),
                            ("plan", "下步计划")):
            if not (getattr(self, name) or "").strip():
                errors.append(f"请填写{label}")
        if project is not None and not period_errors:
            self.period_end = parse_period(self.period).end
            self.title = f"{project.name}（{period_label(self.period)}）"
            if not errors:
                other = self.existing(session, project.id, self.period, exclude_id=self.id)
                if other is not None:
                    errors.append(self.duplicate_message(other))
        return errors


class MajorProjectReportItem(Model):
    """One milestone's progress in one report."""

    __tablename__ = "major_project_report_item"
    __table_args__ = (
        UniqueConstraint("report_id", "milestone_id", name="uq_major_project_report_item"),
    )

    id = Column(Integer, primary_key=True)
    report_id = Column(Integer, ForeignKey("major_project_report.id", ondelete="CASCADE"),
                       nullable=False, index=True)
    milestone_id = Column(Integer, ForeignKey("major_project_milestone.id", ondelete="CASCADE"),
                          nullable=False, index=True)
    completed = Column(Boolean, nullable=False, default=False)
    completed_on = Column(Date, nullable=True)
    note = Column(String(500), nullable=True)

    report = relationship("MajorProjectReport", back_populates="items")
    milestone = relationship("MajorProjectMilestone")


# -- the overdue rule --------------------------------------------------------------


def completed_clause(milestone_id_column):
    """An approved report says this milestone is completed."""
    item, report = MajorProjectReportItem, MajorProjectReport
    return exists().where(item.milestone_id == milestone_id_column,
                          item.completed.is_(True), item.report_id == report.id,
                          report.state == APPROVED)


def overdue_clause(today: datetime.date):
    """Milestones overdue on ``today``: the planned date has passed (due
    today is not overdue) and no approved report says they are completed."""
    m = MajorProjectMilestone
    return and_(m.planned_on < today, ~completed_clause(m.id))


def completion_of(session, milestone_ids) -> dict[int, tuple[datetime.date | None, int]]:
    """{milestone id: (completion date, report id)} from approved reports
    (the earliest approved report that says so)."""
    ids = list(milestone_ids)
    if not ids:
        return {}
    item, report = MajorProjectReportItem, MajorProjectReport
    rows = session.execute(
        select(item.milestone_id, item.completed_on, report.id)
        .join(report, report.id == item.report_id)
        .where(item.milestone_id.in_(ids), item.completed.is_(True),
               report.state == APPROVED)
        .order_by(report.period_end, report.id)).all()
    out: dict[int, tuple] = {}
    for mid, on, rid in rows:
        out.setdefault(mid, (on, rid))
    return out


def milestone_status(milestone, completion: dict, today: datetime.date) -> tuple[str, str]:
    """(code, label) of a milestone on ``today``: done, overdue, due (today), open."""
    if milestone.id in completion:
        on = completion[milestone.id][0]
        return "done", f"已完成{f'（{on:%Y-%m-%d}）' if on else ''}"
    if milestone.planned_on < today:
        return "overdue", f"逾期 {(today - milestone.planned_on).days} 天"
    if milestone.planned_on == today:
        return "due", "今日到期"
    return "open", "未到期"

