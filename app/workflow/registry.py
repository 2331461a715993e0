"""The registered record types: ``record_type`` → model and its declaration.

A model registers itself by declaring ``__record__`` (an
:class:`app.kit.spec.RecordSpec`); :class:`app.workflow.models.WorkflowMixin`
does the registering when the class is created. This module knows no
concrete record type.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class RecordType:
    name: str  # e.g. "demand"
    model: type
    spec: object  # app.kit.spec.RecordSpec

    @property
    def label(self) -> str:
        return self.spec.label

    @property
    def chain(self):
        return self.spec.chain

    @property
    def date_field(self) -> str:
        return self.spec.date_field

    @property
    def view_name(self) -> str:
        return f"{self.model.__name__}ModelView"

    @property
    def api_name(self) -> str:
        return f"{self.model.__name__}Api"

    @property
    def view_endpoint(self) -> str:
        """The endpoint prefix of the record's pages, for links."""
        return self.view_name


_TYPES: dict[str, RecordType] = {}


def register(model) -> RecordType:
    """Register ``model`` under its declared name (idempotent); also tells
    the attachments registry, so that downloads can find the record."""
    spec = model.__record__
    known = _TYPES.get(spec.name)
    if known is not None and known.model is not model:
        raise ValueError(f"record type {spec.name!r} is already registered")
    rt = RecordType(name=spec.name, model=model, spec=spec)
    _TYPES[spec.name] = rt
    from app.attachments.registry import register_record_type

    register_record_type(spec.name, model)
    return rt


def get_type(name: str) -> RecordType | None:
    return _TYPES.get(name)


def get_record_model(record_type: str):
    """The model of ``record_type``, or None when it is not registered."""
    rt = _TYPES.get(record_type)
    return rt.model if rt else None


def all_types() -> list[RecordType]:
    """Every registered type, in menu order."""
    return sorted(_TYPES.values(), key=lambda rt: (rt.spec.order, rt.name))
