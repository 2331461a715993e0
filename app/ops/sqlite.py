"""SQLite for several processes: write-ahead logging (readers never wait for a
writer, nor a writer for readers) and a busy timeout (a writer waits for the
other writer instead of failing at once with ``database is locked``).

Settings: ``SQLITE_WAL`` (default on), ``SQLITE_BUSY_TIMEOUT_MS`` (default
30000). ``synchronous = NORMAL`` is safe with WAL (a power cut may lose the
last commits, never corrupt the file)."""

from __future__ import annotations

from sqlalchemy import event


def install(app) -> None:
    from app.extensions import db

    with app.app_context():
        engines = list(db.engines.values())
    from config import setting

    wal = str(setting(app, "SQLITE_WAL", "true")).lower() not in ("0", "false", "no", "off")
    timeout = int(setting(app, "SQLITE_BUSY_TIMEOUT_MS", 30_000))
    for engine in engines:
        if engine.dialect.name != "sqlite":
            continue
        database = engine.url.database or ""
        in_memory = database in ("", ":memory:") or "mode=memory" in database

        def _on_connect(dbapi_connection, _record, in_memory=in_memory):
            cursor = dbapi_connection.cursor()
            cursor.execute(f"PRAGMA busy_timeout = {timeout}")
            if wal and not in_memory:
                cursor.execute("PRAGMA journal_mode = WAL")
                cursor.execute("PRAGMA synchronous = NORMAL")
            cursor.close()

        event.listen(engine, "connect", _on_connect)
        engine.dispose()  # connections opened while the app was built get it too
