"""Storing uploads: generated names inside UPLOAD_FOLDER, the row committed with
the record, and no file left behind when the row is not."""

from __future__ import annotations

import datetime
import hashlib
import os
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.attachments.models import Attachment
from app.attachments.registry import UnknownRecordType, get_record
from app.attachments.storage import (
    STORED_NAME_RE,
    UploadTooLarge,
    UploadTypeError,
    attach_to,
    attachments_for,
    discard_orphans,
    open_attachment,
    save_upload,
    unattached_uploads,
)
from app.extensions import db
from app.units.models import Unit
from tests.attachments.conftest import TEST_TYPE, stored_files, unit, user
from tests.attachments.files import jpeg_bytes, pdf_bytes, png_bytes, upload

WANZHOU_CLERK = "13900000011"
YUZHONG_CLERK = "13900000021"


def _count():
    return db.session.scalar(select(func.count(Attachment.id)))


@pytest.mark.parametrize("make, name, mimetype, ext", [
    (pdf_bytes, "改革方案.pdf", "application/pdf", "pdf"),
    (png_bytes, "照片.png", "image/png", "png"),
    (jpeg_bytes, "照片.jpeg", "image/jpeg", "jpg"),
])
def test_save_and_commit(ctx, make, name, mimetype, ext):
    data = make()
    clerk = user(YUZHONG_CLERK)
    record = unit("渝中区")
    att = save_upload(upload(data, name), TEST_TYPE, clerk, record.id)
    db.session.commit()

    att = db.session.get(Attachment, att.id)
    assert att.original_name == name
    assert att.content_type == mimetype
    assert att.size == len(data)
    assert att.sha256 == hashlib.sha256(data).hexdigest()
    assert att.uploaded_by_id == clerk.id
    assert (att.record_type, att.record_id) == (TEST_TYPE, record.id)
    now = datetime.datetime.now()
    assert STORED_NAME_RE.match(att.stored_name)
    assert att.stored_name.startswith(f"{now:%Y}/{now:%m}/")
    assert att.stored_name.endswith("." + ext)
    path = open_attachment(att)
    assert path.read_bytes() == data
    assert path.is_relative_to(Path(ctx.config["UPLOAD_FOLDER"]).resolve())
    assert stored_files(ctx) == [att.stored_name]
    assert attachments_for(TEST_TYPE, record.id) == [att]
    assert get_record(att.record_type, att.record_id) == record


def test_path_trick_in_the_name_is_stored_under_a_generated_name(ctx, tmp_path):
    att = save_upload(upload(pdf_bytes(), "../../etc/passwd.pdf"), TEST_TYPE,
                      user(YUZHONG_CLERK))
    db.session.commit()
    assert att.original_name == "passwd.pdf"
    assert "passwd" not in att.stored_name
    root = Path(ctx.config["UPLOAD_FOLDER"]).resolve()
    assert open_attachment(att).is_relative_to(root)
    assert stored_files(ctx) == [att.stored_name]
    assert not (tmp_path / "etc").exists()


def test_refused_upload_leaves_nothing(ctx, monkeypatch):
    monkeypatch.setitem(ctx.config, "MAX_UPLOAD_MB", 1)
    big = b"%PDF-1.4\n" + b"0" * (1024 * 1024) + b"\n%%EOF\n"
    with pytest.raises(UploadTooLarge, match="文件超过 1 MB 上限"):
        save_upload(upload(big, "big.pdf"), TEST_TYPE, user(YUZHONG_CLERK))
    with pytest.raises(UploadTypeError, match="“x.pdf” 的内容不是 PDF"):
        save_upload(upload(b"<html></html>", "x.pdf"), TEST_TYPE, user(YUZHONG_CLERK))
    db.session.commit()
    assert _count() == 0
    assert stored_files(ctx) == []


def test_unknown_record_type_is_a_programming_error(ctx):
    with pytest.raises(UnknownRecordType):
        save_upload(upload(pdf_bytes(), "a.pdf"), "no_such_type", user(YUZHONG_CLERK))
    assert stored_files(ctx) == []


