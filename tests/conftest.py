"""Fixtures: one app per test session on a real database, its state put back
before each test that asks for ``app``.

The database is SQLite in a temporary folder, or the PostgreSQL database named
by ``TEST_DATABASE_URL`` (.ci/run makes a fresh one). The schema is built by the
migrations, as in production, and the demo is loaded once per session. Right
after that load a snapshot is taken (see :class:`Pristine`); before each test
that asks for ``app`` everything a test can change is put back as it was then:

* every table of the database, the ``ab_*`` permission tables and
  ``alembic_version`` included (and on PostgreSQL every sequence, so ids are
  the same in every test);
* the session app's ``UPLOAD_FOLDER``;
* the counters of every rate limiter of the app;
* ``app.config`` (values replaced, added, removed or changed in place).

A test that changes the schema gets the database built again for the next one.
``reset_data(app)`` does the same restore in the middle of a test. Commits on
the test database do not wait for the disk (see ``_commits_without_fsync``).
"""

from __future__ import annotations

import contextlib
import copy
import os
import shutil
import socket
import sqlite3
import sys
import tempfile
import threading
import time
from pathlib import Path

# With PYTHONDONTWRITEBYTECODE set (as on the development machine) every test
# process compiled the app and compiled and assertion-rewrote the ~370 test
# modules again on each run (5 s and more per process). Compiled files are
# kept, but outside the working tree (a cache folder per user in the
# temporary folder); the environment's choice is otherwise left alone.
if sys.dont_write_bytecode and not sys.pycache_prefix:
    sys.pycache_prefix = os.path.join(tempfile.gettempdir(), f"pycache-{os.getuid()}")
    sys.dont_write_bytecode = False

import pytest  # noqa: E402 - after the bytecode setting, like everything below
from sqlalchemy import MetaData, text  # noqa: E402
from sqlalchemy.exc import ProgrammingError  # noqa: E402

from app import create_app  # noqa: E402
from tests.helpers import (  # noqa: E402
    DEMO_PASSWORD,
    create_database,
    drop_database,
    login,
    new_client,
)


def _database_url(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        worker = os.environ.get("PYTEST_XDIST_WORKER")
        return _worker_database(url, worker) if worker else url
    # under pytest-xdist each worker has its own temporary folder
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


def _worker_database(url: str, worker: str) -> str:
    """Under pytest-xdist, the PostgreSQL database of one worker: the database
    of ``TEST_DATABASE_URL`` with the worker's name appended, created on the
    same server (and dropped when the worker ends, see ``database_url``)."""
    from sqlalchemy.engine import make_url

    name = f"{make_url(url).database}_{worker}"
    created = create_database(url, name)
    _worker_databases.append((url, name))
    return created.render_as_string(hide_password=False)


_worker_databases: list = []


def _drop_worker_databases() -> None:
    while _worker_databases:
        drop_database(*_worker_databases.pop())


def _drop_everything(engine) -> None:
    meta = MetaData()
    meta.reflect(bind=engine)
    meta.drop_all(bind=engine)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            for (name,) in conn.execute(text(
                "SELECT sequence_name FROM information_schema.sequences "
                "WHERE sequence_schema = current_schema()"
            )):
                conn.execute(text(f'DROP SEQUENCE IF EXISTS "{name}" CASCADE'))
            conn.execute(text(f"DROP SCHEMA IF EXISTS {_PG_SNAPSHOT_SCHEMA} CASCADE"))


def make_app(tmp_path, **overrides):
    """A new app (own AppBuilder) on the session's database."""
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-for-the-test-suite-only",
        "FAB_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "UPLOAD_FOLDER": str(tmp_path / "uploads"),
        "INSTANCE_PATH": str(tmp_path / "instance"),  # job files, the task queue
        "RATELIMIT_STORAGE_URI": "memory://",
        "DEMO_PASSWORD": DEMO_PASSWORD,
    }
    config.update(overrides)
    app = create_app(config)
    _commits_without_fsync(app)
    return app


