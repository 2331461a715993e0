"""Structured request logs: one JSON line per request on the ``gaige.requests``
logger — time, method, path (no query string: it may carry search terms),
status, user id, duration in ms, client address.

Where the lines go: ``REQUEST_LOG_FILE`` (a file, rotated by size:
``REQUEST_LOG_MAX_MB``, ``REQUEST_LOG_BACKUPS``; or by an external logrotate
with ``REQUEST_LOG_ROTATE=external``, which reopens the file when it moves),
else standard error (gunicorn, systemd's journal). ``REQUEST_LOG=false`` turns
them off."""

from __future__ import annotations

import datetime
import json
import logging
import logging.handlers
import sys
import time

from flask import g, request

from config import setting

LOGGER_NAME = "gaige.requests"


class JsonLineFormatter(logging.Formatter):
    def format(self, record):
        return json.dumps(record.msg, ensure_ascii=False, separators=(",", ":"))




def _handler(app) -> logging.Handler:
    path = setting(app, "REQUEST_LOG_FILE")
    if not path:
        return logging.StreamHandler(sys.stderr)
    if str(setting(app, "REQUEST_LOG_ROTATE", "size")).lower() == "external":
        return logging.handlers.WatchedFileHandler(path, encoding="utf-8")
    return logging.handlers.RotatingFileHandler(
        path, maxBytes=int(setting(app, "REQUEST_LOG_MAX_MB", 50)) * 1024 * 1024,
        backupCount=int(setting(app, "REQUEST_LOG_BACKUPS", 10)), encoding="utf-8")


def _logger(app) -> logging.Logger:
    logger = logging.getLogger(LOGGER_NAME)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    if not any(getattr(h, "_gaige", False) for h in logger.handlers):
        handler = _handler(app)
        handler._gaige = True
        handler.setFormatter(JsonLineFormatter())
        logger.addHandler(handler)
    return logger


def _user_id(user):
    """The signed-in user's id, read without touching the database (after a
    failed transaction the user's attributes cannot be loaded)."""
    if user is None:
        return None
    try:
        from sqlalchemy import inspect

        identity = inspect(user).identity
        if identity:
            return identity[0]
    except Exception:  # noqa: BLE001 - not a mapped object (anonymous user)
        pass
    return None


def install(app) -> None:
    enabled = str(setting(app, "REQUEST_LOG", "true")).lower() not in ("0", "false", "no")
    if not enabled:
        return
    logger = _logger(app)

    def _start_clock():
        g._request_started = time.perf_counter()

    # first of all before_request hooks: the duration includes loading the user
    app.before_request_funcs.setdefault(None, []).insert(0, _start_clock)

    @app.after_request
    def _log_request(response):
        started = g.get("_request_started")
        user_id = _user_id(g.get("user"))
        logger.info({
            "ts": datetime.datetime.now().isoformat(timespec="milliseconds"),
            "method": request.method,
            "path": request.path,
            "status": response.status_code,
            "user_id": user_id,
            "duration_ms": round((time.perf_counter() - started) * 1000, 1)
            if started is not None else None,
            "remote_addr": request.remote_addr,
        })
        return response
