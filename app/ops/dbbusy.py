"""A database that stays busy beyond the busy timeout (SQLite's ``database is
locked``, PostgreSQL's lock or statement timeout, a lost connection) answers
503 with a Chinese message and ``Retry-After``; the raw error never reaches a
user, and nothing was saved (the transaction is rolled back)."""

from __future__ import annotations

import logging

from flask import jsonify, request
from sqlalchemy.exc import OperationalError

log = logging.getLogger(__name__)

MESSAGE = "系统繁忙，数据库暂时无法处理您的请求，本次操作未保存，请稍后重试"
_BUSY_MARKERS = ("database is locked", "database table is locked", "lock timeout",
                 "canceling statement due to lock timeout",
                 "canceling statement due to statement timeout",
                 "could not serialize access", "deadlock detected",
                 "server closed the connection", "connection refused",
                 "terminating connection")


def is_busy(exc: BaseException) -> bool:
    text = str(getattr(exc, "orig", exc)).lower()
    return any(marker in text for marker in _BUSY_MARKERS)


def _busy_response(app):
    from flask import make_response

    from app import error_page
    from app.extensions import db

    try:
        db.session.rollback()  # the page reads the user and the menu again
    except Exception:  # noqa: BLE001 - the connection may be gone
        log.exception("rollback after a busy database failed")
    if request.path.startswith("/api/"):
        response = jsonify(message=MESSAGE)
        response.status_code = 503
    else:
        try:
            response = make_response(error_page(app, MESSAGE, 503))
        except Exception:  # noqa: BLE001 - the page needs the database too: plain text
            log.exception("the busy page could not be rendered")
            response = make_response(MESSAGE, 503)
            response.mimetype = "text/plain"
    response.headers["Retry-After"] = "2"
    return response


def install(app) -> None:
    from flask import g, has_request_context
    from sqlalchemy import event

    from app.extensions import db

    def _note_busy(context):
        """Every database error passes here, also those a view catches itself
        (FAB's REST ``@safe`` turns any exception into 500 "Fatal error")."""
        if has_request_context() and is_busy(context.original_exception):
            g._database_busy = True

    with app.app_context():
        for engine in db.engines.values():
            if not event.contains(engine, "handle_error", _note_busy):
                event.listen(engine, "handle_error", _note_busy)

    @app.after_request
    def _busy_instead_of_500(response):
        if response.status_code >= 500 and response.status_code != 503 \
                and g.get("_database_busy"):
            log.warning("database busy on %s %s: answered 503", request.method, request.path)
            return _busy_response(app)
        return response

    @app.errorhandler(OperationalError)
    def _busy(exc):
        if not is_busy(exc):
            raise exc  # any other database error: the usual 500
        log.warning("database busy on %s %s: %s", request.method, request.path,
                    getattr(exc, "orig", exc))
        return _busy_response(app)
