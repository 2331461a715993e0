"""CSRF on every state-changing request.

Flask-WTF protects FAB's forms; this hook extends it to every POST, PUT,
PATCH and DELETE — FAB's action posts and the REST API when it is called with
the session cookie. A REST call that carries a Bearer token (no cookie
involved) and the JSON login itself are exempt.
"""

from __future__ import annotations

from flask import request

from app.extensions import csrf

_UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
_EXEMPT_PATHS = {"/api/v1/security/login", "/api/v1/security/refresh"}


def init_csrf(app) -> None:
    csrf.init_app(app)

    @app.before_request
    def _csrf_protect():
        if not app.config.get("WTF_CSRF_ENABLED", True) or request.method not in _UNSAFE:
            return None
        if request.path.startswith("/api/"):
            auth = request.headers.get("Authorization", "")
            if auth.lower().startswith("bearer ") or request.path in _EXEMPT_PATHS:
                return None
        csrf.protect()
        return None
