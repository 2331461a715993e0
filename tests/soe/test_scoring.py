"""The SOE scheme (soe_2023.yaml, seed 004 附件1) on approved records, worked by
hand for a population of three enterprises (the 万州 demo enterprises: the
scheme ranks every unit of kind 区属国有企业), under BOTH readings of the
yearly target, and with the adoption bonus at its shipped 0 and at 2.

Rules (seed 004 附件1):
  S1 全国性肯定评价            +1 per item                       (bonus, per_item 1)
  S2 5家中央媒体深度专题报道   +1 per item                       (bonus, per_item 1)
  S3 yearly target 1: x < 1 → −(1 − x) × 1;  x ≥ 1 → (x − 1) × 0.5  (target)
     x = the recognitions of the categories that count towards the target:
       reading L (shipped, literal "市级层面以上"): all three categories;
       reading C ("全市推广" row only): 全市推广 alone.
  S4 adopted typical cases × per_item (shipped 0, 待确认)
Only approved records dated in the period's year and approved by the moment of
collection count; an adoption counts in the year it happened.

The population, this year (Y) unless said:
  城建 (A): approved 全国性肯定评价 ×1, approved 5家中央媒体 ×1.
  交投 (B): approved 全市推广 ×3; one approved case, adopted.
  水务 (C): 全国性肯定评价 dated last year (approved: other year), 全市推广 pending
            (not approved), 全市推广 approved only after the moment of scoring,
            one approved case adopted and then revoked, one approved not adopted.

Reading L:
  A: S1 = 1 × 1 = 1;  S2 = 1 × 1 = 1;  S3: x = 1 + 1 + 0 = 2 ≥ 1 → (2 − 1) × 0.5 = 0.5;
     S4 = 0 × 0 = 0;  total = 1 + 1 + 0.5 + 0 = 2.50
  B: S1 = 0;  S2 = 0;  S3: x = 3 → (3 − 1) × 0.5 = 1.0;  S4 = 1 × 0 = 0;  total = 1.00
  C: S1 = 0;  S2 = 0;  S3: x = 0 < 1 → −(1 − 0) × 1 = −1.0;  S4 = 0;  total = −1.00
  ranks: A 1, B 2, C 3
Reading C:
  A: S3: x = 0 (no 全市推广) → −1.0;  total = 1 + 1 − 1 + 0 = 1.00
  B: S3: x = 3 → 1.0;  total = 1.00
  C: S3: x = 0 → −1.0;  total = −1.00
  ranks: A 1, B 1 (a tie shares the rank), C 3
Reading L with the adoption bonus at 2 per case:
  B: S4 = 1 × 2 = 2;  total = 0 + 0 + 1.0 + 2 = 3.00;  A 2.50;  C −1.00
  ranks: B 1, A 2, C 3
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select

from app.extensions import db
from app.records.soe import adoption
from app.records.soe.models import CITY, MEDIA, NATIONAL, SoeCase, SoeRecognition
from app.scoring.collectors import records_for
from app.scoring.core import load_scheme
from app.scoring.service import run_scheme
from app.scoring.store import save_scheme
from app.workflow.chain import APPROVED
from tests.soe.util import (
    CJ,
    CJ_CLERK,
    CJ_REVIEWER,
    GZW_REVIEWER,
    JT,
    JT_CLERK,
    JT_REVIEWER,
    SW,
    SW_CLERK,
    SW_REVIEWER,
    add_accounts,
    make_case,
    make_recognition,
    user,
    walk,
)

SCHEME = Path(__file__).resolve().parents[2] / "app" / "scoring" / "schemes" / "soe_2023.yaml"
TODAY = dt.date.today()
Y = TODAY.year
NOW = dt.datetime.now().replace(microsecond=0)


def _approved_directly(clerk, category, item, date, approved_on):
    """An approved recognition written as the chain leaves it (for dates and
    moments the chain cannot produce now)."""
    u = user(clerk)
    r = SoeRecognition(title="改革经验", category=category, item=item, date=date,
                       unit_id=u.unit_id, filed_by_id=u.id, submitted_by_id=u.id,
                       state=APPROVED, version=4, submitted_on=NOW - dt.timedelta(days=2),
                       approved_on=approved_on)
    db.session.add(r)
    db.session.commit()
    return r.id


@pytest.fixture
def population(app):
    # the clock of this test, read when it starts (the module may have been
    # imported many minutes before, and the chain's approvals take real time)
    global NOW, TODAY
    NOW = dt.datetime.now().replace(microsecond=0)
    TODAY = NOW.date()
    add_accounts(app)
    with app.app_context():
        ids = {}
        # 城建 (A): one national recognition and one central-media report, through the chain
        ids["A_nat"] = make_recognition(CJ_CLERK, NATIONAL, "N-1", TODAY)
        walk("soe_recognition", ids["A_nat"], CJ_CLERK, CJ_REVIEWER)
        ids["A_media"] = make_recognition(CJ_CLERK, MEDIA, "M-1", TODAY)
        walk("soe_recognition", ids["A_media"], CJ_CLERK, CJ_REVIEWER)
        # 交投 (B): three city promotions; one adopted case
        ids["B_city"] = [_approved_directly(JT_CLERK, CITY, item, TODAY, NOW - dt.timedelta(hours=1))
                         for item in ("C-1", "C-4", "C-8")]
        ids["B_case"] = make_case(JT_CLERK, "路衍经济")
        walk("soe_case", ids["B_case"], JT_CLERK, JT_REVIEWER)
        adoption.change(ids["B_case"], "adopt", user(GZW_REVIEWER))
        # 水务 (C): nothing that counts
        _approved_directly(SW_CLERK, NATIONAL, "N-7", dt.date(Y - 1, 12, 31),
                           NOW - dt.timedelta(days=300))
        pending = make_recognition(SW_CLERK, CITY, "C-5", TODAY)
        from app.workflow.engine import transition

        transition("soe_recognition", pending, "submit", user(SW_CLERK))
        ids["C_late"] = _approved_directly(SW_CLERK, CITY, "C-2", TODAY,
                                           NOW + dt.timedelta(days=1))
        revoked = make_case(SW_CLERK, "厂网一体")
        walk("soe_case", revoked, SW_CLERK, SW_REVIEWER)
        adoption.change(revoked, "adopt", user(GZW_REVIEWER))
        adoption.change(revoked, "revoke", user(GZW_REVIEWER), "经复核不予采用")
        open_case = make_case(SW_CLERK, "污水处理")
        walk("soe_case", open_case, SW_CLERK, SW_REVIEWER)
    return ids


def _with(categories=None, per_item=None):
    """The shipped scheme with S3's categories and S4's bonus changed, stored."""
    scheme = load_scheme(SCHEME)
    if categories is not None:
        scheme.find("S3").source["categories"] = categories
    if per_item is not None:
        scheme.find("S4").params["per_item"] = per_item
    save_scheme(scheme)


def _scores(run) -> dict:
    wide = run.result.wide
    return {name: {c: float(wide.loc[name, c]) for c in ("S1", "S2", "S3", "S4", "total")}
            | {"rank": int(wide.loc[name, "rank"])} for name in (CJ, JT, SW)}


def test_the_shipped_scheme_names_the_choices_to_confirm():
    scheme = load_scheme(SCHEME)
    s3, s4 = scheme.find("S3"), scheme.find("S4")
    assert s3.method == "target" and s3.params == {"target": 1, "missing_penalty": 1,
                                                   "extra_bonus": 0.5}
    assert s3.source == {"kind": "soe_recognition", "categories": [NATIONAL, MEDIA, CITY]}
    assert s3.to_confirm and "待确认" in s3.note and "市级层面以上" in s3.note
    assert s4.source == {"kind": "soe_case_adopted"} and s4.params == {"per_item": 0}
    assert s4.to_confirm and "待确认" in s4.note
    for code, cats in (("S1", [NATIONAL]), ("S2", [MEDIA])):
        leaf = scheme.find(code)
        assert leaf.method == "bonus" and leaf.params == {"per_item": 1}
        assert leaf.source["categories"] == cats


def test_reading_literal_city_level_or_above(app, population):
    with app.app_context():
        _with()  # as shipped
        run = run_scheme("soe_2023", str(Y), as_of=NOW + dt.timedelta(minutes=5))
        assert run.collection.missing == {} and run.result.missing == {}
        got = _scores(run)
        assert got[CJ] == {"S1": 1.0, "S2": 1.0, "S3": 0.5, "S4": 0.0, "total": 2.5, "rank": 1}
        assert got[JT] == {"S1": 0.0, "S2": 0.0, "S3": 1.0, "S4": 0.0, "total": 1.0, "rank": 2}
        assert got[SW] == {"S1": 0.0, "S2": 0.0, "S3": -1.0, "S4": 0.0, "total": -1.0,
                           "rank": 3}
        long = run.result.long.set_index(["unit", "indicator"])
        assert long.loc[(CJ, "S3"), "explanation"] == "2 项，目标 1 → (2−1) × 0.5 = 0.50"
        assert long.loc[(SW, "S3"), "explanation"] == "0 项，少于目标 1 → −(1−0) × 1 = -1.00"
        # the drill-down lists exactly the records counted
        a, b = run.unit_ids[CJ], run.unit_ids[JT]
        s3 = [r.id for link in run.collection.links[(a, "S3")] for r in records_for(link)]
        assert sorted(s3) == sorted([population["A_nat"], population["A_media"]])
        s4 = [r.id for link in run.collection.links[(b, "S4")]
              for r in records_for(link.to_dict())]
        assert s4 == [population["B_case"]]


def test_reading_city_promotions_only(app, population):
    with app.app_context():
        _with(categories=[CITY])
        run = run_scheme("soe_2023", str(Y), as_of=NOW + dt.timedelta(minutes=5))
        got = _scores(run)
        assert got[CJ] == {"S1": 1.0, "S2": 1.0, "S3": -1.0, "S4": 0.0, "total": 1.0, "rank": 1}
        assert got[JT] == {"S1": 0.0, "S2": 0.0, "S3": 1.0, "S4": 0.0, "total": 1.0, "rank": 1}
        assert got[SW]["total"] == -1.0 and got[SW]["rank"] == 3


def test_adoption_bonus_is_a_parameter(app, population):
    with app.app_context():
        _with(per_item=2)
        run = run_scheme("soe_2023", str(Y), as_of=NOW + dt.timedelta(minutes=5))
        got = _scores(run)
        assert got[JT]["S4"] == 2.0 and got[JT]["total"] == 3.0 and got[JT]["rank"] == 1
        assert got[CJ]["total"] == 2.5 and got[CJ]["rank"] == 2
        assert got[SW]["S4"] == 0.0 and got[SW]["rank"] == 3  # the revoked adoption
        # an adoption after the moment of scoring does not count
        before = run_scheme("soe_2023", str(Y), as_of=NOW - dt.timedelta(minutes=5))
        values = before.collection.values.set_index(["unit", "indicator"])["value"]
        assert values[(before.unit_ids[JT], "S4")] == 0
        # another year: nothing of this year counts; 水务's national item of Y−1 does
        last = run_scheme("soe_2023", str(Y - 1), as_of=NOW + dt.timedelta(minutes=5))
        prev = _scores(last)
        assert prev[SW]["S1"] == 1.0 and prev[SW]["S3"] == 0.0 and prev[SW]["total"] == 1.0
        assert prev[CJ]["total"] == -1.0 and prev[JT]["total"] == -1.0


def test_a_bad_category_is_reported_not_scored(app, population):
    with app.app_context():
        _with(categories=["省级推广"])
        run = run_scheme("soe_2023", str(Y))
        assert "S3" in run.collection.missing and "省级推广" in run.collection.missing["S3"]
        assert run.collection.missing["S3"].startswith("数据来源有误")


def test_demo_cases_count_only_when_adopted(app, population):
    with app.app_context():
        adopted = db.session.scalars(select(SoeCase.id).where(SoeCase.adopted.is_(True))).all()
        assert adopted == [population["B_case"]]
