"""The ``risk_incident`` source: per district, the number of approved
incidents of one kind that involve it and happened in the window.

A leaf writes ``source: {kind: risk_incident, incident_kind: 重大负面网络舆情,
window: period}`` and scores the count with ``method: deduction, params:
{per_event: 0.1}`` (district_2023.yaml FX1–FX4); ``incident_kind`` may be the
stored kind or a spelling such as 较大群体性事件. The default window is the
period itself: an incident is deducted in the period it happened in. Each
count links back to the incidents behind it (one link per filing unit).
"""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.records.risk.models import KINDS, RiskIncident, canonical_kind, risk_incident_district
from app.records.source_links import id_links, window
from app.scoring.collectors import CollectContext, LeafValues, SourceError, register_source
from app.workflow.chain import APPROVED


def incident_rows(kind: str, unit_ids, start, end, as_of, session=None):
    """(district id, incident id, filing unit id) of the approved incidents of
    ``kind`` involving ``unit_ids`` that happened in [start, end] and were
    approved by ``as_of``."""
    link = risk_incident_district
    stmt = (select(link.c.unit_id, RiskIncident.id, RiskIncident.unit_id)
            .join(link, link.c.incident_id == RiskIncident.id)
            .where(RiskIncident.state == APPROVED, RiskIncident.kind == kind,
                   RiskIncident.approved_on <= as_of, RiskIncident.occurred_on <= end,
                   link.c.unit_id.in_(list(unit_ids))))
    if start is not None:
        stmt = stmt.where(RiskIncident.occurred_on >= start)
    return (session or db.session).execute(stmt.order_by(RiskIncident.id)).all()


@register_source("risk_incident")
def risk_incident_source(source: dict, ctx: CollectContext) -> LeafValues:
    kind = canonical_kind(source.get("incident_kind"))
    if kind is None:
        raise SourceError(f"数据来源有误：incident_kind“{source.get('incident_kind')}”应为 "
                          + "、".join(KINDS) + " 之一")
    start, end = window(source, ctx.period)
    rows = incident_rows(kind, ctx.unit_ids, start, end, ctx.as_of, ctx.session)
    counts: dict[int, float] = {}
    for district, _, _ in rows:
        counts[district] = counts.get(district, 0.0) + 1.0
    links = id_links("risk_incident", rows, start, end, ctx.as_of)
    return LeafValues({u: counts.get(u, 0.0) for u in ctx.unit_ids},
                      links={u: links.get(u, []) for u in ctx.unit_ids})
