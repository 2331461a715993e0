"""The home page's report panel: the latest published ranking of the user's
scope. ``home_summary(user)`` gives the data, ``reports/_home.html`` shows it
(app/views.py passes ``reports_home=home_summary(g.user)`` to index.html, which
includes the partial)."""

from __future__ import annotations

from flask import current_app

from app.scope import scope_for


def home_summary(user, limit: int = 5) -> dict | None:
    """None when the user may not read rankings or nothing is published."""
    from app.reports import service
    from app.reports.views import Viewer, _sees_others

    sm = current_app.appbuilder.sm
    if user is None or not sm.has_access("can_read", "ReportView"):
        return None
    v = Viewer(scope_for(user), False, _sees_others())
    for snap in reversed(service.published_snapshots()):
        rows, full = v.rows(snap.data["units"])
        if not rows:
            continue
        own = next((u for u in rows if u["id"] == v.own_unit_id), None)
        top = rows[:limit]
        return {"snap": snap, "top": top, "own": own if own not in top else None,
                "own_unit_id": v.own_unit_id, "full": full, "n_units": len(snap.data["units"])}
    return None
