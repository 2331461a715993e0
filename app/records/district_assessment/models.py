"""市对区考核 inside a district (seed 002, 2021年市对区考核指标任务分解表).

The district's 区委办/区政府办 load the year's breakdown of the city's
assessment of the district (:class:`AssessmentIndicator`, one row per row of
the seed's tables: an indicator whose weight is split across departments has
several rows) and the 督查激励 measures of 附件2 (:class:`SupervisionItem`).
Each responsible district department reports on its rows through the seed's
templates (附件3):

* 考核指标完成情况 (:class:`AssessmentReport`): for the 25 weighted indicators of
  经济社会发展业绩 the 1—10月完成情况 and the 全年预计情况 each with 基本情况,
  自评得分 (满分 = the row's weight) and 自评排名; for 群众主观感受, 重点专项 and
  基础保障 是否完成 instead of the score; 存在问题及建议, 扣分风险点, 对接市级部门
  (分管领导, 经办处室 and its phone), 责任领导, 责任人 and mobile;
* 督查激励支持政策争取情况 (:class:`SupervisionReport`): 政策争取情况, 基本情况,
  是否符合申报条件, 预计争取结果, the same problems and contacts.

Chain (SPEC §2): department clerk → department reviewer → 区委办/区政府办
(a reviewer of the 区委办公室 or 区政府办公室 of the filer's district; see
:func:`app.workflow.chain.office_under`).

Units. District departments are units of kind ``district_dept`` directly under
their district. The seed names them as a district does ("区发展改革委"); the
unit of district D for a seed name is found by :func:`unit_name_for`: a
leading 区 is D's name ("万州区" + "发展改革委" → 万州区发展改革委, 忠县 →
忠县发展改革委), another name gets D's name without its 区/县 in front
(经开区经济运行局 → 万州经开区经济运行局), and a trailing parenthesis names
the same office's other plaque (区政府外办（区招商投资局） → 万州区政府外办).
"区级有关部门" names no unit: a row that lists it is open to every department
of the district (``open_to_all``), besides the units it names. The district's 区委办/区政府办 are thus the
units named D + 委办公室 and D + 政府办公室 (:func:`is_district_office`).

Who sees a report: the filing department (and the units above it: the
district, whose leaders read it), the 区委办/区政府办 of its district once it is
submitted, and the 改革办 / city leaders.
"""

from __future__ import annotations

import re

from flask_appbuilder import Model
from sqlalchemy import (
    Boolean,
    Column,
    Float,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    and_,
    literal,
    or_,
    select,
)
from sqlalchemy.orm import aliased, relationship

from app.kit.fields import labelled
from app.kit.spec import Menu, RecordSpec
from app.security.roles import ROLE_REVIEWER
from app.units.models import Unit, UnitKind
from app.workflow.chain import DRAFT, Chain, Step, office_under, own_unit
from app.workflow.models import WorkflowMixin

SCORED_GROUP = "经济社会发展业绩"
GROUPS = (SCORED_GROUP, "群众主观感受", "重点专项", "基础保障")
GROUP_TITLES = {
    SCORED_GROUP: "一、经济社会发展业绩考核指标（立足“四个优势”、发挥“三个作用”，加快推动成渝地区"
                  "双城经济圈建设，促进“一区两群”协调发展）",
    "群众主观感受": "二、群众主观感受",
    "重点专项": "三、重点专项",
    "基础保障": "四、基础保障",
}
YES_NO = ("是", "否")
OFFICE_SEED_NAMES = ("区委办公室", "区政府办公室")
ANY_DEPARTMENT = "区级有关部门"  # the seed's placeholder: names no unit
ALIASES = {"区招商投资局": "区政府外办"}  # 附件2's name of 区政府外办（区招商投资局）
MENU = Menu("市对区考核", "fa-tasks", "fa-flag-checkered")

MOBILE_RE = re.compile(r"1[3-9]\d{9}")
PHONE_RE = re.compile(r"(0\d{2,3}-?)?\d{7,8}(-\d{1,6})?|1[3-9]\d{9}")


# -- units -----------------------------------------------------------------------------

