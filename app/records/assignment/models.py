"""交办事项 and their progress reports: one mechanism for 需求清单交办 (seed 001
四（一）) and 堵点卡点 (四（四）).

* :class:`Assignment` — the 市委改革办 assigns an item (类别, 标题, 交办内容,
  optionally the 改革需求 it comes from) to one or many units with a 反馈时限.
  Not a workflow record: the 改革办 enters it directly (screens in setup.py).
* :class:`DemandTaskReport` (需求清单推进情况) and :class:`BottleneckReport`
  (堵点卡点推进情况) — each assigned unit reports 已开展工作, 存在问题 and
  推进状态 through 本单位录入员 → 本单位审核员 → 市委改革办 (seed 001 四（一）1 and
  四（四）1). Both share :class:`_ProgressReport`; they differ only in the kind
  of item they report on and in their menu.

When the reports are due is :mod:`app.records.assignment.due`; who is due or
late now is :mod:`app.records.assignment.status`.
"""

from __future__ import annotations

import datetime

from flask_appbuilder import Model
from sqlalchemy import (
    Column,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    exists,
    select,
)
from sqlalchemy.orm import declared_attr, object_session, relationship

from app.kit.fields import labelled
from app.kit.spec import Menu, RecordSpec
from app.security.roles import ROLE_REVIEWER
from app.units.models import Unit
from app.workflow.chain import APPROVED, Chain, Step, own_unit, reform_office
from app.workflow.models import WorkflowMixin

KIND_DEMAND = "需求清单交办"
KIND_BOTTLENECK = "堵点卡点"
KINDS = (KIND_DEMAND, KIND_BOTTLENECK)
# the kind in URLs
KIND_CODES = {"demand": KIND_DEMAND, "bottleneck": KIND_BOTTLENECK}
CODE_OF_KIND = {v: k for k, v in KIND_CODES.items()}

IN_PROGRESS = "推进中"
COMPLETED = "已完成"
PROGRESS = (IN_PROGRESS, COMPLETED)

DEMAND_MENU = Menu("改革需求管理", "fa-lightbulb-o")
BOTTLENECK_MENU = Menu("堵点卡点管理", "fa-unlock-alt", "fa-unlock-alt")


def _session(obj):
    from app.extensions import db

    return object_session(obj) or db.session


# -- 交办事项 ---------------------------------------------------------------------------

assignment_unit = Table(
    "assignment_unit", Model.metadata,
    Column("assignment_id", Integer, ForeignKey("assignment.id", ondelete="CASCADE"),
           primary_key=True),
    Column("unit_id", Integer, ForeignKey("unit.id"), primary_key=True, index=True),
    Column("assigned_on", DateTime, nullable=False, default=datetime.datetime.now),
)


class Assignment(Model):
    """One item the 改革办 assigned, to one or many units, with a 反馈时限."""

    __tablename__ = "assignment"

    id = Column(Integer, primary_key=True)
    kind = Column(String(10), nullable=False, index=True)
    title = Column(String(200), nullable=False)
    content = Column(Text, nullable=False, default="")
    demand_id = Column(Integer, ForeignKey("demand.id"), nullable=True, index=True)
    deadline = Column(Date, nullable=False, index=True)
    created_by_id = Column(Integer, ForeignKey("ab_user.id"), nullable=False)
    created_on = Column(DateTime, nullable=False, default=datetime.datetime.now)
    changed_on = Column(DateTime, nullable=False, default=datetime.datetime.now,
                        onupdate=datetime.datetime.now)

    units = relationship("Unit", secondary=assignment_unit, order_by=Unit.sort_order)
    demand = relationship("Demand")
    created_by = relationship("ReformUser", foreign_keys=[created_by_id])

    def __repr__(self) -> str:
        return f"{self.title}（{self.kind}，反馈时限 {self.deadline:%Y-%m-%d}）" \
            if self.title and self.deadline else (self.title or f"交办事项#{self.id}")

    @property
    def kind_code(self) -> str:
        return CODE_OF_KIND.get(self.kind, "demand")

    @classmethod
    def scope_clause(cls, unit_ids, scope):
        """An item is seen by the units it is assigned to and the units above
        them (and the 改革办, who sees everything)."""
        return exists().where(assignment_unit.c.assignment_id == cls.id,
                              assignment_unit.c.unit_id.in_(unit_ids))


def report_model(kind: str):
    """The progress-report model of an assignment kind."""
    return DemandTaskReport if kind == KIND_DEMAND else BottleneckReport


def report_models():
    return (DemandTaskReport, BottleneckReport)


# -- the progress reports ------------------------------------------------------------------

EDITABLE = ("assignment", "work_done", "problems", "progress")

WORK_DONE_HELP = ("写明推动落实该项任务做了哪些动作，要有改革味，条目式列举。如：1.出台xx文件，推动xxx，"
                  "调整xxx，实现xxx。2.建立xxx机制，实现xxx。3.开发建设xx应用，汇集xxx数据，实现xxx。")
PROBLEMS_HELP = "写明推动落实还面临的主要困难，聚焦体制机制问题、政策法规问题等，切忌泛泛而谈"
PROGRESS_HELP = "首次在反馈时限前填报，此后每季度更新一次，直至推进状态为“已完成”并经市委改革办审核通过"


def _chain() -> Chain:
    return Chain(
        steps=(Step("本单位审核", own_unit(ROLE_REVIEWER)),
               Step("市委改革办审核", reform_office())),
        editable=EDITABLE,
    )


def _example_work_done(kind: str):
    def value() -> str:
        ensure_example_assignment(kind)
        return "1.出台工作方案，明确责任分工和时间表。2.建立周调度机制，协调解决跨部门问题。"

    return value


