"""驾驶舱 (cockpit) data: from the latest published snapshot of a report type
and from approved records only.

The boards count the records approved by the moment the snapshot collected its
data (its ``as_of``): they show the state the published ranking was made
from, and — approved records being locked — never change for one snapshot,
so each process keeps them (:func:`boards` is cached per snapshot and units).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import func, select

from app.extensions import db
from app.scoring.periods import parse_period
from app.workflow.queries import approved_records
from app.workflow.registry import get_type

NATIONAL = "全国性肯定评价"
CITY = "全市推广"
MEDIA = "5家中央媒体深度专题报道"

# record types the cockpit shows once their modules exist
PILOT, BOTTLENECK = "pilot", "bottleneck"
NOT_YET = {
    PILOT: "试点项目管理模块尚未上线，暂无试点数据；上线后此处显示各单位已审核通过的试点。",
}


@dataclass
class Board:
    """A ranking of units by a count of approved records."""

    title: str
    columns: list[str]
    rows: list[dict]  # {unit_id, name, counts: [..], total}
    note: str = ""
    show_total: bool = True  # a 合计 column (not where the columns overlap)


def approved_counts(record_type: str, unit_ids, start, end, as_of, by: str | None = None,
                    wanted=None, session=None) -> dict:
    """{unit id: n} or, with ``by`` (a column), {(unit id, value): n} of the
    records approved by ``as_of``."""
    rt = get_type(record_type)
    if rt is None:
        return {}
    model = rt.model
    stmt = approved_records(record_type, unit_ids=unit_ids, period_start=start, period_end=end)
    stmt = stmt.where(model.approved_on <= as_of)
    if by is not None:
        col = getattr(model, by)
        if wanted is not None:
            stmt = stmt.where(col.in_(wanted))
        sub = stmt.subquery()
        q = select(sub.c.unit_id, sub.c[by], func.count()).group_by(sub.c.unit_id, sub.c[by])
        return {(u, v): n for u, v, n in (session or db.session).execute(q)}
    sub = stmt.subquery()
    q = select(sub.c.unit_id, func.count()).group_by(sub.c.unit_id)
    return dict((session or db.session).execute(q).all())


def _board(title, columns, units, counts_per_unit, limit=10, note="") -> Board:
    rows = []
    for u in units:
        counts = counts_per_unit(u["id"])
        rows.append({"unit_id": u["id"], "name": u["name"], "counts": counts,
                     "total": sum(counts)})
    rows.sort(key=lambda r: (-r["total"], r["name"]))
    rank, last = 0, None
    for n, r in enumerate(rows, start=1):
        if r["total"] != last:
            rank, last = n, r["total"]
        r["rank"] = rank
    return Board(title, columns, rows[:limit] if limit else rows, note)


_CACHE: dict[tuple, dict[str, Board]] = {}
_CACHE_SIZE = 64


def boards(snap, units: list[dict], limit: int = 10) -> dict[str, Board]:
    """需求热力榜, 改革品牌榜, 一地创新·全市推广, 试点总览, 问题破解 for the
    units shown, counting the records dated in the snapshot period's year up
    to the period's end and approved by the snapshot's moment of collection."""
    key = (snap.id, snap.inputs_hash, tuple(u["id"] for u in units), limit)
    if key not in _CACHE:
        if len(_CACHE) >= _CACHE_SIZE:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[key] = _boards(snap, units, limit)
    return _CACHE[key]


def _boards(snap, units: list[dict], limit: int, session=None) -> dict[str, Board]:
    period = parse_period(snap.period_code)
    start, end, as_of = period.year_start, period.end, snap.as_of
    ids = [u["id"] for u in units]
    window = (f"统计 {start.isoformat()} 至 {end.isoformat()} 的记录，"
              f"截至报表数据时点 {as_of:%Y-%m-%d %H:%M} 已审核通过的")
    out = {}
    demands = approved_counts("demand", ids, start, end, as_of, session=session)
    out["demand"] = _board("需求热力榜", ["已审核通过的改革需求"], units,
                           lambda u: [demands.get(u, 0)], limit, window + "改革需求")
    recog = approved_counts("recognition", ids, start, end, as_of, by="category",
                            wanted=[NATIONAL, MEDIA, CITY], session=session)
    out["brand"] = _board("改革品牌榜", [NATIONAL, MEDIA], units,
                          lambda u: [recog.get((u, NATIONAL), 0), recog.get((u, MEDIA), 0)],
                          limit, window + "改革成效")
    out["promote"] = _board("一地创新·全市推广", [CITY], units,
                            lambda u: [recog.get((u, CITY), 0)], limit, window + "改革成效")
    out[PILOT] = _pilots(period, as_of, units, ids, limit, session)
    out[BOTTLENECK] = _bottlenecks(end, as_of, units, ids, limit, session)
    return out


def _bottlenecks(end, as_of, units, ids, limit, session) -> Board:
    """问题破解 (seed 001 四（四）): per unit, the 堵点卡点 assigned to it, those in
    progress, completed and overdue on the period's last day (or the moment of
    collection, if earlier), from approved progress reports only; most
    completed first, then fewest overdue."""
    from app.records.assignment.status import bottleneck_figures

    day = min(end, as_of.date())
    figures = bottleneck_figures(ids, day, as_of, session=session)
    rows = []
    for u in units:
        f = figures.get(u["id"])
        if f:
            rows.append({"unit_id": u["id"], "name": u["name"], "total": f["assigned"],
                         "counts": [f["assigned"], f["in_progress"], f["completed"],
                                    f["overdue"]]})
    rows.sort(key=lambda r: (-r["counts"][2], r["counts"][3], -r["total"], r["name"]))
    rank, last = 0, None
    for n, r in enumerate(rows, start=1):
        if (r["counts"][2], r["counts"][3]) != last:
            rank, last = n, (r["counts"][2], r["counts"][3])
        r["rank"] = rank
    return Board("问题破解", ["获交办堵点卡点", "推进中", "已完成", "逾期未反馈"],
                 rows[:limit] if limit else rows,
                 f"截至 {day.isoformat()} 已交办的堵点卡点；推进、完成和逾期按截至报表数据时点 "
                 f"{as_of:%Y-%m-%d %H:%M} 已审核通过的推进情况统计（已完成：推进状态为“已完成”的"
                 "推进情况已审核通过；逾期：应反馈日期已过仍无已审核通过的推进情况）", show_total=False)


def _pilots(period, as_of, units, ids, limit, session) -> Board:
    """试点总览: the pilots each unit takes part in, counted by the pilot
    module's own data source (a pilot counts for every involved district),
    national and city level, deployed up to the period's end."""
    from app.scoring.collectors import SOURCES, CollectContext, SourceError

    count = SOURCES.get("pilot_count")
    if count is None:
        return Board("试点总览", [], [], NOT_YET[PILOT])
    ctx = CollectContext(period, ids, as_of, session or db.session)
    try:
        national = count({"kind": "pilot_count", "levels": "国家级", "window": "all"}, ctx).value
        city = count({"kind": "pilot_count", "levels": "市级", "window": "all"}, ctx).value
    except SourceError as exc:
        return Board("试点总览", [], [], exc.message)
    return _board("试点总览", ["国家级试点", "市级试点"], units,
                  lambda u: [int(national.get(u, 0)), int(city.get(u, 0))], limit,
                  f"截至 {period.end.isoformat()} 已分发的试点（一个试点计入每个涉及的区县）")


