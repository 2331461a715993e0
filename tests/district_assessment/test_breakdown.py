"""Seed 002's breakdown loaded from the shipped data (by the CLI command):
every indicator, weight and responsible unit of the seed's four tables and the
27 督查激励 measures of 附件2, checked against figures read off the seed."""

from __future__ import annotations

from pathlib import Path

import yaml
from sqlalchemy import func, select

from app.extensions import db
from app.records.district_assessment.breakdown import remove_breakdown
from app.records.district_assessment.models import (
    AssessmentIndicator,
    SupervisionItem,
    is_district_office,
    unit_name_for,
)
from app.units.models import Unit
from tests.district_assessment.util import unit

# group | 序号 | 权重 (blank: none) | 责任单位 — one line per row of the seed's tables
SEED = """
经济社会发展业绩|1|4|区发展改革委
经济社会发展业绩|2|3|区发展改革委、区工商联
经济社会发展业绩|2|2|区市场监管局
经济社会发展业绩|3|2|区财政局
经济社会发展业绩|3|1|区税务局
经济社会发展业绩|4|7|区科技局
经济社会发展业绩|5|1|区农业农村委
经济社会发展业绩|6|5|区经济信息委、经开区经济运行局
经济社会发展业绩|7|3|区发展改革委、区经济信息委、区大数据发展局
经济社会发展业绩|8|3|区政府外办（区服务业发展办）
经济社会发展业绩|9|3|区金融办
经济社会发展业绩|10|2|区商务委
经济社会发展业绩|11|2|区商务委
经济社会发展业绩|12|4|区政府外办（区招商投资局）
经济社会发展业绩|13|4|区发展改革委
经济社会发展业绩|14|6|区生态环境局
经济社会发展业绩|15|2|区农业农村委
经济社会发展业绩|15|2|区农业农村委
经济社会发展业绩|15|1|区规划自然资源局（区林业局）
经济社会发展业绩|16|1|区发展改革委
经济社会发展业绩|17|1|区农业农村委
经济社会发展业绩|18|3|区商务委
经济社会发展业绩|19|3|区住房城乡建委
经济社会发展业绩|20|2|区人力社保局
经济社会发展业绩|21|3|区卫生健康委
经济社会发展业绩|21|3|区教委
经济社会发展业绩|21|2|区民政局
经济社会发展业绩|21|2|区文化旅游委
经济社会发展业绩|21|2|区体育发展中心
经济社会发展业绩|22|2|区卫生健康委
经济社会发展业绩|23|3|区市场监管局
经济社会发展业绩|24|3|区文化旅游委
经济社会发展业绩|25|3|区城市管理局
群众主观感受|1||区卫生健康委、区教委、区城市管理局、区文化旅游委
群众主观感受|2||区工商联、区经济信息委、区商务委、区住房城乡建委
群众主观感受|3||区生态环境局
重点专项|1||区委办公室、区政府办公室、区级有关部门
重点专项|2||区委办公室、区政府办公室、区审计局
重点专项|3||区委办公室、区政府办公室、区委组织部、区发展改革委、区经济信息委、区大数据发展局、区农业农村委、区住房城乡建委、区商务委、区生态环境局
重点专项|4||区委办公室、区政府办公室、区级有关部门
基础保障|1||区委办公室、区政府办公室、区委政法委、区卫生健康委、区金融办、区财政局、区生态环境局、区市场监管局、区应急局、区发展改革委、区住房城乡建委、区公安分局
基础保障|2||区委办公室（区委改革办）
基础保障|2||区政府办公室、区级有关部门
基础保障|3||区司法局
基础保障|4||区委办公室、区政府办公室、区级有关部门
基础保障|4||区委政法委
基础保障|4||区委保密办
基础保障|4||区政务办
基础保障|4||区发展改革委
基础保障|4||区教委
基础保障|4||区民政局
基础保障|4||区人力社保局
基础保障|4||区规划自然资源局、区农业农村委
基础保障|4||区住房城乡建委
基础保障|4||区农业农村委
基础保障|4||区退役军人事务局
基础保障|4||区应急局、区消防救援支队
基础保障|4||区国资委
"""