def _commits_without_fsync(app) -> None:
    """The test database's commits do not wait for the disk (SQLite
    ``synchronous = OFF``, PostgreSQL ``synchronous_commit = off``). Only what
    a crash of the machine would keep changes; what other connections see,
    locks, constraints and transactions are the same."""
    from sqlalchemy import event

    from app.extensions import db

    with app.app_context():
        engines = list(db.engines.values())
    for engine in engines:
        if engine.dialect.name == "sqlite":
            statement = "PRAGMA synchronous = OFF"
        elif engine.dialect.name == "postgresql":
            statement = "SET synchronous_commit = off"
        else:
            continue

        def _on_connect(dbapi_connection, _record, statement=statement):
            cursor = dbapi_connection.cursor()
            cursor.execute(statement)
            cursor.close()
            dbapi_connection.commit()

        event.listen(engine, "connect", _on_connect)
        engine.dispose()  # connections opened while the app was built get it too


# -- the snapshot of the database ---------------------------------------------------


class _SqliteSnapshot:
    """The whole database file, pages and schema alike, copied with SQLite's
    backup API into memory and back. Triggers (such as the guard of published
    reports) do not fire, and the order of foreign keys does not matter."""

    def __init__(self, engine):
        self.engine = engine
        self.copy = sqlite3.connect(":memory:", check_same_thread=False)
        self._backup(source=None, target=self.copy)

    def _backup(self, source, target):
        deadline = time.monotonic() + 30

        def _progress(status, _remaining, _total):
            # Python retries a busy database for ever: give up with a message
            if status in (5, 6) and time.monotonic() > deadline:  # SQLITE_BUSY, _LOCKED
                raise RuntimeError("the test database stays locked (a transaction left "
                                   "open?): it cannot be put back for the next test")

        raw = self.engine.raw_connection()
        try:
            live = raw.driver_connection
            live.rollback()  # nothing of a previous statement stays open
            (source or live).backup(target or live, progress=_progress)
        finally:
            raw.close()

    def restore(self):
        self._backup(source=self.copy, target=None)

    def close(self):
        self.copy.close()


_PG_SNAPSHOT_SCHEMA = "pytest_snapshot"


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _row_states(names) -> str:
    """SQL: for each table, [number of rows, lowest xmin, highest xmin]."""
    return ", ".join(
        f"(SELECT ARRAY[count(*), min(xmin::text::bigint), max(xmin::text::bigint)] "
        f"FROM {_q(name)})" for name in names)


