"""Schemes in the database, collectors from approved records, the CLI."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from sqlalchemy import select

from app.extensions import db
from app.scoring.collectors import SOURCES, records_for
from app.scoring.core.scheme import dump_scheme, load_scheme
from app.scoring.models import Scheme as SchemeRow
from app.scoring.service import run_scheme
from app.scoring.store import freeze, latest, save_scheme, to_core
from tests.workflow.util import (
    CLERK_WZ,
    CLERK_YZ,
    OFFICE,
    REVIEWER_WZ,
    REVIEWER_YZ,
    act,
    make_recognition,
)

SCHEMES = Path(__file__).resolve().parents[1] / "app" / "scoring" / "schemes"
NATIONAL = "全国性肯定评价"


def _approve(mobile_clerk, reviewer, category=NATIONAL, criterion=None, date=None):
    rec = make_recognition(mobile_clerk, category=category,
                           criterion=criterion or {"全国性肯定评价": "N23-1", "全市推广": "C-1"}
                           .get(category, "M-1"), date=date)
    act("recognition", rec.id, "submit", mobile_clerk)
    act("recognition", rec.id, "approve", reviewer)
    act("recognition", rec.id, "approve", OFFICE)
    return rec


def test_demo_loads_the_five_schemes_and_they_round_trip(app, runner):
    with app.app_context():
        codes = set(db.session.scalars(select(SchemeRow.code)))
    assert codes == {"district_2023", "district_2024", "soe_2023", "dept_self_eval",
                     "city_district_2021"}
    for path in SCHEMES.glob("*.yaml"):
        out = runner.invoke(args=["scheme", "export", path.stem]).output
        assert out == dump_scheme(load_scheme(path)), path.stem


def test_import_is_idempotent_updates_and_versions_frozen(app, runner, tmp_path):
    path = SCHEMES / "district_2023.yaml"
    assert "内容未变" in runner.invoke(args=["scheme", "import", str(path)]).output
    changed = path.read_text(encoding="utf-8").replace("points: 25", "points: 24", 1) \
        .replace("points: 50", "points: 49", 1)
    new = tmp_path / "d.yaml"
    new.write_text(changed, encoding="utf-8")
    assert "第 1 版：已更新" in runner.invoke(args=["scheme", "import", str(new)]).output
    with app.app_context():
        freeze(latest("district_2023"))
    assert "第 2 版：已创建" in runner.invoke(args=["scheme", "import", str(path)]).output
    with app.app_context():
        v1 = db.session.scalar(select(SchemeRow).where(SchemeRow.code == "district_2023",
                                                       SchemeRow.version == 1))
        assert v1.frozen and to_core(v1).find("PP1").points == 24  # the frozen one is kept
        assert to_core(latest("district_2023")).find("PP1").points == 25


def test_bad_scheme_import_changes_nothing(app, runner, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text((SCHEMES / "district_2023.yaml").read_text(encoding="utf-8")
                   .replace("points: 25", "points: 26", 1), encoding="utf-8")
    result = runner.invoke(args=["scheme", "import", str(bad)])
    assert result.exit_code == 1 and "合计 51" in result.output
    with app.app_context():
        assert to_core(latest("district_2023")).find("PP1").points == 25


def test_score_run_counts_approved_records_only(app, runner):
    year = dt.date.today().year
    with app.app_context():
        a = _approve(CLERK_WZ, REVIEWER_WZ, date=dt.date(year, 1, 10))
        _approve(CLERK_WZ, REVIEWER_WZ, date=dt.date(year, 2, 10))
        _approve(CLERK_YZ, REVIEWER_YZ, date=dt.date(year, 3, 1))
        # not counted: waiting for the reform office; a draft
        pending = make_recognition(CLERK_YZ, category=NATIONAL, criterion="N23-1")
        act("recognition", pending.id, "submit", CLERK_YZ)
        act("recognition", pending.id, "approve", REVIEWER_YZ)
        make_recognition(CLERK_YZ, category=NATIONAL, criterion="N23-1")
        period = f"{year}Q4"
        run = run_scheme("district_2023", period)
        w = run.result.wide
        # 41 districts: 万州 2, 渝中 1, 39 others 0 → median 0, max 2
        # 万州 25; 渝中 25 × [0.9 + (1−0)/(2−0) × 0.1] = 23.75; others 25 × 0.9 = 22.50
        assert w.loc["万州区", "PP1"] == 25.0
        assert w.loc["渝中区", "PP1"] == 23.75
        assert w.loc["江北区", "PP1"] == 22.5
        assert len(w) == 41
        # sources that do not exist yet (their kind is not registered: the
        # record types still to come) are reported, never scored 0
        not_yet = [leaf.code for leaf in run.result.scheme.leaves()
                   if leaf.source["kind"] not in SOURCES]
        for code in not_yet:
            assert run.result.missing[code].startswith("缺少数据来源"), code
            assert w[code].isna().all(), code
        if not_yet:
            assert not w["complete"].any()
        # every value is linked to the records it came from
        links = run.collection.links[(run.unit_ids["万州区"], "PP1")]
        assert [r.id for r in records_for(links[0])][0] == a.id
        assert len(records_for(links[0])) == 2
        # approved after the moment of collection: not part of it
        late = run_scheme("district_2023", period, as_of=dt.datetime(year - 1, 1, 1))
        assert late.result.wide["PP1"].eq(25.0).all()  # all zero → all equal → full points


def test_score_run_cli(app, runner):
    year = dt.date.today().year
    with app.app_context():
        _approve(CLERK_WZ, REVIEWER_WZ, date=dt.date(year, 1, 10))
    result = runner.invoke(args=["score", "run", "--scheme", "district_2023",
                                 "--period", f"{year}Q4", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    first = data["rows"][0]
    assert first["unit"] == "万州区" and first["rank"] == 1 and first["PP1"] == 25.0
    bad = runner.invoke(args=["score", "run", "--scheme", "district_2023", "--period", "2024"])
    assert bad.exit_code == 1 and "按季度评价" in bad.output
    bad = runner.invoke(args=["score", "run", "--scheme", "nope", "--period", "2024Q1"])
    assert bad.exit_code == 1 and "找不到指标体系" in bad.output
    bad = runner.invoke(args=["score", "run", "--scheme", "district_2023", "--period", "Q9"])
    assert bad.exit_code == 1 and "无法识别的期间" in bad.output


def test_score_file_cli(runner, tmp_path):
    values = tmp_path / "v.csv"
    values.write_text("unit,indicator,value\n甲,PP1,1\n乙,PP1,3\n", encoding="utf-8")
    out = runner.invoke(args=["score", "file", str(SCHEMES / "district_2023.yaml"), str(values)])
    assert out.exit_code == 0
    assert out.output.splitlines()[1].startswith("乙,")
    values.write_text("unit,indicator,value\n甲,XX,1\n", encoding="utf-8")
    out = runner.invoke(args=["score", "file", str(SCHEMES / "district_2023.yaml"), str(values)])
    assert out.exit_code == 1 and "没有末级指标“XX”" in out.output


def test_save_scheme_refuses_invalid(app):
    import pytest

    from app.scoring.core.scheme import SchemeError

    with app.app_context():
        scheme = to_core(latest("soe_2023"))
        scheme.indicators[0].method = "magic"
        with pytest.raises(SchemeError):
            save_scheme(scheme)
