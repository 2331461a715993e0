"""The ``metric`` source: per district, the latest approved value of one
metric for the period being scored.

A leaf writes ``source: {kind: metric, metric: d2_loss_reduction, ratio: true}``
(district_2024.yaml). The value is the period's own (``period`` = the scoring
period's code); of several approved values of one district — an approved
value and its approved replacement — the one approved last counts (approved by
the moment of scoring). A ratio gives numerator and denominator (the engine
divides; a zero denominator is "not applicable"); a value or an entered score
gives the value. A district without an approved value has none (缺少数据,
never a silent 0). Each value links to the record it came from.
"""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.records.metric.models import MetricIndicator, MetricValue
from app.records.source_links import id_links
from app.scoring.collectors import CollectContext, LeafValues, SourceError, register_source
from app.workflow.chain import APPROVED


def latest_approved(key: str, period_code: str, unit_ids, as_of, session=None) -> dict:
    """{district id: MetricValue row (id, unit_id, value, numerator,
    denominator)} — the latest approved value of each district."""
    v = MetricValue
    stmt = (select(v.district_id, v.id, v.unit_id, v.value, v.numerator, v.denominator)
            .join(MetricIndicator, MetricIndicator.id == v.indicator_id)
            .where(MetricIndicator.key == key, v.period == period_code, v.state == APPROVED,
                   v.approved_on <= as_of, v.district_id.in_(list(unit_ids)))
            .order_by(v.district_id, v.approved_on.desc(), v.id.desc()))
    out = {}
    for row in (session or db.session).execute(stmt):
        out.setdefault(row.district_id, row)
    return out


@register_source("metric")
def metric_source(source: dict, ctx: CollectContext) -> LeafValues:
    key = source.get("metric")
    if not key or not isinstance(key, str):
        raise SourceError("数据来源有误：metric 类数据来源须写明指标键 metric")
    rows = latest_approved(key, ctx.period.code, ctx.unit_ids, ctx.as_of, ctx.session)
    values, num, den = {}, {}, {}
    for district, row in rows.items():
        if row.numerator is not None and row.denominator is not None:
            num[district], den[district] = float(row.numerator), float(row.denominator)
            values[district] = (float(row.numerator) / float(row.denominator)
                                if row.denominator else float("nan"))
        elif row.value is not None:
            values[district] = float(row.value)
    links = id_links("metric_value", [(d, r.id, r.unit_id) for d, r in rows.items()],
                     None, None, ctx.as_of)
    return LeafValues(values, numerator=num or None, denominator=den or None,
                      links={u: links.get(u, []) for u in ctx.unit_ids})
