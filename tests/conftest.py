"""Fixtures: one app per test session on a real database, its data reset
before each test that asks for ``app``.

The database is SQLite in a temporary folder, or the PostgreSQL database named
by ``TEST_DATABASE_URL`` (.ci/run makes a fresh one). The schema is built by the
migrations, as in production.
"""

from __future__ import annotations

import os

import pytest
from sqlalchemy import MetaData, inspect, text

from app import create_app
from tests.helpers import DEMO_PASSWORD, login, new_client

KEEP_TABLES = {
    "ab_permission", "ab_view_menu", "ab_permission_view", "ab_role",
    "ab_permission_view_role", "alembic_version",
}


def _database_url(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


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


def make_app(tmp_path, **overrides):
    """A new app (own AppBuilder) on the session's database."""
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-for-the-test-suite-only",
        "FAB_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "UPLOAD_FOLDER": str(tmp_path / "uploads"),
        "RATELIMIT_STORAGE_URI": "memory://",
        "DEMO_PASSWORD": DEMO_PASSWORD,
    }
    config.update(overrides)
    return create_app(config)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    return _database_url(tmp_path_factory)


@pytest.fixture(scope="session")
def _session_app(tmp_path_factory, database_url):
    from flask_migrate import upgrade

    from app.demo.load import load_demo
    from app.extensions import db

    app = make_app(tmp_path_factory.mktemp("instance"), SQLALCHEMY_DATABASE_URI=database_url)
    with app.app_context():
        _drop_everything(db.engine)
        upgrade()
        load_demo(DEMO_PASSWORD)
    return app


def reset_data(app) -> None:
    """Empty every table but the permission tables, then reload the demo."""
    from flask_appbuilder import Model

    from app.demo.load import load_demo
    from app.extensions import db

    with app.app_context():
        db.session.remove()
        with db.engine.begin() as conn:
            existing = set(inspect(conn).get_table_names())
            for table in reversed(Model.metadata.sorted_tables):
                if table.name not in KEEP_TABLES and table.name in existing:
                    conn.execute(table.delete())
        load_demo(DEMO_PASSWORD, sync=False)
        db.session.remove()
    app.appbuilder.sm.limiter.reset()


@pytest.fixture
def app(_session_app):
    reset_data(_session_app)
    yield _session_app


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