class _PostgresSnapshot:
    """A copy of every table of the current schema in a schema of its own, and
    the state of every sequence.

    Before each test one query reads, for every table, the number of rows and
    the lowest and highest ``xmin`` (the transaction that wrote each row):
    any INSERT or UPDATE gives a row a newer ``xmin``, any DELETE changes the
    count. The tables that changed, and every table that refers to them, are
    then emptied (children first) and filled from the copy (parents first) in
    one transaction on the server; every sequence is set back. Tables with
    triggers of their own (such as the guard of published reports) have them
    switched off inside that transaction only."""

    def __init__(self, engine):
        self.engine = engine
        snap = _PG_SNAPSHOT_SCHEMA
        meta = MetaData()
        meta.reflect(bind=engine)
        tables = meta.sorted_tables  # parents first
        self.order = [t.name for t in tables]
        # the tables that refer to each table, directly or not
        referrers = {t.name: set() for t in tables}
        for t in tables:
            for fk in t.foreign_keys:
                if fk.column.table.name in referrers and fk.column.table is not t:
                    referrers[fk.column.table.name].add(t.name)
        self.closure = {}
        for name in self.order:
            seen, todo = {name}, [name]
            while todo:
                for other in referrers[todo.pop()] - seen:
                    seen.add(other)
                    todo.append(other)
            self.closure[name] = seen
        fingerprint = (
            "SELECT md5(coalesce(string_agg("
            "c.relname || '.' || a.attname || ':' || a.atttypid::text, ',' "
            "ORDER BY c.relname, a.attnum), '')) "
            "FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
            "WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r' "
            "AND a.attnum > 0 AND NOT a.attisdropped"
        )
        self.check = text(f"SELECT ({fingerprint}), {_row_states(self.order)}")
        with engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {snap} CASCADE"))
            conn.execute(text(f"CREATE SCHEMA {snap}"))
            for t in tables:
                conn.execute(text(f"CREATE UNLOGGED TABLE {snap}.{_q(t.name)} "
                                  f"AS TABLE {_q(t.name)}"))
            self.triggered = set(conn.scalars(text(
                "SELECT DISTINCT c.relname FROM pg_trigger g "
                "JOIN pg_class c ON c.oid = g.tgrelid "
                "WHERE NOT g.tgisinternal AND c.relnamespace = current_schema()::regnamespace"
            )))
            sequences = []
            for (name,) in conn.execute(text(  # identity columns' sequences too
                "SELECT relname FROM pg_class WHERE relkind = 'S' "
                "AND relnamespace = current_schema()::regnamespace ORDER BY relname"
            )):
                last, called = conn.execute(
                    text(f"SELECT last_value, is_called FROM {_q(name)}")).one()
                sequences.append((name, last, called))
            self.fingerprint, *states = conn.execute(self.check).one()
        self.states = dict(zip(self.order, states, strict=True))
        self.columns = {  # generated columns are computed again
            t.name: ", ".join(_q(c.name) for c in t.columns if c.computed is None)
            for t in tables}
        self.sequences = "SELECT " + ", ".join(
            f"setval('{_q(name)}', {int(last)}, {'true' if called else 'false'})"
            for name, last, called in sequences) if sequences else None

    def _script(self, names: set[str]) -> str:
        snap = _PG_SNAPSHOT_SCHEMA
        order = [n for n in self.order if n in names]
        script = ["SET LOCAL lock_timeout = '20s'"]
        script += [f"ALTER TABLE {_q(n)} DISABLE TRIGGER USER"
                   for n in order if n in self.triggered]
        script += [f"DELETE FROM {_q(n)}" for n in reversed(order)]
        script += [f"INSERT INTO {_q(n)} ({self.columns[n]}) OVERRIDING SYSTEM VALUE "
                   f"SELECT {self.columns[n]} FROM {snap}.{_q(n)}" for n in order]
        script += [f"ALTER TABLE {_q(n)} ENABLE TRIGGER USER"
                   for n in order if n in self.triggered]
        return ";\n".join(script)

    def restore(self):
        with self.engine.begin() as conn:
            try:
                fingerprint, *states = conn.execute(self.check).one()
            except ProgrammingError as exc:  # a table was dropped
                raise _SchemaChanged from exc
            if fingerprint != self.fingerprint:
                raise _SchemaChanged
            changed = set()
            for name, state in zip(self.order, states, strict=True):
                if state != self.states[name]:
                    changed |= self.closure[name]
            if changed:
                conn.exec_driver_sql(self._script(changed))
                names = sorted(changed)
                states = conn.execute(text(f"SELECT {_row_states(names)}")).one()
                self.states.update(zip(names, states, strict=True))
            if self.sequences:
                conn.exec_driver_sql(self.sequences)

    def close(self):
        with self.engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {_PG_SNAPSHOT_SCHEMA} CASCADE"))


class _SchemaChanged(Exception):
    """A test changed the schema: the database is built again."""


class Pristine:
    """The state of the session app right after the demo load, and its restore."""

    def __init__(self, app):
        self.app = app
        self.folder = Path(app.config["UPLOAD_FOLDER"])
        self._build()

    def _build(self):
        from flask_migrate import upgrade

        from app.demo.load import load_demo
        from app.extensions import db

        app = self.app
        with app.app_context():
            _drop_everything(db.engine)
            upgrade(revision="heads")
            load_demo(DEMO_PASSWORD)
            db.session.remove()
            engine = db.engine
            kind = {"sqlite": _SqliteSnapshot, "postgresql": _PostgresSnapshot}
            self.database = kind[engine.dialect.name](engine)
        # app.config: every value by reference, and a deep copy of those that
        # compare by value, to see (and undo) changes made inside them
        self.config = dict(app.config)
        self.config_values = {}
        for key, value in self.config.items():
            try:
                duplicate = copy.deepcopy(value)
                if duplicate == value:
                    self.config_values[key] = duplicate
            except Exception:  # noqa: BLE001 - such a value is put back by reference only
                pass
        self.files = None
        if self.folder.exists() and any(self.folder.iterdir()):
            self.files = Path(tempfile.mkdtemp(prefix="pristine-uploads-"))
            shutil.copytree(self.folder, self.files, dirs_exist_ok=True)

    def restore(self):
        """Put everything back."""
        from app.extensions import db

        app = self.app
        self._restore_config()
        with app.app_context():
            db.session.remove()
            try:
                self.database.restore()
            except _SchemaChanged:
                self.database.close()
                self._build()
            db.session.remove()
        self._restore_files()
        for limiter in app.extensions.get("limiter", ()):
            limiter.reset()
        app.appbuilder.sm.limiter.reset()

    def _restore_config(self):
        config = self.app.config
        for key in [k for k in config if k not in self.config]:
            del config[key]
        for key, value in self.config.items():
            if config.get(key, _MISSING) is not value:
                config[key] = value
            if key in self.config_values:
                try:
                    changed = value != self.config_values[key]
                except Exception:  # noqa: BLE001 - cannot tell: take a fresh copy
                    changed = True
                if changed:  # changed in place
                    value = self.config[key] = copy.deepcopy(self.config_values[key])
                    config[key] = value

    def _restore_files(self):
        if self.folder.exists():
            shutil.rmtree(self.folder)
        if self.files is not None:
            shutil.copytree(self.files, self.folder)

    def close(self):
        from app.extensions import db

        with self.app.app_context():
            db.session.remove()
            self.database.close()
        if self.files is not None:
            shutil.rmtree(self.files, ignore_errors=True)


