"""The registered record types: ``record_type`` → model, chain, labels, views."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class RecordType:
    name: str  # e.g. "demand"
    model: type
    label: str  # e.g. 改革需求
    view_endpoint: str | None = None  # the ModelView's class name, for links

    @property
    def chain(self):
        return self.model.__chain__

    @property
    def date_field(self) -> str:
        return self.model.__date_field__


_TYPES: dict[str, RecordType] = {}


def register(model, label: str, view_endpoint: str | None = None) -> RecordType:
    """Register ``model`` under ``model.__record_type__`` (idempotent); also
    tells the attachments registry, so that downloads can find the record."""
    name = model.__record_type__
    known = _TYPES.get(name)
    if known is not None and known.model is not model:
        raise ValueError(f"record type {name!r} is already registered")
    rt = RecordType(name=name, model=model, label=label, view_endpoint=view_endpoint)
    _TYPES[name] = rt
    try:
        from app.attachments.registry import register_record_type
    except ImportError:  # pragma: no cover - attachments not installed
        pass
    else:
        register_record_type(name, model)
    return rt


def set_view(name: str, view_endpoint: str) -> None:
    _TYPES[name].view_endpoint = view_endpoint


def get_type(name: str) -> RecordType | None:
    return _TYPES.get(name)


def get_record_model(record_type: str):
    """The model of ``record_type``, or None when it is not registered."""
    rt = _TYPES.get(record_type)
    return rt.model if rt else None


def all_types() -> list[RecordType]:
    return list(_TYPES.values())
