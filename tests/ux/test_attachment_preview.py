"""预览: PDFs and images shown in the browser through the same scoped view as
the download, with headers that keep the file a file."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from app.attachments.storage import save_upload
from app.extensions import db
from tests.attachments.conftest import TEST_TYPE, unit, user
from tests.attachments.files import jpeg_bytes, pdf_bytes, png_bytes, upload

YUZHONG_CLERK, YUZHONG_REVIEWER, YUZHONG_LEADER = "13900000021", "13900000022", "13900000023"
WANZHOU_CLERK, WANZHOU_REVIEWER = "13900000011", "13900000012"
REFORM_OFFICE, ADMIN = "13900000001", "13900000099"


def _upload(app, data, name, mobile=YUZHONG_CLERK, unit_name="渝中区"):
    with app.app_context():
        record_id = unit(unit_name).id if unit_name else None
        att = save_upload(upload(data, name), TEST_TYPE, user(mobile), record_id)
        db.session.commit()
        att_id = att.id
        db.session.remove()
    return att_id


@pytest.mark.parametrize("data,name,mimetype", [
    (pdf_bytes(), "渝中区改革方案.pdf", "application/pdf"),
    (png_bytes(), "现场照片.png", "image/png"),
    (jpeg_bytes(), "现场照片.jpg", "image/jpeg"),
], ids=["pdf", "png", "jpeg"])
def test_preview_is_inline_with_a_restrictive_policy(att_app, login_as, data, name, mimetype):
    att_id = _upload(att_app, data, name)
    resp = login_as(YUZHONG_REVIEWER).get(f"/attachments/{att_id}/preview")
    assert resp.status_code == 200
    assert resp.data == data
    assert resp.mimetype == mimetype
    disposition = resp.headers["Content-Disposition"]
    assert disposition.startswith("inline;")
    assert f"filename*=UTF-8''{quote(name)}" in disposition
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    csp = resp.headers["Content-Security-Policy"]
    directives = {d.split()[0]: d for d in (p.strip() for p in csp.split(";")) if d}
    assert directives["default-src"] == "default-src 'none'"
    assert directives["frame-ancestors"] == "frame-ancestors 'none'"
    assert "script-src" not in directives  # nothing may run
    if mimetype.startswith("image/"):
        assert "sandbox" in directives
    assert resp.headers["Cache-Control"] == "private, no-cache"
    # the download of the same file stays a download
    down = login_as(YUZHONG_REVIEWER).get(f"/attachments/{att_id}")
    assert down.headers["Content-Disposition"].startswith("attachment;")
    assert "sandbox" in down.headers["Content-Security-Policy"]


def test_other_kinds_are_downloaded(att_app, login_as):
    from app.attachments.models import Attachment

    att_id = _upload(att_app, pdf_bytes(), "方案.pdf")
    with att_app.app_context():  # a kind the preview does not show (an older upload)
        db.session.get(Attachment, att_id).content_type = "application/octet-stream"
        db.session.commit()
    resp = login_as(YUZHONG_CLERK).get(f"/attachments/{att_id}/preview")
    assert resp.status_code == 200
    assert resp.headers["Content-Disposition"].startswith("attachment;")
    assert "sandbox" in resp.headers["Content-Security-Policy"]


@pytest.mark.parametrize("mobile,status", [
    (YUZHONG_CLERK, 200), (YUZHONG_REVIEWER, 200), (YUZHONG_LEADER, 200),
    (REFORM_OFFICE, 200), (WANZHOU_CLERK, 404), (WANZHOU_REVIEWER, 404), (ADMIN, 403),
])
def test_preview_scope_is_the_download_scope(att_app, login_as, mobile, status):
    att_id = _upload(att_app, pdf_bytes(), "渝中区改革方案.pdf")
    c = login_as(mobile)
    assert c.get(f"/attachments/{att_id}/preview").status_code == status
    assert c.get(f"/attachments/{att_id}").status_code == status
    # an id that does not exist answers as one outside the scope
    if status == 404:
        assert c.get(f"/attachments/{att_id + 1000}/preview").status_code == 404


def test_unlinked_upload_preview_is_for_its_uploader_only(att_app, login_as, client):
    att_id = _upload(att_app, png_bytes(), "草稿照片.png", unit_name=None)
    assert login_as(YUZHONG_CLERK).get(f"/attachments/{att_id}/preview").status_code == 200
    for mobile in (REFORM_OFFICE, YUZHONG_REVIEWER, WANZHOU_CLERK):
        assert login_as(mobile).get(f"/attachments/{att_id}/preview").status_code == 404
    resp = client.get(f"/attachments/{att_id}/preview")
    assert resp.status_code == 302 and "/login/" in resp.headers["Location"]


def test_record_page_offers_preview_beside_download(app, login_as, tmp_path):
    from tests.workflow.util import CLERK_WZ, make_recognition

    with app.app_context():
        rec = make_recognition(CLERK_WZ)
        att = save_upload(upload(pdf_bytes(), "国务院通报.pdf"), "recognition", user(CLERK_WZ),
                          record_id=rec.id)
        db.session.commit()
        rid, aid = rec.id, att.id
    html = login_as(CLERK_WZ).get(f"/recognitionmodelview/show/{rid}").get_data(as_text=True)
    panel = html.split('id="workflow-attachments"', 1)[1].split("</ul>", 1)[0]
    assert "国务院通报.pdf" in panel
    assert f'href="/attachments/{aid}/preview" target="_blank"' in panel and "预览" in panel
    assert f'href="/attachments/{aid}"' in panel and "下载" in panel
