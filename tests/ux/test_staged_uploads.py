"""A refused form keeps the chosen evidence file: staged server-side (owned by
the user, bounded, expiring), shown as "已选择：…（保留）" with a way to drop
it, and attached to the record by the next successful save, in the same
transaction."""

from __future__ import annotations

import datetime
import io
import re

from sqlalchemy import func, select

from app.attachments.models import Attachment
from app.extensions import db
from app.records.recognition.models import Recognition
from tests.attachments.files import pdf_bytes, png_bytes
from tests.helpers import csrf_token
from tests.workflow.util import CLERK_WZ, CLERK_YZ, make_recognition

ADD = "/recognitionmodelview/add"
STAGED = re.compile(r'name="staged_evidence" value="(\d+)"')


def _form(**changes):
    today = datetime.date.today()
    data = {"item": "推行企业开办“一件事”集成改革", "problem": "企业开办环节多",
            "result": "开办时间压缩至1个工作日", "category": "全市推广", "criterion": "C-1",
            "date": today.isoformat()}
    data.update(changes)
    return data


def _post(c, path, data, files=()):
    body = {**data, "csrf_token": csrf_token(c, path)}
    for name, content in files:
        body.setdefault("evidence", []).append((io.BytesIO(content), name))
    return c.post(path, data=body, content_type="multipart/form-data")


def _staged(app):
    with app.app_context():
        return db.session.scalars(select(Attachment).where(
            Attachment.record_id.is_(None))).all()


def test_refused_form_keeps_the_file_and_the_next_save_attaches_it(app, login_as):
    c = login_as(CLERK_WZ)
    pdf = pdf_bytes("guowuyuan")
    last_year = f"{datetime.date.today().year - 1}-06-01"
    resp = _post(c, ADD, _form(date=last_year), [("国务院通报.pdf", pdf)])
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "日期必须在" in html  # refused, the form is back
    assert "已选择：" in html and "国务院通报.pdf" in html and "（保留）" in html
    assert "推行企业开办“一件事”集成改革" in html  # what was typed
    ids = STAGED.findall(html)
    assert len(ids) == 1
    staged = _staged(app)
    assert [a.original_name for a in staged] == ["国务院通报.pdf"]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Recognition)
                                 .where(Recognition.item.like("推行企业开办%"))) == 0
    # another user cannot use the staged file, nor preview it
    other = login_as(CLERK_YZ)
    assert other.get(f"/attachments/{ids[0]}/preview").status_code == 404
    assert c.get(f"/attachments/{ids[0]}/preview").status_code == 200
    # fixed: saved with the kept file, which is now the record's
    resp = _post(c, ADD, {**_form(), "staged_evidence": ids[0]})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
    with app.app_context():
        rec = db.session.scalar(select(Recognition).where(
            Recognition.item == "推行企业开办“一件事”集成改革"))
        atts = db.session.scalars(select(Attachment).where(
            Attachment.record_type == "recognition", Attachment.record_id == rec.id)).all()
        assert [(a.id, a.original_name) for a in atts] == [(int(ids[0]), "国务院通报.pdf")]
    assert _staged(app) == []
    show = c.get(resp.headers["Location"]).get_data(as_text=True)
    assert "国务院通报.pdf" in show


def test_a_form_refused_twice_keeps_both_files(app, login_as):
    c = login_as(CLERK_WZ)
    resp = _post(c, ADD, _form(item="   "), [("一.pdf", pdf_bytes())])
    first = STAGED.findall(resp.get_data(as_text=True))
    assert len(first) == 1
    resp = _post(c, ADD, {**_form(item="   "), "staged_evidence": first[0]},
                 [("二.png", png_bytes())])
    html = resp.get_data(as_text=True)
    both = STAGED.findall(html)
    assert len(both) == 2 and first[0] in both
    assert "一.pdf" in html and "二.png" in html
    resp = _post(c, ADD, {**_form(), "staged_evidence": both})
    assert resp.status_code == 302
    with app.app_context():
        names = sorted(db.session.scalars(select(Attachment.original_name).where(
            Attachment.record_type == "recognition",
            Attachment.record_id.is_not(None), Attachment.id.in_([int(i) for i in both]))))
    assert names == ["一.pdf", "二.png"]


