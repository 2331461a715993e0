"""The record-type kit: a record type is declared once, next to its model
(:mod:`app.kit.spec`), and its screens, REST API, menu entry, permissions,
Excel export, evidence panel, history timeline and 待办 entry are derived
from that declaration (:mod:`app.kit.views`, :mod:`app.kit.api`,
:mod:`app.kit.setup`)."""