# 附件2: 序号 → (市级牵头部门, 区级责任单位)
SUPERVISION = {
    1: ("市乡村振兴局", "区农业农村委"), 2: ("市生态环境局", "区生态环境局"),
    3: ("市发展改革委", "区发展改革委"), 4: ("市招商投资局", "区招商投资局"),
    5: ("市发展改革委", "区发展改革委"), 6: ("市经济信息委、市发展改革委", "区经济信息委、区发展改革委"),
    7: ("市金融监管局", "区金融办"), 8: ("市农业农村委", "区农业农村委"),
    9: ("市大数据发展局、市政府电子政务中心", "区大数据发展局、区政务办"),
    10: ("市科技局", "区科技局"), 11: ("市科技局", "区科技局"),
    12: ("市发展改革委", "区发展改革委"), 13: ("市经济信息委、市财政局", "区经济信息委、区财政局"),
    14: ("市市场监管局", "区市场监管局"), 15: ("市农业农村委", "区农业农村委"),
    16: ("市乡村振兴局、市农业农村委", "区农业农村委"),
    17: ("市乡村振兴局、市农业农村委", "区农业农村委"), 18: ("市住房城乡建委", "区住房城乡建委"),
    19: ("市水利局", "区农业农村委"), 20: ("市城市管理局", "区城市管理局"),
    21: ("市人力社保局", "区人力社保局"), 22: ("市民政局", "区民政局"),
    23: ("市卫生健康委", "区卫生健康委"), 24: ("市教委", "区教委"),
    25: ("市文化旅游委", "区文化旅游委"), 26: ("市应急管理局", "区应急局"),
    27: ("市政府办公厅", "区政府办公室"),
}


def _seed_rows():
    rows = []
    for line in SEED.strip().splitlines():
        group, seq, weight, units = line.split("|")
        rows.append((group, int(seq), float(weight) if weight else None, units))
    return rows


def _load(runner, app):
    with app.app_context():
        wz = unit("万州区")
        remove_breakdown(db.session, wz, 2021)
        db.session.commit()
    result = runner.invoke(args=["assessment", "load-breakdown", "--year", "2021",
                                 "--district", "万州区"])
    assert result.exit_code == 0, result.output
    return result.output


def test_seed_counts_read_off_the_tables():
    rows = _seed_rows()
    assert len(rows) == 58
    scored = [r for r in rows if r[0] == "经济社会发展业绩"]
    assert len({r[1] for r in scored}) == 25 and len(scored) == 33
    assert sum(r[2] for r in scored) == 90
    assert [len({r[1] for r in rows if r[0] == g}) for g in ("群众主观感受", "重点专项", "基础保障")] \
        == [3, 4, 4]


def test_cli_loads_every_indicator_weight_and_unit_of_the_seed(app, runner):
    output = _load(runner, app)
    assert "36 项指标、58 行（权重合计 90）" in output and "督查激励事项 27 项" in output
    with app.app_context():
        wz = unit("万州区")
        got = db.session.scalars(select(AssessmentIndicator).where(
            AssessmentIndicator.district_id == wz.id, AssessmentIndicator.year == 2021)
            .order_by(AssessmentIndicator.sort_order)).all()
        expected = _seed_rows()
        assert len(got) == len(expected)
        for ind, (group, seq, weight, units) in zip(got, expected, strict=True):
            assert (ind.group_name, ind.seq, ind.weight, ind.responsible) == \
                (group, seq, weight, units), ind.label
            resolved = sorted(u.name for u in ind.units)
            wanted = sorted(filter(None, (unit_name_for("万州区", n) for n in units.split("、"))))
            assert resolved == wanted, ind.label
            assert all(u.parent_id == wz.id and u.kind == "district_dept" for u in ind.units)
        # the split indicators: rows and their shares
        shares = {}
        for ind in got:
            if ind.weight is not None:
                shares.setdefault(ind.seq, []).append(ind.weight)
        assert shares[2] == [3, 2] and shares[3] == [2, 1] and shares[15] == [2, 2, 1]
        assert shares[21] == [3, 3, 2, 2, 2] and sum(shares[21]) == 12
        assert sum(sum(v) for v in shares.values()) == 90
        by_key = {(i.group_name, i.seq, i.part): i for i in got}
        assert by_key[("基础保障", 4, 1)].parts == 14
        assert by_key[("基础保障", 4, 14)].content == "国企改革"
        assert [u.name for u in by_key[("基础保障", 4, 14)].units] == ["万州区国资委"]
        assert len(by_key[("基础保障", 1, 1)].units) == 12
        assert len(by_key[("重点专项", 3, 1)].units) == 10
        # 区级有关部门 names no unit; the parenthesis names the office's other plaque
        assert [u.name for u in by_key[("重点专项", 1, 1)].units] == ["万州区委办公室", "万州区政府办公室"]
        assert [u.name for u in by_key[("经济社会发展业绩", 8, 1)].units] == ["万州区政府外办"]
        assert [u.name for u in by_key[("基础保障", 2, 1)].units] == ["万州区委办公室"]
        assert is_district_office(unit("万州区委办公室")) and is_district_office(unit("万州区政府办公室"))
        assert not is_district_office(unit("万州区发展改革委"))

        items = db.session.scalars(select(SupervisionItem).where(
            SupervisionItem.district_id == wz.id).order_by(SupervisionItem.seq)).all()
        assert [i.seq for i in items] == list(range(1, 28))
        for item in items:
            leads, units = SUPERVISION[item.seq]
            assert (item.city_leads, item.responsible) == (leads, units), item.seq
            assert sorted(u.name for u in item.units) == sorted(
                unit_name_for("万州区", n) for n in units.split("、"))
        assert items[3].units[0].name == "万州区政府外办"  # 区招商投资局
        assert items[5].measure == "推动制造业高质量发展"


