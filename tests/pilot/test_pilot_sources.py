"""The pilots' sources against numbers worked by hand, and ``flask score run``
of the district 2023 and 2024 schemes on them.

The population (41 districts; every pilot distributed unless said otherwise):

======  ======  ===========  ============  ==========  =====================
pilot   level   deployed     验收时限      created by  涉及区县
======  ======  ===========  ============  ==========  =====================
P1      国家级  2019-05-01   2023-12-31    万州        万州, 渝中
P2      市级    2021-03-01   2024-06-30    万州        万州
P3      国家级  2024-03-01   2026-12-31    渝中        渝中, 大渡口
P4      市级    2016-01-01*  —             万州        万州      (*still running)
P5      国家级  2024-08-01   2026-08-01    万州        万州      (only submitted)
P6      国家级  2025-02-01   2027-02-01    万州        万州      (after 2024)
======  ======  ===========  ============  ==========  =====================

Approved status updates reporting 通过验收 (验收日期):
万州 P1 2023-11-20 (on time); 万州 P2 2024-08-15 (late); 渝中 P1 2023-12-31 (on
the deadline: on time); 渝中 P3 2024-10-10 (early); 大渡口 P3 2025-02-01 (after
2024). Not approved, so not counted: 万州 P4 (submitted only).

2024Q4 (report date 2024-12-31):

* 承接试点数 (both levels, all deployed up to the period's end): 万州 P1 P2 P4 = 3,
  渝中 P1 P3 = 2, 大渡口 P3 = 1, others 0. efficacy2 × 20, min 0, max 3:
  万州 20 × 1 = 20; 渝中 20 × (0.8 + 2/3 × 0.2) = 18.67; 大渡口 20 × (0.8 + 1/3 ×
  0.2) = 17.33; others 20 × 0.8 = 16.
* 按时通过验收率: 万州 due P1 (deadline passed), P2 (deadline passed); on time P1
  → 1/2 = 0.5. 渝中 due P1 and P3 (accepted early), both on time → 2/2 = 1.
  大渡口: P3 neither due nor accepted by the report date → not applicable (na:
  full → 1). Others not applicable → 1. efficacy2 × 10, min 0.5, max 1:
  万州 10 × 0.8 = 8; everybody else 10.
* 新增国家改革试点项目数 (2024 scheme, national, deployed in 2024 up to the
  period's end): 渝中 1 (P3), 大渡口 1 (P3), others 0 (P6 is 2025; P5 is not
  distributed). efficacy3 (1.0, 0.9, 0.8) × 100: max 1, median 0, min 0:
  渝中, 大渡口 100 × (0.9 + 1 × 0.1) = 100; others (x = median) 100 × 0.9 = 90.

2024Q2 (report date 2024-06-30): 万州 due P1, P2 (deadline on the report date),
on time P1 (P2's acceptance is later) → 0.5; 渝中 due P1 only (P3 accepted after
the report date) → 1/1.
"""

from __future__ import annotations

import datetime as dt
import json
import math

import pytest
from sqlalchemy import select, update

from app.extensions import db
from app.records.pilot.models import Pilot
from app.scoring.collectors import CollectContext, SOURCES, collect, records_for
from app.scoring.periods import parse_period
from tests.pilot.util import (
    CLERK_WZ,
    CLERK_YZ,
    REVIEWER_YZ,
    WANZHOU,
    YUZHONG,
    act,
    backdate_approval,
    distribute,
    make_pilot,
    make_update,
    put_approved_update,
    unit_id,
)

DADUKOU = "大渡口区"
NAT, CITY = "国家级", "市级"


def _pilot(name, level, deployed, deadline, districts, mobile=CLERK_WZ, state="approved",
           **kw):
    p = make_pilot(mobile=mobile, name=name, level=level, doc_no=f"试点测试〔2024〕{name}号",
                   deploy_date=deployed, deadline=deadline, districts=districts, **kw)
    if state == "approved":
        reviewer = REVIEWER_YZ if mobile == CLERK_YZ else "13900000012"
        distribute(p.id, clerk=mobile, reviewer=reviewer)
        backdate_approval(p.id, dt.datetime(2024, 1, 15, 10, 0))
    elif state == "submitted":
        act("pilot", p.id, "submit", mobile)
    return p.id


