"""改革报表.

The package itself imports nothing heavy, so that ``import app.scoring.core``
(the pure scoring core) loads neither Flask nor SQLAlchemy. The application
factory lives in :mod:`app.factory`; ``create_app`` and ``error_page`` are
re-exported here for ``gunicorn "app:create_app()"`` and ``FLASK_APP=app``.
"""

from __future__ import annotations


def create_app(config: dict | None = None):
    from app import lean_imports

    lean_imports.install()  # before Flask-AppBuilder is imported: see app/lean_imports.py
    from app.factory import create_app as _create_app

    return _create_app(config)


def error_page(app, message: str, status: int):
    from app.factory import error_page as _error_page

    return _error_page(app, message, status)
