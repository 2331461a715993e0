"""改革试点, 试点推进状态更新, 试点成果 (seed 001 四（二）), and what the pilot
module keeps besides its record types: the 涉及区县 of each pilot, the
quarterly update tasks and the requests of districts to join a pilot.

Chains (seed 001 四（二）2):

* 试点项目创建分发: 区县录入员创建 → 区县审核员审核 → 试点主管部门录入员确认并分发
  (the department may correct 涉及区县 and the key facts, or reject);
* 试点项目推进状态更新 (and 试点成果, "as the status update"): 试点区县录入员 →
  区县审核员审核 → 试点主管部门录入员审核 → 市委改革办确认. The seed names the
  department's 录入员 at that step, so the department's clerk acts there, as when
  confirming the pilot.
"""

from __future__ import annotations

import datetime
import itertools

from flask_appbuilder import Model
from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    and_,
    exists,
    func,
    or_,
    select,
    text,
)
from sqlalchemy.orm import object_session, relationship, validates

from app.kit.fields import labelled
from app.kit.spec import Menu, RecordSpec
from app.records.pilot.docno import normalize_doc_no
from app.security.roles import ROLE_CLERK, ROLE_REVIEWER
from app.units.models import Unit, UnitKind
from app.workflow.chain import (
    APPROVED,
    DRAFT,
    REJECTED,
    Chain,
    Step,
    own_unit,
    reform_office,
    unit_of,
)
from app.workflow.models import WorkflowMixin

NATIONAL = "国家级"
CITY = "市级"
LEVELS = (NATIONAL, CITY)

# seed 000 item 8: the three ways a national pilot is deployed
DEPLOY_KINDS = ("党中央国务院或中办国办批复部署", "国家有关部委（含司局级）安排部署",
                "全国人大常委会授权部署")
DEPLOY_KIND_LABELS = {
    DEPLOY_KINDS[0]: "①党中央、国务院或中办、国办批复部署",
    DEPLOY_KINDS[1]: "②国家有关部委（含司局级）安排部署",
    DEPLOY_KINDS[2]: "③全国人大常委会授权部署",
}

# seed 001 四（二）1: 党的十九大以后部署的试点, or earlier ones still running
CUTOFF = datetime.date(2017, 10, 18)
SCOPE_TEXT = ("填报范围：党的十九大（2017年10月18日）以后部署的所有试点项目，包括已评估验收的项目；"
              "十九大之前部署但目前仍在推进中的项目；国家部署我市、我市在全市所有区县开展的改革试点"
              "不纳入填报范围。")

COMPLETED = "已完成"
PROGRESS = ("正常推进", "进度滞后", COMPLETED)

FILED_STATES_EXCLUDED = (DRAFT, REJECTED)  # an update in any other state has been filed

MENU = Menu("改革试点管理", "fa-flag")


def _districts():
    return Unit.kind == UnitKind.DISTRICT.value


def _supervisor_choices():
    """City departments with an active 录入员 account: the department's clerk
    confirms and distributes the pilot, so a department nobody can act for
    would leave the pilot waiting for ever."""
    from flask_appbuilder.security.sqla.models import Role, assoc_user_role

    from app.security.models import ReformUser

    clerks = (select(ReformUser.unit_id)
              .join(assoc_user_role, assoc_user_role.c.user_id == ReformUser.id)
              .join(Role, Role.id == assoc_user_role.c.role_id)
              .where(Role.name == ROLE_CLERK, ReformUser.active.is_(True),
                     ReformUser.unit_id.is_not(None)))
    return and_(Unit.kind == UnitKind.DEPARTMENT.value, Unit.id.in_(clerks))


def _session(obj):
    from app.extensions import db

    return object_session(obj) or db.session


# -- 涉及区县 -------------------------------------------------------------------------

pilot_district = Table(
    "pilot_district", Model.metadata,
    Column("pilot_id", Integer, ForeignKey("pilot.id", ondelete="CASCADE"), primary_key=True),
    Column("unit_id", Integer, ForeignKey("unit.id"), primary_key=True, index=True),
    # when the district joined: its quarterly tasks start no earlier
    Column("added_on", DateTime, nullable=False, default=datetime.datetime.now),
)