def test_dropped_staged_file_is_deleted(app, login_as):
    from pathlib import Path

    c = login_as(CLERK_WZ)
    resp = _post(c, ADD, _form(item=" "), [("不要了.pdf", pdf_bytes())])
    sid = STAGED.findall(resp.get_data(as_text=True))[0]
    with app.app_context():
        stored = Path(app.config["UPLOAD_FOLDER"]) / db.session.get(
            Attachment, int(sid)).stored_name
    assert stored.is_file()
    resp = _post(c, ADD, {**_form(), "staged_evidence": sid, "staged_drop": sid})
    assert resp.status_code == 302
    with app.app_context():
        assert db.session.get(Attachment, int(sid)) is None
        rec = db.session.scalar(select(Recognition.id).where(
            Recognition.item == "推行企业开办“一件事”集成改革"))
        assert db.session.scalar(select(func.count()).select_from(Attachment).where(
            Attachment.record_type == "recognition", Attachment.record_id == rec)) == 0
    assert not stored.exists()


def test_someone_elses_staged_id_is_ignored(app, login_as):
    yz = login_as(CLERK_YZ)
    resp = _post(yz, ADD, _form(item=" "), [("渝中的.pdf", pdf_bytes())])
    sid = STAGED.findall(resp.get_data(as_text=True))[0]
    wz = login_as(CLERK_WZ)
    resp = _post(wz, ADD, {**_form(), "staged_evidence": sid})
    assert resp.status_code == 302
    with app.app_context():
        att = db.session.get(Attachment, int(sid))
        assert att.record_id is None  # still 渝中's, still staged


def test_a_refused_file_is_not_staged(app, login_as):
    c = login_as(CLERK_WZ)
    resp = _post(c, ADD, _form(), [("假的.pdf", b"not a pdf at all")])
    html = resp.get_data(as_text=True)
    assert "不是" in html and "已选择：" not in html
    assert _staged(app) == []


def test_edit_refused_keeps_the_file(app, login_as):
    with app.app_context():
        rid = make_recognition(CLERK_WZ).id
    c = login_as(CLERK_WZ)
    path = f"/recognitionmodelview/edit/{rid}"
    resp = _post(c, path, _form(item=" "), [("补充.pdf", pdf_bytes())])
    assert resp.status_code == 200
    sid = STAGED.findall(resp.get_data(as_text=True))
    assert len(sid) == 1
    resp = _post(c, path, {**_form(), "staged_evidence": sid[0]})
    assert resp.status_code == 302
    with app.app_context():
        assert db.session.get(Attachment, int(sid[0])).record_id == rid


def test_staged_files_expire_and_are_bounded(app, login_as):
    from app.attachments.storage import STAGED_MAX_PER_USER, STAGED_TTL

    c = login_as(CLERK_WZ)
    resp = _post(c, ADD, _form(item=" "), [("旧的.pdf", pdf_bytes())])
    old = STAGED.findall(resp.get_data(as_text=True))[0]
    with app.app_context():
        db.session.get(Attachment, int(old)).uploaded_on -= STAGED_TTL + datetime.timedelta(
            minutes=1)
        db.session.commit()
    # an expired staged file is not attached any more, and is swept by the next staging
    resp = _post(c, ADD, {**_form(item=" "), "staged_evidence": old}, [("新的.pdf", pdf_bytes())])
    html = resp.get_data(as_text=True)
    assert "旧的.pdf" not in html and "新的.pdf" in html
    assert "旧的.pdf" not in {a.original_name for a in _staged(app)}
    for i in range(STAGED_MAX_PER_USER + 2):
        _post(c, ADD, _form(item=" "), [(f"第{i}份.pdf", pdf_bytes())])
    staged = _staged(app)
    assert len(staged) == STAGED_MAX_PER_USER
    assert "新的.pdf" not in {a.original_name for a in staged}  # the oldest went first
