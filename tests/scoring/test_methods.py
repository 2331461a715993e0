"""Each method against numbers worked by hand, with the edge rules."""

from __future__ import annotations

import pandas as pd
import pytest

from app.scoring.core import Indicator, Scheme, recompute, round2, score_scheme


def scheme_of(*leaves: Indicator, bands=None) -> Scheme:
    return Scheme(code="t", name="测试", report_type="t", version="1",
                  indicators=list(leaves), bands=bands)


def run(leaf: Indicator, values: dict, **kw):
    frame = pd.DataFrame([{"unit": u, "indicator": leaf.code, "value": v, **kw.get(u, {})}
                          for u, v in values.items()])
    result = score_scheme(scheme_of(leaf), frame)
    return result, result.wide[leaf.code].to_dict()


E3 = dict(method="efficacy3", params={"coefficients": [1.0, 0.9, 0.8]}, points=25)


def test_three_tier_spec_example():
    # sorted 0,2,2,3,7: median 2, max 7, min 0
    # A: 3 ≥ 2 → 25 × [0.9 + (3−2)/(7−2) × 0.1] = 25 × 0.92 = 23.00
    # B: 2 ≥ 2 → 25 × 0.9 = 22.50;  C: 7 → 25 × 1.0 = 25.00
    # D: 0 < 2 → 25 × [0.8 + (0−0)/(2−0) × 0.1] = 20.00
    result, s = run(Indicator("x", "全国性肯定评价", **E3), {"A": 3, "B": 2, "C": 7, "D": 0, "E": 2})
    assert s == {"A": 23.0, "B": 22.5, "C": 25.0, "D": 20.0, "E": 22.5}
    assert result.long.set_index("unit").loc["A", "explanation"] == \
        "x=3 ≥ 中位值 2 → 25 × [0.9 + (3−2)/(7−2) × 0.1] = 23.00"


def test_three_tier_lower_half_and_even_median():
    # 1,2,3,4: median (2+3)/2 = 2.5; x=2 < 2.5 → 10 × [0.6 + (2−1)/(2.5−1) × 0.2] = 7.333… → 7.33
    # x=4 → 10; x=3 ≥ 2.5 → 10 × [0.8 + (3−2.5)/(4−2.5) × 0.2] = 8.666… → 8.67; x=1 → 6.00
    leaf = Indicator("x", "媒体报道", points=10, method="efficacy3",
                     params={"coefficients": [1.0, 0.8, 0.6]})
    _, s = run(leaf, {"a": 1, "b": 2, "c": 3, "d": 4})
    assert s == {"a": 6.0, "b": 7.33, "c": 8.67, "d": 10.0}


def test_three_tier_all_equal_gives_full_points():
    _, s = run(Indicator("x", "n", **E3), {"a": 4, "b": 4, "c": 4})
    assert s == {"a": 25.0, "b": 25.0, "c": 25.0}


def test_three_tier_max_equals_median():
    # 1,5,5: median 5 = max: x=5 gets the upper coefficient 1.0 → 25;
    # x=1 < 5 → 25 × [0.8 + (1−1)/(5−1) × 0.1] = 20
    _, s = run(Indicator("x", "n", **E3), {"a": 1, "b": 5, "c": 5})
    assert s == {"a": 20.0, "b": 25.0, "c": 25.0}


def test_single_unit_gets_full_points():
    _, s = run(Indicator("x", "n", **E3), {"only": 2})
    assert s == {"only": 25.0}


def test_lower_is_better_mirrors_the_standards():
    # 被纠错率 0.01, 0.02, 0.05: best = min 0.01, median 0.02, worst 0.05
    # 0.01 → 10; 0.02 → 10 × 0.9 = 9; 0.05 → 10 × 0.8 = 8
    leaf = Indicator("x", "案件被纠错率", points=10, direction="lower", **{
        k: v for k, v in E3.items() if k != "points"})
    result, s = run(leaf, {"a": 0.01, "b": 0.02, "c": 0.05, "d": 0.035})
    # four units: median (0.02+0.035)/2 = 0.0275
    # b: 0.02 ≤ 0.0275 → 10 × [0.9 + (0.0275−0.02)/(0.0275−0.01) × 0.1] = 9.428… → 9.43
    # d: 0.035 > 0.0275 → 10 × [0.8 + (0.05−0.035)/(0.05−0.0275) × 0.1] = 8.666… → 8.67
    assert s == {"a": 10.0, "b": 9.43, "c": 8.0, "d": 8.67}
    assert "越低越好" in result.long.set_index("unit").loc["d", "explanation"]