def _involved(pilot_id_column, unit_ids):
    return exists().where(pilot_district.c.pilot_id == pilot_id_column,
                          pilot_district.c.unit_id.in_(unit_ids))


# -- 改革试点 --------------------------------------------------------------------------

_example_numbers = itertools.count(1)


def _example_doc_no() -> str:
    # every call a new number: a pilot's 文号 is unique
    return f"国发改体改〔2023〕{next(_example_numbers)}号"


PILOT_FIELDS = ("name", "level", "deploy_kind", "doc_no", "authority", "deploy_date",
                "ongoing", "acceptance_deadline", "districts", "supervisor")
# what the supervising department may correct when confirming (seed 001 3.1: 对照文件
# 仔细核对相关关键信息，尤其注意“涉及区县”…予以修正或驳回); not the department itself
PILOT_CORRECTABLE = ("districts", "name", "level", "deploy_kind", "doc_no", "authority",
                     "deploy_date", "ongoing", "acceptance_deadline")


class Pilot(WorkflowMixin, Model):
    """改革试点: district clerk → district reviewer → supervising department's clerk."""

    __tablename__ = "pilot"
    __record__ = RecordSpec(
        name="pilot", label="改革试点", menu=MENU, order=30,
        chain=Chain(
            steps=(
                Step("区县审核", own_unit(ROLE_REVIEWER)),
                Step("主管部门确认分发", unit_of("supervisor_id", ROLE_CLERK, "主管部门录入员"),
                     correctable=PILOT_CORRECTABLE),
            ),
            editable=PILOT_FIELDS,
        ),
        title_field="name", date_field="deploy_date",
        list_columns=("name", "level", "doc_no", "deploy_date", "districts", "supervisor"),
        search_columns=("name", "level", "doc_no", "deploy_date", "supervisor"),
        # the 涉及区县 as text: the kit's export joins relations with joinedload,
        # which SQLAlchemy refuses for a collection streamed with yield_per
        export_columns=("name", "level", "deploy_kind", "doc_no", "authority", "deploy_date",
                        "ongoing", "acceptance_deadline", "districts_label", "supervisor"),
        attachments=True, attachments_required=True,
        example={"name": "开展营商环境创新试点", "level": NATIONAL,
                 "deploy_kind": DEPLOY_KINDS[1], "doc_no": _example_doc_no,
                 "authority": "国家发展改革委", "deploy_date": datetime.date(2023, 6, 1),
                 "acceptance_deadline": datetime.date(2026, 6, 30)},
    )
    __table_args__ = (Index("uq_pilot_doc_no_key", "doc_no_key", unique=True),)

    id = Column(Integer, primary_key=True)
    name = Column(String(200), nullable=False, info={
        "label": "试点名称", "description": SCOPE_TEXT})
    level = Column(String(10), nullable=False, index=True, info={
        "label": "层级", "choices": LEVELS,
        "description": "国家部署我市、我市在全市所有区县开展的国家级试点不纳入填报范围"})
    deploy_kind = Column(String(30), nullable=True, info={
        "label": "部署方式", "choices": DEPLOY_KINDS, "choice_labels": DEPLOY_KIND_LABELS,
        "description": "仅国家级试点填写（市级试点留空）"})
    doc_no = Column(String(100), nullable=False, info={
        "label": "部署文件文号",
        "description": "如：国办发〔2023〕12号。系统按文号自动去重：括号、空格、“第…号”写法不同视为同一文号"})
    # the canonical form of doc_no (docno.normalize_doc_no), unique across the system
    doc_no_key = Column(String(100), nullable=False)
    authority = Column(String(100), nullable=False, info={"label": "部署机关"})
    deploy_date = Column(Date, nullable=False, index=True, info={
        "label": "部署日期", "description": "部署文件的印发日期"})
    ongoing = Column(Boolean, nullable=True, info={
        "label": "目前仍在推进", "description": "党的十九大（2017年10月18日）之前部署的试点，"
                                            "仅在目前仍在推进时填报，请勾选"})
    acceptance_deadline = Column(Date, nullable=True, info={
        "label": "验收时限", "description": "部署文件规定的验收（评估）时限；未规定的留空"})
    supervisor_id = Column(Integer, ForeignKey("unit.id"), nullable=False, index=True)

    supervisor = relationship("Unit", foreign_keys=[supervisor_id], info={
        "label": "主管部门", "where": _supervisor_choices,
        "description": "试点的市级主管部门，由其录入员确认并分发任务"})
    districts = relationship("Unit", secondary=pilot_district, order_by=Unit.sort_order, info={
        "label": "涉及区县", "where": _districts, "required": True,
        "description": "承接该试点的全部区县（创建区县自动包含在内）"})

    def __repr__(self) -> str:
        return self.name or f"改革试点#{self.id}"

    @validates("doc_no")
    def _keep_key(self, key, value):
        self.doc_no_key = normalize_doc_no(value)
        return value

    # -- the scope rule's ways in ----------------------------------------------------
    @classmethod
    def scope_clause(cls, unit_ids, scope):
        """The creating district; once submitted, also every involved district
        and the supervising department."""
        return or_(cls.unit_id.in_(unit_ids), and_(
            cls.state != DRAFT,
            or_(cls.supervisor_id.in_(unit_ids), _involved(cls.id, unit_ids))))

    # -- checks ------------------------------------------------------------------------
    def clean(self) -> list[str]:
        session = _session(self)
        with session.no_autoflush:
            return self._problems(session)

    def _problems(self, session) -> list[str]:
        errors = []
        self.name = (self.name or "").strip()
        self.doc_no = (self.doc_no or "").strip()
        self.authority = (self.authority or "").strip()
        if not self.name:
            errors.append("试点名称不能为空")
        if not self.authority:
            errors.append("部署机关不能为空")
        if self.level not in LEVELS:
            errors.append("层级必须是：" + "、".join(LEVELS))
        if self.level == NATIONAL and self.deploy_kind not in DEPLOY_KINDS:
            errors.append("国家级试点须选择部署方式：" + "、".join(DEPLOY_KIND_LABELS.values()))
        if self.level == CITY and self.deploy_kind:
            errors.append("部署方式只适用于国家级试点，市级试点请留空")
        if not self.deploy_kind:
            self.deploy_kind = None
        errors += self._date_problems()
        errors += self._unit_problems(session)
        key = normalize_doc_no(self.doc_no)
        self.doc_no_key = key
        self._checked_key = key  # kept through a rollback, for integrity_message
        if not key:
            errors.append("部署文件文号不能为空")
        else:
            clash = self.duplicate_message(session, key, exclude_id=self.id)
            if clash:
                errors.append(clash)
        return errors

    def _date_problems(self) -> list[str]:
        errors = []
        today = datetime.date.today()
        if self.deploy_date is None:
            errors.append("请填写部署日期")
            return errors
        if self.deploy_date > today:
            errors.append("部署日期不能晚于今天")
        if self.deploy_date <= CUTOFF and not self.ongoing:
            errors.append(f"该试点于党的十九大（{CUTOFF:%Y年%m月%d日}）之前部署，只有目前仍在推进的"
                          "才纳入填报范围：仍在推进请勾选“目前仍在推进”，否则无需填报")
        if self.deploy_date > CUTOFF and self.ongoing is False:
            self.ongoing = None  # only asked of pilots deployed before the cut-off
        if self.acceptance_deadline is not None and self.acceptance_deadline < self.deploy_date:
            errors.append("验收时限不能早于部署日期")
        return errors

    def _unit_problems(self, session) -> list[str]:
        errors = []
        supervisor = self.supervisor
        if supervisor is None and self.supervisor_id is not None:
            supervisor = session.get(Unit, self.supervisor_id)
        if supervisor is None:
            errors.append("请选择主管部门")
        elif supervisor.kind != UnitKind.DEPARTMENT.value:
            errors.append(f"主管部门必须是市级部门，“{supervisor.name}”不是")
        elif not session.scalar(select(Unit.id).where(Unit.id == supervisor.id,
                                                       _supervisor_choices())):
            errors.append(f"主管部门“{supervisor.name}”尚无录入员账号，无法确认分发，"
                          "请联系市委改革办开通")
        # the creating district undertakes the pilot it files
        if self.state in (None, DRAFT, REJECTED) and self.unit_id is not None:
            creator = session.get(Unit, self.unit_id)
            if creator is not None and creator.kind != UnitKind.DISTRICT.value:
                errors.append("试点由承接该试点的区县录入员创建，"
                              f"“{creator.name}”不是区县")
            elif creator is not None and creator not in self.districts:
                self.districts.append(creator)
        if not self.districts:
            errors.append("请选择涉及区县")
        wrong = [u.name for u in self.districts if u.kind != UnitKind.DISTRICT.value]
        if wrong:
            errors.append("涉及区县只能选择区县：" + "、".join(wrong) + " 不是区县")
        if self.level == NATIONAL and self.districts and not wrong:
            total = session.scalar(select(func.count()).select_from(Unit).where(_districts()))
            if len({u.id for u in self.districts}) >= total:
                errors.append("国家部署我市、我市在全市所有区县开展的改革试点不纳入填报范围")
        return errors

    # -- one pilot per document number -------------------------------------------------
    @classmethod
    def duplicate_message(cls, session, key: str, exclude_id=None) -> str | None:
        """Who already holds the document number ``key`` (canonical form), or None."""
        stmt = select(cls).where(cls.doc_no_key == key)
        if exclude_id is not None:
            stmt = stmt.where(cls.id != exclude_id)
        other = session.execute(stmt.limit(1)).scalar_one_or_none()
        if other is None:
            return None
        creator = session.get(Unit, other.unit_id)
        supervisor = session.get(Unit, other.supervisor_id)
        return (f"部署文件文号“{other.doc_no}”的试点已存在：“{other.name}”（编号 {other.id}），"
                f"由{creator.name if creator else '其他单位'}创建，当前状态：{other.state_label}。"
                "同一试点不能重复创建；如本区县也承接了该试点，请通过“申请加入试点”提出，"
                f"由主管部门{supervisor.name if supervisor else ''}确认")

    @classmethod
    def integrity_message(cls, session, item) -> str | None:
        """Called by the kit when saving hit the unique 文号 (two districts at
        the same moment): name the pilot that won."""
        key = getattr(item, "_checked_key", None) or normalize_doc_no(
            item.__dict__.get("doc_no"))
        if not key:
            return None
        return cls.duplicate_message(session, key, exclude_id=item.__dict__.get("id"))

    # -- consequences of the chain ------------------------------------------------------
    def submit_problems(self) -> list[str]:
        """The scanned deployment document must be there, as a PDF (seed 001 3.1:
        请将部署该试点项目的文件扫描为PDF后上传)."""
        from app.attachments.models import Attachment

        n = _session(self).scalar(select(func.count()).select_from(Attachment).where(
            Attachment.record_type == "pilot", Attachment.record_id == self.id,
            Attachment.removed_on.is_(None), Attachment.content_type == "application/pdf"))
        return [] if n else ["请先上传部署文件扫描件（PDF）再提交"]

    @classmethod
    def after_transition(cls, session, ids, action, from_state, to_state, user, now):
        """Distributed (approved by the department): every involved district gets
        its update task for the current quarter."""
        if to_state == APPROVED:
            from app.records.pilot.tasks import open_tasks, quarter_of

            open_tasks(session, quarter_of(now.date()), pilot_ids=ids, now=now)

    @property
    @labelled("涉及区县")
    def districts_label(self) -> str:
        return "、".join(u.name for u in self.districts)


