"""Report periods, report snapshots and background jobs (SPEC §4).

A snapshot is what 生成报表 stores: the scheme version, the period, who and
when, the inputs (the scheme definition, every unit's collected values and
the ids/versions of the approved records behind them) as canonical JSON with
their sha256, and the result (totals, ranks, bands, every leaf's score and
explanation) as canonical JSON. A published snapshot never changes: the ORM
refuses updates and deletes here, and triggers (migration 0004) refuse them in
SQL.
"""

from __future__ import annotations

import datetime
import json
from functools import cached_property

from flask_appbuilder import Model
from sqlalchemy import (
    JSON,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
    select,
)
from sqlalchemy.orm import deferred, relationship

from app.errors import Conflict

DRAFT = "draft"
PUBLISHED = "published"
SNAPSHOT_STATUS_LABELS = {DRAFT: "草稿", PUBLISHED: "已发布"}

JOB_QUEUED, JOB_RUNNING, JOB_DONE, JOB_FAILED = "queued", "running", "done", "failed"
JOB_STATUS_LABELS = {JOB_QUEUED: "排队中", JOB_RUNNING: "进行中", JOB_DONE: "已完成",
                     JOB_FAILED: "失败"}
JOB_KIND_LABELS = {"generate": "生成报表", "unit_sheets": "全部单位计分表（PDF）",
                   "export": "导出 Excel"}


class ReportPeriod(Model):
    """A period of one report type (e.g. 区县改革报表 2024Q1) and its filing deadline."""

    __tablename__ = "report_period"
    __table_args__ = (UniqueConstraint("report_type", "code", name="uq_report_period_type_code"),)

    id = Column(Integer, primary_key=True)
    report_type = Column(String(50), nullable=False, index=True)
    code = Column(String(20), nullable=False)
    kind = Column(String(20), nullable=False)  # quarter | bimonth | year (from the code)
    deadline = Column(Date, nullable=False)  # 填报截止日期
    note = Column(Text, nullable=True)
    created_on = Column(DateTime, nullable=False, default=datetime.datetime.now)

    def __repr__(self) -> str:
        return f"{self.report_type} {self.label}"

    @property
    def period(self):
        from app.scoring.periods import parse_period

        return parse_period(self.code)

    @property
    def label(self) -> str:
        try:
            return self.period.label
        except ValueError:
            return self.code or ""

    @property
    def kind_label(self) -> str:
        from app.scoring.models import PERIOD_KIND_LABELS

        return PERIOD_KIND_LABELS.get(self.kind, self.kind or "")


class ReportSnapshot(Model):
    __tablename__ = "report_snapshot"
    __table_args__ = (
        UniqueConstraint("scheme_code", "period_code", "version",
                         name="uq_report_snapshot_version"),
        Index("ix_report_snapshot_scheme_period", "scheme_code", "period_code", "status"),
    )

    id = Column(Integer, primary_key=True)
    scheme_id = Column(Integer, ForeignKey("scheme.id"), nullable=False, index=True)
    scheme_code = Column(String(50), nullable=False)
    scheme_version = Column(Integer, nullable=False)
    scheme_name = Column(String(200), nullable=False)
    report_type = Column(String(50), nullable=False, index=True)
    period_code = Column(String(20), nullable=False)
    period_id = Column(Integer, ForeignKey("report_period.id"), nullable=True, index=True)
    version = Column(Integer, nullable=False)  # 1, 2, … per (scheme_code, period_code)
    status = Column(String(20), nullable=False, default=DRAFT, index=True)
    generated_by_id = Column(Integer, ForeignKey("ab_user.id"), nullable=True)
    generated_at = Column(DateTime, nullable=False, default=datetime.datetime.now)
    as_of = Column(DateTime, nullable=False)  # the moment the approved data was collected
    published_by_id = Column(Integer, ForeignKey("ab_user.id"), nullable=True)
    published_at = Column(DateTime, nullable=True)
    inputs_hash = Column(String(64), nullable=False)
    inputs = deferred(Column(Text, nullable=False))  # canonical JSON; large: loaded on use
    result = Column(Text, nullable=False)  # canonical JSON

    scheme = relationship("Scheme")
    period = relationship("ReportPeriod")
    generated_by = relationship("ReformUser", foreign_keys=[generated_by_id])
    published_by = relationship("ReformUser", foreign_keys=[published_by_id])

    def __repr__(self) -> str:
        return f"{self.scheme_name} {self.period_code} 第{self.version}版"

    @property
    def published(self) -> bool:
        return self.status == PUBLISHED

    @property
    def status_label(self) -> str:
        return SNAPSHOT_STATUS_LABELS.get(self.status, self.status)

    @property
    def period_label(self) -> str:
        from app.scoring.periods import parse_period

        try:
            return parse_period(self.period_code).label
        except ValueError:
            return self.period_code

    @cached_property
    def data(self) -> dict:
        """The result, parsed (read-only use)."""
        return json.loads(self.result)

    @cached_property
    def input_data(self) -> dict:
        return json.loads(self.inputs)


class ReportJob(Model):
    """A background job (generating a report, the unit sheets PDF) and its progress."""

    __tablename__ = "report_job"

    id = Column(Integer, primary_key=True)
    kind = Column(String(30), nullable=False)
    status = Column(String(20), nullable=False, default=JOB_QUEUED)
    progress = Column(Integer, nullable=False, default=0)  # 0–100
    message = Column(Text, nullable=True)
    params = Column(JSON, nullable=False, default=dict)
    snapshot_id = Column(Integer, ForeignKey("report_snapshot.id"), nullable=True, index=True)
    # the unit whose data the file holds (None: every unit of the snapshot)
    unit_id = Column(Integer, ForeignKey("unit.id"), nullable=True)
    file_name = Column(String(255), nullable=True)
    created_by_id = Column(Integer, ForeignKey("ab_user.id"), nullable=True, index=True)
    created_at = Column(DateTime, nullable=False, default=datetime.datetime.now)
    started_at = Column(DateTime, nullable=True)
    finished_at = Column(DateTime, nullable=True)

    snapshot = relationship("ReportSnapshot")
    created_by = relationship("ReformUser", foreign_keys=[created_by_id])

    @property
    def status_label(self) -> str:
        return JOB_STATUS_LABELS.get(self.status, self.status)

    @property
    def kind_label(self) -> str:
        return JOB_KIND_LABELS.get(self.kind, self.kind)


class SnapshotImmutable(Conflict):
    def __init__(self, message: str = "已发布的报表不能修改或删除"):
        super().__init__(message)


@event.listens_for(ReportSnapshot, "before_update")
@event.listens_for(ReportSnapshot, "before_delete")
def _refuse_change_of_published(mapper, connection, target):
    """A published snapshot is frozen. The status is read from the database, so
    that neither an in-memory change of ``status`` nor a stale object gets past."""
    stored = connection.execute(
        select(ReportSnapshot.__table__.c.status)
        .where(ReportSnapshot.__table__.c.id == target.id)
    ).scalar()
    if stored == PUBLISHED:
        raise SnapshotImmutable()
