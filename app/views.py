"""The home page: what each person needs when they log in.

Clerks and reviewers: what waits for them (per record type, linking to 待办),
their rejected records with the reasons, drafts not yet submitted, and the
latest transitions of their unit's records. Leaders and the 改革办: the latest
published ranking of their scope and the approved-record counts of their scope.
Administrators: links to accounts and units.
"""

from __future__ import annotations

from flask import g, redirect, url_for
from flask_appbuilder import IndexView, expose
from sqlalchemy import case, func, null, select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.scope import scope_clause, scope_for
from app.security.roles import ROLE_ADMIN
from app.workflow import engine
from app.workflow.chain import APPROVED
from app.workflow.engine import ACTION_LABELS
from app.workflow.models import WorkflowHistory
from app.workflow.registry import all_types, get_type

KIND_LABELS = {"waiting": "待我审核", "rejected": "被驳回待修改", "draft": "草稿未提交"}


def _owned(kind: str, user, counts: dict, limit: int = 5) -> list[dict]:
    """The latest ``limit`` records of ``kind`` over all types; only the types
    that have some (``counts`` of engine.todo_counts) are read."""
    rows = []
    for rt in all_types():
        if not counts.get((rt.name, kind)):
            continue
        records = engine.todo_page(rt.name, kind, user, page_size=limit, order="changed_on")
        rejections = engine.last_rejections(rt.name, [r.id for r in records]) \
            if kind == "rejected" else {}
        for r in records:
            rej = rejections.get(r.id)
            rows.append({"type": rt.label, "title": r.title,
                         "url": url_for(f"{rt.view_endpoint}.show", pk=r.id),
                         "time": r.changed_on, "reason": rej.reason if rej else "",
                         "by": rej.actor.get_full_name() if rej and rej.actor else ""})
    rows.sort(key=lambda row: row["time"], reverse=True)
    return rows[:limit]


def _title_of_record(h):
    """A column: the title of the record a history row is about, looked up
    in the same statement (one correlated subquery per registered type)."""
    whens = []
    for rt in all_types():
        column = getattr(rt.model, rt.spec.title_field, None)
        if column is None or not hasattr(column, "expression"):
            continue
        whens.append((h.record_type == rt.name,
                      select(column).where(rt.model.id == h.record_id).scalar_subquery()))
    return case(*whens, else_=None).label("record_title") if whens else null()


def _recent(user, limit: int = 10) -> list[dict]:
    """The latest transitions of records of the user's scope."""
    scope = scope_for(user)
    h = WorkflowHistory
    stmt = select(h, _title_of_record(h)).options(joinedload(h.actor), joinedload(h.actor_unit)) \
        .order_by(h.id.desc()).limit(limit)
    if not scope.everything:
        stmt = stmt.where(h.record_unit_id.in_(scope.unit_ids_select()))
    out = []
    for row, title in db.session.execute(stmt).all():
        rt = get_type(row.record_type)
        if rt is None:
            continue
        title = " ".join(str(title or "").split())
        out.append({"time": row.created_on, "type": rt.label,
                    "title": title if len(title) <= 40 else title[:39] + "…",
                    "action": ACTION_LABELS.get(row.action, row.action),
                    "to": rt.chain.state_label(row.to_state),
                    "who": row.actor.get_full_name() if row.actor else "",
                    "unit": row.actor_unit.name if row.actor_unit else "",
                    "url": url_for(f"{rt.view_endpoint}.show", pk=row.record_id)})
    return out


def _approved_counts_statement(user):
    scope = scope_for(user)
    columns = [select(func.count()).select_from(rt.model).where(
        rt.model.state == APPROVED, scope_clause(rt.model, scope)).scalar_subquery()
        for rt in all_types()]
    return select(*columns) if columns else None


def _approved_counts(user) -> list[dict]:
    stmt = engine.per_user_statement("approved_counts", user, _approved_counts_statement)
    if stmt is None:
        return []
    counts = db.session.execute(stmt).one()
    return [{"type": rt.label, "n": n, "url": url_for(f"{rt.view_endpoint}.list")}
            for rt, n in zip(all_types(), counts)]


def _reports_panel(user):
    try:
        from app.reports.home import home_summary
    except ImportError:  # the reports package is optional in this layout
        return None
    return home_summary(user)


def _due_panel(user):
    """即将到期与逾期: the assigned items due within 7 days or overdue."""
    from app.records.assignment.status import due_panel

    return due_panel(user)


class ReformIndexView(IndexView):
    index_template = "index.html"

    @expose("/")
    def index(self):
        user = g.user
        if user is None or not user.is_authenticated:
            return redirect(url_for("AuthDBView.login"))
        roles = {r.name for r in user.roles}
        sm = self.appbuilder.sm
        reads_records = any(sm.has_access("can_list", rt.view_name) for rt in all_types())
        context = {"is_admin": ROLE_ADMIN in roles, "reads_records": reads_records}
        if reads_records:
            counts = engine.todo_counts(user)
            g._todo_total = sum(counts.values())
            context.update(
                todo=[{"type": get_type(name).label, "kind": KIND_LABELS[kind], "n": n}
                      for (name, kind), n in counts.items() if n],
                todo_total=g._todo_total,
                rejected=_owned("rejected", user, counts),
                drafts=_owned("draft", user, counts),
                recent=_recent(user),
                approved=_approved_counts(user),
                reports_home=_reports_panel(user),
                due=_due_panel(user),
            )
        return self.render_template(self.index_template, appbuilder=self.appbuilder, **context)