# -- 试点推进状态更新 and 试点成果 --------------------------------------------------------

def _approved_pilots():
    return Pilot.state == APPROVED


def _district_chain(editable) -> Chain:
    return Chain(
        steps=(
            Step("区县审核", own_unit(ROLE_REVIEWER)),
            Step("主管部门审核", unit_of("supervisor_id", ROLE_CLERK, "主管部门录入员")),
            Step("市委改革办确认", reform_office()),
        ),
        editable=editable,
    )


class _PilotRecord:
    """What an update and an achievement share: the pilot, the district filing
    (one of its 涉及区县), the pilot's supervising department copied for the
    chain, and the scope (the district; once submitted, also the pilot's
    creating and involved districts and its supervising department)."""

    @classmethod
    def scope_clause(cls, unit_ids, scope):
        pilot = Pilot.__table__
        created = exists().where(pilot.c.id == cls.pilot_id, pilot.c.unit_id.in_(unit_ids))
        return or_(cls.unit_id.in_(unit_ids), and_(
            cls.state != DRAFT,
            or_(cls.supervisor_id.in_(unit_ids), _involved(cls.pilot_id, unit_ids), created)))

    def _pilot_problems(self, session) -> list[str]:
        pilot = self.pilot
        if pilot is None and self.pilot_id is not None:
            pilot = session.get(Pilot, self.pilot_id)
        if pilot is None:
            return ["请选择试点项目"]
        if pilot.state != APPROVED:
            return [f"试点“{pilot.name}”尚未经主管部门确认分发"]
        self.supervisor_id = pilot.supervisor_id
        involved = session.scalar(select(pilot_district.c.unit_id).where(
            pilot_district.c.pilot_id == pilot.id, pilot_district.c.unit_id == self.unit_id))
        if involved is None:
            return [f"本单位不在试点“{pilot.name}”的涉及区县中"]
        return []


