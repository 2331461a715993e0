"""Operations: health check, structured request logs, SQLite under several
workers (WAL, busy timeout, a clear 503 instead of ``database is locked``),
and ``flask backup`` (create, verify, restore)."""

from __future__ import annotations


def init_app(app) -> None:
    from app.ops import backup, dbbusy, health, reqlog, sqlite

    sqlite.install(app)
    health.install(app)
    reqlog.install(app)
    dbbusy.install(app)
    app.cli.add_command(backup.backup_cli)