_MISSING = object()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    yield _database_url(tmp_path_factory)
    _drop_worker_databases()


@pytest.fixture(scope="session")
def _pristine(tmp_path_factory, database_url):
    app = make_app(tmp_path_factory.mktemp("instance"), SQLALCHEMY_DATABASE_URI=database_url)
    pristine = Pristine(app)
    _active.append(pristine)
    yield pristine
    _active.clear()
    pristine.close()


@pytest.fixture(scope="session")
def _session_app(_pristine):
    return _pristine.app


_active: list[Pristine] = []  # the session's, once built


def reset_data(app) -> None:
    """Put the session app back as it was right after the demo load."""
    if not _active or app is not _active[0].app:
        raise RuntimeError("reset_data() works on the session app only")
    _active[0].restore()


@pytest.fixture
def app(_pristine):
    _pristine.restore()
    return _pristine.app


@pytest.fixture
def client(app):
    return new_client(app)


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def login_as(app):
    """login_as(mobile) → a new client signed in as that demo account."""

    def _login(mobile, password=DEMO_PASSWORD):
        c = new_client(app)
        resp = login(c, mobile, password)
        assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
        return c

    return _login


# -- the browser ----------------------------------------------------------------------

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium through Playwright, one per test process: Playwright's
    sync API runs one event loop per thread, so every browser test of a worker
    shares this one instead of starting its own."""
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _refusing_port() -> int:
    """A local port that refuses every connection (bound, never listening),
    kept for the whole test process."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    _kept.append(sock)
    return sock.getsockname()[1]


_kept: list[socket.socket] = []
# the browser's proxy for every address but this machine's: nothing gets out
NOWHERE = {"server": f"http://127.0.0.1:{_refusing_port()}", "bypass": "127.0.0.1,localhost,[::1]"}


class StaticAsBehindAProxy:
    """The app's answers to ``/static/…`` as the reverse proxy in front of it
    sends them in production (README: nginx serves the static files):
    cacheable, without the session cookie and ``Vary: Cookie``. The app still
    serves every file, once per browser context; each page is asked of the
    app every time. (Without this the browser fetches some 25 unchanged files
    again on every page: the session cookie, refreshed on each answer, defeats
    ``Vary: Cookie``.)"""

    DROP = {"set-cookie", "vary", "cache-control", "expires"}

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        if not environ.get("PATH_INFO", "").startswith("/static/"):
            return self.app(environ, start_response)

        def start(status, headers, exc_info=None):
            if status.startswith("200"):
                headers = [(k, v) for k, v in headers if k.lower() not in self.DROP]
                headers.append(("Cache-Control", "public, max-age=3600"))
            return start_response(status, headers, exc_info)

        return self.app(environ, start)


@contextlib.contextmanager
def live_site(app):
    """``app`` served over HTTP by a threaded server on a free local port,
    its static files as behind the production proxy; yields the base URL and
    stops the server afterwards. For the browser tests."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, StaticAsBehindAProxy(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)
