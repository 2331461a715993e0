"""/healthz (no login, no data, fail when the database or the queue is
unreachable), the JSON request log, SQLite's WAL and busy timeout, and the
Chinese 503 instead of ``database is locked``."""

from __future__ import annotations

import json
import logging
import logging.handlers
import sqlite3

import pytest
from sqlalchemy import text

from app.extensions import db
from app.ops import reqlog
from tests.helpers import login, new_client
from tests.pilot.util import CLERK_WZ


def test_healthz_ok_without_login_and_without_data(app):
    c = new_client(app)
    resp = c.get("/healthz")
    assert resp.status_code == 200
    assert resp.get_json() == {"status": "ok", "database": "ok", "queue": "ok"}
    assert resp.headers["Cache-Control"] == "no-store"


def test_healthz_fails_when_the_queue_or_database_is_unreachable(app, tmp_path):
    from app.reports.tasks import huey_for

    huey = huey_for(app)
    storage = huey.storage

    class Broken:
        def __getattr__(self, name):
            raise ConnectionError("queue down")

    huey.storage = Broken()
    try:
        resp = new_client(app).get("/healthz")
    finally:
        huey.storage = storage
    assert resp.status_code == 503
    assert resp.get_json() == {"status": "fail", "database": "ok", "queue": "fail"}

    from tests.conftest import make_app

    with app.app_context():
        dialect = db.engine.dialect.name
    bad_url = (f"sqlite:///{tmp_path}/missing-dir/none/x.db" if dialect == "sqlite"
               else "postgresql://nobody:wrong@127.0.0.1:1/none")
    other = make_app(tmp_path, SQLALCHEMY_DATABASE_URI=bad_url,
                     HUEY_SQLITE_PATH=str(tmp_path / "huey.db"))
    resp = other.test_client().get("/healthz")
    assert resp.status_code == 503
    body = resp.get_json()
    assert body["status"] == "fail" and body["database"] == "fail"
    assert set(body) == {"status", "database", "queue"}


def test_request_log_lines(app, tmp_path):
    lines = []

    class Collect(logging.Handler):
        def emit(self, record):
            lines.append(json.loads(self.format(record)))

    handler = Collect()
    handler.setFormatter(reqlog.JsonLineFormatter())
    logger = logging.getLogger(reqlog.LOGGER_NAME)
    logger.addHandler(handler)
    try:
        c = new_client(app)
        login(c, CLERK_WZ)
        c.get("/demandmodelview/list/?_flt_0_title=秘密搜索词")
        c.get("/no-such-page")
    finally:
        logger.removeHandler(handler)
    listed = [x for x in lines if x["path"] == "/demandmodelview/list/"][-1]
    with app.app_context():
        from tests.pilot.util import user

        clerk_id = user(CLERK_WZ).id
    assert listed["method"] == "GET" and listed["status"] == 200
    assert listed["user_id"] == clerk_id and listed["duration_ms"] > 0
    assert "秘密搜索词" not in json.dumps(lines, ensure_ascii=False)  # no query strings
    assert [x["status"] for x in lines if x["path"] == "/no-such-page"] == [404]
    anonymous = [x for x in lines if x["path"] == "/login/"][0]
    assert anonymous["user_id"] is None


def test_request_log_file_rotates(tmp_path):
    from flask import Flask

    app = Flask("x")
    app.config.update(REQUEST_LOG_FILE=str(tmp_path / "req.log"), REQUEST_LOG_MAX_MB=1,
                      REQUEST_LOG_BACKUPS=2)
    handler = reqlog._handler(app)
    assert isinstance(handler, logging.handlers.RotatingFileHandler)
    assert handler.maxBytes == 1024 * 1024 and handler.backupCount == 2
    handler.close()
    app.config["REQUEST_LOG_ROTATE"] = "external"
    handler = reqlog._handler(app)
    assert isinstance(handler, logging.handlers.WatchedFileHandler)
    handler.close()


def test_sqlite_runs_in_wal_with_a_busy_timeout(app):
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite only")
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000


def test_database_is_locked_becomes_a_chinese_503(app, tmp_path):
    """A writer holding the lock beyond the busy timeout: the request gets 503
    with a message, never the raw error; the web page too."""
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite only")
        path = db.engine.url.database
    from tests.conftest import make_app

    short = make_app(tmp_path, SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}",
                     SQLITE_BUSY_TIMEOUT_MS=200)
    from tests.pilot.util import headers

    c = new_client(short)
    h = headers(c, CLERK_WZ)
    with short.app_context():
        from app.records.demand.models import ReformDomain

        domain_id = db.session.query(ReformDomain.id).first()[0]
        db.session.remove()
    blocker = sqlite3.connect(path, timeout=0)
    try:
        blocker.execute("BEGIN IMMEDIATE")
        resp = c.post("/api/v1/demand/", json={
            "title": "锁住时的填报", "description": "x", "channel": "重庆发展有堵点",
            "domain": domain_id}, headers=h)
        web = new_client(short)
        page = web.get("/login/")
    finally:
        blocker.rollback()
        blocker.close()
    assert resp.status_code == 503, resp.get_data(as_text=True)[:500]
    assert "系统繁忙" in resp.get_json()["message"]
    assert resp.headers["Retry-After"] == "2"
    assert "database is locked" not in resp.get_data(as_text=True)
    assert page.status_code == 200  # reading is not blocked by a writer (WAL)
    with short.app_context():
        assert db.session.execute(text(
            "SELECT count(*) FROM demand WHERE title = '锁住时的填报'")).scalar() == 0
        db.session.remove()