def trend(snapshots: list, own_unit_id: int | None = None) -> dict:
    """Per period (latest published of each): the city average, the highest
    total and, for a district user, the own unit's total."""
    periods, avg, top, own = [], [], [], []
    for snap in snapshots:
        units = snap.data["units"]
        totals = [u["total"] for u in units if u["total"] is not None]
        periods.append(snap.period_code)
        avg.append(round(sum(totals) / len(totals), 2) if totals else None)
        top.append(max(totals) if totals else None)
        mine = next((u for u in units if u["id"] == own_unit_id), None)
        own.append(mine["total"] if mine else None)
    series = [{"name": "全市平均", "type": "line", "data": avg},
              {"name": "最高分", "type": "line", "data": top}]
    if own_unit_id is not None and any(v is not None for v in own):
        series.append({"name": "本单位", "type": "line", "data": own})
    return {"tooltip": {"trigger": "axis"}, "legend": {},
            "xAxis": {"type": "category", "data": periods},
            "yAxis": {"type": "value", "name": "总分"},
            "series": series}


def latest_per_period(snapshots: list) -> list:
    """Of several schemes of one report type, the latest published per period."""
    by_period = defaultdict(list)
    for s in snapshots:
        by_period[s.period_code].append(s)
    chosen = [max(v, key=lambda s: (s.published_at or s.generated_at, s.id))
              for v in by_period.values()]
    return sorted(chosen, key=lambda s: (parse_period(s.period_code).end, s.id))


# -- 深改委会议与工作动态 --------------------------------------------------------------

OFFICE_TYPES = (("meeting", "深改委会议"), ("news", "工作动态"))


def office_board(user, limit: int = 5, session=None) -> dict:
    """The latest approved 深改委会议 and 工作动态 the user may see:
    ``{type: {"label", "rows": [{id, title, date, url}], "note"}}``. Not tied
    to a report snapshot: approved items show as soon as they are approved."""
    from flask import url_for

    from app.scope import scope_clause, scope_for
    from app.workflow.chain import APPROVED

    out = {}
    for name, label in OFFICE_TYPES:
        rt = get_type(name)
        if rt is None:
            out[name] = {"label": label, "rows": [], "note": f"{label}模块尚未上线"}
            continue
        model = rt.model
        date_col = getattr(model, rt.date_field)
        stmt = (select(model.id, model.title, date_col)
                .where(model.state == APPROVED, scope_clause(model, scope_for(user)))
                .order_by(date_col.desc(), model.id.desc()).limit(limit))
        rows = [{"id": i, "title": t, "date": d.isoformat() if d else "",
                 "url": url_for(f"{rt.view_endpoint}.show", pk=i)}
                for i, t, d in (session or db.session).execute(stmt)]
        out[name] = {"label": label, "rows": rows, "note": f"最近 {limit} 条已审核通过的{label}",
                     "list_url": url_for(f"{rt.view_endpoint}.list")}
    return out