def test_two_tier():
    # 20 × [0.8 + (x−0)/(10−0) × 0.2]: 0 → 16, 5 → 18, 10 → 20
    leaf = Indicator("x", "试点项目数", points=20, method="efficacy2",
                     params={"coefficients": [1.0, 0.8]})
    _, s = run(leaf, {"a": 0, "b": 5, "c": 10})
    assert s == {"a": 16.0, "b": 18.0, "c": 20.0}
    _, s = run(leaf, {"a": 3, "b": 3})
    assert s == {"a": 20.0, "b": 20.0}


def test_ratio_zero_denominator_modes():
    # a: 1/2 = 0.5, b: 2/2 = 1, c: 0/0 not applicable
    base = dict(points=10, method="efficacy2", params={"coefficients": [1.0, 0.8]})
    nd = {"a": {"numerator": 1, "denominator": 2}, "b": {"numerator": 2, "denominator": 2},
          "c": {"numerator": 0, "denominator": 0}}
    vals = {"a": None, "b": None, "c": None}
    # na=full: c counts as 1.0 and is part of the standards: a → 10 × [0.8 + 0] = 8
    leaf = Indicator("x", "验收率", **{**base, "params": {"coefficients": [1.0, 0.8], "na": "full"}})
    _, s = run(leaf, vals, **nd)
    assert s == {"a": 8.0, "b": 10.0, "c": 10.0}
    # na=exclude: standards from a and b only; c gets the top coefficient, marked 不适用
    leaf = Indicator("x", "验收率", **{**base, "params": {"coefficients": [1.0, 0.8],
                                                         "na": "exclude"}})
    result, s = run(leaf, vals, **nd)
    assert s == {"a": 8.0, "b": 10.0, "c": 10.0}
    assert result.long.set_index("unit").loc["c", "status"] == "不适用"
    # with a third applicable unit the difference shows: 0.75 is the max when c is out
    nd2 = dict(nd, d={"numerator": 3, "denominator": 4})
    _, s_ex = run(leaf, dict(vals, d=None), **nd2)
    assert s_ex["d"] == 8.0 + 2.0 * (0.75 - 0.5) / (1.0 - 0.5)  # 9.0


def test_rate_times_points():
    leaf = Indicator("x", "完成率", points=50, method="rate")
    _, s = run(leaf, {"a": 0.8, "b": 1.3, "c": 0})
    assert s == {"a": 40.0, "b": 50.0, "c": 0.0}


@pytest.mark.parametrize("ratio,points", [(1.0, 5), (1.7, 5), (0.99, 3), (0.5, 3),
                                          (0.4999, 2), (0, 2)])
def test_threshold_buckets_seed_000(ratio, points):
    # seed 000 item 1: ≥1 → 5, 0.5 ≤ r < 1 → 3, < 0.5 → 2
    leaf = Indicator("x", "已归集数据量占平均比例", points=5, method="buckets",
                     params={"buckets": [[1, 5], [0.5, 3], [None, 2]]})
    _, s = run(leaf, {"a": ratio})
    assert s == {"a": float(points)}


def test_deductions_after_the_weighted_sum():
    # 2 舆情 × 0.1 + 1 较大群体性事件 × 3 = 3.2 taken off a total of 10
    risk = Indicator("FX", "风险", points=0, children=[
        Indicator("FX1", "舆情", method="deduction", params={"per_event": 0.1}),
        Indicator("FX2", "较大", method="deduction", params={"per_event": 3}),
    ])
    base = Indicator("B", "基础", points=10, weight=0.5, method="entered",
                     params={"full": 10})
    frame = pd.DataFrame([
        {"unit": "a", "indicator": "B", "value": 10}, {"unit": "a", "indicator": "FX1", "value": 2},
        {"unit": "a", "indicator": "FX2", "value": 1},
    ])
    result = score_scheme(scheme_of(base, risk), frame)
    # weighted sum 10 × 0.5 = 5, then − 3.2 (deductions are not weighted)
    assert result.wide.loc["a", "total"] == 1.8
    assert result.wide.loc["a", "FX"] == -3.2


