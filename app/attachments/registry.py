"""Which model stands behind each ``record_type`` an attachment may belong to.

The workflow engine registers its record types when its modules are imported::

    register_record_type("pilot", Pilot)

and the download view looks a record up with :func:`get_record` to apply the
scope rule (:func:`app.scope.can_see`) to it.
"""

from __future__ import annotations

_MODELS: dict[str, type] = {}

RECORD_TYPE_MAX_LEN = 40  # Attachment.record_type is String(40)


class UnknownRecordType(LookupError):
    """A record type nobody registered (a programming error, not bad input)."""


def register_record_type(record_type: str, model) -> None:
    """Make ``record_type`` stand for ``model``. Registering the same pair
    again is harmless; giving a type a different model is an error."""
    if not record_type or len(record_type) > RECORD_TYPE_MAX_LEN:
        raise ValueError(f"record_type must be 1..{RECORD_TYPE_MAX_LEN} characters: {record_type!r}")
    known = _MODELS.get(record_type)
    if known is not None and known is not model:
        raise ValueError(
            f"record_type {record_type!r} is already registered for {known.__name__}"
        )
    _MODELS[record_type] = model


def is_registered(record_type: str) -> bool:
    return record_type in _MODELS


def model_for(record_type: str):
    """The model registered for ``record_type``; raises UnknownRecordType."""
    try:
        return _MODELS[record_type]
    except KeyError:
        raise UnknownRecordType(f"record_type {record_type!r} is not registered") from None


def get_record(record_type: str, record_id: int | None, session=None):
    """The record, or None when the type is unknown, the id is None or no row has it."""
    model = _MODELS.get(record_type)
    if model is None or record_id is None:
        return None
    if session is None:
        from app.extensions import db

        session = db.session
    return session.get(model, record_id)
