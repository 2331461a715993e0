"""The audit trail (审计日志): who changed what, from where, and when.

Rows are written by :mod:`app.audit.capture` (one session listener for every
ORM change, :func:`log` for the rest) and read in 系统管理 → 审计日志
(:mod:`app.audit.views`); nothing changes or deletes them.
"""

from app.audit.capture import acting_as, current_actor, log, record_history, suspended

__all__ = ["acting_as", "current_actor", "log", "record_history", "suspended", "register"]


def edits_of(record, limit: int = 200) -> list[dict]:
    """A record's audit rows for its page (the page itself is scoped): time,
    who, what, field, old → new."""
    from app.audit.models import ACTION_LABELS

    rows = record_history(type(record).__record_type__, record.id, limit=limit)

    def short(text):
        return text if text is None or len(text) <= 300 else text[:299] + "…"

    return [{"time": r.created_on.strftime("%Y-%m-%d %H:%M"), "actor": r.who,
             "unit": r.actor_unit_name or "", "action": ACTION_LABELS.get(r.action, r.action),
             "kind": r.action, "field": r.field_label or "", "old": short(r.old_value) or "",
             "new": short(r.new_value) or ""} for r in rows]


def register(appbuilder) -> None:
    """The search screen, its export and the role rules."""
    from app.audit.views import AuditLogView
    from app.security.roles import ROLE_ADMIN, ROLE_REFORM_OFFICE, grant

    from pathlib import Path

    from flask import current_app
    from jinja2 import ChoiceLoader, FileSystemLoader

    app = current_app._get_current_object()
    app.jinja_env.globals["audit_edits"] = edits_of
    app.jinja_loader = ChoiceLoader([app.jinja_loader, FileSystemLoader(
        str(Path(__file__).parent / "templates"))])
    appbuilder.add_view(AuditLogView, "Audit Log", label="审计日志", icon="fa-history",
                        category="Security", category_label="系统管理")
    rules = [(r"AuditLogView", r"can_(list|show|export)"), (r"Audit Log", r"menu_access")]
    grant(ROLE_ADMIN, *rules)
    grant(ROLE_REFORM_OFFICE, *rules, (r"Security", r"menu_access"))
