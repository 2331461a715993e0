"""CSRF on every state-changing request.

Flask-WTF protects FAB's forms; this hook extends it to every POST, PUT,
PATCH and DELETE — FAB's action posts and the REST API when it is called with
the session cookie. A REST call that carries a Bearer token (no cookie
involved) and the JSON login itself are exempt.
"""

from __future__ import annotations

from flask import abort, request

from app.extensions import csrf

_UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
_EXEMPT_PATHS = {"/api/v1/security/login", "/api/v1/security/refresh"}
_STATE_CHANGING_ENDPOINTS = (".action", ".delete")


def init_csrf(app) -> None:
    csrf.init_app(app)

    @app.before_request
    def _csrf_protect():
        endpoint = request.endpoint or ""
        if request.method == "GET" and endpoint.endswith(_STATE_CHANGING_ENDPOINTS):
            # FAB serves single-record actions and delete on GET as well; a GET
            # carries no CSRF token, so only the POST its own pages send is allowed
            abort(405)
        if not app.config.get("WTF_CSRF_ENABLED", True) or request.method not in _UNSAFE:
            return None
        if request.path.startswith("/api/"):
            auth = request.headers.get("Authorization", "")
            if auth.lower().startswith("bearer ") or request.path in _EXEMPT_PATHS:
                return None
        csrf.protect()
        return None