class PilotUpdate(_PilotRecord, WorkflowMixin, Model):
    """试点推进状态更新: one per pilot, involved district and quarter."""

    __tablename__ = "pilot_update"
    __record__ = RecordSpec(
        name="pilot_update", label="试点推进状态更新", menu=MENU, order=31,
        chain=_district_chain(("pilot", "period", "work_done", "problems", "progress",
                               "accepted", "accepted_on")),
        title_field="work_done", date_field="created_on",
        list_columns=("pilot", "period", "progress", "accepted", "work_done"),
        search_columns=("pilot", "period", "progress", "accepted"),
        attachments=True,
        example={"period": lambda: _current_period(),
                 "work_done": "1.出台试点实施方案，明确任务清单和责任分工。2.建立试点工作专班，每月调度推进。",
                 "problems": "配套政策有待完善", "progress": "正常推进"},
    )
    __table_args__ = (UniqueConstraint("pilot_id", "unit_id", "period",
                                       name="uq_pilot_update_period"),)

    id = Column(Integer, primary_key=True)
    pilot_id = Column(Integer, ForeignKey("pilot.id"), nullable=False, index=True)
    period = Column(String(7), nullable=False, index=True, info={
        "label": "季度", "description": "如 2024Q2（更新所属季度）"})
    work_done = Column(Text, nullable=False, info={
        "label": "已开展工作", "widget": "textarea",
        "description": "条目式列举具体工作举措，一般按“举措名称+举措运转模式+成效”录入，"
                       "如：1.出台xxx文件，推动xxx，实现xxx。2.建立xx机制，实现xxx。"})
    problems = Column(Text, nullable=False, default="", info={
        "label": "存在问题", "widget": "textarea",
        "description": "影响试点目标实现的主要困难，聚焦体制机制问题、政策法规问题等"})
    progress = Column(String(10), nullable=False, info={"label": "推进状态", "choices": PROGRESS})
    accepted = Column(Boolean, nullable=True, info={"label": "是否通过验收"})
    accepted_on = Column(Date, nullable=True, info={
        "label": "验收日期", "description": "通过验收的日期（通过验收时必填）"})
    supervisor_id = Column(Integer, ForeignKey("unit.id"), nullable=False, index=True)

    pilot = relationship("Pilot", info={"label": "试点项目", "where": _approved_pilots})

    def __repr__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        pilot = self.pilot
        name = pilot.name if pilot is not None else f"试点#{self.pilot_id}"
        return f"{name}（{self.period or ''}推进状态）"

    def clean(self) -> list[str]:
        session = _session(self)
        with session.no_autoflush:
            return self._problems(session)

    def _problems(self, session) -> list[str]:
        from app.records.pilot.tasks import PERIOD_RE, current_quarter, open_tasks

        errors = []
        self.period = (self.period or "").strip().upper()
        self.work_done = (self.work_done or "").strip()
        if not self.work_done:
            errors.append("已开展工作不能为空")
        if self.progress not in PROGRESS:
            errors.append("推进状态必须是：" + "、".join(PROGRESS))
        if self.accepted:
            if self.accepted_on is None:
                errors.append("通过验收的，请填写验收日期")
            elif self.accepted_on > datetime.date.today():
                errors.append("验收日期不能晚于今天")
        elif self.accepted_on is not None:
            errors.append("未通过验收的，验收日期请留空")
        pilot_errors = self._pilot_problems(session)
        errors += pilot_errors
        if not PERIOD_RE.match(self.period):
            errors.append("季度格式应为 2024Q2")
        elif not pilot_errors:
            pilot = self.pilot or session.get(Pilot, self.pilot_id)
            if self.accepted_on is not None and self.accepted_on < pilot.deploy_date:
                errors.append("验收日期不能早于试点部署日期")
            current = current_quarter()
            if self.period > current.code:
                errors.append(f"{self.period}尚未开始，不能提前更新")
            else:
                open_tasks(session, current, pilot_ids=[pilot.id], unit_ids=[self.unit_id])
                errors += self._task_problem(session, pilot)
        if not errors:
            clash = self.duplicate_message(session, self.pilot_id, self.unit_id, self.period,
                                           exclude_id=self.id)
            if clash:
                errors.append(clash)
        return errors

    def _task_problem(self, session, pilot) -> list[str]:
        from app.records.pilot.tasks import PilotTask

        task = session.scalar(select(PilotTask.id).where(
            PilotTask.pilot_id == pilot.id, PilotTask.unit_id == self.unit_id,
            PilotTask.period == self.period))
        if task is None:
            return [f"本区县在{self.period}没有试点“{pilot.name}”的推进状态更新任务"
                    "（试点分发后每季度一次，直至推进状态为已完成）"]
        return []

    @classmethod
    def duplicate_message(cls, session, pilot_id, unit_id, period, exclude_id=None):
        stmt = select(cls).where(cls.pilot_id == pilot_id, cls.unit_id == unit_id,
                                 cls.period == period)
        if exclude_id is not None:
            stmt = stmt.where(cls.id != exclude_id)
        other = session.execute(stmt.limit(1)).scalar_one_or_none()
        if other is None:
            return None
        return (f"本区县已填报该试点{period}的推进状态更新（编号 {other.id}，当前状态："
                f"{other.state_label}），每季度一条：请修改那一条")

    @classmethod
    def integrity_message(cls, session, item):
        values = item.__dict__
        return cls.duplicate_message(session, values.get("pilot_id"), values.get("unit_id"),
                                     values.get("period"), exclude_id=values.get("id"))

    @classmethod
    def after_transition(cls, session, ids, action, from_state, to_state, user, now):
        """A district's 已完成 confirmed: no more tasks for it on that pilot."""
        if to_state == APPROVED:
            from app.records.pilot.tasks import close_finished

            close_finished(session, ids)


