"""Receiving, checking and storing evidence files (SPEC §5).

* Only PDF, JPEG and PNG are accepted, judged by the content (signature, PDF
  trailer, and for images a check by Pillow when it is installed), never by
  the name or the browser's content type. The name's extension, if it has one,
  must agree with the content.
* The stream is read with a hard cap (``MAX_UPLOAD_MB``, 20 MB by default):
  reading stops as soon as the cap is passed.
* Bytes are stored under ``UPLOAD_FOLDER/<yyyy>/<mm>/<uuid4 hex>.<ext>``
  (a temporary file first, then ``os.replace``); the user's file name is kept
  only as a cleaned display name in the table.
* :func:`save_upload` adds the ``Attachment`` row to the session but does not
  commit: the caller commits it with its record. The file follows the row:
  if the transaction is rolled back (or the session closed without a commit),
  or the row is otherwise not in the database after the commit (a rolled-back
  savepoint, an expunge, a delete), the file is removed. A crash between
  writing the file and the commit can still leave a file without a row;
  :func:`discard_orphans` sweeps those (run it from cron or a CLI command).

Errors the user should see are :class:`UploadError` (a ``ValueError``) with a
Chinese message in ``str(exc)`` / ``exc.message``.
"""

from __future__ import annotations

import datetime
import hashlib
import os
import re
import time
import unicodedata
import uuid
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session

from app.attachments.models import Attachment
from app.errors import UserError
from app.attachments.registry import model_for

# ---------------------------------------------------------------------------
# errors

ALLOWED_TEXT = "只接受 PDF、JPG、PNG 文件"


class UploadError(UserError, ValueError):
    """An upload that is refused; ``message`` is for the user (Chinese)."""

    status = 422

    def __init__(self, message: str):
        super().__init__(message)


class UploadTypeError(UploadError):
    """Not a PDF/JPEG/PNG, or the content does not match the name."""


class UploadTooLarge(UploadError):
    """More bytes than ``MAX_UPLOAD_MB``."""

    status = 413


class UploadEmpty(UploadError):
    """No file, or a file of zero bytes."""


# ---------------------------------------------------------------------------
# kinds of file

@dataclass(frozen=True)
class Kind:
    ext: str  # stored extension
    mimetype: str
    label: str  # for messages
    name_exts: tuple[str, ...]  # extensions a user's file name may have


PDF = Kind("pdf", "application/pdf", "PDF", (".pdf",))
JPEG = Kind("jpg", "image/jpeg", "JPG", (".jpg", ".jpeg", ".jpe"))
PNG = Kind("png", "image/png", "PNG", (".png",))
KINDS = (PDF, JPEG, PNG)
KIND_BY_NAME_EXT = {e: k for k in KINDS for e in k.name_exts}
KIND_BY_MIMETYPE = {k.mimetype: k for k in KINDS}

HEAD_BYTES = 16
TAIL_BYTES = 1024  # %%EOF must be within the last 1024 bytes (as readers require)
CHUNK = 64 * 1024
NAME_MAX_LEN = 120  # characters of the display name (column allows 255)

STORED_NAME_RE = re.compile(r"\A\d{4}/\d{2}/[0-9a-f]{32}\.(pdf|jpg|png)\Z")
PART_SUFFIX = ".part"


def detect_kind(head: bytes, tail: bytes) -> Kind | None:
    """The kind of file from its first and last bytes, or None."""
    if head.startswith(b"%PDF-"):
        return PDF if b"%%EOF" in tail else None
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG if b"IEND" in tail else None
    return None


def _looks_like(head: bytes) -> Kind | None:
    """The kind the signature claims, without the trailer check (for messages)."""
    for kind, sig in ((PDF, b"%PDF-"), (JPEG, b"\xff\xd8\xff"), (PNG, b"\x89PNG\r\n\x1a\n")):
        if head.startswith(sig):
            return kind
    return None


def _image_ok(path: Path, kind: Kind) -> bool:
    """Pillow's structural check of an image (True when Pillow is not installed)."""
    try:
        from PIL import Image
    except ImportError:  # pragma: no cover - Pillow comes with reportlab
        return True
    expected = {"jpg": "JPEG", "png": "PNG"}[kind.ext]
    try:
        with Image.open(path) as img:
            if img.format != expected:
                return False
            img.verify()
    except Exception:  # broken file, decompression bomb, truncated data ...
        return False
    return True


# ---------------------------------------------------------------------------
# names

