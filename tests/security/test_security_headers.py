"""Every response forbids framing and MIME sniffing and limits the referrer:
pages, JSON, files, redirects, errors and static files alike."""

from __future__ import annotations

import pytest

from app.extensions import db
from tests.helpers import DEMO_PASSWORD
from tests.security.util import bearer, client_at

SECURITY_TEST_TYPE = "security_test_unit"


def _directives(csp: str) -> dict[str, str]:
    out = {}
    for part in csp.split(";"):
        part = part.strip()
        if part:
            name, _, value = part.partition(" ")
            out[name.lower()] = value.strip()
    return out


def assert_security_headers(resp):
    headers = resp.headers
    assert headers.get("X-Frame-Options") == "DENY", dict(headers)
    policies = headers.getlist("Content-Security-Policy")
    assert policies, dict(headers)
    assert all(_directives(p).get("frame-ancestors") == "'none'" for p in policies), policies
    assert headers.get("X-Content-Type-Options") == "nosniff"
    assert headers.get("Referrer-Policy") == "same-origin"


@pytest.fixture
def anonymous(app):
    return client_at(app, "10.77.0.1")


@pytest.fixture
def clerk(login_as):
    return login_as("13900000011")


def test_login_page(anonymous):
    resp = anonymous.get("/login/")
    assert resp.status_code == 200 and resp.mimetype == "text/html"
    assert_security_headers(resp)


def test_html_page_of_a_signed_in_user(clerk):
    resp = clerk.get("/")
    assert resp.status_code == 200
    assert_security_headers(resp)


def test_redirect_to_login(anonymous):
    resp = anonymous.get("/users/list/")
    assert resp.status_code in (302, 401, 403)
    assert_security_headers(resp)


def test_not_found_page(anonymous, clerk):
    for c in (anonymous, clerk):
        resp = c.get("/no/such/page")
        assert resp.status_code == 404
        assert_security_headers(resp)


def test_method_not_allowed(anonymous):
    resp = anonymous.delete("/login/")
    assert resp.status_code in (400, 405)
    assert_security_headers(resp)


def test_static_file(anonymous):
    resp = anonymous.get("/static/appbuilder/css/ab.css")
    assert resp.status_code == 200
    assert_security_headers(resp)
    resp.close()


def test_json_api(app, anonymous):
    resp = anonymous.post("/api/v1/security/login", json={
        "username": "13900000011", "password": DEMO_PASSWORD, "provider": "db"})
    assert resp.status_code == 200 and resp.is_json
    assert_security_headers(resp)
    resp = anonymous.get("/api/v1/menu/", headers=bearer(resp.get_json()["access_token"]))
    assert resp.status_code == 200 and resp.is_json
    assert_security_headers(resp)
    # JSON errors too: no token, and a failed login
    assert_security_headers(anonymous.get("/api/v1/menu/"))
    resp = anonymous.post("/api/v1/security/login", json={
        "username": "13900000011", "password": "Wrong@Pass1", "provider": "db"})
    assert resp.status_code == 401
    assert_security_headers(resp)


def test_csrf_error_page(clerk):
    resp = clerk.post("/unitmodelview/add", data={"code": "X1"})
    assert resp.status_code == 400
    assert_security_headers(resp)


def test_file_download_keeps_its_own_policy(app, tmp_path, monkeypatch, login_as):
    """The attachment download's sandbox policy stays; frame-ancestors is added."""
    import io

    from sqlalchemy import inspect, select
    from werkzeug.datastructures import FileStorage

    from app.attachments.registry import register_record_type
    from app.attachments.storage import save_upload
    from app.security.models import ReformUser
    from app.units.models import Unit

    register_record_type(SECURITY_TEST_TYPE, Unit)  # an upload not tied to a record yet

    with app.app_context():
        if "attachment" not in inspect(db.engine).get_table_names():
            pytest.skip("no attachment table")
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path / "uploads"))
    data = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    with app.app_context():
        owner = db.session.scalar(select(ReformUser).where(ReformUser.mobile == "13900000011"))
        att = save_upload(FileStorage(stream=io.BytesIO(data), filename="材料.pdf"),
                          SECURITY_TEST_TYPE, owner, None)
        db.session.commit()
        att_id = att.id
        db.session.remove()
    resp = login_as("13900000011").get(f"/attachments/{att_id}")
    assert resp.status_code == 200, resp.get_data(as_text=True)[:300]
    assert resp.data == data
    assert_security_headers(resp)
    policy = _directives(resp.headers["Content-Security-Policy"])
    assert policy["default-src"] == "'none'"
    assert "sandbox" in policy
    assert len(resp.headers.getlist("Content-Security-Policy")) == 1


def test_server_error_and_existing_policies(tmp_path, database_url, app):
    """A 500 page carries the headers; a view's own policy is extended, not
    replaced, and a weaker frame-ancestors is tightened."""
    from flask import Response

    from tests.conftest import make_app

    fresh = make_app(tmp_path, SQLALCHEMY_DATABASE_URI=database_url,
                     PROPAGATE_EXCEPTIONS=False)

    @fresh.route("/_test/boom")
    def _boom():
        raise RuntimeError("boom")

    @fresh.route("/_test/own-policy")
    def _own_policy():
        resp = Response("x")
        resp.headers["Content-Security-Policy"] = "default-src 'self'; frame-ancestors 'self'"
        resp.headers["X-Frame-Options"] = "SAMEORIGIN"
        resp.headers["Referrer-Policy"] = "no-referrer"
        return resp

    c = client_at(fresh, "10.77.0.2")
    resp = c.get("/_test/boom")
    assert resp.status_code == 500
    assert_security_headers(resp)
    resp = c.get("/_test/own-policy")
    policy = resp.headers["Content-Security-Policy"]
    assert _directives(policy) == {"default-src": "'self'", "frame-ancestors": "'none'"}
    assert resp.headers["X-Frame-Options"] == "DENY"
    # a stricter referrer policy chosen by the view is kept
    assert resp.headers["Referrer-Policy"] == "no-referrer"