class PilotAchievement(_PilotRecord, WorkflowMixin, Model):
    """试点成果 (seed 001 3.3), the same chain as the status update."""

    __tablename__ = "pilot_achievement"
    __record__ = RecordSpec(
        name="pilot_achievement", label="试点成果", menu=MENU, order=32,
        chain=_district_chain(("pilot", "name", "problem", "effect")),
        title_field="name", date_field="created_on",
        list_columns=("name", "pilot", "created_on"),
        search_columns=("name", "pilot"),
        attachments=True,
        example={"name": "建立长江生态检察官制度",
                 "problem": "涉及长江生态保护的刑事、民事、行政和公益诉讼检察职能分散",
                 "effect": "出台办案规程，线索统一管理、人员统一调配、案件统一办理"},
    )

    id = Column(Integer, primary_key=True)
    pilot_id = Column(Integer, ForeignKey("pilot.id"), nullable=False, index=True)
    name = Column(String(200), nullable=False, info={
        "label": "成果名称", "description": "根据成果形式总结凝练，要有改革味，如：搭建xxx平台、"
                                          "建立xxx制度、上线xxx应用"})
    problem = Column(Text, nullable=False, info={
        "label": "解决问题", "widget": "textarea",
        "description": "通过已开展工作解决了什么问题、破除了什么堵点卡点"})
    effect = Column(Text, nullable=False, info={
        "label": "具体成效", "widget": "textarea",
        "description": "平台、制度、应用如何运转及运转的效果"})
    supervisor_id = Column(Integer, ForeignKey("unit.id"), nullable=False, index=True)

    pilot = relationship("Pilot", info={"label": "试点项目", "where": _approved_pilots})

    def __repr__(self) -> str:
        return self.name or f"试点成果#{self.id}"

    def clean(self) -> list[str]:
        session = _session(self)
        with session.no_autoflush:
            errors = []
            for attr, label in (("name", "成果名称"), ("problem", "解决问题"),
                                ("effect", "具体成效")):
                setattr(self, attr, (getattr(self, attr) or "").strip())
                if not getattr(self, attr):
                    errors.append(f"{label}不能为空")
            return errors + self._pilot_problems(session)


