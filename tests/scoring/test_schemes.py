"""The shipped schemes validate and round-trip through YAML; bad YAML is
refused with every problem listed; scoring from files."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.scoring.core import SchemeError, dump_scheme, load_scheme, validate_scheme
from app.scoring.core.engine import ValuesError
from app.scoring.core.files import score_file

SCHEMES = sorted((Path(__file__).resolve().parents[2] / "app" / "scoring" / "schemes")
                 .glob("*.yaml"))


def test_the_five_schemes_ship():
    assert {p.stem for p in SCHEMES} == {"district_2023", "district_2024", "soe_2023",
                                         "dept_self_eval", "city_district_2021"}


@pytest.mark.parametrize("path", SCHEMES, ids=lambda p: p.stem)
def test_shipped_scheme_validates_and_round_trips(path):
    scheme = load_scheme(path)
    errors, _ = validate_scheme(scheme)
    assert errors == []
    text = dump_scheme(scheme)
    again = load_scheme(text)
    assert again == scheme
    assert dump_scheme(again) == text


def test_bad_scheme_lists_every_problem():
    text = """
code: bad
name: 坏体系
report_type: t
version: '1'
indicators:
- code: A
  name: 甲
  points: 30
  children:
  - {code: A1, name: 甲一, points: 10, method: efficacy3}
  - {code: A1, name: 重复, points: 10, method: magic}
- code: B
  name: 乙
  points: 10
  method: buckets
  params: {buckets: [[0.5, 3], [1, 5], [null, 2]], extra: 1}
"""
    with pytest.raises(SchemeError) as exc:
        load_scheme(text)
    text_of = "\n".join(exc.value.messages)
    assert "下级指标分值（×权重）合计 20，与本指标分值 30 不一致" in text_of
    assert "缺少参数 coefficients" in text_of
    assert "代码重复" in text_of
    assert "未知的计分方法“magic”" in text_of
    assert "没有参数 extra" in text_of
    assert "下限应从高到低排列" in text_of


def test_yaml_syntax_error_is_located():
    with pytest.raises(SchemeError) as exc:
        load_scheme("code: x\nname: [unclosed\n")
    assert "YAML 格式错误" in str(exc.value) and "行" in str(exc.value)


def test_score_file_csv_and_json(tmp_path):
    values = tmp_path / "values.csv"
    values.write_text(
        "unit,indicator,value\n"
        "甲,PP1,3\n乙,PP1,2\n丙,PP1,7\n丁,PP1,0\n戊,PP1,2\n"
        "甲,FX1,2\n", encoding="utf-8")
    scheme = SCHEMES[[p.stem for p in SCHEMES].index("district_2023")]
    out = score_file(scheme, values, "csv").splitlines()
    assert out[0].startswith("unit,LS,LS1,LS2,PP,PP1")
    first = dict(zip(out[0].split(","), out[1].split(",")))
    assert first["unit"] == "丙" and first["PP1"] == "25.00" and first["rank"] == "1"
    import json

    data = json.loads(score_file(scheme, values, "json"))
    jia = next(r for r in data["rows"] if r["unit"] == "甲")
    assert jia["PP1"] == 23.0 and jia["FX1"] == -0.2
    assert jia["complete"] is False and any("缺少数据" in w for w in data["warnings"])


def test_score_file_bad_csv_lists_every_row(tmp_path):
    values = tmp_path / "values.csv"
    values.write_text("unit,indicator,value\n甲,PP1,abc\n乙,NOPE,1\n丙,PP2,\n丁,PP3,x\n",
                      encoding="utf-8")
    scheme = SCHEMES[[p.stem for p in SCHEMES].index("district_2023")]
    with pytest.raises(ValuesError) as exc:
        score_file(scheme, values)
    msgs = exc.value.messages
    assert "第 2 行「value」：“abc”不是数字" in msgs
    assert "第 3 行「indicator」：指标体系中没有末级指标“NOPE”" in msgs
    assert "第 5 行「value」：“x”不是数字" in msgs
    assert len(msgs) == 3


def test_district_2024_marks_what_the_seed_does_not_say():
    scheme = load_scheme(next(p for p in SCHEMES if p.stem == "district_2024"))
    tops = scheme.indicators
    assert len(tops) == 9 and all(t.to_confirm and "待确认" in t.note for t in tops)
    d1 = scheme.find("D1")
    assert [c.points for c in d1.children] == [25, 20, 15, 10, 15, 15]
    assert [c.points for c in scheme.find("D1.2").children] == [6, 8, 6]
    assert scheme.find("D1.6.1").params["buckets"] == [[1, 5], [0.5, 3], [None, 2]]
    assert scheme.find("D6.1").direction == "lower"
    _, warnings = validate_scheme(scheme)
    assert any("待确认" in w for w in warnings)


def test_city_district_2021_weights_add_to_90():
    scheme = load_scheme(next(p for p in SCHEMES if p.stem == "city_district_2021"))
    top = scheme.indicators[0]
    assert top.points == 90 and len(top.children) == 25
    assert [c.points for c in scheme.find("K21").children] == [3, 3, 2, 2, 2]
