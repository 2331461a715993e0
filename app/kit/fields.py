"""What the kit reads off a model: its fields, their kinds, labels and rules.

One :class:`FieldInfo` per field a user fills in or sees; the web form, the REST
schemas and the Excel export are all built from these.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from sqlalchemy import Boolean, Date, DateTime, Float, Integer, Numeric, String, Text
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import RelationshipProperty

# Labels of the columns every workflow record has (WorkflowMixin).
WORKFLOW_LABELS = {
    "id": "编号",
    "unit": "填报单位",
    "unit_name": "填报单位",
    "filed_by": "填报人",
    "state": "状态",
    "state_label": "状态",
    "version": "版本",
    "created_on": "填报时间",
    "changed_on": "修改时间",
    "submitted_on": "提交时间",
    "approved_on": "通过时间",
}

# Server-owned: never taken from a client or a form.
SERVER_FIELDS = frozenset({
    "id", "unit", "unit_id", "filed_by", "filed_by_id", "submitted_by_id", "state", "version",
    "created_on", "changed_on", "submitted_on", "approved_on",
})


@dataclass(frozen=True)
class FieldInfo:
    name: str
    label: str
    kind: str  # string, text, int, float, bool, date, datetime, relation
    required: bool
    max_length: int | None = None
    choices: tuple = ()
    related: type | None = None  # the related model of a relation
    depends_on: str | None = None
    description: str = ""
    max_chars: int | None = None
    choice_labels: dict | None = None  # value → text shown, when they differ
    many: bool = False  # a many-to-many relation (a list of ids)
    where: object = None  # callable → SQL clause limiting the related rows

    @property
    def column(self) -> str:
        """The attribute that holds the value (``domain_id`` for ``domain``)."""
        return f"{self.name}_id" if self.kind == "relation" else self.name

    def allowed(self, stmt, user):
        """``stmt`` (a SELECT of the related model) limited to the rows this
        user may choose: the scope rule for unit-owned rows, and ``where``."""
        from app.scope import scope_clause, scope_for

        related = self.related
        if hasattr(related, "unit_id") or hasattr(related, "scope_clause"):
            stmt = stmt.where(scope_clause(related, scope_for(user)))
        if self.where is not None:
            stmt = stmt.where(self.where())
        return stmt


def _kind(coltype) -> str:
    if isinstance(coltype, Boolean):
        return "bool"
    if isinstance(coltype, DateTime):
        return "datetime"
    if isinstance(coltype, Date):
        return "date"
    if isinstance(coltype, Integer):
        return "int"
    if isinstance(coltype, (Float, Numeric)):
        return "float"
    if isinstance(coltype, Text):
        return "text"
    if isinstance(coltype, String):
        return "string"
    raise TypeError(f"the kit does not know columns of type {coltype!r}")


def field_info(model, name: str) -> FieldInfo:
    mapper = sa_inspect(model)
    if name in mapper.relationships:
        rel: RelationshipProperty = mapper.relationships[name]
        info = rel.info
        many = bool(rel.uselist)
        required = bool(info.get("required")) if many else not next(
            iter(rel.local_columns)).nullable
        return FieldInfo(
            name=name, label=info.get("label", name), kind="relation",
            required=required, related=rel.mapper.class_, many=many, where=info.get("where"),
            depends_on=info.get("depends_on"), description=info.get("description", ""),
        )
    column = mapper.columns[name]
    info = column.info
    kind = _kind(column.type)
    if info.get("widget") == "textarea":
        kind = "text"
    has_default = column.default is not None or column.server_default is not None
    return FieldInfo(
        name=name, label=info.get("label", name), kind=kind,
        required=not column.nullable and not (has_default and kind == "text"),
        max_length=getattr(column.type, "length", None), choices=tuple(info.get("choices", ())),
        description=info.get("description", ""), max_chars=info.get("max_chars"),
        choice_labels=info.get("choice_labels"), depends_on=info.get("depends_on"),
    )


def labels(model) -> dict[str, str]:
    """label_columns for FAB: the workflow columns, then every labelled field."""
    out = dict(WORKFLOW_LABELS)
    mapper = sa_inspect(model)
    for column in mapper.columns:
        if "label" in column.info:
            out[column.key] = column.info["label"]
    for rel in mapper.relationships:
        if "label" in rel.info:
            out[rel.key] = rel.info["label"]
    for attr in dir(model):  # properties shown in lists: label_of = "…"
        prop = getattr(model, attr, None)
        if isinstance(prop, property) and getattr(prop.fget, "label", None):
            out[attr] = prop.fget.label
    return out


def labelled(text: str):
    """Give a model property a Chinese label for lists and pages::

        @property
        @labelled("评价细则")
        def criterion_label(self): ...
    """

    def deco(fn):
        fn.label = text
        return fn

    return deco


def display(value) -> str:
    """A value as a user reads it: no ``None``, ``True`` or microseconds."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, datetime.date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, (list, tuple, set)):
        return "、".join(display(v) for v in value)
    return str(value)