def _current_period() -> str:
    from app.records.pilot.tasks import current_quarter

    return current_quarter().code


# -- the quarterly update tasks ------------------------------------------------------

class PilotTask(Model):
    """One district's update due for one pilot and quarter (opened when the pilot
    is distributed, then each quarter until the district reports 已完成)."""

    __tablename__ = "pilot_task"
    __table_args__ = (UniqueConstraint("pilot_id", "unit_id", "period", name="uq_pilot_task"),)

    id = Column(Integer, primary_key=True)
    pilot_id = Column(Integer, ForeignKey("pilot.id"), nullable=False, index=True)
    unit_id = Column(Integer, ForeignKey("unit.id"), nullable=False, index=True)
    period = Column(String(7), nullable=False, index=True)
    due_on = Column(Date, nullable=False)
    opened_on = Column(DateTime, nullable=False, default=datetime.datetime.now)

    pilot = relationship("Pilot")
    unit = relationship("Unit")


# -- a district asking to be added to 涉及区县 -------------------------------------------

JOIN_PENDING, JOIN_ACCEPTED, JOIN_DECLINED = "pending", "accepted", "declined"
JOIN_STATUS_LABELS = {JOIN_PENDING: "待主管部门确认", JOIN_ACCEPTED: "已同意",
                      JOIN_DECLINED: "未同意"}


