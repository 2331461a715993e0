"""系统使用情况考评 (usage evaluation) per unit and period, from the workflow
history: records filed, rejections, median hours from submission to each
review step, overdue feedback."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func, select

from app.extensions import db
from app.scope import scope_clause
from app.scoring.periods import Period, parse_period
from app.units.models import Unit, UnitKind
from app.workflow.chain import PENDING_PREFIX
from app.workflow.models import WorkflowHistory
from app.workflow.queries import rejection_counts
from app.workflow.registry import all_types

OVERDUE_NOTE = ("逾期反馈：需求清单交办、堵点卡点的应反馈日期（首次为反馈时限，此后为每季度末）在本期内"
                "且已过、而未按期提交推进情况的次数（提交后被驳回的以重新提交的日期为准）。")
RECOGNITION = "recognition"


@dataclass
class UsageRow:
    unit_id: int
    unit: str
    kind: str
    filed: int = 0
    rejections: int = 0
    recognition_rejections: int = 0
    median_hours: list = field(default_factory=list)
    overdue: int = 0

    def cells(self) -> list:
        return [self.unit, self.kind, self.filed, self.rejections, self.recognition_rejections,
                *[round(h, 1) if h is not None else "—" for h in self.median_hours],
                self.overdue]


@dataclass
class Evaluation:
    period: Period
    header: list[str]
    rows: list[UsageRow]
    notes: list[str]


def _window(period: Period):
    start = dt.datetime.combine(period.start, dt.time.min)
    end = dt.datetime.combine(period.end + dt.timedelta(days=1), dt.time.min)
    return start, end


def evaluate(period_code: str, scope, session=None) -> Evaluation:
    """The usage evaluation of the units in ``scope`` (the reform office itself
    left out) for one period. Raises PeriodError on a bad period code."""
    session = session or db.session
    period = parse_period(period_code)
    units = session.scalars(
        select(Unit).where(scope_clause(Unit, scope), Unit.kind != UnitKind.REFORM_OFFICE.value)
        .order_by(Unit.sort_order, Unit.code)).all()
    ids = [u.id for u in units]
    start, end = _window(period)
    h = WorkflowHistory
    steps = max((len(rt.chain.steps) for rt in all_types()), default=2)

    submitted = (select(h.record_unit_id, h.record_type, h.record_id)
                 .where(h.action == "submit", h.created_on >= start, h.created_on < end,
                        h.record_unit_id.in_(ids)).distinct().subquery())
    filed = dict(session.execute(select(submitted.c.record_unit_id, func.count())
                                 .group_by(submitted.c.record_unit_id)).all())
    rejections = rejection_counts(ids, period.start, period.end, session=session)
    rec_rejections = rejection_counts(ids, period.start, period.end, record_type=RECOGNITION,
                                      session=session)

    # hours from each submission in the period to the decision at each step
    # (the decision may come after the period ends)
    hours: dict[int, dict[int, list[float]]] = defaultdict(lambda: defaultdict(list))
    rows = session.execute(
        select(h.record_unit_id, h.record_type, h.record_id, h.action, h.from_state,
               h.created_on)
        .where(h.created_on >= start, h.record_unit_id.in_(ids),
               h.action.in_(("submit", "approve", "reject", "withdraw")))
        .order_by(h.record_type, h.record_id, h.created_on, h.id))
    current: dict[tuple[str, int], dt.datetime | None] = {}
    for unit_id, record_type, record_id, action, from_state, at in rows:
        key = (record_type, record_id)
        if action == "submit":
            current[key] = at if at < end else None
            continue
        submitted_at = current.get(key)
        if submitted_at is None:
            continue
        if action == "withdraw":
            current[key] = None
            continue
        if from_state and from_state.startswith(PENDING_PREFIX):
            step = int(from_state[len(PENDING_PREFIX):])
            hours[unit_id][step].append((at - submitted_at).total_seconds() / 3600)
        if action == "reject":
            current[key] = None

    from app.records.assignment.status import missed_in_period

    overdue = missed_in_period(ids, period.start, period.end, session=session)
    out = []
    for u in units:
        medians = [statistics.median(hours[u.id][k]) if hours[u.id][k] else None
                   for k in range(1, steps + 1)]
        out.append(UsageRow(u.id, u.name, u.kind_label, filed.get(u.id, 0),
                            rejections.get(u.id, 0), rec_rejections.get(u.id, 0), medians,
                            overdue.get(u.id, 0)))
    header = ["单位", "类别", "提交记录数", "被驳回次数", "其中改革成效被驳回"] + [
        f"提交至第{k}步审核（中位小时）" for k in range(1, steps + 1)] + ["逾期反馈"]
    notes = [
        "提交记录数：本期内提交（含驳回后重新提交）的不同记录数。",
        "被驳回次数：本期内每一次驳回都计入填报单位；改革成效的驳回按种子文件 001 单独列出。",
        "审核用时：从本期内的每次提交到各步审核作出决定（通过或驳回）的小时数，取中位数。",
        OVERDUE_NOTE,
    ]
    return Evaluation(period, header, out, notes)
