"""One declarative review-chain engine for every record type (SPEC §2).

A record type declares its chain next to its model (:mod:`app.workflow.chain`),
registers itself (:mod:`app.workflow.registry`), and gets transitions with
compare-and-set (:mod:`app.workflow.engine`), an append-only history
(:class:`app.workflow.models.WorkflowHistory`), generated views with bulk
actions, a to-do page and REST endpoints.
"""