@pytest.fixture
def population(app):
    with app.app_context():
        ids = {
            "P1": _pilot("P1", NAT, dt.date(2019, 5, 1), dt.date(2023, 12, 31),
                         (WANZHOU, YUZHONG)),
            "P2": _pilot("P2", CITY, dt.date(2021, 3, 1), dt.date(2024, 6, 30), (WANZHOU,)),
            "P3": _pilot("P3", NAT, dt.date(2024, 3, 1), dt.date(2026, 12, 31),
                         (YUZHONG, DADUKOU), mobile=CLERK_YZ),
            "P4": _pilot("P4", CITY, dt.date(2016, 1, 1), None, (WANZHOU,), ongoing=True),
            "P5": _pilot("P5", NAT, dt.date(2024, 8, 1), dt.date(2026, 8, 1), (WANZHOU,),
                         state="submitted"),
            "P6": _pilot("P6", NAT, dt.date(2025, 2, 1), dt.date(2027, 2, 1), (WANZHOU,)),
        }
        db.session.execute(update(Pilot.__table__).where(Pilot.id == ids["P3"]).values(
            approved_on=dt.datetime(2024, 4, 1, 9, 0)))
        db.session.commit()
        put_approved_update(ids["P1"], WANZHOU, "2023Q4", "已完成", True, dt.date(2023, 11, 20))
        put_approved_update(ids["P2"], WANZHOU, "2024Q3", "已完成", True, dt.date(2024, 8, 15))
        put_approved_update(ids["P1"], YUZHONG, "2023Q4", "已完成", True, dt.date(2023, 12, 31))
        put_approved_update(ids["P3"], YUZHONG, "2024Q4", "已完成", True, dt.date(2024, 10, 10))
        put_approved_update(ids["P3"], DADUKOU, "2025Q1", "已完成", True, dt.date(2025, 2, 1))
        # not approved: does not count
        pending = make_update(ids["P4"], _current(), progress="已完成", accepted=True,
                              accepted_on=dt.date(2024, 3, 3))
        act("pilot_update", pending.id, "submit", CLERK_WZ)
        return ids


def _current():
    from app.records.pilot.tasks import current_quarter

    return current_quarter().code


def _collect(source, period):
    from app.units.models import Unit

    units = list(db.session.scalars(select(Unit.id).where(Unit.kind == "district")))
    ctx = CollectContext(parse_period(period), units, dt.datetime.now(), db.session)
    return SOURCES[source["kind"]](source, ctx), units


def _names(ids):
    return sorted(p.name for p in ids)


def test_counts_by_hand_with_links(app, population):
    with app.app_context():
        wz, yz, ddk = unit_id(WANZHOU), unit_id(YUZHONG), unit_id(DADUKOU)
        got, units = _collect({"kind": "pilot_count", "levels": [NAT, CITY], "window": "all"},
                              "2024Q4")
        assert {u: got.value[u] for u in (wz, yz, ddk)} == {wz: 3, yz: 2, ddk: 1}
        assert sum(got.value.values()) == 6 and len(got.value) == 41
        # each value links back to exactly its approved pilots, whoever created them
        assert _names(r for link in got.links[wz] for r in records_for(link)) == [
            "P1", "P2", "P4"]
        assert _names(r for link in got.links[yz] for r in records_for(link)) == ["P1", "P3"]
        assert {link.unit_id for link in got.links[yz]} == {wz, yz}  # the creating units
        assert got.links[unit_id("江北区")] == []
        national, _ = _collect({"kind": "pilot_count", "levels": NAT,
                                "window": "year_to_date"}, "2024Q4")
        assert {u: v for u, v in national.value.items() if v} == {yz: 1, ddk: 1}
        q1, _ = _collect({"kind": "pilot_count", "levels": NAT, "window": "year_to_date"},
                         "2024Q1")
        assert {u: v for u, v in q1.value.items() if v} == {yz: 1, ddk: 1}
        new, _ = _collect({"kind": "pilot_count", "basis": "new"}, "2024Q4")
        cont, _ = _collect({"kind": "pilot_count", "basis": "continuing"}, "2024Q4")
        assert (new.value[wz], cont.value[wz]) == (2, 1)  # P4 was deployed before 十九大


