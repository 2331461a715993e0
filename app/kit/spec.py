"""The declaration of a record type, kept next to its model.

A model declares its fields with their Chinese labels in the column's
``info`` (``Column(String(200), info={"label": "需求标题"})``; a relationship
likewise: ``relationship("ReformDomain", info={"label": "领域"})``) and the rest
in one ``RecordSpec``::

    class Demand(WorkflowMixin, Model):
        __record__ = RecordSpec(
            name="demand", label="改革需求", chain=Chain(...),
            menu=Menu("改革需求管理", "fa-lightbulb-o"),
            title_field="title", date_field="created_on",
            list_columns=("title", "channel", "domain", "track"),
            search_columns=("title", "channel", "domain", "track"),
        )

Everything else — the web views, the REST API, the menu entry, the role
permissions, the Excel export, the attachments panel, the history timeline and
the 待办 entry — is derived from that by :mod:`app.kit`.

Column ``info`` keys understood by the kit:

``label``        the Chinese name (required for every field a user sees)
``description``  help text under the form field
``choices``      a tuple of allowed values (a select in forms, an enum in the API)
``depends_on``   for a relationship: the field whose choice limits this one
                 (``track`` depends on ``domain``); the model's ``clean`` refuses
                 a mismatch, the form narrows the list
``widget``       ``"textarea"`` for long text
``max_chars``    a soft length shown with a live count (the column's length is the hard cap)
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Menu:
    category: str  # the menu group, e.g. 改革需求管理
    icon: str = "fa-file-text-o"
    category_icon: str = ""


@dataclass(frozen=True)
class RecordSpec:
    name: str  # the record type, e.g. "demand": REST resource and history key
    label: str  # e.g. 改革需求
    chain: object  # app.workflow.chain.Chain
    menu: Menu
    title_field: str = "id"
    date_field: str = "created_on"
    list_columns: tuple[str, ...] = ()  # besides unit and state, which every list shows
    search_columns: tuple[str, ...] = ()  # besides unit and state
    export_columns: tuple[str, ...] | None = None  # default: the filer's fields
    show_columns: tuple[str, ...] | None = None  # default: the filer's fields
    attachments: bool = False  # a 佐证材料 panel and upload on the form
    attachments_required: bool = False  # submitting needs at least one file
    order: int = 100  # position in the menu among record types
    # pages drawn with the type's own templates, e.g. {"add": "x/add.html",
    # "edit": …, "show": …, "list": …} (a form with child rows); the package
    # makes its template folder known (a blueprint's template_folder)
    templates: dict = field(default_factory=dict)
    # a valid record for contract tests and demos: field → value, or a
    # function giving the value (e.g. a date in the evaluation year); required
    # related fields may be left out: the tests choose an allowed row
    example: dict = field(default_factory=dict)

    def example_values(self) -> dict:
        return {k: (v() if callable(v) else v) for k, v in self.example.items()}

    @property
    def editable(self) -> tuple[str, ...]:
        return self.chain.editable