def unit_name_for(district_name: str, seed_name: str) -> str | None:
    """The name of district ``district_name``'s unit the seed calls ``seed_name``
    (None for 区级有关部门)."""
    name = re.sub(r"（[^（）]*）$", "", (seed_name or "").strip())
    name = ALIASES.get(name, name)
    if not name or name == ANY_DEPARTMENT:
        return None
    if name.startswith("区"):
        return district_name + name[1:]
    stem = district_name[:-1] if district_name[-1:] in ("区", "县") else district_name
    return stem + name


def office_names(district_name: str) -> tuple[str, ...]:
    return tuple(unit_name_for(district_name, n) for n in OFFICE_SEED_NAMES)


def is_district_office(unit) -> bool:
    """Whether ``unit`` is a district's 区委办公室 or 区政府办公室."""
    parent = getattr(unit, "parent", None)
    return (parent is not None and parent.kind == UnitKind.DISTRICT.value
            and unit.name in office_names(parent.name))


def office_district_ids(unit_id):
    """SELECT of the district whose 区委办/区政府办 is unit ``unit_id`` (the SQL
    twin of :func:`is_district_office`)."""
    child, parent = aliased(Unit), aliased(Unit)
    suffixes = [n[1:] for n in OFFICE_SEED_NAMES]
    return (select(child.parent_id).join(parent, parent.id == child.parent_id)
            .where(child.id == unit_id, parent.kind == UnitKind.DISTRICT.value,
                   or_(*[child.name == parent.name + literal(s) for s in suffixes])))


def district_of(unit) -> Unit | None:
    """The district a unit belongs to (itself for a district)."""
    while unit is not None and unit.kind != UnitKind.DISTRICT.value:
        unit = unit.parent
    return unit


# -- the breakdown ---------------------------------------------------------------------

assessment_indicator_unit = Table(
    "assessment_indicator_unit", Model.metadata,
    Column("indicator_id", Integer, ForeignKey("assessment_indicator.id", ondelete="CASCADE"),
           primary_key=True),
    Column("unit_id", Integer, ForeignKey("unit.id"), primary_key=True, index=True),
)

supervision_item_unit = Table(
    "supervision_item_unit", Model.metadata,
    Column("item_id", Integer, ForeignKey("supervision_item.id", ondelete="CASCADE"),
           primary_key=True),
    Column("unit_id", Integer, ForeignKey("unit.id"), primary_key=True, index=True),
)


def _short(text: str, n: int = 24) -> str:
    text = (text or "").strip()
    return text if len(text) <= n else text[:n] + "…"


class AssessmentIndicator(Model):
    """One row of the breakdown: an indicator, or one share of a split one."""

    __tablename__ = "assessment_indicator"
    __table_args__ = (
        UniqueConstraint("district_id", "year", "group_name", "seq", "part",
                         name="uq_assessment_indicator_row"),
    )

    id = Column(Integer, primary_key=True)
    district_id = Column(Integer, ForeignKey("unit.id"), nullable=False, index=True)
    year = Column(Integer, nullable=False, index=True)
    group_name = Column(String(20), nullable=False)
    seq = Column(Integer, nullable=False)  # 序号 within the group
    part = Column(Integer, nullable=False, default=1)  # the row within the indicator
    parts = Column(Integer, nullable=False, default=1)  # rows of the indicator
    name = Column(String(200), nullable=False)
    weight = Column(Float, nullable=True)  # 权重 (满分); only 经济社会发展业绩
    content = Column(Text, nullable=True)  # 考核内容及说明
    responsible = Column(String(500), nullable=False, default="")  # as the seed writes them
    # the row lists 区级有关部门: any department of the district may report on it
    open_to_all = Column(Boolean, nullable=False, default=False)
    sort_order = Column(Integer, nullable=False, default=0)

    district = relationship("Unit", foreign_keys=[district_id])
    units = relationship("Unit", secondary=assessment_indicator_unit, order_by="Unit.sort_order")

    def reportable_by(self, unit) -> bool:
        """Whether ``unit`` may report on this row."""
        if unit is None:
            return False
        if unit.id in {u.id for u in self.units}:
            return True
        return bool(self.open_to_all and unit.parent_id == self.district_id
                    and unit.kind == UnitKind.DISTRICT_DEPT.value)

    def __repr__(self) -> str:
        return self.label

    @property
    def scored(self) -> bool:
        return self.weight is not None

    @property
    def label(self) -> str:
        text = f"{self.group_name} {self.seq}. {self.name}"
        if self.parts and self.parts > 1:
            text += f"（{_short(self.content)}）"
        if self.weight is not None:
            text += f" 满分{self.weight:g}分"
        return text

    @classmethod
    def scope_clause(cls, unit_ids_select, scope):
        """Rows a unit in scope is responsible for, and the open rows of the
        district of a department in scope (the choice list)."""
        link = assessment_indicator_unit
        named = cls.id.in_(select(link.c.indicator_id).where(link.c.unit_id.in_(unit_ids_select)))
        departments = select(Unit.parent_id).where(
            Unit.id.in_(unit_ids_select), Unit.kind == UnitKind.DISTRICT_DEPT.value)
        return or_(named, and_(cls.open_to_all.is_(True), cls.district_id.in_(departments)))


