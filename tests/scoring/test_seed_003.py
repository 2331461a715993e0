"""Seed 003 (2023年度部门整体绩效自评表): its printed rows reproduced exactly."""

from __future__ import annotations

import pytest

from app.scoring.core import self_evaluation
from app.scoring.core.selfeval import SelfEvalError

# (name, nature, target, actual, weight, printed deviation %, coefficient %, score)
TABLE_1 = [
    ("集聚大数据企业", "≥", 50, 50, 10, 0, 100, 10),
    ("区块链高峰论坛", "≥", 5, 5, 10, 0, 100, 10),
    ("完成数据治理项目", "≥", 35, 35, 10, 0, 100, 10),
    ("新增业务系统", "≥", 15, 19, 10, 26.67, 100, 10),
    ("组织大数据应用场景", "≥", 1, 1, 10, 0, 100, 10),
    ("“战略性新兴领域”数据要素市场化配置改革", "定性", "达标", "1", 15, 0, 100, 15),
    ("市场主体培育", "=", 100, 100, 10, 0, 100, 10),
    ("采取培训、交流、研讨等方式", "≥", 1000, 1100, 10, 10, 100, 10),
    ("推进全区非行政许可审批事项", "≤", 5, 0, 5, 100, 100, 5),
    ("协助招商引资", "≥", 90, 90, 10, 0, 100, 10),
]
TABLE_2 = [
    ("完成扶持项目个数", "=", 6, 6, 20, 0, 100, 20),
    ("组织专家评审次数", "≥", 3, 4, 20, 33.33, 100, 20),
    ("项目投入使用率", "≥", 90, 90, 10, 0, 100, 10),
    ("经费合理使用率", "≥", 95, 95, 20, 0, 100, 20),
    ("按计划进度完成率", "=", 100, 100, 20, 0, 100, 20),
]
TABLE_3 = [
    ("户内信息更新", "≥", 50, 60, 5, 20, 100, 5),
    ("现场巡检", "≥", 800, 1000, 5, 25, 100, 5),
    ("应急单位资源", "≥", 10, 12, 5, 20, 100, 5),
    ("平均年故障", "<", 1, 1, 5, 0, 100, 5),
    ("线上设备巡检", "≥", 100, 100, 10, 0, 100, 10),
    ("线下户内巡检", "≥", 90, 100, 5, 11.11, 100, 5),
    ("页面反应时间", "<", 6, 5, 5, 16.67, 100, 5),
    ("计划完成率", "≥", 100, 100, 10, 0, 100, 10),
    ("节省设备运维", "≥", 30, 35, 20, 16.67, 100, 20),
    ("住改仓建设", "<", 1, 1, 20, 0, 100, 20),
]
# (全年调整预算, 全年执行数 of 财政拨款, printed rate, printed execution score, 自评总分)
BUDGETS = {
    "整体": (TABLE_1, 1971.95, 1971.95, 100, 10, 100.00),
    "市大数据发展专项资金": (TABLE_2, 300.00, 300.00, 100, 10, 100.00),
    "渝中区“住改仓”": (TABLE_3, 383.20, 383.20, 100, 10, 100.00),
}


def _rows(table):
    return [dict(name=n, nature=k, target=t, actual=a, weight=w) for n, k, t, a, w, *_ in table]


@pytest.mark.parametrize("project", list(BUDGETS))
def test_seed_003_rows_and_totals(project):
    table, budget, executed, rate, exec_score, total = BUDGETS[project]
    result = self_evaluation(budget, executed, _rows(table))
    assert result.execution_rate == rate and result.execution_score == exec_score
    for row, printed in zip(result.rows, table):
        name, _, _, _, weight, deviation, coefficient, score = printed
        assert (row.name, row.deviation, row.coefficient, row.score) == \
            (name, deviation, coefficient, score)
    assert result.total == total


def test_seed_003_first_table_weights_add_to_100_is_a_warning():
    table, budget, executed, *_ = BUDGETS["整体"]
    result = self_evaluation(budget, executed, _rows(table))
    assert any("指标权重合计 100" in w for w in result.warnings)
    assert result.total == 100.00  # the seed prints 100.00: capped at the full score
    ok = self_evaluation(300, 300, _rows(TABLE_2))
    assert ok.warnings == []


def test_coefficients_when_targets_are_missed():
    rows = [
        dict(name="≥ missed", nature="≥", target=50, actual=40, weight=10),   # 40/50 = 80 %
        dict(name="≤ missed", nature="≤", target=5, actual=6, weight=10),     # 1 − 1/5 = 80 %
        dict(name="≤ far", nature="≤", target=5, actual=20, weight=10),       # max(0, 1 − 3) = 0
        dict(name="= off", nature="=", target=100, actual=90, weight=10),     # 1 − 10 % = 90 %
        dict(name="定性 part", nature="定性", target="达成", actual="部分达成", weight=10),  # 60 %
        dict(name="target 0", nature="=", target=0, actual=3, weight=10),     # deviation 100
    ]
    r = self_evaluation(100, 90, rows, )
    assert [x.coefficient for x in r.rows] == [80, 80, 0, 90, 60, 0]
    assert [x.score for x in r.rows] == [8, 8, 0, 9, 6, 0]
    assert r.rows[5].deviation == 100
    assert r.execution_rate == 90 and r.execution_score == 9


def test_bad_rows_are_all_listed():
    with pytest.raises(SelfEvalError) as exc:
        self_evaluation(0, 1, [dict(name="a", nature="≈", target=1, actual=1, weight=1),
                               dict(name="b", nature="≥", target="x", actual=1, weight=1)])
    assert len(exc.value.messages) == 3
