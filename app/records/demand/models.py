"""改革需求 and the 领域 / 跑道 taxonomy the reform office maintains."""

from __future__ import annotations

from flask_appbuilder import Model
from sqlalchemy import Column, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import relationship

from app.kit.spec import Menu, RecordSpec
from app.security.roles import ROLE_REVIEWER
from app.workflow.chain import Chain, Step, own_unit, reform_office
from app.workflow.models import WorkflowMixin

# seed 001 四（一）: the four source channels
CHANNELS = ("党中央国务院有部署", "重庆发展有堵点", "群众企业基层有期盼", "先进省市有经验")


class ReformDomain(Model):
    """领域."""

    __tablename__ = "reform_domain"

    id = Column(Integer, primary_key=True)
    name = Column(String(100), nullable=False, unique=True)
    sort_order = Column(Integer, nullable=False, default=0)

    def __repr__(self) -> str:
        return self.name


class ReformTrack(Model):
    """跑道: belongs to one 领域."""

    __tablename__ = "reform_track"
    __table_args__ = (UniqueConstraint("domain_id", "name", name="uq_reform_track_domain_name"),)

    id = Column(Integer, primary_key=True)
    domain_id = Column(Integer, ForeignKey("reform_domain.id"), nullable=False, index=True)
    name = Column(String(100), nullable=False)
    sort_order = Column(Integer, nullable=False, default=0)

    domain = relationship("ReformDomain", backref="tracks")

    def __repr__(self) -> str:
        return self.name


_CLASSIFICATION = ("channel", "domain", "track")


class Demand(WorkflowMixin, Model):
    """改革需求: unit clerk → unit reviewer → 市委改革办."""

    __tablename__ = "demand"
    __record__ = RecordSpec(
        name="demand", label="改革需求", menu=Menu("改革需求管理", "fa-lightbulb-o"), order=10,
        chain=Chain(
            steps=(
                Step("本单位审核", own_unit(ROLE_REVIEWER), correctable=_CLASSIFICATION),
                Step("市委改革办审核", reform_office(), correctable=_CLASSIFICATION),
            ),
            editable=("title", "description", "channel", "domain", "track"),
        ),
        title_field="title", date_field="created_on",
        list_columns=("title", "channel", "domain", "track", "created_on"),
        search_columns=("title", "channel", "domain", "track"),
        example={"title": "建立改革需求闭环管理机制", "description": "重庆发展有堵点：……",
                 "channel": "重庆发展有堵点"},
    )

    id = Column(Integer, primary_key=True)
    title = Column(String(200), nullable=False, info={
        "label": "需求标题", "description": "高度总结凝练，要有改革味，如：建立xx机制、健全xx体系"})
    description = Column(Text, nullable=False, default="", info={
        "label": "需求描述", "description": "来源渠道 + 具体要求/具体问题/具体做法 + 改革举措"})
    channel = Column(String(20), nullable=False, info={"label": "来源渠道", "choices": CHANNELS})
    domain_id = Column(Integer, ForeignKey("reform_domain.id"), nullable=True, index=True)
    track_id = Column(Integer, ForeignKey("reform_track.id"), nullable=True, index=True)

    domain = relationship("ReformDomain", info={"label": "领域"})
    track = relationship("ReformTrack", info={"label": "跑道", "depends_on": "domain"})

    def __repr__(self) -> str:
        return self.title or f"改革需求#{self.id}"

    def clean(self) -> list[str]:
        """Chinese messages for what is wrong (empty: all good)."""
        errors = []
        if not (self.title or "").strip():
            errors.append("需求标题不能为空")
        if self.channel not in CHANNELS:
            errors.append("来源渠道必须是：" + "、".join(CHANNELS))
        track, domain = self.track, self.domain
        if track is not None and domain is not None and track.domain_id != domain.id:
            errors.append(f"跑道“{track.name}”不属于领域“{domain.name}”")
        if track is not None and domain is None:
            self.domain = track.domain
        return errors
