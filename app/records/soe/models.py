"""国企改革 (seed 004, 万州国资发〔2023〕182号): the reform recognitions of district
state-owned enterprises and their 改革典型案例, filed by the enterprise and
reviewed by the enterprise and its supervising district 国资委.

Chain of both (SPEC §2 国企改革): 企业录入员 → 企业审核员 → 区国资委 (the reviewer
of the unit directly above the enterprise: :func:`app.workflow.chain.parent_unit`).

* 国企改革成效 (:class:`SoeRecognition`): the three categories of seed 004 附件1
  with the seed's own numbered items (全国性肯定评价 ①–⑦, 5家中央媒体深度专题报道
  ①–③, 全市推广 ①–⑧ — not the district lists of seed 001, which number them
  differently), the date of the report or document, its title and the evidence
  (required before submitting).
* 改革典型案例 (:class:`SoeCase`): seed 004 附件2's template — 改革前的问题 (about
  500 字), 改革举措 (about 1000 字), 改革成效（成果） (about 500 字) — with the
  template's guidance under each field and a live character count. After it is
  approved the 区国资委 may mark it 采用 (adopted); who adopted it and when is kept
  on the case and in an append-only log (:class:`SoeCaseAdoption`).

Who sees them: the default scope rule — the enterprise, the units above it
(the 区国资委 and its district) and the 改革办 / city leaders.
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
    Text,
    event,
    false,
)
from sqlalchemy.orm import relationship

from app.kit.fields import labelled
from app.kit.spec import Menu, RecordSpec
from app.security.roles import ROLE_REVIEWER
from app.units.models import UnitKind
from app.workflow.chain import Chain, Step, own_unit, parent_unit
from app.workflow.models import WorkflowMixin

MENU = Menu("国企改革", "fa-industry", "fa-industry")

NATIONAL = "全国性肯定评价"
MEDIA = "5家中央媒体深度专题报道"
CITY = "全市推广"
CATEGORIES = (NATIONAL, MEDIA, CITY)

# seed 004 附件1 — the items of each category, word for word (the seed ends each
# with "。"); stored as codes, shown as the seed's text
ITEMS: dict[str, list[tuple[str, str]]] = {
    NATIONAL: [
        ("N-1", "①获党和国家领导人肯定性批示"),
        ("N-2", "②在党和国家领导人出席的全国性会议上作经验交流"),
        ("N-3", "③获党中央、国务院或中办、国办发文通报表彰"),
        ("N-4", "④在党中央、国务院或中办、国办文件中得到肯定性表述"),
        ("N-5", "⑤在中央和国家机关各部门、各单位主要领导出席的全国性会议上作经验交流"),
        ("N-6", "⑥被中央和国家机关各部门、各单位工作简报刊发"),
        ("N-7", "⑦在中央和国家机关各部门、各单位文件中得到肯定性表述"),
    ],
    MEDIA: [
        ("M-1", "①《人民日报》《光明日报》《经济日报》单篇报道"),
        ("M-2", "②新华社主办、主管的《半月谈》《瞭望》《国内动态清样》《内部参考》《高管信息》"
                "等5家纸质期刊单篇刊载"),
        ("M-3", "③中央广播电视总台单条播报"),
    ],
    CITY: [
        ("C-1", "①获市领导肯定性批示（本单位主要领导是市领导的情况除外）"),
        ("C-2", "②在有市委或市政府主要领导出席的全市性会议上作经验交流"),
        ("C-3", "③在本区县召开有市领导参加的全市性改革经验现场推广会"),
        ("C-4", "④获市委、市政府（含市委办、市政府办）文件点名推广"),
        ("C-5", "⑤改革经验被列入市委“最佳实践”案例"),
        ("C-6", "⑥在本区县召开有市级部门主要负责人参加的全市性改革经验现场推广会"),
        ("C-7", "⑦获市级部门文件点名推广"),
        ("C-8", "⑧获市委改革办工作简报刊载推广"),
    ],
}
ITEM_LABELS = {code: text for items in ITEMS.values() for code, text in items}
ITEM_CATEGORY = {code: cat for cat, items in ITEMS.items() for code, _ in items}

# seed 004 附件2 (改革典型案例申报模板) and 一（二）1 (报送标准)
CASE_GUIDANCE = {
    "name": "×××× （改革案例名称）。报送标准：一是改革味浓，注重小切口、大场景，以体制机制创新为"
            "突破口；二是获得感强，属于本领域的高频事项；三是推广性好，已提炼形成较为成熟的经验"
            "做法或制度机制性创新成果；四是标志性足，体现万州特点和行业特色，具有原创性、辨识度。",
    "problem": "一是XX；二是XX；（篇幅500字左右）",
    "measures": "一是XX；二是XX；（篇幅1000字左右）",
    "results": "一是XX；二是XX；三是XX（1.陈述针对存在问题，经改革后产生的变化，重在改革前后有关"
               "情况对比分析；2.侧重在体制机制创新、政策文件制定、体系流程再造等方面取得的成果）。"
               "同时，可条目式列举改革工作获领导批示、会议推广、媒体报道、纳入文件、上级奖励等"
               "情况。（篇幅500字左右）",
}
# the template's lengths (soft: a live count), and the hard caps of the columns
CASE_LENGTHS = {"problem": (500, 2000), "measures": (1000, 4000), "results": (500, 2000)}

_CHAIN_STEPS = (("企业审核", own_unit(ROLE_REVIEWER)),
                ("区国资委审核", parent_unit(ROLE_REVIEWER, label="区国资委审核员")))


def _today() -> datetime.date:
    return datetime.date.today()


def filer_problems(record, what: str) -> list[str]:
    """Only a 区属国有企业 with a supervising unit above it may file."""
    from app.extensions import db
    from app.units.models import Unit

    unit = record.unit
    if unit is None and record.unit_id is not None:
        with db.session.no_autoflush:
            unit = db.session.get(Unit, record.unit_id)
    if unit is None or unit.kind != UnitKind.ENTERPRISE.value or unit.parent_id is None:
        name = f"，{unit.name}不能填报" if unit is not None else ""
        return [f"{what}只能由区属国有企业填报{name}"]
    return []


class SoeRecognition(WorkflowMixin, Model):
    """国企改革成效: 企业录入员 → 企业审核员 → 区国资委."""

    __tablename__ = "soe_recognition"
    __record__ = RecordSpec(
        name="soe_recognition", label="国企改革成效", menu=MENU, order=70,
        chain=Chain(
            steps=tuple(Step(label, actor, correctable=("category", "item"))
                        for label, actor in _CHAIN_STEPS),
            editable=("title", "category", "item", "date", "outlet", "summary"),
        ),
        title_field="title", date_field="date",
        list_columns=("title", "category", "item_label", "date"),
        search_columns=("title", "category", "date"),
        show_columns=("title", "category", "item_label", "date", "outlet", "summary"),
        export_columns=("title", "category", "item_label", "date", "outlet", "summary"),
        attachments=True, attachments_required=True,
        example={"title": "《人民日报》刊发企业混合所有制改革经验", "category": MEDIA,
                 "item": "M-1", "date": _today, "outlet": "《人民日报》第10版"},
    )

    id = Column(Integer, primary_key=True)
    title = Column(String(200), nullable=False, info={
        "label": "标题", "description": "新闻报道、刊载文章、批示或文件的标题"})
    category = Column(String(30), nullable=False, index=True, info={
        "label": "类别", "choices": CATEGORIES})
    item = Column(String(10), nullable=False, info={
        "label": "具体情形", "choices": tuple(ITEM_LABELS), "choice_labels": ITEM_LABELS,
        "depends_on": "category",
        "description": "按区国资委改革报表指标评分细则（万州国资发〔2023〕182号附件1）选择"})
    date = Column(Date, nullable=False, index=True, info={
        "label": "日期", "description": "报道、刊载、批示或发文的日期；按日期所在年度计分"})
    outlet = Column(String(200), nullable=True, info={
        "label": "刊发媒体或发文单位", "description": "如：《人民日报》2023年9月1日第10版"})
    summary = Column(Text, nullable=True, info={
        "label": "简要说明", "widget": "textarea"})

    def __repr__(self) -> str:
        return self.title or f"国企改革成效#{self.id}"

    @property
    @labelled("具体情形")
    def item_label(self) -> str:
        return ITEM_LABELS.get(self.item, self.item or "")

    @classmethod
    def dependent_choices(cls) -> dict:
        """具体情形 allowed by 类别 (for the form)."""
        return {"item": {"parents": ["category"],
                         "map": {cat: [code for code, _ in ITEMS[cat]] for cat in CATEGORIES}}}

    def clean(self) -> list[str]:
        from app.extensions import db

        with db.session.no_autoflush:
            errors = filer_problems(self, "国企改革成效")
        if not (self.title or "").strip():
            errors.append("请填写标题")
        if self.category not in CATEGORIES:
            errors.append("类别必须是：" + "、".join(CATEGORIES))
        elif ITEM_CATEGORY.get(self.item) != self.category:
            errors.append(f"所选具体情形不属于类别“{self.category}”")
        if self.date is None:
            errors.append("请填写日期")
        elif isinstance(self.date, datetime.date) and self.date > _today():
            errors.append("日期不能晚于今天")
        return errors


class SoeCase(WorkflowMixin, Model):
    """改革典型案例: 企业录入员 → 企业审核员 → 区国资委; then 采用 by the 区国资委."""

    __tablename__ = "soe_case"
    __record__ = RecordSpec(
        name="soe_case", label="改革典型案例", menu=MENU, order=71,
        chain=Chain(
            steps=tuple(Step(label, actor) for label, actor in _CHAIN_STEPS),
            editable=("name", "problem", "measures", "results", "contact", "phone"),
        ),
        title_field="name", date_field="created_on",
        list_columns=("name", "adopted_label"),
        search_columns=("name", "adopted"),
        show_columns=("name", "problem", "measures", "results", "contact", "phone",
                      "adopted_label"),
        export_columns=("name", "problem", "measures", "results", "contact", "phone",
                        "adopted_label"),
        attachments=True,
        example={"name": "推行国有企业经理层任期制和契约化管理",
                 "problem": "一是经理层考核与经营业绩脱节；二是薪酬能增不能减。",
                 "measures": "一是签订岗位聘任协议和经营业绩责任书；二是刚性兑现考核结果。",
                 "results": "一是经营业绩同比增长；二是形成可复制的制度成果。",
                 "contact": "张三", "phone": "023-58123456"},
    )

    id = Column(Integer, primary_key=True)
    name = Column(String(200), nullable=False, info={
        "label": "案例名称", "description": CASE_GUIDANCE["name"]})
    problem = Column(String(CASE_LENGTHS["problem"][1]), nullable=False, info={
        "label": "改革前的问题", "widget": "textarea", "max_chars": CASE_LENGTHS["problem"][0],
        "description": CASE_GUIDANCE["problem"]})
    measures = Column(String(CASE_LENGTHS["measures"][1]), nullable=False, info={
        "label": "改革举措", "widget": "textarea", "max_chars": CASE_LENGTHS["measures"][0],
        "description": CASE_GUIDANCE["measures"]})
    results = Column(String(CASE_LENGTHS["results"][1]), nullable=False, info={
        "label": "改革成效（成果）", "widget": "textarea",
        "max_chars": CASE_LENGTHS["results"][0], "description": CASE_GUIDANCE["results"]})
    contact = Column(String(50), nullable=True, info={"label": "联系人"})
    phone = Column(String(30), nullable=True, info={"label": "联系电话"})
    # 采用: set by the 区国资委 after approval (server-owned: never filled in)
    adopted = Column(Boolean, nullable=False, default=False, server_default=false(),
                     index=True, info={"label": "是否采用"})
    adopted_on = Column(DateTime, nullable=True, info={"label": "采用时间"})
    adopted_by_id = Column(Integer, ForeignKey("ab_user.id"), nullable=True)

    adopted_by = relationship("ReformUser", foreign_keys=[adopted_by_id])

    def __repr__(self) -> str:
        return self.name or f"改革典型案例#{self.id}"

    @property
    @labelled("采用情况")
    def adopted_label(self) -> str:
        if not self.adopted:
            return "未采用"
        who = self.adopted_by.get_full_name() if self.adopted_by is not None else ""
        when = self.adopted_on.strftime("%Y-%m-%d %H:%M") if self.adopted_on else ""
        return f"已采用（{who} {when}）".replace("（ ", "（").replace(" ）", "）")

    def clean(self) -> list[str]:
        from app.extensions import db

        with db.session.no_autoflush:
            errors = filer_problems(self, "改革典型案例")
        if not (self.name or "").strip():
            errors.append("请填写案例名称")
        labels = {"problem": "改革前的问题", "measures": "改革举措", "results": "改革成效（成果）"}
        for field, label in labels.items():
            text = getattr(self, field) or ""
            if not text.strip():
                errors.append(f"请填写{label}")
            elif len(text) > CASE_LENGTHS[field][1]:
                errors.append(f"{label}不能超过 {CASE_LENGTHS[field][1]} 字（模板建议约 "
                              f"{CASE_LENGTHS[field][0]} 字），当前 {len(text)} 字")
        return errors


ADOPT = "adopt"
REVOKE = "revoke"
ADOPTION_ACTIONS = {ADOPT: "采用", REVOKE: "撤销采用"}


class SoeCaseAdoption(Model):
    """One row per 采用 or 撤销采用 of a case: who, from which unit, when, why.
    Rows are only ever inserted."""

    __tablename__ = "soe_case_adoption"

    id = Column(Integer, primary_key=True)
    case_id = Column(Integer, ForeignKey("soe_case.id"), nullable=False, index=True)
    action = Column(String(10), nullable=False)
    reason = Column(Text, nullable=True)
    actor_id = Column(Integer, ForeignKey("ab_user.id"), nullable=False)
    actor_unit_id = Column(Integer, ForeignKey("unit.id"), nullable=True)
    created_on = Column(DateTime, nullable=False, default=datetime.datetime.now)

    case = relationship("SoeCase")
    actor = relationship("ReformUser", foreign_keys=[actor_id])
    actor_unit = relationship("Unit", foreign_keys=[actor_unit_id])

    @property
    def action_label(self) -> str:
        return ADOPTION_ACTIONS.get(self.action, self.action)


class AdoptionLogIsAppendOnly(RuntimeError):
    pass


@event.listens_for(SoeCaseAdoption, "before_update")
@event.listens_for(SoeCaseAdoption, "before_delete")
def _refuse_change(mapper, connection, target):
    raise AdoptionLogIsAppendOnly("采用记录只能追加，不能修改或删除")