class SupervisionItem(Model):
    """One 督查激励 measure of 附件2 for a district and year."""

    __tablename__ = "supervision_item"
    __table_args__ = (
        UniqueConstraint("district_id", "year", "seq", name="uq_supervision_item_row"),
    )

    id = Column(Integer, primary_key=True)
    district_id = Column(Integer, ForeignKey("unit.id"), nullable=False, index=True)
    year = Column(Integer, nullable=False, index=True)
    seq = Column(Integer, nullable=False)
    measure = Column(String(200), nullable=False)  # 督查激励措施
    city_leads = Column(String(300), nullable=False, default="")  # 市级牵头部门
    responsible = Column(String(300), nullable=False, default="")  # 区级责任单位, as written

    district = relationship("Unit", foreign_keys=[district_id])
    units = relationship("Unit", secondary=supervision_item_unit, order_by="Unit.sort_order")

    def __repr__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return f"督查激励 {self.seq}. {self.measure}"

    @classmethod
    def scope_clause(cls, unit_ids_select, scope):
        link = supervision_item_unit
        return cls.id.in_(select(link.c.item_id).where(link.c.unit_id.in_(unit_ids_select)))


# -- the reports -----------------------------------------------------------------------

def _chain(editable) -> Chain:
    return Chain(
        steps=(
            Step("本单位审核", own_unit(ROLE_REVIEWER)),
            Step("区委办/区政府办审核", office_under(
                "district_id", is_district_office, ROLE_REVIEWER, label="区委办/区政府办审核员")),
        ),
        editable=editable,
    )


CONTACT_FIELDS = ("city_leader", "city_office", "city_phone", "lead", "contact",
                  "contact_mobile")


def _contact_columns():
    return dict(
        city_leader=Column(String(50), nullable=False, info={
            "label": "市级考核单位分管领导", "description": "对接的市级考核单位分管领导姓名及职务"}),
        city_office=Column(String(100), nullable=False, info={
            "label": "经办处室名称", "description": "市级考核单位经办处室"}),
        city_phone=Column(String(30), nullable=False, info={
            "label": "经办处室联系电话", "description": "如 023-63891234 或 11 位手机号码"}),
        lead=Column(String(50), nullable=False, info={"label": "责任领导"}),
        contact=Column(String(50), nullable=False, info={"label": "责任人"}),
        contact_mobile=Column(String(11), nullable=False, info={
            "label": "责任人联系电话（手机）", "description": "11 位手机号码"}),
    )


def contact_problems(record) -> list[str]:
    errors = []
    for name, label in (("city_leader", "市级考核单位分管领导"), ("city_office", "经办处室名称"),
                        ("lead", "责任领导"), ("contact", "责任人")):
        if not (getattr(record, name) or "").strip():
            errors.append(f"请填写{label}")
    phone = (record.city_phone or "").strip()
    if not phone:
        errors.append("请填写经办处室联系电话")
    elif not PHONE_RE.fullmatch(phone):
        errors.append("经办处室联系电话格式不正确，应为固定电话（如 023-63891234）或 11 位手机号码")
    mobile = (record.contact_mobile or "").strip()
    if not mobile:
        errors.append("请填写责任人联系电话（手机）")
    elif not MOBILE_RE.fullmatch(mobile):
        errors.append("责任人联系电话应为 11 位手机号码（以 1 开头）")
    return errors