def test_rollback_leaves_no_file(ctx):
    save_upload(upload(pdf_bytes(), "a.pdf"), TEST_TYPE, user(YUZHONG_CLERK))
    assert len(stored_files(ctx)) == 1  # written before the commit ...
    db.session.rollback()
    assert stored_files(ctx) == []  # ... and removed with the row
    assert _count() == 0


def test_failed_record_save_leaves_no_row_and_no_file(ctx):
    """The caller saves its record and the upload together; the record fails."""
    clerk = user(YUZHONG_CLERK)
    existing = unit("渝中区")
    save_upload(upload(png_bytes(), "p.png"), TEST_TYPE, clerk)
    db.session.add(Unit(code=existing.code, name="重复代码", kind=existing.kind, path=""))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    assert _count() == 0
    assert stored_files(ctx) == []


def test_session_closed_without_commit_leaves_no_file(ctx):
    save_upload(upload(pdf_bytes(), "a.pdf"), TEST_TYPE, user(YUZHONG_CLERK))
    db.session.remove()  # end of a request that never committed
    assert stored_files(ctx) == []
    assert _count() == 0


def test_rolled_back_savepoint_leaves_no_file(ctx):
    clerk = user(YUZHONG_CLERK)
    kept = save_upload(upload(pdf_bytes(), "kept.pdf"), TEST_TYPE, clerk)
    sp = db.session.begin_nested()
    save_upload(upload(png_bytes(), "dropped.png"), TEST_TYPE, clerk)
    db.session.flush()
    sp.rollback()
    db.session.commit()
    assert stored_files(ctx) == [kept.stored_name]
    assert [a.original_name for a in db.session.scalars(select(Attachment))] == ["kept.pdf"]


def test_upload_before_the_record_then_attach(ctx):
    clerk, other = user(YUZHONG_CLERK), user(WANZHOU_CLERK)
    a = save_upload(upload(pdf_bytes(), "a.pdf"), TEST_TYPE, clerk)
    b = save_upload(upload(png_bytes(), "b.png"), TEST_TYPE, other)
    db.session.commit()
    # a form posts ids: only the user's own unlinked uploads are taken
    mine = unattached_uploads(clerk, TEST_TYPE, [a.id, b.id, 999999])
    assert mine == [a]
    assert unattached_uploads(clerk, "other_type", [a.id]) == []
    record = unit("渝中区")
    attach_to(mine, record.id, TEST_TYPE)
    db.session.commit()
    assert attachments_for(TEST_TYPE, record.id) == [a]
    assert unattached_uploads(clerk, TEST_TYPE, [a.id]) == []
    with pytest.raises(ValueError):
        attach_to([a], record.id + 1)
    with pytest.raises(ValueError):
        attach_to([b], record.id, "other_type")


def test_open_attachment_stays_inside_the_upload_folder(ctx):
    att = save_upload(upload(pdf_bytes(), "a.pdf"), TEST_TYPE, user(YUZHONG_CLERK))
    db.session.commit()
    for bad in ("../../../etc/passwd", "/etc/passwd", "2026/01/../../x.pdf",
                "2026/01/" + "a" * 32 + ".exe"):
        att.stored_name = bad
        with pytest.raises(ValueError):
            open_attachment(att)
    db.session.rollback()
    att = db.session.get(Attachment, att.id)
    os.unlink(open_attachment(att))
    with pytest.raises(FileNotFoundError):
        open_attachment(att)


def test_discard_orphans(ctx):
    att = save_upload(upload(pdf_bytes(), "a.pdf"), TEST_TYPE, user(YUZHONG_CLERK))
    db.session.commit()
    root = Path(ctx.config["UPLOAD_FOLDER"])
    old = time.time() - 7 * 3600
    orphan = root / "2020" / "01" / ("ab" * 16 + ".pdf")
    part = root / "2020" / "01" / ".0123.part"
    young = root / "2020" / "01" / ("cd" * 16 + ".png")
    other = root / "2020" / "01" / "README"
    for p in (orphan, part, young, other):
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(b"x")
    for p in (orphan, part, other, open_attachment(att)):
        os.utime(p, (old, old))
    removed = discard_orphans(older_than=datetime.timedelta(hours=6))
    assert sorted(removed) == ["2020/01/.0123.part", orphan.relative_to(root).as_posix()]
    assert open_attachment(att).exists()
    assert young.exists() and other.exists()
