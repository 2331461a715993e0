"""The sources feeding `flask score run`: metric values and ratios, entered
scores, the latest approved value, and both district schemes scored from
approved records with no leaf 缺少数据来源 — against numbers worked by hand."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select

from app.extensions import db
from app.records.metric.models import MetricValue
from tests.metric.util import PERIOD, approved_value, sheet
from tests.risk.util import (
    CLERK_BDB,
    CLERK_JUS,
    CLERK_SASAC,
    OFFICE,
    REVIEWER_BDB,
    REVIEWER_JUS,
    REVIEWER_SASAC,
    add_accounts,
    unit_id,
    user,
)


@pytest.fixture
def accounts(app):
    add_accounts(app)
    return app


def import_and_approve(app, tmp_path, clerk, reviewer, header, rows, approve=True) -> list[int]:
    """Load a sheet as ``clerk`` and approve the batch at both steps."""
    from app.records.metric.excel import import_file
    from app.workflow.engine import bulk_transition

    path = tmp_path / f"{clerk}-{len(rows)}.xlsx"
    sheet(rows, header=header, path=path)
    with app.app_context():
        batch = import_file(db.session, user(clerk), path, path.name)
        ids = list(db.session.scalars(select(MetricValue.id).where(
            MetricValue.batch_id == batch.id)))
        if approve:
            for who in (reviewer, OFFICE):
                result = bulk_transition("metric_value", ids, "approve", user(who))
                assert len(result.done) == len(ids), result.skipped
    return ids


D2 = ["区县", "期间", "D2.1 国企止损减亏完成率（分子）", "D2.1 国企止损减亏完成率（分母）",
      "D2.2 法人压减完成率（分子）", "D2.2 法人压减完成率（分母）"]
D6 = ["区县", "期间", "D6.1 综合行政执法案件被纠错率（分子）", "D6.1 综合行政执法案件被纠错率（分母）"]
D1 = ["区县", "期间", "D1.5 区县城运中心事件处置率（得分）",
      "D1.6.1 已归集数据量（类）占各区县平均归集数据量比例（分子）",
      "D1.6.1 已归集数据量（类）占各区县平均归集数据量比例（分母）"]


def test_district_2024_from_approved_values_worked_by_hand(accounts, client, tmp_path):
    """2026Q3, districts 万州 (WZ), 渝中 (YZ), 黔江 (QJ), 渝北 (YB).

    D2.1 国企止损减亏完成率, rate × 50: WZ first 1/4, then a replacement 3/4
    approved later → 3/4 → 37.50; YZ 0/0 not applicable → 50.00; QJ 7/10 → 35.00.
    D2.2 法人压减完成率, rate × 50 capped at 100 %: WZ 2/2 → 50.00; YZ 5/4 → 50.00;
    QJ none → 缺少数据. D2 = WZ 87.50, YZ 100.00, QJ 35.00.
    D6.1 被纠错率 (lower is better, three tiers 1.0/0.9/0.8 over 100 points):
    WZ 0.02, YZ 0.05, QJ 0, YB 0.10 → best 0, median 0.035, worst 0.10:
    QJ 100.00; WZ 100 × [0.9 + 0.015/0.035 × 0.1] = 94.29;
    YZ 100 × [0.8 + 0.05/0.065 × 0.1] = 87.69; YB 80.00.
    D1.5 expert score (entered, 100 → 15): WZ 90 → 13.50.
    D1.6.1 归集比例 (≥1 → 5, ≥0.5 → 3, else 2): WZ 1.2 → 5, YZ 0.7 → 3, QJ 0.3 → 2.
    Not counted: a value waiting for review (YB D2.1)."""
    from app.scoring.collectors import records_for
    from app.scoring.service import run_scheme

    app = accounts
    first = approved_value(client, app, CLERK_SASAC, REVIEWER_SASAC, numerator=1,
                           denominator=4)
    import_and_approve(app, tmp_path, CLERK_SASAC, REVIEWER_SASAC, D2, [
        ("万州区", PERIOD, None, None, 2, 2),
        ("渝中区", PERIOD, 0, 0, 5, 4),
        ("黔江区", PERIOD, 7, 10, None, None)])
    replacement = approved_value(client, app, CLERK_SASAC, REVIEWER_SASAC, numerator=3,
                                 denominator=4)
    import_and_approve(app, tmp_path, CLERK_SASAC, REVIEWER_SASAC, D2, [
        ("渝北区", PERIOD, 1, 1, None, None)], approve=False)
    import_and_approve(app, tmp_path, CLERK_JUS, REVIEWER_JUS, D6, [
        ("万州区", PERIOD, 2, 100), ("渝中区", PERIOD, 5, 100), ("黔江区", PERIOD, 0, 50),
        ("渝北区", PERIOD, 10, 100)])
    import_and_approve(app, tmp_path, CLERK_BDB, REVIEWER_BDB, D1, [
        ("万州区", PERIOD, 90, 1200, 1000), ("渝中区", PERIOD, None, 700, 1000),
        ("黔江区", PERIOD, None, 300, 1000)])
    with app.app_context():
        run = run_scheme("district_2024", PERIOD)
        wide = run.result.wide

        def score(unit, code):
            value = wide.loc[unit, code]
            return None if value != value else round(float(value), 2)

        assert [score(u, "D2.1") for u in ("万州区", "渝中区", "黔江区")] == [37.5, 50.0, 35.0]
        assert [score(u, "D2.2") for u in ("万州区", "渝中区", "黔江区")] == [50.0, 50.0, None]
        assert [score(u, "D2") for u in ("万州区", "渝中区", "黔江区")] == [87.5, 100.0, 35.0]
        assert score("渝北区", "D2.1") is None  # its value is still under review
        assert [score(u, "D6.1") for u in ("黔江区", "万州区", "渝中区", "渝北区")] == [
            100.0, 94.29, 87.69, 80.0]
        assert score("万州区", "D1.5") == 13.5
        assert [score(u, "D1.6.1") for u in ("万州区", "渝中区", "黔江区")] == [5.0, 3.0, 2.0]
        values = run.collection.values.set_index(["unit", "indicator"])
        wz = unit_id(app, "万州区")
        assert (values.loc[(wz, "D2.1"), "numerator"], values.loc[(wz, "D2.1"), "denominator"]
                ) == (3, 4)
        # the value links back to exactly the approved record it came from
        links = run.collection.links[(wz, "D2.1")]
        assert [r.id for link in links for r in records_for(link.to_dict())] == [replacement]
        assert db.session.get(MetricValue, first).state == "approved"  # kept
        # as of before the replacement was approved, the first value counted
        before = run_scheme("district_2024", PERIOD, as_of=db.session.get(
            MetricValue, replacement).approved_on - dt.timedelta(microseconds=1))
        assert round(float(before.result.wide.loc["万州区", "D2.1"]), 2) == 12.5
        for code in ("D1.1", "D3.1", "D5.1", "D7.1"):  # no values yet: 缺少数据, with a source
            assert code not in run.collection.missing


def _missing_sources(runner, scheme):
    result = runner.invoke(args=["score", "run", "--scheme", scheme, "--period", PERIOD,
                                 "--format", "json"])
    assert result.exit_code == 0, result.output
    json.loads(result.stdout)
    return [line for line in result.stderr.splitlines() if "缺少数据来源" in line]


@pytest.mark.parametrize("scheme", ["district_2023", "district_2024"])
def test_score_run_reports_no_leaf_without_a_source(app, runner, scheme):
    """The goal of issue #10 (the pilot leaves come from app/records/pilot)."""
    assert _missing_sources(runner, scheme) == []


