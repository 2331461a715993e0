"""Small real files made in the test (no fixtures on disk)."""

from __future__ import annotations

import io

from werkzeug.datastructures import FileStorage


def pdf_bytes(text: str = "佐证材料") -> bytes:
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.drawString(72, 720, text.encode("ascii", "replace").decode())
    c.showPage()
    c.save()
    return buf.getvalue()


def _image(fmt: str) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (8, 6), (200, 30, 30)).save(buf, format=fmt)
    return buf.getvalue()


def png_bytes() -> bytes:
    return _image("PNG")


def jpeg_bytes() -> bytes:
    return _image("JPEG")


def upload(data: bytes, filename: str | None) -> FileStorage:
    return FileStorage(stream=io.BytesIO(data), filename=filename)
