"""The ``task_report`` source feeding city_district_2021.yaml (seed 002), worked
by hand for two districts with seed 002's breakdown (万州区 through the chain;
渝中区 with its departments created, reports written as the chain leaves them).
The scheme ranks every unit of kind ``district``; each leaf names its row of
the breakdown (row: [序号, 第几行]) and scores the 全年预计自评得分 out of the
row's weight (entered, 满分 = points: the value is the score).

万州区 (W):
  K1   [1, 1]  GDP 4 分, 区发展改革委: approved 3.6, later approved 4.0
               → the latest approved: 4.00
  K2.1 [2, 1]  民营经济 3 分, 区发展改革委 2.7 and 区工商联 3.0, both approved
               → the overview's mean (2.7 + 3.0) / 2 = 2.85
  K3.1 [3, 1]  区财政局: submitted, approved by its own reviewer only (pending)
               → 缺少数据
  K14  [14, 1] 环境质量 6 分, 区生态环境局: approved 5.5; a rejected report with
               6.0 and a later draft with 1.0 do not count → 5.50
  total 4.00 + 2.85 + 5.50 = 12.35
渝中区 (Y):
  K1   [1, 1]  区发展改革委 approved 3.0                       → 3.00
  K14  [14, 1] 区生态环境局 approved 6.0                       → 6.00
  K2.1 [2, 1]  区发展改革委 approved 3.0, but after the moment of scoring
               → 缺少数据 (scored a day later: 3.00, total 12.00)
  total 3.00 + 6.00 = 9.00
Ranks: W 1 (12.35), Y 2 (9.00), every other district 3 (0, no data).
Scored later (after Y's late approval): W 12.35 rank 1, Y 12.00 rank 2.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select

from app.extensions import db
from app.records.district_assessment.breakdown import load_shipped_breakdown
from app.records.district_assessment.models import (
    SCORED_GROUP,
    AssessmentIndicator,
    AssessmentReport,
    unit_name_for,
)
from app.records.district_assessment.overview import build_overview
from app.scoring.collectors import records_for
from app.scoring.core import load_scheme
from app.scoring.service import run_scheme
from app.scoring.store import save_scheme
from app.workflow import engine
from app.workflow.chain import APPROVED
from tests.district_assessment.util import (
    CONTACTS,
    CZJ_CLERK,
    CZJ_REVIEWER,
    FGW_CLERK,
    FGW_REVIEWER,
    GSL_CLERK,
    GSL_REVIEWER,
    OFFICE,
    QWB_REVIEWER,
    STJ_CLERK,
    STJ_REVIEWER,
    add_user,
    indicator,
    new_report,
    prepare,
    unit,
    user,
    walk,
)

SCHEME = Path(__file__).resolve().parents[2] / "app" / "scoring" / "schemes" / \
    "city_district_2021.yaml"
W, Y = "万州区", "渝中区"
LEAVES = ("K1", "K2.1", "K2.2", "K3.1", "K14")


def _approved(clerk, reviewer, ind, annual, progress=None):
    report = new_report(clerk, ind, progress_score=annual if progress is None else progress,
                        annual_score=annual)
    walk("assessment_report", report.id, clerk, reviewer, QWB_REVIEWER)
    return report.id


def _written_approved(department: str, ind, annual, approved_on) -> int:
    """An approved report of 渝中区's ``department`` as the chain leaves it."""
    filer = unit(department)
    office = user(OFFICE)
    report = AssessmentReport(
        indicator=ind, district_id=ind.district_id, unit_id=filer.id, filed_by_id=office.id,
        state=APPROVED, version=4, submitted_on=approved_on - dt.timedelta(hours=1),
        approved_on=approved_on, progress_basic="1—10月情况", annual_basic="全年预计情况",
        progress_score=annual, annual_score=annual, title=f"{department}：2021年 {ind.label}",
        **CONTACTS)
    db.session.add(report)
    db.session.commit()
    return report.id


@pytest.fixture
def population(app):
    prepare(app)
    now = dt.datetime.now()
    ids = {}
    with app.app_context():
        add_user(GSL_CLERK, "万州区工商联", "录入员")
        add_user(GSL_REVIEWER, "万州区工商联", "审核员")
        gdp, private, debt, env = (indicator(SCORED_GROUP, 1), indicator(SCORED_GROUP, 2, 1),
                                   indicator(SCORED_GROUP, 3, 1), indicator(SCORED_GROUP, 14))
        ids["W_gdp_old"] = _approved(FGW_CLERK, FGW_REVIEWER, gdp, 3.6)
        ids["W_gdp"] = _approved(FGW_CLERK, FGW_REVIEWER, gdp, 4.0)
        ids["W_private"] = [_approved(FGW_CLERK, FGW_REVIEWER, private, 2.7),
                            _approved(GSL_CLERK, GSL_REVIEWER, private, 3.0)]
        pending = new_report(CZJ_CLERK, debt, progress_score=2.0, annual_score=2.0)
        walk("assessment_report", pending.id, CZJ_CLERK, CZJ_REVIEWER)
        ids["W_env"] = _approved(STJ_CLERK, STJ_REVIEWER, env, 5.5)
        rejected = new_report(STJ_CLERK, env, progress_score=6.0, annual_score=6.0)
        walk("assessment_report", rejected.id, STJ_CLERK, STJ_REVIEWER)
        engine.transition("assessment_report", rejected.id, "reject", user(QWB_REVIEWER),
                          "得分依据不足")
        new_report(STJ_CLERK, env, progress_score=1.0, annual_score=1.0)  # a draft
        # 渝中区: seed 002's breakdown, its departments created
        load_shipped_breakdown(db.session, unit(Y), 2021, create_units=True)
        db.session.commit()
        y = unit(Y).id

        def row(seq, part=1):
            return db.session.scalar(select(AssessmentIndicator).where(
                AssessmentIndicator.district_id == y, AssessmentIndicator.year == 2021,
                AssessmentIndicator.group_name == SCORED_GROUP, AssessmentIndicator.seq == seq,
                AssessmentIndicator.part == part))

        ids["Y_gdp"] = _written_approved("渝中区发展改革委", row(1), 3.0,
                                         now - dt.timedelta(hours=2))
        ids["Y_env"] = _written_approved("渝中区生态环境局", row(14), 6.0,
                                         now - dt.timedelta(hours=2))
        ids["Y_late"] = _written_approved("渝中区发展改革委", row(2), 3.0,
                                          now + dt.timedelta(days=1))
        save_scheme(load_scheme(SCHEME))
    return ids


