"""The ``survey`` source: per district, the approved 满意度调查 score of the
period's quarter (``source: {kind: survey, window: period}``; the default
window is the period). A window spanning several quarters (a yearly scheme)
takes the mean of the approved quarterly scores in it. A district without an
approved survey has no value (缺少数据, never a silent 0). Each value links to
the survey records behind it."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select

from app.extensions import db
from app.records.source_links import id_links, quarters_between, window
from app.records.survey.models import SurveyResult
from app.scoring.collectors import CollectContext, LeafValues, register_source
from app.workflow.chain import APPROVED


def survey_rows(unit_ids, quarters, as_of, session=None):
    """(district id, survey id, filing unit id, score) of the approved surveys."""
    s = SurveyResult
    stmt = (select(s.district_id, s.id, s.unit_id, s.score)
            .where(s.state == APPROVED, s.approved_on <= as_of, s.quarter.in_(quarters),
                   s.district_id.in_(list(unit_ids)))
            .order_by(s.id))
    return (session or db.session).execute(stmt).all()


@register_source("survey")
def survey_source(source: dict, ctx: CollectContext) -> LeafValues:
    start, end = window(source, ctx.period)
    quarters = quarters_between(start, end)
    rows = survey_rows(ctx.unit_ids, quarters, ctx.as_of, ctx.session)
    scores: dict[int, list[float]] = defaultdict(list)
    for district, _, _, score in rows:
        scores[district].append(float(score))
    values = {u: sum(v) / len(v) for u, v in scores.items()}
    links = id_links("survey", [(d, i, f) for d, i, f, _ in rows], None, None, ctx.as_of)
    return LeafValues(values, links={u: links.get(u, []) for u in ctx.unit_ids})