def test_the_data_source_leaves_have_their_sources(app):
    from app.scoring.collectors import CollectContext, collect
    from app.scoring.periods import parse_period
    from app.scoring.store import latest, to_core

    with app.app_context():
        ctx = CollectContext(parse_period(PERIOD), [unit_id(app, "万州区")], dt.datetime.now(),
                             db.session)
        for code in ("district_2023", "district_2024"):
            leaves = [(leaf.code, leaf.source) for leaf in to_core(latest(code)).leaves()
                      if (leaf.source or {}).get("kind") in ("metric", "survey", "risk_incident")]
            assert leaves
            assert collect(leaves, ctx).missing == {}


def test_demo_values_feed_every_metric_leaf(app):
    """The demo generator: the previous quarter complete and approved (one
    value replaced), the current quarter's batch waiting; run twice, it adds
    nothing."""
    import random

    from app.records.metric.demo import generate
    from app.records.source_links import quarter_code
    from app.scoring.periods import parse_period
    from app.scoring.service import run_scheme

    today = dt.date.today()
    previous = quarter_code(parse_period(quarter_code(today)).start - dt.timedelta(days=1))
    with app.app_context():
        counts = generate(db.session, random.Random(5), today)
        db.session.commit()
        assert counts["approved"] == 21 * 41 + 1 and counts["pending_1"] == 2 * 41
        assert generate(db.session, random.Random(5), today) == {}
        for v in db.session.scalars(select(MetricValue)):
            assert v.clean() == [], (v.id, v.title, v.clean())
        run = run_scheme("district_2024", previous)
        metric_leaves = [leaf.code for leaf in run.result.scheme.leaves()
                         if leaf.source.get("kind") == "metric"]
        long = run.result.long.set_index(["unit", "indicator"])
        for code in metric_leaves:
            statuses = {long.loc[(u, code), "status"] for u in run.result.units}
            assert "缺少数据" not in statuses, code