def test_acceptance_rate_by_hand(app, population):
    with app.app_context():
        wz, yz, ddk = unit_id(WANZHOU), unit_id(YUZHONG), unit_id(DADUKOU)
        source = {"kind": "pilot_acceptance_rate", "levels": [NAT, CITY]}
        got, _ = _collect(source, "2024Q4")
        assert (got.numerator[wz], got.denominator[wz], got.value[wz]) == (1, 2, 0.5)
        assert (got.numerator[yz], got.denominator[yz], got.value[yz]) == (2, 2, 1.0)
        assert got.denominator[ddk] == 0 and math.isnan(got.value[ddk])
        roles = {(link.role, r.name) for link in got.links[wz] for r in records_for(link)}
        assert roles == {("numerator", "P1"), ("denominator", "P1"), ("denominator", "P2")}
        q2, _ = _collect(source, "2024Q2")
        assert (q2.numerator[wz], q2.denominator[wz]) == (1, 2)
        assert (q2.numerator[yz], q2.denominator[yz]) == (1, 1)
        national, _ = _collect({**source, "levels": NAT}, "2024Q4")
        assert (national.numerator[wz], national.denominator[wz]) == (1, 1)


def test_source_errors_are_reported_per_leaf(app, population):
    from app.scoring.periods import parse_period as pp

    with app.app_context():
        ctx = CollectContext(pp("2024Q4"), [unit_id(WANZHOU)], dt.datetime.now(), db.session)
        got = collect([("A", {"kind": "pilot_count", "levels": ["省级"]}),
                       ("B", {"kind": "pilot_count", "window": "decade"}),
                       ("C", {"kind": "pilot_acceptance_rate", "levels": NAT})], ctx)
        assert "levels" in got.missing["A"] and "window" in got.missing["B"]
        assert "C" not in got.missing


def _run(runner, scheme, period):
    out = runner.invoke(args=["score", "run", "--scheme", scheme, "--period", period,
                              "--format", "json"])
    assert out.exit_code == 0, out.output
    text = out.stdout if hasattr(out, "stdout") else out.output
    data = json.loads(text[text.index("{"):])
    return {row["unit"]: row for row in data["rows"]}, data["warnings"]


def test_score_run_district_2023_pilot_leaves(app, runner, population):
    rows, warnings = _run(runner, "district_2023", "2024Q4")
    assert not [w for w in warnings if "LS1" in w or "LS2" in w or "试点" in w], warnings
    expected_ls1 = {WANZHOU: 20.0, YUZHONG: 18.67, DADUKOU: 17.33, "江北区": 16.0}
    for name, score in expected_ls1.items():
        assert round(rows[name]["LS1"], 2) == score, name
    expected_ls2 = {WANZHOU: 8.0, YUZHONG: 10.0, DADUKOU: 10.0, "江北区": 10.0}
    for name, score in expected_ls2.items():
        assert round(rows[name]["LS2"], 2) == score, name
    assert round(rows[WANZHOU]["LS"], 2) == 28.0
    assert round(rows[YUZHONG]["LS"], 2) == 28.67


def test_score_run_district_2024_new_national_pilots(app, runner, population):
    rows, warnings = _run(runner, "district_2024", "2024Q4")
    assert not [w for w in warnings if "D8" in w or "新增国家改革试点" in w], warnings
    for name, score in {YUZHONG: 100.0, DADUKOU: 100.0, WANZHOU: 90.0, "江北区": 90.0}.items():
        assert round(rows[name]["D8.1"], 2) == score, name
