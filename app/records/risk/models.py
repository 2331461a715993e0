"""风险事件: 市委网信办 / 市信访办 clerk → that unit's reviewer → 市委改革办.

Seed 001 四（五）: "市委网信办/市信访办录入员录入基本信息（重大负面舆情或群体性事件发生
时间、等级、涉及区县或项目、详情等）→相关部门审核员审核→市委改革办审核", filed as things
happen (有事法则、实时填报). The attachment's 风险管控力 deducts 0.1 per 重大负面网络舆情
and 3 / 5 / 10 per 较大 / 重大 / 特别重大 群体性事件.

Who sees an incident
--------------------
The filing unit (and the units below it) and the 改革办 / city leaders — the
default scope rule, so this model defines no ``scope_clause``. The districts an
incident involves do **not** see it: SPEC §1 writes the scope rule once (own
unit and below; the reform office and city leaders everything) and makes one
exception only, for the pilots a supervising department supervises; seed 001's
data flow for this module runs 网信办/信访办 → their reviewer → 改革办 with no
district step, and what it carries (舆情, 群体性事件 and their details) is
sensitive. A district learns of a deduction from its ranking, not from the
incident files.
"""

from __future__ import annotations

import datetime

from flask_appbuilder import Model
from sqlalchemy import Column, Date, ForeignKey, Integer, String, Table, Text
from sqlalchemy.orm import relationship

from app.kit.fields import labelled
from app.kit.spec import Menu, RecordSpec
from app.records.source_links import filer_unit_name
from app.security.roles import ROLE_REVIEWER
from app.units.models import Unit, UnitKind
from app.workflow.chain import Chain, Step, own_unit, reform_office
from app.workflow.models import WorkflowMixin

# the units that file risk incidents (seed 001 四（五）, SPEC §1 数据来源单位)
FILERS = ("市委网信办", "市信访办")

OPINION = "重大负面网络舆情"
MASS_LARGER = "群体性事件（较大）"
MASS_MAJOR = "群体性事件（重大）"
MASS_EXTREME = "群体性事件（特别重大）"
KINDS = (OPINION, MASS_LARGER, MASS_MAJOR, MASS_EXTREME)
# the seed's deduction per event (the scheme's FX leaves carry the same numbers)
DEDUCTIONS = {OPINION: 0.1, MASS_LARGER: 3.0, MASS_MAJOR: 5.0, MASS_EXTREME: 10.0}
# other spellings a scheme may use (district_2023.yaml writes 较大群体性事件 …)
KIND_ALIASES = {
    "重大负面舆情": OPINION, "较大群体性事件": MASS_LARGER, "重大群体性事件": MASS_MAJOR,
    "特别重大群体性事件": MASS_EXTREME,
    "群体性事件(较大)": MASS_LARGER, "群体性事件(重大)": MASS_MAJOR,
    "群体性事件(特别重大)": MASS_EXTREME,
}


def canonical_kind(text) -> str | None:
    """The stored kind for ``text`` (a kind or one of its aliases), or None."""
    if not isinstance(text, str):
        return None
    text = text.strip()
    return text if text in KINDS else KIND_ALIASES.get(text)


risk_incident_district = Table(
    "risk_incident_district", Model.metadata,
    Column("incident_id", Integer, ForeignKey("risk_incident.id", ondelete="CASCADE"),
           primary_key=True),
    Column("unit_id", Integer, ForeignKey("unit.id"), primary_key=True, index=True),
)


def _is_district():
    return Unit.kind == UnitKind.DISTRICT.value


def _today() -> datetime.date:
    return datetime.date.today()


class RiskIncident(WorkflowMixin, Model):
    """风险事件."""

    __tablename__ = "risk_incident"
    __record__ = RecordSpec(
        name="risk_incident", label="风险事件",
        menu=Menu("改革风险管理", "fa-exclamation-triangle", "fa-shield"), order=60,
        chain=Chain(
            steps=(
                Step("本单位审核", own_unit(ROLE_REVIEWER)),
                Step("市委改革办审核", reform_office()),
            ),
            editable=("title", "occurred_on", "kind", "districts", "project", "details"),
        ),
        title_field="title", date_field="occurred_on",
        list_columns=("title", "kind", "occurred_on", "districts", "project"),
        search_columns=("title", "kind", "occurred_on", "districts"),
        # 涉及区县 as text: the kit's export joins relations eagerly, which a
        # streamed (yield_per) query cannot do for a many-to-many collection
        export_columns=("title", "occurred_on", "kind", "districts_label", "project", "details"),
        attachments=True,
        example={"title": "某项目征收补偿引发群众聚集", "occurred_on": _today,
                 "kind": MASS_LARGER, "project": "某片区旧城改造项目",
                 "details": "因征收补偿标准争议，约 60 名群众聚集上访，当日劝离，无人员伤亡。"},
    )

    id = Column(Integer, primary_key=True)
    title = Column(String(200), nullable=False, info={
        "label": "事件名称", "description": "简要概括事件，如：某项目征收补偿引发群众聚集"})
    occurred_on = Column(Date, nullable=False, index=True, info={
        "label": "发生时间", "description": "事件发生的日期；按发生时间计入评价期间"})
    kind = Column(String(20), nullable=False, index=True, info={
        "label": "等级", "choices": KINDS,
        "description": "重大负面网络舆情按“八张问题清单”认定标准；群体性事件按《重庆市群体性事件"
                       "应急预案》（渝委办发〔2016〕58号）划分为较大、重大、特别重大"})
    project = Column(String(200), nullable=True, info={
        "label": "涉及项目", "description": "涉及的改革项目（未涉及具体区县时必填）"})
    details = Column(Text, nullable=False, info={
        "label": "详情", "widget": "textarea",
        "description": "事件经过、规模、处置情况及与改革的关联"})

    districts = relationship(
        "Unit", secondary=risk_incident_district, order_by="Unit.sort_order",
        info={"label": "涉及区县", "where": _is_district,
              "description": "每起事件对所涉及的每个区县按件次扣分"})

    def __repr__(self) -> str:
        return self.title or f"风险事件#{self.id}"

    @property
    @labelled("涉及区县")
    def districts_label(self) -> str:
        return "、".join(u.name for u in self.districts or [])

    @property
    def deduction(self) -> float:
        return DEDUCTIONS.get(self.kind, 0.0)

    def clean(self) -> list[str]:
        from app.extensions import db

        with db.session.no_autoflush:  # this record is not saved by a lookup
            return self._problems()

    def _problems(self) -> list[str]:
        errors = []
        unit_name = filer_unit_name(self)
        if unit_name not in FILERS:
            errors.append("风险事件只能由" + "或".join(FILERS) + "填报"
                          + (f"，{unit_name}不能填报" if unit_name else ""))
        if not (self.title or "").strip():
            errors.append("请填写事件名称")
        if self.kind not in KINDS:
            errors.append("等级必须是：" + "、".join(KINDS))
        if self.occurred_on is None:
            errors.append("请填写发生时间")
        elif isinstance(self.occurred_on, datetime.date) and self.occurred_on > _today():
            errors.append("发生时间不能晚于今天")
        if not (self.details or "").strip():
            errors.append("请填写详情")
        districts = list(self.districts or [])
        if not districts and not (self.project or "").strip():
            errors.append("请选择涉及区县或填写涉及项目")
        wrong = [u.name for u in districts if u.kind != UnitKind.DISTRICT.value]
        if wrong:
            errors.append("涉及区县只能选择区县：" + "、".join(wrong) + " 不是区县")
        return errors