def _filer_unit(record, session):
    if record.unit is not None:
        return record.unit
    return session.get(Unit, record.unit_id) if record.unit_id else None


def _scope_clause(cls, unit_ids_select, scope):
    """Own unit and below; the district's 区委办/区政府办 once submitted."""
    own = cls.unit_id.in_(unit_ids_select)
    if scope.unit_id is None:
        return own
    return or_(own, and_(cls.state != DRAFT,
                         cls.district_id.in_(office_district_ids(scope.unit_id))))


def _example_text() -> str:
    """The example's 基本情况; the contract suite builds reports on the demo
    breakdown of 万州区, loaded here when it is missing (idempotent)."""
    from app.records.district_assessment.breakdown import ensure_demo_breakdown

    ensure_demo_breakdown()
    return "1—10月各项工作按计划推进，主要指标完成进度符合预期。"


SCORE_HELP = "满分为该指标（或所分担部分）的权重；经济社会发展业绩指标填写，其他指标不填"
DONE_HELP = "群众主观感受、重点专项、基础保障指标填写；经济社会发展业绩指标不填"


class AssessmentReport(WorkflowMixin, Model):
    """考核指标完成情况 (附件3's two templates)."""

    __tablename__ = "assessment_report"
    __record__ = RecordSpec(
        name="assessment_report", label="考核指标完成情况", menu=MENU, order=120,
        chain=_chain(("indicator", "progress_basic", "progress_score", "progress_rank",
                      "progress_done", "annual_basic", "annual_score", "annual_rank",
                      "annual_done", "problems", "risk_points") + CONTACT_FIELDS),
        title_field="title", date_field="created_on",
        list_columns=("title", "progress_score", "annual_score", "annual_done", "risk_flag"),
        search_columns=("indicator",),
        show_columns=("title", "indicator", "full_label", "progress_basic", "progress_score",
                      "progress_rank", "progress_done", "annual_basic", "annual_score",
                      "annual_rank", "annual_done", "problems", "risk_points")
        + CONTACT_FIELDS,
        export_columns=("title", "full_label", "progress_basic", "progress_score",
                        "progress_rank", "progress_done", "annual_basic", "annual_score",
                        "annual_rank", "annual_done", "problems", "risk_points")
        + CONTACT_FIELDS,
        # valid on an unscored row (the first row a demo clerk of 万州区国资委 or
        # 区委办 may choose: 国企改革, 重点专项 1); a scored row needs scores instead
        example={"progress_basic": _example_text, "annual_basic": "预计全年完成目标任务。",
                 "progress_done": "是", "annual_done": "是",
                 "problems": "部分项目推进偏慢，建议市级部门加强指导。",
                 "city_leader": "张某某（副主任）", "city_office": "综合处",
                 "city_phone": "023-63891234", "lead": "李某某", "contact": "王某某",
                 "contact_mobile": "13800000000"},
    )

    id = Column(Integer, primary_key=True)
    title = Column(String(300), nullable=False, default="", info={"label": "报送事项"})
    indicator_id = Column(Integer, ForeignKey("assessment_indicator.id"), nullable=False,
                          index=True)
    district_id = Column(Integer, ForeignKey("unit.id"), nullable=False, index=True)
    progress_basic = Column(Text, nullable=False, info={
        "label": "1—10月完成情况：基本情况", "widget": "textarea"})
    progress_score = Column(Float, nullable=True, info={
        "label": "1—10月自评得分", "description": SCORE_HELP})
    progress_rank = Column(Integer, nullable=True, info={
        "label": "1—10月自评排名", "description": "在全市区县中的自评排名（1—41），可不填"})
    progress_done = Column(String(2), nullable=True, info={
        "label": "1—10月是否完成", "choices": YES_NO, "description": DONE_HELP})
    annual_basic = Column(Text, nullable=False, info={
        "label": "全年预计：基本情况", "widget": "textarea"})
    annual_score = Column(Float, nullable=True, info={
        "label": "全年预计自评得分", "description": SCORE_HELP})
    annual_rank = Column(Integer, nullable=True, info={
        "label": "全年预计自评排名", "description": "在全市区县中的自评排名（1—41），可不填"})
    annual_done = Column(String(2), nullable=True, info={
        "label": "全年预计是否完成", "choices": YES_NO, "description": DONE_HELP})
    problems = Column(Text, nullable=True, info={
        "label": "存在问题及建议", "widget": "textarea"})
    risk_points = Column(Text, nullable=True, info={
        "label": "扣分风险点", "widget": "textarea",
        "description": "是否存在扣分风险点，分别是哪些？没有请留空"})
    locals().update(_contact_columns())

    indicator = relationship("AssessmentIndicator", info={
        "label": "考核指标", "description": "只列出本单位作为责任单位的指标"})
    district = relationship("Unit", foreign_keys=[district_id])

    def __repr__(self) -> str:
        return self.title or f"考核指标完成情况#{self.id}"

    @property
    @labelled("满分")
    def full_label(self) -> str:
        ind = self.indicator
        if ind is None:
            return ""
        return f"{ind.weight:g} 分" if ind.weight is not None else "不计分（填报是否完成）"

    @property
    def at_risk(self) -> bool:
        """Whether the report shows a risk of deductions."""
        if (self.risk_points or "").strip():
            return True
        if "否" in (self.progress_done, self.annual_done):
            return True
        ind = self.indicator
        return bool(ind is not None and ind.weight is not None and self.annual_score is not None
                    and self.annual_score < ind.weight)

    @property
    @labelled("扣分风险")
    def risk_flag(self) -> str:
        return "有" if self.at_risk else "无"

    @classmethod
    def scope_clause(cls, unit_ids_select, scope):
        return _scope_clause(cls, unit_ids_select, scope)

    def clean(self) -> list[str]:
        from app.extensions import db

        with db.session.no_autoflush:
            return self._problems(db.session)

    def _problems(self, session) -> list[str]:
        errors = []
        ind = self.indicator
        if ind is None and self.indicator_id:
            ind = session.get(AssessmentIndicator, self.indicator_id)
        unit = _filer_unit(self, session)
        if ind is None:
            errors.append("请选择考核指标")
        else:
            if not ind.reportable_by(unit):
                errors.append(f"“{ind.label}”的责任单位是{ind.responsible}"
                              + (f"，{unit.name}不能报送" if unit is not None else ""))
            self.district_id = ind.district_id
            if unit is not None:
                self.title = f"{unit.name}：{ind.year}年 {ind.label}"
        for name, label in (("progress_basic", "1—10月完成情况的基本情况"),
                            ("annual_basic", "全年预计情况的基本情况")):
            if not (getattr(self, name) or "").strip():
                errors.append(f"请填写{label}")
        if ind is not None and ind.weight is not None:
            for name, when in (("progress_score", "1—10月"), ("annual_score", "全年预计")):
                value = getattr(self, name)
                if value is None:
                    errors.append(f"请填写{when}自评得分（满分为{ind.weight:g}分）")
                elif value != value or value < 0 or value > ind.weight:
                    errors.append(f"{when}自评得分应在 0 至 {ind.weight:g} 分之间（满分为"
                                  f"{ind.weight:g}分），不能填 {value:g}")
            for name, when in (("progress_done", "1—10月"), ("annual_done", "全年预计")):
                if getattr(self, name):
                    errors.append(f"经济社会发展业绩指标按自评得分报送，{when}是否完成不填")
        elif ind is not None:
            for name, when in (("progress_done", "1—10月"), ("annual_done", "全年预计")):
                value = getattr(self, name)
                if not value:
                    errors.append(f"请选择{when}是否完成")
                elif value not in YES_NO:
                    errors.append(f"{when}是否完成只能选择“是”或“否”")
            for name, when in (("progress_score", "1—10月"), ("annual_score", "全年预计")):
                if getattr(self, name) is not None:
                    errors.append(f"该指标不计分，{when}自评得分不填，请填写是否完成")
        for name, when in (("progress_rank", "1—10月"), ("annual_rank", "全年预计")):
            value = getattr(self, name)
            if value is not None and not 1 <= value <= 41:
                errors.append(f"{when}自评排名应为 1 至 41 之间的整数")
        errors.extend(contact_problems(self))
        return errors


