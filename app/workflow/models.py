"""The columns every workflow record has, and the append-only history."""

from __future__ import annotations

import datetime

from flask_appbuilder import Model
from sqlalchemy import Column, DateTime, ForeignKey, Index, Integer, String, Text, event
from sqlalchemy.orm import declared_attr, relationship

from app.kit.fields import labelled
from app.workflow.chain import DRAFT


class WorkflowMixin:
    """State, version (for compare-and-set), the filer's unit and the filer.

    A model using it declares ``__record__`` (an :class:`app.kit.spec.RecordSpec`:
    name, label, chain, fields shown …); the class is then registered as a
    record type, and ``__record_type__``, ``__chain__``, ``__title_field__`` and
    ``__date_field__`` are read off the declaration.
    """

    __record__ = None
    __record_type__: str
    __chain__ = None
    __title_field__ = "id"
    __date_field__ = "created_on"

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        spec = cls.__dict__.get("__record__")
        if spec is None:
            return
        cls.__record_type__ = spec.name
        cls.__chain__ = spec.chain
        cls.__title_field__ = spec.title_field
        cls.__date_field__ = spec.date_field
        from app.workflow.registry import register

        register(cls)

    state = Column(String(20), nullable=False, default=DRAFT, index=True)
    version = Column(Integer, nullable=False, default=1)
    created_on = Column(DateTime, nullable=False, default=datetime.datetime.now)
    changed_on = Column(DateTime, nullable=False, default=datetime.datetime.now,
                        onupdate=datetime.datetime.now)
    submitted_on = Column(DateTime, nullable=True)
    approved_on = Column(DateTime, nullable=True)

    @declared_attr
    def unit_id(cls):
        return Column(Integer, ForeignKey("unit.id"), nullable=False, index=True)

    @declared_attr
    def filed_by_id(cls):
        return Column(Integer, ForeignKey("ab_user.id"), nullable=False)

    @declared_attr
    def submitted_by_id(cls):
        return Column(Integer, ForeignKey("ab_user.id"), nullable=True)

    @declared_attr
    def unit(cls):
        return relationship("Unit", foreign_keys=[cls.unit_id])

    @declared_attr
    def filed_by(cls):
        return relationship("ReformUser", foreign_keys=[cls.filed_by_id])

    @property
    @labelled("状态")
    def state_label(self) -> str:
        return self.__chain__.state_label(self.state)

    def submit_problems(self) -> list[str]:
        """Why the record cannot be submitted yet (Chinese), e.g. its required
        evidence is missing; a model may extend it."""
        spec = type(self).__record__
        if spec is None or not spec.attachments_required:
            return []
        from sqlalchemy import func, select
        from sqlalchemy.orm import object_session

        from app.attachments.models import Attachment

        n = object_session(self).scalar(select(func.count()).select_from(Attachment).where(
            Attachment.record_type == spec.name, Attachment.record_id == self.id,
            Attachment.removed_on.is_(None)))
        return [] if n else ["请先上传佐证材料再提交"]

    @property
    def title(self) -> str:
        return str(getattr(self, self.__title_field__) or f"#{self.id}")


# Tables with the 待办 index (state, unit_id, filed_by_id, submitted_by_id) that
# makes the "待办 (n)" counts index-only (migration 0007_todo_index). A new
# record type adds its table here and creates the index in its own migration.
TODO_INDEXED_TABLES = frozenset({
    "demand", "recognition", "pilot", "pilot_update", "pilot_achievement", "risk_incident",
    "survey_result", "metric_value"})


@event.listens_for(WorkflowMixin, "instrument_class", propagate=True)
def _todo_index(mapper, cls):
    table = getattr(cls, "__table__", None)
    if table is not None and table.name in TODO_INDEXED_TABLES and not any(
            i.name == f"ix_{table.name}_todo" for i in table.indexes):
        Index(f"ix_{table.name}_todo", table.c.state, table.c.unit_id, table.c.filed_by_id,
              table.c.submitted_by_id)


class WorkflowHistory(Model):
    """One row per transition. Rows are only ever inserted: the ORM refuses
    updates and deletes, and no view, API or command exposes a way to change them."""

    __tablename__ = "workflow_history"
    __table_args__ = (Index("ix_workflow_history_record", "record_type", "record_id"),)

    id = Column(Integer, primary_key=True)
    record_type = Column(String(40), nullable=False)
    record_id = Column(Integer, nullable=False)
    from_state = Column(String(20), nullable=False)
    to_state = Column(String(20), nullable=False)
    action = Column(String(20), nullable=False)
    actor_id = Column(Integer, ForeignKey("ab_user.id"), nullable=False)
    actor_unit_id = Column(Integer, ForeignKey("unit.id"), nullable=True, index=True)
    # the record's own unit when it happened (rejections count against it)
    record_unit_id = Column(Integer, ForeignKey("unit.id"), nullable=True, index=True)
    reason = Column(Text, nullable=True)
    created_on = Column(DateTime, nullable=False, default=datetime.datetime.now, index=True)

    actor = relationship("ReformUser", foreign_keys=[actor_id])
    actor_unit = relationship("Unit", foreign_keys=[actor_unit_id])


class HistoryIsAppendOnly(RuntimeError):
    pass


@event.listens_for(WorkflowHistory, "before_update")
@event.listens_for(WorkflowHistory, "before_delete")
def _refuse_change(mapper, connection, target):
    raise HistoryIsAppendOnly("审核历史只能追加，不能修改或删除")
