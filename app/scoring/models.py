"""Indicator schemes stored as data (SPEC §3.1).

A scheme (指标体系) has a code and a version; its indicators form a tree. The
rows here are edited by the reform office in admin forms; the pure scoring core
works on the dataclasses of ``app.scoring.core`` that ``app.scoring.store``
converts to and from. A scheme used by a published report is frozen: editing
it makes a new version.
"""

from __future__ import annotations

import datetime

from flask_appbuilder import Model
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import relationship

SCHEME_STATUS_LABELS = {"draft": "草稿", "active": "启用", "frozen": "已冻结"}
PERIOD_KIND_LABELS = {"quarter": "季度", "bimonth": "两个月", "year": "年度"}


class Scheme(Model):
    __tablename__ = "scheme"
    __table_args__ = (UniqueConstraint("code", "version", name="uq_scheme_code_version"),)

    id = Column(Integer, primary_key=True)
    code = Column(String(50), nullable=False, index=True)
    version = Column(Integer, nullable=False, default=1)
    name = Column(String(200), nullable=False)
    report_type = Column(String(50), nullable=False)
    year = Column(String(20), nullable=True)  # the version as the seed names it, e.g. 2024
    period_kind = Column(String(20), nullable=False, default="quarter")
    unit_kind = Column(String(20), nullable=False, default="district")
    status = Column(String(20), nullable=False, default="draft")
    notes = Column(Text, nullable=True)
    # what the core keeps beyond the indicator rows (bands, options), as data
    extra = Column(JSON, nullable=False, default=dict)
    created_on = Column(DateTime, nullable=False, default=datetime.datetime.now)
    frozen_on = Column(DateTime, nullable=True)

    indicators = relationship(
        "SchemeIndicator", back_populates="scheme", cascade="all, delete-orphan",
        order_by="SchemeIndicator.sort_order",
    )

    @property
    def frozen(self) -> bool:
        return self.status == "frozen"

    @property
    def status_label(self) -> str:
        return SCHEME_STATUS_LABELS.get(self.status, self.status)

    @property
    def check_summary(self) -> str:
        """Validation of the whole scheme: errors, then 待确认 warnings."""
        from app.scoring.core.scheme import validate_scheme
        from app.scoring.store import to_core

        errors, warnings = validate_scheme(to_core(self))
        lines = [f"错误：{e}" for e in errors] + [f"提示：{w}" for w in warnings]
        return "\n".join(lines) if lines else "校验通过"

    def __repr__(self) -> str:
        return f"{self.name}（v{self.version}）"


class SchemeIndicator(Model):
    __tablename__ = "scheme_indicator"
    __table_args__ = (UniqueConstraint("scheme_id", "code", name="uq_indicator_code"),)

    id = Column(Integer, primary_key=True)
    scheme_id = Column(Integer, ForeignKey("scheme.id", ondelete="CASCADE"), nullable=False,
                       index=True)
    parent_id = Column(Integer, ForeignKey("scheme_indicator.id", ondelete="CASCADE"),
                       nullable=True, index=True)
    code = Column(String(50), nullable=False)
    name = Column(String(200), nullable=False)
    points = Column(Float, nullable=False, default=0)
    weight = Column(Float, nullable=False, default=1)
    rule_text = Column(Text, nullable=True)
    responsible_units = Column(JSON, nullable=False, default=list)
    direction = Column(String(10), nullable=False, default="higher")
    method = Column(String(40), nullable=True)
    params = Column(JSON, nullable=False, default=dict)
    source = Column(JSON, nullable=True)
    to_confirm = Column(Boolean, nullable=False, default=False)
    # every other attribute of the core's Indicator, kept as data
    extra = Column(JSON, nullable=False, default=dict)
    sort_order = Column(Integer, nullable=False, default=0)

    scheme = relationship("Scheme", back_populates="indicators")
    parent = relationship("SchemeIndicator", remote_side=[id], backref="children")

    @property
    def is_leaf(self) -> bool:
        return bool(self.method)

    def __repr__(self) -> str:
        return f"{self.code} {self.name}"
