"""The audit trail: one row per create, field edit, delete, attachment,
scheme, report, account and login event. Rows are only ever inserted: the ORM
refuses updates and deletes here, SQL triggers (migration 0007) refuse them in
the database, and on PostgreSQL the application's role may be granted INSERT
and SELECT only (``AUDIT_APP_ROLE``, see README "Production")."""

from __future__ import annotations

import datetime

from flask_appbuilder import Model
from sqlalchemy import Column, DateTime, Index, Integer, String, Text, event

ACTION_LABELS = {
    "create": "新建",
    "update": "修改",
    "delete": "删除",
    "attachment_add": "上传佐证材料",
    "attachment_remove": "删除佐证材料",
    "scheme_freeze": "冻结指标体系",
    "scheme_new_version": "新建指标体系版本",
    "report_generate": "生成报表",
    "report_publish": "发布报表",
    "password_change": "修改密码",
    "password_reset": "重置密码",
    "login": "登录成功",
    "login_failed": "登录失败",
}

OBJECT_LABELS = {
    "user": "用户账号",
    "role": "角色",
    "unit": "单位",
    "scheme": "指标体系",
    "scheme_indicator": "指标",
    "report": "报表",
    "session": "登录",
}


class AuditLog(Model):
    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_object", "object_type", "object_id"),)

    id = Column(Integer, primary_key=True)
    created_on = Column(DateTime, nullable=False, default=datetime.datetime.now, index=True)
    # who: ids without foreign keys (an account or unit may go, its trail stays),
    # with the names as they were
    actor_id = Column(Integer, nullable=True, index=True)
    actor_name = Column(String(100), nullable=True)
    actor_unit_id = Column(Integer, nullable=True, index=True)
    actor_unit_name = Column(String(100), nullable=True)
    action = Column(String(30), nullable=False, index=True)
    object_type = Column(String(40), nullable=False)
    object_id = Column(Integer, nullable=True)
    object_label = Column(String(200), nullable=True)
    # the unit the object belongs to (a record's filing unit): scope of the search
    object_unit_id = Column(Integer, nullable=True, index=True)
    field = Column(String(80), nullable=True)
    field_label = Column(String(80), nullable=True)
    old_value = Column(Text, nullable=True)
    new_value = Column(Text, nullable=True)
    address = Column(String(64), nullable=True)
    user_agent = Column(String(300), nullable=True)

    @property
    def action_label(self) -> str:
        return ACTION_LABELS.get(self.action, self.action)

    @property
    def object_type_label(self) -> str:
        from app.workflow.registry import get_type

        rt = get_type(self.object_type)
        if rt is not None:
            return rt.label
        return OBJECT_LABELS.get(self.object_type, self.object_type)

    @property
    def who(self) -> str:
        return self.actor_name or "系统（命令行或后台任务）"

    def __repr__(self) -> str:
        return f"{self.action_label} {self.object_type_label} {self.object_label or ''}"


class AuditIsAppendOnly(RuntimeError):
    pass


MESSAGE = "审计日志只能追加，不能修改或删除"


@event.listens_for(AuditLog, "before_update")
@event.listens_for(AuditLog, "before_delete")
def _refuse_change(mapper, connection, target):
    raise AuditIsAppendOnly(MESSAGE)
