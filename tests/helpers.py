"""Helpers for tests: clients with their own address, login, tokens."""

from __future__ import annotations

import itertools
import re
from contextlib import contextmanager

DEMO_PASSWORD = "Gaige@2026"
_addresses = itertools.count(1)


def new_client(app):
    """A test client with its own remote address (rate limits are per address)."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = f"10.1.{next(_addresses) % 250}.{next(_addresses) % 250}"
    return client


CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client, path="/login/") -> str:
    html = client.get(path).get_data(as_text=True)
    match = CSRF_RE.search(html)
    assert match, f"no csrf_token on {path}"
    return match.group(1)


def login(client, mobile, password=DEMO_PASSWORD):
    token = csrf_token(client)
    return client.post("/login/", data={"username": mobile, "password": password,
                                        "csrf_token": token})


def api_token(client, mobile, password=DEMO_PASSWORD) -> str:
    resp = client.post("/api/v1/security/login", json={
        "username": mobile, "password": password, "provider": "db"})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return resp.get_json()["access_token"]


def _server_admin(url):
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    return create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")


def create_database(url, name: str):
    """A new, empty PostgreSQL database ``name`` on the server of ``url``
    (an old one of that name is dropped first); returns its URL."""
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    admin = _server_admin(url)
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f"CREATE DATABASE \"{name}\" ENCODING 'UTF8' TEMPLATE template0"))
    finally:
        admin.dispose()
    return make_url(url).set(database=name)


def drop_database(url, name: str) -> None:
    from sqlalchemy import text

    admin = _server_admin(url)
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


@contextmanager
def scratch_postgres(url):
    """A new empty PostgreSQL database on the server of ``url`` (the test
    database's name + ``_scratch``), dropped afterwards. Yields its URL."""
    from sqlalchemy.engine import make_url

    name = f"{make_url(url).database}_scratch"
    try:
        yield create_database(url, name)
    finally:
        drop_database(url, name)