def ensure_example_assignment(kind: str) -> None:
    """For the kit's contract suite, which builds a record from the example
    before choosing its related rows: when no item of ``kind`` is assigned
    at all, assign one to the demo districts 万州区 and 渝中区 (committed, so
    that a REST client can name it). Nothing happens where items exist."""
    from flask import has_app_context

    if not has_app_context():
        return
    from app.extensions import db
    from app.security.models import ReformUser

    session = db.session
    if session.scalar(select(Assignment.id).where(Assignment.kind == kind).limit(1)):
        return
    units = session.scalars(select(Unit).where(Unit.name.in_(("万州区", "渝中区")))).all()
    office = session.scalar(select(ReformUser.id).where(ReformUser.mobile == "13900000001"))
    if not units or office is None:
        return
    session.add(Assignment(kind=kind, title=f"{kind}示例事项", content="示例交办内容",
                           deadline=datetime.date.today() + datetime.timedelta(days=30),
                           created_by_id=office, units=list(units)))
    session.commit()


class _ProgressReport:
    """What both progress reports share (the table columns, the checks, the
    title)."""

    __kind__: str

    id = Column(Integer, primary_key=True)
    work_done = Column(Text, nullable=False, info={
        "label": "已开展工作", "widget": "textarea", "description": WORK_DONE_HELP})
    problems = Column(Text, nullable=False, default="", info={
        "label": "存在问题", "widget": "textarea", "description": PROBLEMS_HELP})
    progress = Column(String(10), nullable=False, info={
        "label": "推进状态", "choices": PROGRESS, "description": PROGRESS_HELP})

    @declared_attr
    def assignment_id(cls):
        return Column(Integer, ForeignKey("assignment.id"), nullable=False, index=True)

    @declared_attr
    def assignment(cls):
        kind = cls.__kind__
        return relationship("Assignment", info={
            "label": "交办事项", "where": lambda: Assignment.kind == kind,
            "description": "市委改革办交办给本单位的事项"})

    def __repr__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        item = self.assignment
        name = item.title if item is not None else f"交办事项#{self.assignment_id}"
        return f"{name}（{self.progress or IN_PROGRESS}）"

    @property
    @labelled("反馈时限")
    def deadline(self):
        item = self.assignment
        return item.deadline if item is not None else None

    def clean(self) -> list[str]:
        session = _session(self)
        with session.no_autoflush:
            return self._problems(session)

    def _problems(self, session) -> list[str]:
        errors = []
        self.work_done = (self.work_done or "").strip()
        self.problems = (self.problems or "").strip()
        if not self.work_done:
            errors.append("已开展工作不能为空")
        if self.progress not in PROGRESS:
            errors.append("推进状态必须是：" + "、".join(PROGRESS))
        item = self.assignment
        if item is None and self.assignment_id is not None:
            item = session.get(Assignment, self.assignment_id)
        if item is None:
            errors.append("请选择交办事项")
            return errors
        if item.kind != self.__kind__:
            errors.append(f"“{item.title}”是{item.kind}事项，不能在{type(self).__record__.label}"
                          "中填报")
            return errors
        assigned = session.scalar(select(assignment_unit.c.unit_id).where(
            assignment_unit.c.assignment_id == item.id,
            assignment_unit.c.unit_id == self.unit_id))
        if assigned is None:
            errors.append(f"“{item.title}”没有交办给本单位")
            return errors
        done = self.completed_message(session, item.id, self.unit_id, exclude_id=self.id)
        if done:
            errors.append(done)
        return errors

    @classmethod
    def completed_message(cls, session, assignment_id, unit_id, exclude_id=None) -> str | None:
        """Why nothing more is to be reported: the unit's 已完成 was approved."""
        stmt = select(cls.id).where(cls.assignment_id == assignment_id, cls.unit_id == unit_id,
                                    cls.state == APPROVED, cls.progress == COMPLETED)
        if exclude_id is not None:
            stmt = stmt.where(cls.id != exclude_id)
        done = session.scalar(stmt.limit(1))
        if done is None:
            return None
        return (f"本单位该事项已完成（推进状态为“已完成”的反馈，编号 {done}，已经市委改革办审核通过），"
                "无需再填报")

    def submit_problems(self) -> list[str]:
        problems = super().submit_problems()
        done = self.completed_message(_session(self), self.assignment_id, self.unit_id,
                                      exclude_id=self.id)
        return problems + ([done] if done else [])


def _spec(name, label, menu, order, kind) -> RecordSpec:
    return RecordSpec(
        name=name, label=label, menu=menu, order=order, chain=_chain(),
        title_field="work_done", date_field="created_on",
        list_columns=("assignment", "progress", "work_done", "submitted_on"),
        search_columns=("assignment", "progress"),
        export_columns=("assignment", "deadline", "work_done", "problems", "progress",
                        "submitted_on", "approved_on"),
        attachments=True,
        example={"work_done": _example_work_done(kind), "problems": "跨部门数据共享仍有壁垒",
                 "progress": IN_PROGRESS},
    )


class DemandTaskReport(_ProgressReport, WorkflowMixin, Model):
    """需求清单推进情况 (seed 001 四（一）2.2)."""

    __tablename__ = "demand_task_report"
    __kind__ = KIND_DEMAND
    __record__ = _spec("demand_task_report", "需求清单推进情况", DEMAND_MENU, 11, KIND_DEMAND)


class BottleneckReport(_ProgressReport, WorkflowMixin, Model):
    """堵点卡点推进情况 (seed 001 四（四）)."""

    __tablename__ = "bottleneck_report"
    __kind__ = KIND_BOTTLENECK
    __record__ = _spec("bottleneck_report", "堵点卡点推进情况", BOTTLENECK_MENU, 60,
                       KIND_BOTTLENECK)
