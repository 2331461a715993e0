"""The scoring sources of the SOE scheme (soe_2023.yaml, seed 004 附件1).

``soe_recognition``
    per enterprise, the approved 国企改革成效 whose category is one of
    ``categories`` (one category or a list) and whose date lies in the window
    (default: the period's year up to its end — the scheme is yearly).
    ``{kind: soe_recognition, categories: [全国性肯定评价]}`` feeds a ``bonus``
    leaf (+1 per item); the target leaf (少扣多加) names the categories that
    count towards the yearly target: that choice is the scheme's, 待确认 (see
    docs/scoring-notes.md).
``soe_case_adopted``
    per enterprise, the approved 改革典型案例 adopted (采用) by the 区国资委 in the
    window, by the moment of adoption, adopted before the moment of collection.

Each value links to the records behind it: recognitions through the generic
``records_for`` (approved, the unit's, dated in the window, category in the
list); cases through the ``soe_case_adopted`` drill-down (the window is on the
adoption time, not the filing date).
"""

from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.records.soe.models import CATEGORIES, SoeCase, SoeRecognition
from app.records.source_links import window
from app.scoring.collectors import (
    CollectContext,
    Filter,
    LeafValues,
    SourceError,
    SourceLink,
    register_drilldown,
    register_source,
    typed_filters,
)
from app.workflow.queries import approved_records

RECOGNITION = "soe_recognition"
CASE = "soe_case"
ADOPTED = "soe_case_adopted"


def categories_of(source: dict) -> list[str]:
    """The source's ``categories`` as a list of known categories; SourceError otherwise."""
    raw = source.get("categories")
    wanted = [raw] if isinstance(raw, str) else raw
    if not isinstance(wanted, list) or not wanted or not all(isinstance(c, str) for c in wanted):
        raise SourceError("数据来源有误：soe_recognition 须有 categories（一个类别或类别列表），"
                          "可选：" + "、".join(CATEGORIES))
    unknown = [c for c in wanted if c not in CATEGORIES]
    if unknown:
        raise SourceError(f"数据来源有误：类别“{unknown[0]}”应为 " + "、".join(CATEGORIES)
                          + " 之一")
    return list(dict.fromkeys(wanted))


@register_source(RECOGNITION)
def soe_recognition_source(source: dict, ctx: CollectContext) -> LeafValues:
    categories = categories_of(source)
    start, end = window(source, ctx.period, default="year_to_date")
    filters = typed_filters(SoeRecognition, RECOGNITION, {"category": categories})
    m = SoeRecognition
    stmt = approved_records(RECOGNITION, unit_ids=ctx.unit_ids, period_start=start,
                            period_end=end).where(m.approved_on <= ctx.as_of,
                                                  m.category.in_(categories))
    sub = stmt.subquery()
    session = ctx.session or db.session
    counts = dict(session.execute(
        select(sub.c.unit_id, func.count()).group_by(sub.c.unit_id)).all())
    return LeafValues(
        {u: float(counts.get(u, 0)) for u in ctx.unit_ids},
        links={u: [SourceLink(RECOGNITION, u, filters, start, end, ctx.as_of)]
               for u in ctx.unit_ids})


def adopted_cases(unit_ids, start, end, as_of):
    """``select(SoeCase)``: approved cases of ``unit_ids`` adopted in [start,
    end] (by the adoption time) and by ``as_of``."""
    return approved_records(CASE, unit_ids=unit_ids, period_start=start, period_end=end,
                            date_field="adopted_on").where(
        SoeCase.adopted.is_(True), SoeCase.adopted_on <= as_of, SoeCase.approved_on <= as_of)


@register_source(ADOPTED)
def soe_case_adopted_source(source: dict, ctx: CollectContext) -> LeafValues:
    start, end = window(source, ctx.period, default="year_to_date")
    sub = adopted_cases(ctx.unit_ids, start, end, ctx.as_of).subquery()
    session = ctx.session or db.session
    counts = dict(session.execute(
        select(sub.c.unit_id, func.count()).group_by(sub.c.unit_id)).all())
    adopted = (Filter("adopted", "bool", True),)
    return LeafValues(
        {u: float(counts.get(u, 0)) for u in ctx.unit_ids},
        links={u: [SourceLink(CASE, u, adopted, start, end, ctx.as_of, drilldown=ADOPTED)]
               for u in ctx.unit_ids})


@register_drilldown(ADOPTED)
def adopted_case_records(link: SourceLink, session) -> list:
    stmt = adopted_cases([link.unit_id], link.start, link.end, link.as_of)
    return session.scalars(stmt.order_by(SoeCase.id)).all()
