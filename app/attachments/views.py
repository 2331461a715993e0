"""Downloading evidence files: only for users who may see the record (SPEC §5).

``GET /attachments/<id>`` sends the file as a download under its original
name. Whoever may not see the record gets 404, the same as for an id that does
not exist, so the answer does not reveal that the file is there. A file not yet
linked to a record (its record is still being filled in) is for its uploader
only.
"""

from __future__ import annotations

import logging

from flask import abort, g, send_file
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access

from app.attachments.models import Attachment
from app.attachments.registry import get_record
from app.attachments.storage import open_attachment
from app.extensions import db
from app.scope import can_see
from app.security.roles import (
    ROLE_CLERK,
    ROLE_LEADER,
    ROLE_REFORM_OFFICE,
    ROLE_REVIEWER,
    grant,
)

log = logging.getLogger(__name__)

for _role in (ROLE_CLERK, ROLE_REVIEWER, ROLE_LEADER, ROLE_REFORM_OFFICE):
    grant(_role, (r"AttachmentView", r"can_download"))


def may_download(user, att: Attachment) -> bool:
    """Whether ``user`` may have the file of ``att``."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if att.record_id is None:
        return att.uploaded_by_id == user.id
    return can_see(user, get_record(att.record_type, att.record_id))


# Kinds shown in the browser by 预览; anything else is sent as a download.
PREVIEWABLE = {"application/pdf", "image/jpeg", "image/png"}
DOWNLOAD_CSP = "default-src 'none'; sandbox"
# The preview is a document of its own (a new tab): it may show itself and
# nothing else. Chromium's PDF viewer is a plugin, which a sandboxed document
# may not run, so a PDF gets object-src 'self' instead of sandbox; an image
# needs no plugin and keeps the sandbox.
PREVIEW_CSP = {
    "application/pdf": "default-src 'none'; object-src 'self'; style-src 'unsafe-inline'; "
                       "base-uri 'none'; form-action 'none'",
    "image/jpeg": "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox",
    "image/png": "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox",
}


def can_preview(att: Attachment) -> bool:
    return att.content_type in PREVIEWABLE


class AttachmentView(BaseView):
    route_base = "/attachments"
    default_view = "download"
    method_permission_name = {"download": "download", "preview": "download"}

    def _send(self, id: int, inline: bool):
        """The file of attachment ``id`` for those who may see its record
        (404 for everybody else, as for an id that does not exist)."""
        att = db.session.get(Attachment, id)
        if att is None or not may_download(g.user, att):
            abort(404)
        try:
            path = open_attachment(att)
        except (FileNotFoundError, ValueError):
            log.error("attachment %s: stored file %r is missing or invalid", att.id,
                      att.stored_name)
            abort(404)
        inline = inline and can_preview(att)
        resp = send_file(
            path,
            mimetype=att.content_type,
            as_attachment=not inline,
            download_name=att.original_name,
            conditional=True,
            etag=att.sha256,
            max_age=0,
        )
        if inline:  # send_file says attachment only when asked: name the file all the same
            resp.headers["Content-Disposition"] = resp.headers.get(
                "Content-Disposition", "").replace("attachment", "inline", 1) or "inline"
        resp.headers["X-Content-Type-Options"] = "nosniff"
        resp.headers["Content-Security-Policy"] = (PREVIEW_CSP[att.content_type] if inline
                                                   else DOWNLOAD_CSP)
        resp.headers["Cache-Control"] = "private, no-cache"
        return resp

    @expose("/<int:id>")
    @has_access
    def download(self, id: int):
        return self._send(id, inline=False)

    @expose("/<int:id>/preview")
    @has_access
    def preview(self, id: int):
        """PDFs and images shown in the browser (Content-Disposition inline);
        other kinds are downloaded. The same scope as the download."""
        return self._send(id, inline=True)