def test_weighted_rows_agree_with_the_shipped_scoring_scheme(app, runner):
    """The scheme city_district_2021.yaml (written earlier from the same seed)
    has the same 33 weighted shares with the same responsible units."""
    _load(runner, app)
    scheme = yaml.safe_load(Path("app/scoring/schemes/city_district_2021.yaml").read_text(
        encoding="utf-8"))
    leaves = []

    def walk(node):
        if node.get("children"):
            for child in node["children"]:
                walk(child)
        else:
            leaves.append((float(node["points"]), sorted(node["responsible_units"])))

    for node in scheme["indicators"]:
        walk(node)
    with app.app_context():
        got = db.session.scalars(select(AssessmentIndicator).where(
            AssessmentIndicator.district_id == unit("万州区").id,
            AssessmentIndicator.weight.is_not(None)).order_by(AssessmentIndicator.sort_order)).all()
        mine = [(i.weight, sorted(i.responsible.split("、"))) for i in got]
    assert mine == leaves


def test_loading_again_changes_nothing_and_other_years_are_apart(app, runner):
    _load(runner, app)
    with app.app_context():
        ids = set(db.session.scalars(select(AssessmentIndicator.id)))
    result = runner.invoke(args=["assessment", "load-breakdown", "--district", "万州区"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert set(db.session.scalars(select(AssessmentIndicator.id))) == ids
    result = runner.invoke(args=["assessment", "load-breakdown", "--district", "不存在区"])
    assert result.exit_code != 0 and "找不到区县" in result.output


def test_cli_lists_missing_departments_or_creates_them(app, runner):
    """渝中区 has no district departments: nothing is loaded and each missing
    unit is named; with --create-units they are made under 渝中区."""
    result = runner.invoke(args=["assessment", "load-breakdown", "--district", "渝中区"])
    assert result.exit_code == 1
    assert "渝中区没有区级部门“渝中区发展改革委”" in result.output
    assert "“渝中经开区经济运行局”" in result.output
    with app.app_context():
        yz = unit("渝中区")
        assert db.session.scalar(select(func.count()).select_from(AssessmentIndicator).where(
            AssessmentIndicator.district_id == yz.id)) == 0
    result = runner.invoke(args=["assessment", "load-breakdown", "--district", "渝中区",
                                 "--create-units"])
    assert result.exit_code == 0, result.output
    assert "新建区级部门 36 个" in result.output
    with app.app_context():
        yz = unit("渝中区")
        made = db.session.scalars(select(Unit).where(
            Unit.parent_id == yz.id, Unit.code.startswith(f"{yz.code}-KH"))).all()
        assert len(made) == 36 and all(u.path.startswith(yz.path) for u in made)
        assert is_district_office(unit("渝中区委办公室"))
