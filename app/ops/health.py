"""``GET /healthz``: is the database reachable, and the task queue? No login,
no data: ``{"status": "ok", "database": "ok", "queue": "ok"}`` (200), or the
same with ``fail`` (503). For the load balancer and the monitoring."""

from __future__ import annotations

import logging

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

log = logging.getLogger(__name__)
blueprint = Blueprint("ops_health", __name__)


def _database_ok() -> bool:
    from app.extensions import db

    try:
        with db.engine.connect() as conn:
            conn.execute(text("SELECT 1")).scalar()
        return True
    except Exception:  # noqa: BLE001 - any failure is "fail"
        log.exception("health: database unreachable")
        return False


def _queue_ok() -> bool:
    from app.reports.tasks import huey_for

    try:
        huey_for(current_app._get_current_object()).pending_count()
        return True
    except Exception:  # noqa: BLE001
        log.exception("health: task queue unreachable")
        return False


@blueprint.route("/healthz")
def healthz():
    checks = {"database": _database_ok(), "queue": _queue_ok()}
    ok = all(checks.values())
    body = {"status": "ok" if ok else "fail",
            **{k: "ok" if v else "fail" for k, v in checks.items()}}
    response = jsonify(body)
    response.status_code = 200 if ok else 503
    response.headers["Cache-Control"] = "no-store"
    return response


def install(app) -> None:
    app.register_blueprint(blueprint)