class SupervisionReport(WorkflowMixin, Model):
    """督查激励支持政策争取情况 (附件3's third template)."""

    __tablename__ = "supervision_report"
    __record__ = RecordSpec(
        name="supervision_report", label="督查激励事项报送", menu=MENU, order=121,
        chain=_chain(("item", "policy", "annual_basic", "eligible", "expected", "problems")
                     + CONTACT_FIELDS),
        title_field="title", date_field="created_on",
        list_columns=("title", "eligible", "expected"),
        search_columns=("item", "eligible"),
        show_columns=("title", "item", "policy", "annual_basic", "eligible", "expected",
                      "problems") + CONTACT_FIELDS,
        export_columns=("title", "policy", "annual_basic", "eligible", "expected", "problems")
        + CONTACT_FIELDS,
        example={"policy": _example_text, "annual_basic": "已对照申报条件逐项准备材料。",
                 "eligible": "是", "expected": "预计可获得市政府督查激励支持。",
                 "city_leader": "张某某（副主任）", "city_office": "综合处",
                 "city_phone": "023-63891234", "lead": "李某某", "contact": "王某某",
                 "contact_mobile": "13800000000"},
    )

    id = Column(Integer, primary_key=True)
    title = Column(String(300), nullable=False, default="", info={"label": "报送事项"})
    item_id = Column(Integer, ForeignKey("supervision_item.id"), nullable=False, index=True)
    district_id = Column(Integer, ForeignKey("unit.id"), nullable=False, index=True)
    policy = Column(Text, nullable=False, info={"label": "政策争取情况", "widget": "textarea"})
    annual_basic = Column(Text, nullable=False, info={
        "label": "全年预计：基本情况", "widget": "textarea"})
    eligible = Column(String(2), nullable=False, info={
        "label": "是否符合申报条件", "choices": YES_NO})
    expected = Column(Text, nullable=False, info={"label": "预计争取结果", "widget": "textarea"})
    problems = Column(Text, nullable=True, info={
        "label": "存在问题及建议", "widget": "textarea"})
    locals().update(_contact_columns())

    item = relationship("SupervisionItem", info={
        "label": "督查激励事项", "description": "只列出本单位作为区级责任单位的事项"})
    district = relationship("Unit", foreign_keys=[district_id])

    def __repr__(self) -> str:
        return self.title or f"督查激励事项报送#{self.id}"

    @classmethod
    def scope_clause(cls, unit_ids_select, scope):
        return _scope_clause(cls, unit_ids_select, scope)

    def clean(self) -> list[str]:
        from app.extensions import db

        with db.session.no_autoflush:
            return self._problems(db.session)

    def _problems(self, session) -> list[str]:
        errors = []
        item = self.item
        if item is None and self.item_id:
            item = session.get(SupervisionItem, self.item_id)
        unit = _filer_unit(self, session)
        if item is None:
            errors.append("请选择督查激励事项")
        else:
            if unit is None or unit.id not in {u.id for u in item.units}:
                errors.append(f"“{item.label}”的区级责任单位是{item.responsible}"
                              + (f"，{unit.name}不能报送" if unit is not None else ""))
            self.district_id = item.district_id
            if unit is not None:
                self.title = f"{unit.name}：{item.year}年 {item.label}"
        for name, label in (("policy", "政策争取情况"), ("annual_basic", "全年预计的基本情况"),
                            ("expected", "预计争取结果")):
            if not (getattr(self, name) or "").strip():
                errors.append(f"请填写{label}")
        if not self.eligible:
            errors.append("请选择是否符合申报条件")
        elif self.eligible not in YES_NO:
            errors.append("是否符合申报条件只能选择“是”或“否”")
        errors.extend(contact_problems(self))
        return errors
