"""Helpers shared by the security tests."""

from __future__ import annotations

from tests.helpers import DEMO_PASSWORD, login

LOGIN_API = "/api/v1/security/login"
REFRESH_API = "/api/v1/security/refresh"


def client_at(app, address: str):
    """A fresh test client (own cookies) calling from ``address``."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def api_login(client, mobile, password=DEMO_PASSWORD, refresh=False):
    body = {"username": mobile, "password": password, "provider": "db"}
    if refresh:
        body["refresh"] = True
    return client.post(LOGIN_API, json=body)


def api_tokens(client, mobile, password=DEMO_PASSWORD) -> tuple[str, str]:
    """(access token, refresh token) from the REST login."""
    resp = api_login(client, mobile, password, refresh=True)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    body = resp.get_json()
    return body["access_token"], body["refresh_token"]


def web_login(client, mobile, password=DEMO_PASSWORD):
    """POST the login form; returns the response."""
    return login(client, mobile, password)


def web_login_ok(resp) -> bool:
    """FAB answers both outcomes with a redirect: back to /login/ on failure."""
    return resp.status_code == 302 and "/login/" not in resp.headers.get("Location", "")
