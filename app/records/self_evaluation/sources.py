"""The ``self_evaluation`` scoring source of the scheme 部门整体绩效自评
(dept_self_eval.yaml, seed 003).

Per department, the approved 部门整体 self-evaluation of the period's year
(``year`` = the period's year), approved by the moment of collection. The
numbers are those the scoring core's ``self_evaluation()`` stored on the record
when it was saved; nothing is computed again here. ``part`` says which:

``execution`` (E1, ``method: rate, cap: 1``)
    the execution rate as a fraction (执行率 98.5 % → 0.985), which the rate
    method turns into 10 × min(1, 执行率) — the record's 执行率得分;
``indicators`` (E2, ``method: entered, full: 90``)
    the indicators' part of the 自评总分: 自评总分 − 执行率得分 (the total is
    capped at 100 as the seed prints it, so E1 + E2 is the record's 自评总分
    whenever the indicator weights add up to 90);
``total``
    the 自评总分 itself (for a scheme with a single leaf).

``table`` may name the other type of table (二级项目); the default is 部门整体.
A department without such an approved table has no value (缺少数据, not 0).
Should a department have two approved tables of that kind for one year
(different project codes), the one approved last counts.

Each value links to the one record behind it (an ``id`` filter), so the
ranking's drill-down lists exactly that table.
"""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.records.self_evaluation.models import KINDS, RECORD_TYPE, SelfEvaluation
from app.records.source_links import id_links
from app.scoring.collectors import CollectContext, LeafValues, SourceError, register_source
from app.workflow.chain import APPROVED

PARTS = {"execution": "执行率", "indicators": "绩效指标得分", "total": "自评总分"}


def value_of(record: SelfEvaluation, part: str) -> float | None:
    """The number of ``record`` the leaf of ``part`` scores."""
    if part == "execution":
        rate = record.execution_rate
        return None if rate is None else rate / 100.0
    if part == "indicators":
        if record.total_score is None or record.execution_score is None:
            return None
        return round(record.total_score - record.execution_score, 2)
    return record.total_score


def approved_tables(unit_ids, year: int, kind: str, as_of, session=None) -> dict:
    """{unit id: the unit's approved table of ``kind`` for ``year``, approved
    by ``as_of`` (the one approved last when there are several)}."""
    m = SelfEvaluation
    stmt = (select(m).where(m.state == APPROVED, m.year == year, m.kind == kind,
                            m.approved_on <= as_of, m.unit_id.in_(list(unit_ids)))
            .order_by(m.approved_on, m.id))
    latest: dict[int, SelfEvaluation] = {}
    for record in (session or db.session).scalars(stmt):
        latest[record.unit_id] = record
    return latest


@register_source(RECORD_TYPE)
def self_evaluation_source(source: dict, ctx: CollectContext) -> LeafValues:
    part = source.get("part", "total")
    if part not in PARTS:
        raise SourceError(f"数据来源有误：self_evaluation 的 part“{part}”应为 "
                          + "、".join(f"{k}（{v}）" for k, v in PARTS.items()) + " 之一")
    kind = source.get("table", KINDS[0])
    if kind not in KINDS:
        raise SourceError(f"数据来源有误：自评类型“{kind}”应为 " + "、".join(KINDS) + " 之一")
    tables = approved_tables(ctx.unit_ids, ctx.period.year, kind, ctx.as_of, ctx.session)
    values: dict[int, float] = {}
    rows = []
    for unit_id, record in tables.items():
        value = value_of(record, part)
        if value is not None:
            values[unit_id] = value
            rows.append((unit_id, record.id, record.unit_id))
    links = id_links(RECORD_TYPE, rows, None, None, ctx.as_of)
    return LeafValues(values, links={u: links.get(u, []) for u in ctx.unit_ids})