_DRIVE_RE = re.compile(r"\A[A-Za-z]:")
# Cc: control characters; Cf: format characters such as U+202E (right-to-left
# override, used to disguise extensions); Zl/Zp: line and paragraph separators;
# Cs/Co/Cn: surrogates, private use, unassigned
_DROP_CATEGORIES = {"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"}


def clean_filename(name: str | None) -> str:
    """A display name: last path part only, no control or format characters,
    no leading dots or surrounding spaces, at most NAME_MAX_LEN characters
    (keeping the extension). May return "" when nothing is left."""
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/")
    name = name.rsplit("/", 1)[-1]
    name = _DRIVE_RE.sub("", name)
    name = "".join(ch for ch in name if unicodedata.category(ch) not in _DROP_CATEGORIES)
    name = re.sub(r"\s+", " ", name).strip().lstrip(".").strip()
    if len(name) > NAME_MAX_LEN:
        stem, dot, ext = name.rpartition(".")
        if dot and 0 < len(ext) <= 10:
            name = stem[: NAME_MAX_LEN - len(ext) - 1].rstrip() + "." + ext
        else:
            name = name[:NAME_MAX_LEN]
    return name


def _name_ext(name: str) -> str:
    stem, dot, ext = name.rpartition(".")
    return ("." + ext.lower()) if dot and stem else ""


# ---------------------------------------------------------------------------
# receiving the bytes (no database)

@dataclass
class Received:
    """A checked file written to ``tmp_path`` (not yet at its final place)."""

    tmp_path: Path
    kind: Kind
    size: int
    sha256: str
    display_name: str


def max_upload_bytes() -> int:
    return int(current_app.config.get("MAX_UPLOAD_MB", 20)) * 1024 * 1024


def _too_large_message(max_bytes: int) -> str:
    mib = 1024 * 1024
    limit = f"{max_bytes // mib} MB" if max_bytes % mib == 0 else f"{max_bytes // 1024} KB"
    return f"文件超过 {limit} 上限"