def _scores(run, name) -> dict:
    wide = run.result.wide

    def num(value):
        return None if value != value else float(value)

    return {c: num(wide.loc[name, c]) for c in LEAVES + ("total",)} | {
        "rank": int(wide.loc[name, "rank"])}


def _listed(run, name, code) -> list[int]:
    links = run.collection.links[(run.unit_ids[name], code)]
    return sorted(r.id for link in links for r in records_for(link.to_dict()))


def test_values_ranks_and_drilldown_by_hand(app, population):
    with app.app_context():
        run = run_scheme("city_district_2021", "2021",
                         as_of=dt.datetime.now() + dt.timedelta(minutes=5))
        assert run.collection.missing == {}
        assert _scores(run, W) == {"K1": 4.0, "K2.1": 2.85, "K2.2": None, "K3.1": None,
                                   "K14": 5.5, "total": 12.35, "rank": 1}
        assert _scores(run, Y) == {"K1": 3.0, "K2.1": None, "K2.2": None, "K3.1": None,
                                   "K14": 6.0, "total": 9.0, "rank": 2}
        others = [n for n in run.unit_ids if n not in (W, Y)]
        assert others and all(_scores(run, n)["total"] == 0.0 and _scores(run, n)["rank"] == 3
                              for n in others)
        long = run.result.long.set_index(["unit", "indicator"])
        assert long.loc[(W, "K3.1"), "status"] == "缺少数据"
        assert "K2.2" in run.result.missing  # no district reported on it
        # the same rule as the overview: its weighted total of 万州区 is the same
        assert build_overview(db.session, unit(W), 2021).annual_total == 12.35
        # the drill-down lists exactly the approved reports behind each value
        assert _listed(run, W, "K1") == [population["W_gdp"]]
        assert _listed(run, W, "K2.1") == sorted(population["W_private"])
        assert len(run.collection.links[(run.unit_ids[W], "K2.1")]) == 2  # one per department
        assert _listed(run, W, "K3.1") == []
        assert _listed(run, W, "K14") == [population["W_env"]]
        assert _listed(run, Y, "K1") == [population["Y_gdp"]]
        assert _listed(run, Y, "K14") == [population["Y_env"]]
        assert _listed(run, Y, "K2.1") == []
        # another year: no breakdown, nothing scored
        before = run_scheme("city_district_2021", "2020")
        assert _scores(before, W)["total"] == 0.0


def test_a_later_approval_counts_when_scored_later(app, population):
    with app.app_context():
        later = run_scheme("city_district_2021", "2021",
                           as_of=dt.datetime.now() + dt.timedelta(days=2))
        assert _scores(later, Y)["K2.1"] == 3.0 and _scores(later, Y)["total"] == 12.0
        assert _scores(later, Y)["rank"] == 2 and _scores(later, W)["rank"] == 1
        assert _listed(later, Y, "K2.1") == [population["Y_late"]]


def test_a_leaf_without_its_row_is_reported_not_scored(app, population):
    with app.app_context():
        scheme = load_scheme(SCHEME)
        del scheme.find("K1").source["row"]
        scheme.find("K4").source["row"] = "第4行"
        save_scheme(scheme)
        run = run_scheme("city_district_2021", "2021")
        assert run.collection.missing["K1"].startswith("数据来源有误")
        assert "row" in run.collection.missing["K1"]
        assert "第4行" in run.collection.missing["K4"]
        assert _scores(run, W)["K14"] == 5.5


def test_every_leaf_names_its_own_row_of_the_shipped_breakdown(app):
    """Each leaf's row in seed 002's breakdown has the leaf's points as its
    weight and the leaf's responsible units."""
    prepare(app)
    scheme = load_scheme(SCHEME)
    with app.app_context():
        rows = {(i.seq, i.part): i for i in db.session.scalars(select(AssessmentIndicator).where(
            AssessmentIndicator.district_id == unit(W).id, AssessmentIndicator.year == 2021,
            AssessmentIndicator.group_name == SCORED_GROUP))}
        named = []
        for leaf in scheme.leaves():
            assert leaf.source["kind"] == "task_report" and leaf.source["field"] == "自评得分"
            seq, part = leaf.source["row"]
            ind = rows[(seq, part)]
            named.append((seq, part))
            assert ind.weight == leaf.points, leaf.code
            assert sorted(u.name for u in ind.units) == sorted(
                unit_name_for(W, n) for n in leaf.responsible_units), leaf.code
        assert sorted(named) == sorted(rows)  # every weighted row, once
