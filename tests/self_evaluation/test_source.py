"""The ``self_evaluation`` source feeding dept_self_eval.yaml (部门整体绩效自评),
worked by hand for four city departments (the scheme ranks every unit of kind
``department``), with records filed and approved through the REST chain.

Scheme (seed 003): E1 执行率 10 分, rate capped at 1 → 10 × min(1, 执行率);
E2 绩效指标 90 分, entered (满分 90) → the indicators' part of the 自评总分
(自评总分 − 执行率得分). Total = E1 + E2.

市卫生健康委 (H): approved 部门整体 2023 = seed 003's first table:
    执行数 1971.95 / 调整预算 1971.95 → 执行率 100 % → E1 = 10 × 1 = 10.00;
    indicator weights add up to 100, every row met → 100, total 10 + 100 = 110
    capped at 100 (as the seed prints 100.00) → E2 = 100 − 10 = 90.00;
    total 100.00.
    Also: a draft, a rejected and a pending 部门整体 2023 (other project codes),
    and an approved 二级项目 2023 (seed table 2): none of them counts.
市大数据发展局 (D): approved 部门整体 2023 with seed table 2's rows (weights 90):
    执行数 240 / 调整预算 300 → 执行率 80 % → E1 = 10 × 0.8 = 8.00;
    完成扶持项目个数 "=" 6, actual 3 → 偏离度 |3 − 6| / 6 = 50 % → 系数 0.5 →
    20 × 0.5 = 10; the other four rows met: 20 + 10 + 20 + 20 = 70 →
    indicators 80 → 自评总分 8 + 80 = 88.00 → E2 = 88 − 8 = 80.00;
    total 88.00.
市司法局 (S): approved 部门整体 of 2022 only, and a pending one of 2023 →
    no value for 2023: 缺少数据 (not 0), total 0.
市发展改革委 (F): approved 部门整体 2023, but approved after the moment of
    scoring → 缺少数据, total 0. Scored later, it counts (100.00).
Ranks: H 1, D 2, the others (S, F and every department without data) 3.
Period 2022: only S's table counts (seed table 1 → 100.00, rank 1).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import update

from app.extensions import db
from app.records.self_evaluation.models import SelfEvaluation
from app.records.self_evaluation.seed003 import TABLES
from app.scoring.collectors import records_for
from app.scoring.core import load_scheme
from app.scoring.service import run_scheme
from app.scoring.store import save_scheme
from tests.self_evaluation.util import (
    FINANCE_REVIEWER,
    HEALTH_CLERK,
    HEALTH_REVIEWER,
    act,
    add_accounts,
    create,
    typed_funds,
)

SCHEME = Path(__file__).resolve().parents[2] / "app" / "scoring" / "schemes" / \
    "dept_self_eval.yaml"
H, D, S, F = "市卫生健康委", "市大数据发展局", "市司法局", "市发展改革委"
DSJ_CLERK, DSJ_REVIEWER = "13900000075", "13900000076"
SFJ_CLERK, SFJ_REVIEWER = "13900000077", "13900000078"
FGW_CLERK, FGW_REVIEWER = "13900000079", "13900000080"


def _approve(client, rid, clerk, reviewer):
    assert act(client, rid, "submit", clerk).status_code == 200
    assert act(client, rid, "approve", reviewer).status_code == 200
    assert act(client, rid, "approve", FINANCE_REVIEWER).status_code == 200


def _d_rows() -> dict:
    """Seed table 2's rows as 部门整体 of 市大数据发展局: 执行 240 of 300, one row
    half off its target."""
    _, funds, indicators, _ = TABLES[1]
    funds = [dict(f, executed=240.0) for f in funds]
    indicators = [dict(r) for r in indicators]
    indicators[0]["actual"] = 3
    return {"budget_rows": json.dumps(typed_funds(funds), ensure_ascii=False),
            "indicator_rows": json.dumps([{k: str(v) for k, v in r.items()}
                                          for r in indicators], ensure_ascii=False)}


@pytest.fixture
def population(app, client):
    add_accounts(app)
    ids = {}
    whole = {"kind": "部门整体"}
    # H: the seed's first table, approved; a draft, a rejected, a pending one;
    # an approved 二级项目
    ids["H"] = create(client, 1, HEALTH_CLERK, project_code="H-2023-1")
    _approve(client, ids["H"], HEALTH_CLERK, HEALTH_REVIEWER)
    create(client, 1, HEALTH_CLERK, project_code="H-2023-draft")
    rejected = create(client, 1, HEALTH_CLERK, project_code="H-2023-rejected")
    assert act(client, rejected, "submit", HEALTH_CLERK).status_code == 200
    assert act(client, rejected, "approve", HEALTH_REVIEWER).status_code == 200
    assert act(client, rejected, "reject", FINANCE_REVIEWER, "执行数有误").status_code == 200
    pending = create(client, 1, HEALTH_CLERK, project_code="H-2023-pending")
    assert act(client, pending, "submit", HEALTH_CLERK).status_code == 200
    project = create(client, 2, HEALTH_CLERK, project_code="H-2023-project")
    _approve(client, project, HEALTH_CLERK, HEALTH_REVIEWER)
    ids["H_other"] = [rejected, pending, project]
    # D: seed table 2's rows as its 部门整体, 80 % executed, one row half done
    ids["D"] = create(client, 2, DSJ_CLERK, project_code="D-2023", **whole, **_d_rows())
    _approve(client, ids["D"], DSJ_CLERK, DSJ_REVIEWER)
    # S: 2022 approved; 2023 only pending
    ids["S_2022"] = create(client, 1, SFJ_CLERK, project_code="S-2022", year=2022)
    _approve(client, ids["S_2022"], SFJ_CLERK, SFJ_REVIEWER)
    s_pending = create(client, 1, SFJ_CLERK, project_code="S-2023")
    assert act(client, s_pending, "submit", SFJ_CLERK).status_code == 200
    # F: approved, but (as written here) after the moment of scoring
    ids["F"] = create(client, 1, FGW_CLERK, project_code="F-2023")
    _approve(client, ids["F"], FGW_CLERK, FGW_REVIEWER)
    with app.app_context():
        late = dt.datetime.now() + dt.timedelta(days=1)
        db.session.execute(update(SelfEvaluation).where(SelfEvaluation.id == ids["F"])
                           .values(approved_on=late))
        db.session.commit()
        save_scheme(load_scheme(SCHEME))
    return ids


def _scores(run, names=(H, D, S, F)) -> dict:
    wide = run.result.wide
    out = {}
    for name in names:
        row = {c: (None if wide.loc[name, c] != wide.loc[name, c] else float(wide.loc[name, c]))
               for c in ("E1", "E2", "total")}
        out[name] = row | {"rank": int(wide.loc[name, "rank"]),
                           "complete": bool(wide.loc[name, "complete"])}
    return out


def _listed(run, name, code) -> list[int]:
    links = run.collection.links[(run.unit_ids[name], code)]
    return sorted(r.id for link in links for r in records_for(link.to_dict()))


def test_values_ranks_and_drilldown_by_hand(app, population):
    with app.app_context():
        now = dt.datetime.now()
        run = run_scheme("dept_self_eval", "2023", as_of=now + dt.timedelta(minutes=5))
        assert run.collection.missing == {} and run.result.missing == {}
        values = run.collection.values.set_index(["unit", "indicator"])["value"]
        h, d = run.unit_ids[H], run.unit_ids[D]
        assert values[(h, "E1")] == 1.0 and values[(h, "E2")] == 90.0
        assert values[(d, "E1")] == pytest.approx(0.8) and values[(d, "E2")] == 80.0
        got = _scores(run)
        assert got[H] == {"E1": 10.0, "E2": 90.0, "total": 100.0, "rank": 1, "complete": True}
        assert got[D] == {"E1": 8.0, "E2": 80.0, "total": 88.0, "rank": 2, "complete": True}
        for name in (S, F):
            assert got[name] == {"E1": None, "E2": None, "total": 0.0, "rank": 3,
                                 "complete": False}
        long = run.result.long.set_index(["unit", "indicator"])
        assert long.loc[(S, "E2"), "status"] == "缺少数据"
        # the total is the record's own 自评总分
        record = db.session.get(SelfEvaluation, population["D"])
        assert (record.execution_rate, record.execution_score, record.total_score) == \
            (80.0, 8.0, 88.0)
        # the drill-down lists exactly the approved 部门整体 table behind each value
        for code in ("E1", "E2"):
            assert _listed(run, H, code) == [population["H"]]
            assert _listed(run, D, code) == [population["D"]]
            assert _listed(run, S, code) == []
            assert _listed(run, F, code) == []


def test_later_approval_and_other_year(app, population):
    with app.app_context():
        later = run_scheme("dept_self_eval", "2023", as_of=dt.datetime.now() + dt.timedelta(days=2))
        got = _scores(later)
        assert got[F] == {"E1": 10.0, "E2": 90.0, "total": 100.0, "rank": 1, "complete": True}
        assert got[H]["rank"] == 1 and got[D]["rank"] == 3
        assert _listed(later, F, "E1") == [population["F"]]
        last_year = run_scheme("dept_self_eval", "2022",
                               as_of=dt.datetime.now() + dt.timedelta(minutes=5))
        got = _scores(last_year)
        assert got[S] == {"E1": 10.0, "E2": 90.0, "total": 100.0, "rank": 1, "complete": True}
        assert got[H]["total"] == 0.0 and got[H]["rank"] == 2
        assert _listed(last_year, S, "E2") == [population["S_2022"]]


def test_a_bad_part_is_reported_not_scored(app, population):
    with app.app_context():
        scheme = load_scheme(SCHEME)
        scheme.find("E2").source["part"] = "总分"
        save_scheme(scheme)
        run = run_scheme("dept_self_eval", "2023")
        assert run.collection.missing["E2"].startswith("数据来源有误")
        assert "E1" not in run.collection.missing
