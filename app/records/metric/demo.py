"""Demo 指标数据: for the previous quarter, every 2024-scheme metric for every
district, imported by a data-source department as one batch per department
and approved (with one value replaced by a later approved one); for the
current quarter, one department's batch waiting for its reviewer."""

from __future__ import annotations

import datetime as dt
import hashlib

from sqlalchemy import select

from app.records.demo_support import (
    DemoRow,
    ensure_accounts,
    limit_of,
    path_to,
    users_of,
    working_moment,
    write,
)
from app.records.metric.catalog import metrics_for_period, sync_catalog
from app.records.metric.models import MetricImportBatch, MetricIndicator, MetricValue
from app.records.source_links import quarter_code
from app.scoring.periods import parse_period
from app.units.models import Unit, UnitKind
from app.workflow.chain import APPROVED

# who enters which metrics in the demo (one of the departments the scheme names)
ENTERED_BY = {"D1": "市大数据发展局", "D2": "市国资委", "D3": "市发展改革委", "D4": "市国资委",
              "D5": "市财政局", "D6": "市司法局", "D7": "市卫生健康委"}
COUNT_RANGES = {"d1_apps": (0, 12), "d1_ledger_apps": (5, 40), "d1_online_apps": (3, 30),
                "d1_center_apps": (2, 20)}


def _numbers(rng, metric, average: float) -> dict:
    if metric.kind == "score":
        return {"value": round(rng.uniform(70, 98), 1)}
    if metric.kind == "value":
        lo, hi = COUNT_RANGES.get(metric.key, (0, 20))
        return {"value": float(rng.randint(lo, hi))}
    if metric.key == "d1_collected_vs_avg":
        return {"numerator": float(round(average * rng.uniform(0.3, 2.0))),
                "denominator": float(round(average))}
    denominator = float(rng.randint(20, 400))
    if metric.key == "d6_corrected":
        rate = rng.uniform(0, 0.08)
    elif metric.ratio_max is not None:
        rate = rng.uniform(0.6, 1.0)
    else:
        rate = rng.uniform(0.5, 1.3)
    return {"numerator": float(round(denominator * rate)), "denominator": denominator}


class _Straight:
    """An rng for :func:`path_to` that never takes the rejected way."""

    @staticmethod
    def random() -> float:
        return 1.0


def _quarter_end(code: str) -> dt.date:
    return parse_period(code).end


def generate(session, rng, today: dt.date) -> dict[str, int]:
    """Write the demo values; returns {state: count} ({} when already there)."""
    current = quarter_code(today)
    previous = quarter_code(parse_period(current).start - dt.timedelta(days=1))
    if session.scalar(select(MetricValue.id).where(MetricValue.period == previous)
                      .limit(1)) is not None:
        return {}
    sync_catalog(session)
    accounts = ensure_accounts(session)
    office = accounts.get("13900000001")
    metrics = metrics_for_period(session, parse_period(previous))
    if not metrics or office is None:
        return {}
    indicators = dict(session.execute(select(MetricIndicator.key, MetricIndicator.id)).all())
    units = dict(session.execute(select(Unit.name, Unit.id)).all())
    districts = session.execute(select(Unit.id, Unit.name).where(
        Unit.kind == UnitKind.DISTRICT.value).order_by(Unit.sort_order, Unit.id)).all()
    limit = limit_of(today)
    totals: dict[str, int] = {}

    def batch_of(dept_id, filer, period, n_rows, n_values, created):
        b = MetricImportBatch(unit_id=dept_id, filed_by_id=filer, created_on=created,
                              file_name=f"指标数据_{period}.xlsx", stored_name=None,
                              sha256=hashlib.sha256(f"{dept_id}:{period}".encode()).hexdigest(),
                              periods=period, row_count=n_rows, value_count=n_values)
        session.add(b)
        session.flush()
        return b.id

    plans = [(previous, APPROVED, None)]
    plans.append((current, "pending_1", "市财政局"))
    for period, state, only in plans:
        by_dept: dict[str, list] = {}
        for m in metrics:
            dept = ENTERED_BY.get(m.code.split(".")[0])
            if dept in m.departments and (only is None or dept == only):
                by_dept.setdefault(dept, []).append(m)
        for dept, dept_metrics in by_dept.items():
            dept_id = units.get(dept)
            clerks = users_of(session, dept_id, "录入员") if dept_id else []
            reviewers = users_of(session, dept_id, "审核员") if dept_id else []
            if not clerks or not reviewers:
                continue
            if period == previous:
                day = _quarter_end(period) + dt.timedelta(days=rng.randint(3, 12))
            else:
                day = today - dt.timedelta(days=rng.randint(1, 4))
            day = min(day, today - dt.timedelta(days=1))
            created = min(working_moment(rng, day), limit - dt.timedelta(hours=2))
            average = rng.uniform(800, 3000)
            rows = []
            for district_id, name in districts:
                for m in dept_metrics:
                    values = dict({"value": None, "numerator": None, "denominator": None},
                                  **_numbers(rng, m, average), indicator_id=indicators[m.key],
                                  district_id=district_id, period=period,
                                  title=f"{name}{period} {m.label}", note=None)
                    # a batch is reviewed as a whole: submitted, then approved at each step
                    rows.append(DemoRow(values=values, unit_id=dept_id, filer_id=clerks[0],
                                        created_on=created,
                                        acts=path_to(state, 2, [reviewers[0], office],
                                                     clerks[0], _Straight())))
            batch = batch_of(dept_id, clerks[0], period, len(districts), len(rows), created)
            for row in rows:
                row.values["batch_id"] = batch
            counts, ids = write(session, MetricValue, "metric_value", rows, limit, rng)
            for k, v in counts.items():
                totals[k] = totals.get(k, 0) + v
            if period == previous and dept == "市国资委" and ids:
                # 万州区's first value was corrected later: a replacement, approved again
                first = rows[0]
                fixed = dict(first.values, batch_id=None, note="更正：按核实后的目标责任书口径")
                if "numerator" in fixed:
                    fixed["numerator"] = max(0.0, fixed["numerator"] - 1)
                approved_on = session.scalar(select(MetricValue.approved_on).where(
                    MetricValue.id == ids[0]))
                replaced = DemoRow(values=fixed, unit_id=dept_id, filer_id=clerks[0],
                                   created_on=min(approved_on + dt.timedelta(minutes=30),
                                                  limit - dt.timedelta(minutes=30)),
                                   acts=[("submit", clerks[0], None),
                                         ("approve", reviewers[0], None),
                                         ("approve", office, None)])
                counts, _ = write(session, MetricValue, "metric_value", [replaced], limit, rng)
                for k, v in counts.items():
                    totals[k] = totals.get(k, 0) + v
    return totals
