"""One base class for errors a user is meant to read.

A :class:`UserError` carries a Chinese message and the HTTP status that goes
with it. The workflow engine, the REST APIs, the imports and the scoring
commands raise subclasses of it; views and APIs turn it into a page or a JSON
answer without guessing. Anything that is not a ``UserError`` is a bug and is
left to propagate (a 500 and a log entry), never swallowed.

This module imports nothing from Flask or the database, so the pure scoring
core may use it.
"""

from __future__ import annotations


class UserError(Exception):
    """An error whose ``message`` (Chinese) is shown to the user as it is."""

    status: int = 400

    def __init__(self, message: str, status: int | None = None, **details):
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status
        self.details = details

    def as_dict(self) -> dict:
        return {"message": self.message, **self.details}


class BadInput(UserError):
    """Input that cannot be accepted (422 in the REST API)."""

    status = 422


class NotFound(UserError):
    status = 404

    def __init__(self, message: str = "记录不存在或不在您的可见范围内", **details):
        super().__init__(message, **details)


class Forbidden(UserError):
    status = 403


class Conflict(UserError):
    status = 409