def test_seed_004_bonus_and_target():
    # national/media: +1 each; city promotion target 1 a year: −1 per missing, +0.5 per extra
    nat = Indicator("N", "全国性肯定评价及央媒报道", method="bonus", params={"per_item": 1})
    city = Indicator("C", "全市推广", method="target",
                     params={"target": 1, "missing_penalty": 1, "extra_bonus": 0.5})
    frame = pd.DataFrame([{"unit": u, "indicator": i, "value": v} for u, i, v in [
        ("甲", "N", 2), ("甲", "C", 0), ("乙", "N", 0), ("乙", "C", 1), ("丙", "N", 1),
        ("丙", "C", 4)]])
    w = score_scheme(scheme_of(nat, city), frame).wide
    assert w.loc["甲", "total"] == 1.0   # +2 −1
    assert w.loc["乙", "total"] == 0.0   # 0 + 0
    assert w.loc["丙", "total"] == 2.5   # +1 + 3 × 0.5


def test_entered_score_clamped_with_warning():
    leaf = Indicator("x", "事件处置率（专家评分）", points=15, method="entered",
                     params={"full": 100})
    result, s = run(leaf, {"a": 90, "b": 120})
    assert s == {"a": 13.5, "b": 15.0}
    assert any("超出" in w for w in result.warnings)


def test_ties_share_a_rank_and_skip_the_next():
    leaf = Indicator("x", "n", points=100, method="entered")
    result, _ = run(leaf, {"a": 90, "b": 80, "c": 80, "d": 70})
    assert result.wide["rank"].to_dict() == {"a": 1, "b": 2, "c": 2, "d": 4}


def test_rounding_half_up_and_only_once():
    assert round2(0.125) == 0.13 and round2(2.675) == 2.68 and round2(-0.125) == -0.13
    # three leaves of 1.005: each shows 1.01, the total of the unrounded parts is 3.015 → 3.02
    leaves = [Indicator(f"x{i}", "n", points=10, method="entered") for i in range(3)]
    frame = pd.DataFrame([{"unit": "a", "indicator": f"x{i}", "value": 1.005} for i in range(3)])
    w = score_scheme(scheme_of(*leaves), frame).wide
    assert [w.loc["a", f"x{i}"] for i in range(3)] == [1.01] * 3
    assert w.loc["a", "total"] == 3.02  # not 3.03 (the sum of rounded parts)


def test_missing_data_is_reported_not_scored_zero():
    a = Indicator("A", "有数据", points=10, method="entered")
    b = Indicator("B", "无数据来源", points=10, method="efficacy2")
    frame = pd.DataFrame([{"unit": "u1", "indicator": "A", "value": 8},
                          {"unit": "u2", "indicator": "A", "value": 6}])
    result = score_scheme(scheme_of(a, b), frame, missing_reasons={"B": "缺少数据来源"})
    assert result.missing == {"B": "缺少数据来源"}
    assert not result.wide["complete"].any()
    assert pd.isna(result.wide.loc["u1", "B"])
    assert set(result.long[result.long.indicator == "B"].status) == {"缺少数据"}
    assert "缺少数据来源" in result.long[result.long.indicator == "B"].explanation.iloc[0]


def test_bands_default_quintiles_and_thresholds():
    leaf = Indicator("x", "n", points=100, method="entered")
    vals = {f"u{i}": 100 - i for i in range(10)}
    result, _ = run(leaf, vals)
    assert result.wide["band"].tolist() == ["深绿"] * 2 + ["绿"] * 2 + ["黄"] * 2 + \
        ["橙"] * 2 + ["红"] * 2
    frame = pd.DataFrame([{"unit": u, "indicator": "x", "value": v} for u, v in vals.items()])
    s = scheme_of(leaf, bands={"method": "threshold", "thresholds": [99, 97, 95, 93]})
    w = score_scheme(s, frame).wide
    assert w.loc["u0", "band"] == "深绿" and w.loc["u2", "band"] == "绿"
    assert w.loc["u9", "band"] == "红"


def test_every_explanation_recomputes():
    leaf = Indicator("x", "n", **E3)
    result, _ = run(leaf, {"a": 1, "b": 4, "c": 9, "d": 4})
    for rec, score in zip(result.long.record, result.long.score):
        assert recompute(rec) == score


def test_a_parent_with_no_scored_child_is_empty_not_zero():
    parent = Indicator("P", "改革落实力", points=30, children=[
        Indicator("P1", "试点项目数", points=20, method="efficacy2"),
        Indicator("P2", "验收率", points=10, method="efficacy2")])
    other = Indicator("Q", "有数据", points=10, method="entered")
    frame = pd.DataFrame([{"unit": "a", "indicator": "Q", "value": 7}])
    result = score_scheme(scheme_of(parent, other), frame,
                          missing_reasons={"P1": "缺少数据来源", "P2": "缺少数据来源"})
    assert pd.isna(result.wide.loc["a", "P"])
    assert result.wide.loc["a", "total"] == 7.0 and not result.wide.loc["a", "complete"]
