"""The checks on an uploaded file: content, size, name. No database, no app."""

from __future__ import annotations

import hashlib

import pytest

from app.attachments.storage import (
    JPEG,
    NAME_MAX_LEN,
    PDF,
    PNG,
    UploadEmpty,
    UploadTooLarge,
    UploadTypeError,
    clean_filename,
    receive,
)
from tests.attachments.files import jpeg_bytes, pdf_bytes, png_bytes, upload

BIG = 10 * 1024 * 1024


def _receive(tmp_path, data, name, max_bytes=BIG):
    return receive(upload(data, name), max_bytes=max_bytes, tmp_dir=tmp_path)


@pytest.mark.parametrize("make, name, kind", [
    (pdf_bytes, "改革方案.pdf", PDF),
    (png_bytes, "现场照片.png", PNG),
    (jpeg_bytes, "现场照片.jpg", JPEG),
    (jpeg_bytes, "photo.JPEG", JPEG),
])
def test_real_files_are_accepted(tmp_path, make, name, kind):
    data = make()
    got = _receive(tmp_path, data, name)
    assert got.kind is kind
    assert got.size == len(data)
    assert got.sha256 == hashlib.sha256(data).hexdigest()
    assert got.display_name == name
    assert got.tmp_path.read_bytes() == data
    assert got.tmp_path.parent == tmp_path


@pytest.mark.parametrize("data", [
    b"just some text, not a PDF\n" * 10,
    b"<!DOCTYPE html><html><script>alert(1)</script></html>",
    b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + b"\x00" * 100,  # zip / docx
    b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 100,  # Windows executable
    b"\x7fELF\x02\x01\x01" + b"\x00" * 100,
])
def test_renamed_files_are_refused(tmp_path, data):
    with pytest.raises(UploadTypeError) as exc:
        _receive(tmp_path, data, "x.pdf")
    assert "只接受 PDF、JPG、PNG 文件" in exc.value.message
    assert "“x.pdf” 的内容不是 PDF" in exc.value.message
    assert list(tmp_path.iterdir()) == []  # the temporary file is gone


def test_content_must_match_the_extension(tmp_path):
    with pytest.raises(UploadTypeError) as exc:
        _receive(tmp_path, png_bytes(), "x.pdf")
    assert "“x.pdf” 的内容不是 PDF" in str(exc.value)
    with pytest.raises(UploadTypeError):
        _receive(tmp_path, pdf_bytes(), "scan.jpg")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", ["x.docx", "x.html", "x.exe", "x.svg", "x.gif", "x.pdf.exe"])
def test_other_extensions_are_refused_before_reading(tmp_path, name):
    class Untouchable:
        filename = name

        def read(self, n=-1):  # pragma: no cover - must not be called
            raise AssertionError("read")

    with pytest.raises(UploadTypeError) as exc:
        receive(Untouchable(), max_bytes=BIG, tmp_dir=tmp_path)
    assert "只接受 PDF、JPG、PNG 文件" in exc.value.message


def test_a_name_without_extension_gets_the_detected_one(tmp_path):
    assert _receive(tmp_path, png_bytes(), "扫描件").display_name == "扫描件.png"
    assert _receive(tmp_path, pdf_bytes(), "").display_name == "附件.pdf"
    assert _receive(tmp_path, jpeg_bytes(), None).display_name == "附件.jpg"


def test_broken_or_forged_files_are_refused(tmp_path):
    pdf = pdf_bytes()
    with pytest.raises(UploadTypeError, match="不是完整的 PDF"):
        _receive(tmp_path, pdf[: len(pdf) // 2], "cut.pdf")  # no %%EOF trailer
    with pytest.raises(UploadTypeError, match="不是完整的 PDF"):
        _receive(tmp_path, b"%PDF-1.7\n<html>not really</html>\n", "fake.pdf")
    png = png_bytes()
    with pytest.raises(UploadTypeError, match="PNG"):
        _receive(tmp_path, png[:20] + b"\x00" * 50 + b"IEND", "fake.png")
    with pytest.raises(UploadTypeError, match="JPG"):
        _receive(tmp_path, b"\xff\xd8\xff\xe0" + b"<script>alert(1)</script>" * 5, "x.jpg")
    assert list(tmp_path.iterdir()) == []


def test_empty_file_is_refused(tmp_path):
    with pytest.raises(UploadEmpty, match="空文件"):
        _receive(tmp_path, b"", "x.pdf")
    with pytest.raises(UploadEmpty):
        receive(None, max_bytes=BIG, tmp_dir=tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_size_cap(tmp_path):
    data = pdf_bytes()
    accepted = _receive(tmp_path, data, "a.pdf", max_bytes=len(data))
    assert accepted.size == len(data)
    accepted.tmp_path.unlink()
    with pytest.raises(UploadTooLarge, match="上限"):
        _receive(tmp_path, data, "a.pdf", max_bytes=len(data) - 1)
    with pytest.raises(UploadTooLarge) as exc:
        _receive(tmp_path, b"%PDF-1.4\n" + b"0" * (2 * 1024 * 1024), "a.pdf",
                 max_bytes=1024 * 1024)
    assert exc.value.message == "文件超过 1 MB 上限"
    assert list(tmp_path.iterdir()) == []  # refused: nothing left behind


def test_reading_stops_once_the_cap_is_passed(tmp_path):
    class Endless:
        filename = "huge.pdf"
        read_bytes = 0

        def read(self, n=-1):
            n = 64 * 1024 if n is None or n < 0 else n
            self.read_bytes += n
            return b"%PDF-" + b"0" * (n - 5)

    stream = Endless()
    with pytest.raises(UploadTooLarge, match="文件超过 20 MB 上限"):
        receive(stream, max_bytes=20 * 1024 * 1024, tmp_dir=tmp_path)
    assert stream.read_bytes <= 20 * 1024 * 1024 + 64 * 1024
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("raw, clean", [
    ("../../etc/passwd.pdf", "passwd.pdf"),
    ("C:\\x\\a.pdf", "a.pdf"),
    ("C:a.pdf", "a.pdf"),
    ("/abs/path/报告.pdf", "报告.pdf"),
    ("..\\..\\windows\\win.ini.png", "win.ini.png"),
    ("a\x00b\r\n.pdf", "ab.pdf"),
    ("invoice\u202egpj.pdf", "invoicegpj.pdf"),  # right-to-left override dropped
    ("  .hidden.png  ", "hidden.png"),
    ("..", ""),
    ("", ""),
    (None, ""),
])
def test_clean_filename(raw, clean):
    assert clean_filename(raw) == clean


def test_long_names_are_cut_keeping_the_extension():
    name = clean_filename("很长" * 200 + ".pdf")
    assert len(name) == NAME_MAX_LEN
    assert name.endswith(".pdf")


def test_path_trick_keeps_only_the_display_name(tmp_path):
    got = _receive(tmp_path / "in", pdf_bytes(), "../../etc/passwd.pdf")
    assert got.display_name == "passwd.pdf"
    assert got.tmp_path.parent == tmp_path / "in"
    assert not (tmp_path / "etc").exists()
