"""The ``task_report`` scoring source of the scheme 2021年市对区考核
(city_district_2021.yaml, seed 002): per district, the self-score its
departments report on one or more rows of the district's breakdown
(考核指标分解) of the period's year, from APPROVED 考核指标完成情况 only,
approved by the moment of collection.

The source is not told which indicator it scores, so each leaf names its
breakdown row(s)::

    source: {kind: task_report, field: 自评得分, row: [2, 1]}

``row``: ``[序号, 第几行]`` in the group 经济社会发展业绩 (``group`` may name
another): the row's place in the seed's table, where an indicator whose weight
is split between departments has several rows (民营经济发展成效: [2, 1] 区发展改革委、
区工商联 3 分, [2, 2] 区市场监管局 2 分). ``row: 4`` is every row of 序号 4;
``rows: [[15, 1], [15, 2]]`` names several; the leaf's value is then the sum
of the rows' self-scores. Every district's breakdown is read by the same
numbers: the scheme assumes the districts load seed 002's table.

``field``: 自评得分 or 全年预计自评得分 (default; the year's expected score) or
1—10月自评得分.

A row's self-score is the district overview's (``overview.RowView`` on
``overview._latest_per_unit``): each responsible department's latest approved
report on the row, and their mean when several departments share the row. A
district none of whose departments has an approved report on the leaf's rows
has no value (缺少数据, not 0), as the overview counts such a row as 未报送.

Each value links to the reports behind it (one link per reporting department,
an ``id`` filter), so the ranking's drill-down lists exactly them.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.records.district_assessment.models import (
    GROUPS,
    SCORED_GROUP,
    AssessmentIndicator,
    AssessmentReport,
)
from app.records.district_assessment.overview import _latest_per_unit, row_view
from app.records.source_links import id_links
from app.scoring.collectors import CollectContext, LeafValues, SourceError, register_source
from app.workflow.chain import APPROVED

KIND = "task_report"
RECORD_TYPE = "assessment_report"
FIELDS = {"自评得分": "annual_score", "全年预计自评得分": "annual_score",
          "1—10月自评得分": "progress_score", "annual_score": "annual_score",
          "progress_score": "progress_score"}
ROW_HELP = "须写明考核指标分解中的行，如 row: [2, 1]（序号 2 的第 1 行）或 row: 4（序号 4 的各行）"


def _one_row(value) -> tuple[int, int | None] | None:
    """(序号, 第几行 or None for every row of the 序号) from 4 or [2, 1]."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return (value, None) if value > 0 else None
    if isinstance(value, (list, tuple)) and len(value) in (1, 2) and all(
            isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in value):
        return (value[0], value[1] if len(value) == 2 else None)
    return None


def rows_of(source: dict) -> list[tuple[int, int | None]]:
    """The breakdown rows the leaf names; SourceError when it names none."""
    if "rows" in source:
        raw = source["rows"]
        wanted = raw if isinstance(raw, list) and raw else [None]
    elif "row" in source:
        wanted = [source["row"]]
    else:
        raise SourceError(f"数据来源有误：{KIND} {ROW_HELP}")
    out = [_one_row(w) for w in wanted]
    if any(r is None for r in out):
        raise SourceError(f"数据来源有误：{KIND} 的行“{source.get('rows', source.get('row'))}”"
                          f"无法识别，{ROW_HELP}")
    return list(dict.fromkeys(out))


@register_source(KIND)
def task_report_source(source: dict, ctx: CollectContext) -> LeafValues:
    wanted = rows_of(source)
    field = FIELDS.get(source.get("field", "自评得分"))
    if field is None:
        raise SourceError(f"数据来源有误：{KIND} 的 field“{source.get('field')}”应为 "
                          "自评得分、全年预计自评得分 或 1—10月自评得分")
    group = source.get("group", SCORED_GROUP)
    if group not in GROUPS:
        raise SourceError(f"数据来源有误：{KIND} 的 group“{group}”应为 " + "、".join(GROUPS)
                          + " 之一")
    session = ctx.session or db.session
    ai = AssessmentIndicator
    indicators = [
        ind for ind in session.scalars(
            select(ai).where(ai.district_id.in_(list(ctx.unit_ids)), ai.year == ctx.period.year,
                             ai.group_name == group, ai.seq.in_({s for s, _ in wanted}))
            .options(selectinload(ai.units)).order_by(ai.district_id, ai.sort_order, ai.id))
        if (ind.seq, ind.part) in wanted or (ind.seq, None) in wanted]
    ar = AssessmentReport
    reports = session.scalars(
        select(ar).where(ar.indicator_id.in_([i.id for i in indicators]), ar.state == APPROVED,
                         ar.approved_on <= ctx.as_of)
        .order_by(ar.approved_on, ar.id)).all() if indicators else []
    latest = _latest_per_unit(reports)
    values: dict[int, float] = {}
    behind = []
    for ind in indicators:
        row = row_view(ind, latest)
        score = getattr(row, field)
        if score is None:
            continue
        values[ind.district_id] = round(values.get(ind.district_id, 0.0) + score, 2)
        behind += [(ind.district_id, r.id, r.unit_id) for r in row.reports
                   if getattr(r, field) is not None]
    links = id_links(RECORD_TYPE, behind, None, None, ctx.as_of)
    return LeafValues(values, links={u: links.get(u, []) for u in ctx.unit_ids})