def receive(file_storage, *, max_bytes: int, tmp_dir: Path | str) -> Received:
    """Read ``file_storage`` (a werkzeug FileStorage, or any object with
    ``read``/``filename``) into a temporary file in ``tmp_dir`` and check it.
    On any refusal the temporary file is removed and UploadError raised."""
    if file_storage is None:
        raise UploadEmpty("请选择要上传的文件")
    raw_name = getattr(file_storage, "filename", None) or ""
    display = clean_filename(raw_name)
    shown = display or "（未命名）"
    name_ext = _name_ext(display)
    claimed = KIND_BY_NAME_EXT.get(name_ext) if name_ext else None
    if name_ext and claimed is None:
        raise UploadTypeError(f"{ALLOWED_TEXT}；“{shown}” 不是这几种文件")

    stream = getattr(file_storage, "stream", file_storage)
    tmp_dir = Path(tmp_dir)
    tmp_dir.mkdir(parents=True, exist_ok=True)
    tmp_path = tmp_dir / f".{uuid.uuid4().hex}{PART_SUFFIX}"
    digest = hashlib.sha256()
    size = 0
    head = b""
    tail = b""
    ok = False
    try:
        fd = os.open(tmp_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            while True:
                chunk = stream.read(CHUNK)
                if not chunk:
                    break
                size += len(chunk)
                if size > max_bytes:
                    raise UploadTooLarge(_too_large_message(max_bytes))
                if len(head) < HEAD_BYTES:
                    head = (head + chunk)[:HEAD_BYTES]
                tail = (tail + chunk)[-TAIL_BYTES:]
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        if size == 0:
            raise UploadEmpty(f"“{shown}” 是空文件")
        kind = detect_kind(head, tail)
        if kind is None:
            looks = _looks_like(head)
            if looks is not None:  # right signature, missing trailer: cut off or forged
                raise UploadTypeError(f"“{shown}” 不是完整的 {looks.label} 文件（可能已损坏）")
            if claimed is not None:
                raise UploadTypeError(f"{ALLOWED_TEXT}；“{shown}” 的内容不是 {claimed.label}")
            raise UploadTypeError(f"{ALLOWED_TEXT}；“{shown}” 的内容不是这几种文件")
        if claimed is not None and claimed is not kind:
            raise UploadTypeError(
                f"“{shown}” 的内容不是 {claimed.label}（实际是 {kind.label}），请改正扩展名后再上传"
            )
        if kind is not PDF and not _image_ok(tmp_path, kind):
            raise UploadTypeError(f"“{shown}” 不是完整的 {kind.label} 图片（可能已损坏）")
        if not display:
            display = f"附件.{kind.ext}"
        elif not name_ext:
            display = clean_filename(f"{display}.{kind.ext}")
        ok = True
        return Received(tmp_path, kind, size, digest.hexdigest(), display)
    finally:
        if not ok:
            _unlink(tmp_path)


def _unlink(path: Path) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


# ---------------------------------------------------------------------------
# storing, with the file following its row

def upload_root() -> Path:
    return Path(current_app.config["UPLOAD_FOLDER"]).resolve()


_PENDING_KEY = "attachments.pending_files"


def _pending(session) -> list:
    return session.info.setdefault(_PENDING_KEY, [])


def _default_session():
    from app.extensions import db

    return db.session


def save_upload(file_storage, record_type: str, user, record_id: int | None = None,
                session=None) -> Attachment:
    """Check and store an uploaded file; add its Attachment row to the session
    (not committed). Raises UploadError (Chinese message) for a refused file."""
    model_for(record_type)  # unknown type: programming error, raise before reading
    if user is None or getattr(user, "id", None) is None:
        raise ValueError("save_upload needs a saved user")
    session = session if session is not None else _default_session()
    root = upload_root()
    now = datetime.datetime.now()
    sub = root / f"{now:%Y}" / f"{now:%m}"
    received = receive(file_storage, max_bytes=max_upload_bytes(), tmp_dir=sub)
    stored_name = f"{now:%Y}/{now:%m}/{uuid.uuid4().hex}.{received.kind.ext}"
    final = root / stored_name
    try:
        os.replace(received.tmp_path, final)
    except BaseException:
        _unlink(received.tmp_path)
        raise
    att = Attachment(
        record_type=record_type,
        record_id=record_id,
        original_name=received.display_name,
        stored_name=stored_name,
        content_type=received.kind.mimetype,
        size=received.size,
        sha256=received.sha256,
        uploaded_by_id=user.id,
        uploaded_on=now,
    )
    try:
        session.add(att)
    except BaseException:
        _unlink(final)
        raise
    _pending(session).append((att, final))
    return att


@event.listens_for(Session, "after_commit")
def _keep_committed_files(session) -> None:
    pending = session.info.pop(_PENDING_KEY, None)
    if not pending:
        return
    for att, path in pending:
        if not inspect(att).persistent:  # rolled-back savepoint, expunged or deleted
            _unlink(path)


@event.listens_for(Session, "after_transaction_end")
def _drop_uncommitted_files(session, transaction) -> None:
    if transaction.parent is not None:
        return  # a savepoint: the outer transaction decides
    pending = session.info.pop(_PENDING_KEY, None)
    for _att, path in pending or ():
        _unlink(path)


# ---------------------------------------------------------------------------
# using attachments

def attach_to(attachments, record_id: int, record_type: str | None = None) -> None:
    """Link uploads made before their record was saved to the record.
    Attachments already linked to another record (or of another type, when
    ``record_type`` is given) are refused with ValueError."""
    if record_id is None:
        raise ValueError("attach_to needs the saved record's id")
    for att in attachments:
        if record_type is not None and att.record_type != record_type:
            raise ValueError(f"attachment {att.id} belongs to {att.record_type!r}")
        if att.record_id is not None and att.record_id != record_id:
            raise ValueError(f"attachment {att.id} already belongs to record {att.record_id}")
        att.record_id = record_id


def unattached_uploads(user, record_type: str, ids, session=None) -> list[Attachment]:
    """Of ``ids`` (e.g. from a form), the attachments this user uploaded for
    ``record_type`` that are not linked to a record yet; others are ignored,
    so that nobody can claim someone else's file."""
    ids = [int(i) for i in ids or ()]
    if not ids or user is None or getattr(user, "id", None) is None:
        return []
    session = session if session is not None else _default_session()
    return list(session.scalars(
        select(Attachment)
        .where(Attachment.id.in_(ids), Attachment.record_type == record_type,
               Attachment.record_id.is_(None), Attachment.uploaded_by_id == user.id)
        .order_by(Attachment.id)
    ))


def attachments_for(record_type: str, record_id: int, session=None) -> list[Attachment]:
    """The attachments of one record, oldest first."""
    session = session if session is not None else _default_session()
    return list(session.scalars(
        select(Attachment)
        .where(Attachment.record_type == record_type, Attachment.record_id == record_id)
        .order_by(Attachment.uploaded_on, Attachment.id)
    ))


def open_attachment(att: Attachment) -> Path:
    """The path of the stored file; raises FileNotFoundError if it is missing
    and ValueError if the stored name would lead outside UPLOAD_FOLDER."""
    stored = att.stored_name or ""
    if not STORED_NAME_RE.match(stored):
        raise ValueError(f"unexpected stored name {stored!r}")
    root = upload_root()
    path = (root / stored).resolve()
    if not path.is_relative_to(root):
        raise ValueError(f"stored name {stored!r} leads outside the upload folder")
    if not path.is_file():
        raise FileNotFoundError(str(path))
    return path


def discard_orphans(older_than: datetime.timedelta = datetime.timedelta(hours=6),
                    session=None) -> list[str]:
    """Remove stored files that have no Attachment row, and temporary files,
    older than ``older_than`` (younger ones may belong to uploads still in
    progress in another worker). Returns the removed paths relative to
    UPLOAD_FOLDER."""
    session = session if session is not None else _default_session()
    root = upload_root()
    if not root.is_dir():
        return []
    cutoff = time.time() - older_than.total_seconds()
    candidates: dict[str, Path] = {}
    stale_parts: list[Path] = []
    for path in root.glob("[0-9][0-9][0-9][0-9]/[0-9][0-9]/*"):
        if not path.is_file() or path.is_symlink():
            continue
        try:
            if path.stat().st_mtime > cutoff:
                continue
        except FileNotFoundError:
            continue
        rel = path.relative_to(root).as_posix()
        if path.name.endswith(PART_SUFFIX):
            stale_parts.append(path)
        elif STORED_NAME_RE.match(rel):
            candidates[rel] = path
    known: set[str] = set()
    names = list(candidates)
    for i in range(0, len(names), 500):
        known.update(session.scalars(
            select(Attachment.stored_name).where(Attachment.stored_name.in_(names[i:i + 500]))
        ))
    removed = []
    for rel, path in sorted(candidates.items()):
        if rel not in known:
            _unlink(path)
            removed.append(rel)
    for path in stale_parts:
        _unlink(path)
        removed.append(path.relative_to(root).as_posix())
    return removed


# ---------------------------------------------------------------------------
# staged files: kept from a refused form until the record is saved

STAGED_TTL = datetime.timedelta(hours=24)
STAGED_MAX_PER_USER = 10  # the oldest go first when a user stages more


def _delete_rows_and_files(atts, session) -> None:
    """Delete attachment rows (committed) and then their files."""
    paths = []
    for att in atts:
        try:
            paths.append(open_attachment(att))
        except (FileNotFoundError, ValueError):
            pass
        session.delete(att)
    session.commit()
    for path in paths:
        _unlink(path)


def discard_expired_staged(older_than: datetime.timedelta = STAGED_TTL, session=None,
                           limit: int = 200) -> int:
    """Remove staged files (no record, not removed) older than ``older_than``."""
    session = session if session is not None else _default_session()
    cutoff = datetime.datetime.now() - older_than
    old = list(session.scalars(
        select(Attachment).where(Attachment.record_id.is_(None),
                                 Attachment.removed_on.is_(None),
                                 Attachment.uploaded_on < cutoff)
        .order_by(Attachment.id).limit(limit)))
    if old:
        _delete_rows_and_files(old, session)
    return len(old)


def stage_upload(file_storage, record_type: str, user, session=None) -> Attachment:
    """Keep the file a user chose in a form that was refused: checked and
    stored like any upload, linked to no record, owned by ``user``, kept for
    ``STAGED_TTL`` (at most ``STAGED_MAX_PER_USER`` per user). Committed.
    Raises UploadError when the file itself is refused."""
    session = session if session is not None else _default_session()
    discard_expired_staged(session=session)
    att = save_upload(file_storage, record_type, user, record_id=None, session=session)
    session.commit()
    mine = list(session.scalars(
        select(Attachment).where(Attachment.record_id.is_(None),
                                 Attachment.removed_on.is_(None),
                                 Attachment.uploaded_by_id == user.id)
        .order_by(Attachment.id.desc()).offset(STAGED_MAX_PER_USER)))
    if mine:
        _delete_rows_and_files(mine, session)
    return att


def staged_uploads(user, record_type: str, ids, session=None) -> list[Attachment]:
    """Of ``ids`` (from a form), the staged files that are this user's, for
    this record type, not expired; anything else is ignored."""
    ids = [i for i in (str(x).strip() for x in ids or ()) if i.isdigit() and len(i) < 10]
    cutoff = datetime.datetime.now() - STAGED_TTL
    return [a for a in unattached_uploads(user, record_type, ids, session)
            if a.removed_on is None and a.uploaded_on >= cutoff]


def drop_staged(atts, session=None) -> None:
    """Delete staged files the user no longer wants (rows and files)."""
    atts = [a for a in atts if a.record_id is None]
    if atts:
        _delete_rows_and_files(atts, session if session is not None else _default_session())