class PilotJoinRequest(Model):
    """A district that undertakes a pilot another district created asks its
    supervising department to add it to 涉及区县."""

    __tablename__ = "pilot_join_request"
    __table_args__ = (
        # one open request per pilot and district
        Index("uq_pilot_join_pending", "pilot_id", "unit_id", unique=True,
              postgresql_where=text("status = 'pending'"),
              sqlite_where=text("status = 'pending'")),
    )

    id = Column(Integer, primary_key=True)
    pilot_id = Column(Integer, ForeignKey("pilot.id", ondelete="CASCADE"), nullable=False,
                      index=True)
    unit_id = Column(Integer, ForeignKey("unit.id"), nullable=False, index=True)
    note = Column(Text, nullable=False, default="")
    status = Column(String(10), nullable=False, default=JOIN_PENDING, index=True)
    requested_by_id = Column(Integer, ForeignKey("ab_user.id"), nullable=False)
    created_on = Column(DateTime, nullable=False, default=datetime.datetime.now)
    decided_by_id = Column(Integer, ForeignKey("ab_user.id"), nullable=True)
    decided_on = Column(DateTime, nullable=True)
    reason = Column(Text, nullable=True)

    pilot = relationship("Pilot")
    unit = relationship("Unit")
    requested_by = relationship("ReformUser", foreign_keys=[requested_by_id])
    decided_by = relationship("ReformUser", foreign_keys=[decided_by_id])

    @property
    def status_label(self) -> str:
        return JOIN_STATUS_LABELS.get(self.status, self.status)


from app.records.pilot import sources as _sources  # noqa: E402,F401  (registers the kinds)
