"""Fixtures for attachment tests on the database.

``att_app`` is the session app with a private UPLOAD_FOLDER and a test record
type ``test_unit`` backed by Unit (scoped by path: a 渝中区 user sees 渝中区,
not 万州区), so no table of its own is needed. Tests that need the database
are skipped while the ``attachment`` table does not exist yet (it comes with
migration 0002).
"""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, select

from app.attachments.registry import register_record_type
from app.units.models import Unit

TEST_TYPE = "test_unit"
register_record_type(TEST_TYPE, Unit)


@pytest.fixture
def att_app(app, tmp_path, monkeypatch):
    from app.extensions import db

    with app.app_context():
        if "attachment" not in inspect(db.engine).get_table_names():
            pytest.skip("the attachment table does not exist yet (migration 0002)")
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path / "uploads"))
    return app


@pytest.fixture
def ctx(att_app):
    """An app context for the test body; the session is removed afterwards."""
    from app.extensions import db

    with att_app.app_context():
        yield att_app
        db.session.remove()


def user(mobile):
    from app.extensions import db
    from app.security.models import ReformUser

    return db.session.scalar(select(ReformUser).where(ReformUser.mobile == mobile))


def unit(name):
    from app.extensions import db

    return db.session.scalar(select(Unit).where(Unit.name == name))


def stored_files(app):
    from pathlib import Path

    root = Path(app.config["UPLOAD_FOLDER"])
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
