"""GET /attachments/<id>: the file for those who may see the record, 404 for others."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from app.attachments.storage import save_upload
from app.extensions import db
from tests.attachments.conftest import TEST_TYPE, unit, user
from tests.attachments.files import pdf_bytes, png_bytes, upload

REFORM_OFFICE = "13900000001"
WANZHOU_CLERK = "13900000011"
YUZHONG_CLERK = "13900000021"
YUZHONG_REVIEWER = "13900000022"
YUZHONG_LEADER = "13900000023"
ADMIN = "13900000099"


def _upload(app, data, name, mobile, unit_name=None):
    with app.app_context():
        record_id = unit(unit_name).id if unit_name else None
        att = save_upload(upload(data, name), TEST_TYPE, user(mobile), record_id)
        db.session.commit()
        att_id = att.id
        db.session.remove()
    return att_id


@pytest.fixture
def yuzhong_pdf(att_app):
    data = pdf_bytes()
    return _upload(att_app, data, "渝中区改革方案.pdf", YUZHONG_CLERK, "渝中区"), data


@pytest.mark.parametrize("mobile", [YUZHONG_CLERK, YUZHONG_REVIEWER, YUZHONG_LEADER,
                                    REFORM_OFFICE])
def test_download_by_users_who_see_the_record(login_as, yuzhong_pdf, mobile):
    att_id, data = yuzhong_pdf
    resp = login_as(mobile).get(f"/attachments/{att_id}")
    assert resp.status_code == 200
    assert resp.data == data
    assert resp.mimetype == "application/pdf"
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    disposition = resp.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=UTF-8''{quote('渝中区改革方案.pdf')}" in disposition


def test_other_scope_gets_404(login_as, yuzhong_pdf):
    att_id, _ = yuzhong_pdf
    clerk = login_as(WANZHOU_CLERK)
    resp = clerk.get(f"/attachments/{att_id}")
    assert resp.status_code == 404
    # the same answer as for an id that does not exist
    assert clerk.get(f"/attachments/{att_id + 1000}").status_code == 404


def test_anonymous_is_sent_to_login(client, yuzhong_pdf):
    att_id, _ = yuzhong_pdf
    resp = client.get(f"/attachments/{att_id}")
    assert resp.status_code == 302
    assert "/login/" in resp.headers["Location"]


def test_role_without_the_permission_is_refused(login_as, yuzhong_pdf):
    att_id, _ = yuzhong_pdf
    assert login_as(ADMIN).get(f"/attachments/{att_id}").status_code == 403


def test_unlinked_upload_is_for_its_uploader_only(att_app, login_as):
    att_id = _upload(att_app, png_bytes(), "草稿照片.png", YUZHONG_CLERK)
    resp = login_as(YUZHONG_CLERK).get(f"/attachments/{att_id}")
    assert resp.status_code == 200
    assert resp.mimetype == "image/png"
    for mobile in (REFORM_OFFICE, YUZHONG_REVIEWER, WANZHOU_CLERK):
        assert login_as(mobile).get(f"/attachments/{att_id}").status_code == 404


def test_unregistered_record_type_or_missing_record_is_404(att_app, login_as, yuzhong_pdf):
    from app.attachments.models import Attachment

    att_id, _ = yuzhong_pdf
    with att_app.app_context():
        att = db.session.get(Attachment, att_id)
        att.record_id = 10_000_000
        db.session.commit()
    assert login_as(REFORM_OFFICE).get(f"/attachments/{att_id}").status_code == 404
    assert login_as(YUZHONG_CLERK).get(f"/attachments/{att_id}").status_code == 404
    with att_app.app_context():
        att = db.session.get(Attachment, att_id)
        att.record_type = "nobody_registered_this"
        att.record_id = unit("渝中区").id
        db.session.commit()
    assert login_as(YUZHONG_CLERK).get(f"/attachments/{att_id}").status_code == 404


def test_missing_file_is_404(att_app, login_as, yuzhong_pdf):
    from app.attachments.models import Attachment
    from app.attachments.storage import open_attachment

    att_id, _ = yuzhong_pdf
    with att_app.app_context():
        open_attachment(db.session.get(Attachment, att_id)).unlink()
    assert login_as(YUZHONG_CLERK).get(f"/attachments/{att_id}").status_code == 404
