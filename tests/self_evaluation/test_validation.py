"""Bad input: Chinese messages naming the row and the column, the form kept
with what was typed, nothing saved; the same rules through REST."""

from __future__ import annotations

import html as htmllib
import json

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.records.self_evaluation.models import SelfEvaluation
from app.records.self_evaluation.seed003 import TABLES
from tests.helpers import new_client
from tests.self_evaluation.util import (
    SEED_CLERK,
    WANZHOU_CLERK,
    add_accounts,
    body,
    create,
    form_token,
    headers,
    typed_funds,
    typed_indicators,
    web,
)


@pytest.fixture
def clerk(app):
    add_accounts(app)
    return web(app, SEED_CLERK)


def _count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(SelfEvaluation))


def _bad_rows():
    _h, funds, indicators, _p = TABLES[1]
    budget, rows = typed_funds(funds), typed_indicators(indicators)
    budget[1]["executed"] = "三百"                     # row 2, 全年执行数
    rows[0]["target"] = "六"                           # row 1, 指标值
    rows[1]["nature"] = "约等于"                        # row 2, 指标性质
    rows[2]["weight"] = ""                             # row 3, 指标权重
    rows[3]["core"] = "可能"                            # row 4, 是否核心指标
    rows.append({"name": "", "nature": "定性", "target": "达成", "actual": "差不多",
                 "weight": "5"})                      # row 6: 指标名称, 全年完成值
    return budget, rows


EXPECTED = [
    "资金情况第 2 行“全年执行数（万元）”：须为数字（单位：万元）",
    "绩效指标第 1 行“指标值”：须为数字",
    "绩效指标第 2 行“指标性质”：应为 ≥ > ≤ < = 定性",
    "绩效指标第 3 行“指标权重”：请填写权重",
    "绩效指标第 4 行“是否核心指标”：应为 是 或 否（可留空）",
    "绩效指标第 6 行“指标名称”：请填写指标名称",
    "绩效指标第 6 行“全年完成值”：定性指标应填 达成、部分达成 或 未达成（也可填 达标、未达标、是、否、1、0）",
]


def test_the_endpoint_places_each_problem_by_row_and_column(clerk):
    budget, rows = _bad_rows()
    resp = clerk.post("/selfevaluation/score", headers={"X-CSRFToken": form_token(clerk)},
                      json={"budget_rows": budget, "indicator_rows": rows})
    res = resp.get_json()
    assert res["messages"] == EXPECTED
    assert [(e["table"], e["row"], e["column"]) for e in res["errors"]] == [
        ("budget", 2, "executed"), ("indicators", 1, "target"), ("indicators", 2, "nature"),
        ("indicators", 3, "weight"), ("indicators", 4, "core"), ("indicators", 6, "name"),
        ("indicators", 6, "actual")]
    assert res["complete"] is False and res["total"] is None
    assert res["weights_total"] == 20 + 20 + 20 + 20 + 5  # the weights typed so far
    # the rows that can be read are still scored: row 5 (按计划进度完成率 = 100/100)
    assert [(r["row"], r["score"]) for r in res["indicators"]] == [(5, 20)]


def test_a_refused_save_keeps_the_form_with_what_was_typed(app, clerk):
    before = _count(app)
    budget, rows = _bad_rows()
    data = body(2, budget_rows=json.dumps(budget, ensure_ascii=False),
                indicator_rows=json.dumps(rows, ensure_ascii=False))
    resp = clerk.post("/selfevaluationmodelview/add", data={**data, "csrf_token": form_token(clerk)})
    assert resp.status_code == 200
    page = htmllib.unescape(resp.get_data(as_text=True))
    for message in EXPECTED:
        assert message in page
    # every typed value is back in the form: header fields and the rows' cells
    assert 'value="市大数据发展专项资金"' in page and 'value="63768299"' in page
    for typed in ("三百", "六", "约等于", "可能", "差不多", "实际组织4次专家评审", "300.00"):
        assert typed in page, typed
    assert _count(app) == before


def test_the_budget_rows_must_be_consistent(clerk):
    _h, funds, indicators, _p = TABLES[1]
    budget = typed_funds(funds)
    budget[1]["adjusted"] = "350"     # 其中：财政拨款 above 年度总金额 (300)
    budget[2]["adjusted"] = "350"
    budget.append({"kind": "一般公共预算", "initial": "1", "adjusted": "1", "executed": "1"})
    res = clerk.post("/selfevaluation/score", headers={"X-CSRFToken": form_token(clerk)},
                     json={"budget_rows": budget, "indicator_rows": typed_indicators(indicators)}
                     ).get_json()
    assert res["messages"] == ["资金情况第 4 行“资金类别”：与第 3 行重复"]
    budget.pop()
    res = clerk.post("/selfevaluation/score", headers={"X-CSRFToken": form_token(clerk)},
                     json={"budget_rows": budget, "indicator_rows": typed_indicators(indicators)}
                     ).get_json()
    assert res["messages"] == [
        "资金情况第 2 行“全年（调整）预算数（万元）”：财政拨款（350.00）不能大于年度总金额（300.00）"]
    assert res["execution_rate"] is None and res["total"] is None
    budget[1]["adjusted"] = budget[2]["adjusted"] = "0"
    budget[1]["executed"] = budget[2]["executed"] = "0"
    budget[0]["executed"] = "0"
    res = clerk.post("/selfevaluation/score", headers={"X-CSRFToken": form_token(clerk)},
                     json={"budget_rows": budget, "indicator_rows": []}).get_json()
    assert "资金情况第 2 行“全年（调整）预算数（万元）”：须大于 0（执行率 = 全年执行数 ÷ 全年（调整）预算数）" \
        in res["messages"]


def test_rest_refuses_with_the_same_messages_and_saves_nothing(app, client, clerk):
    before = _count(app)
    budget, rows = _bad_rows()
    resp = client.post("/api/v1/self_evaluation/", headers=headers(client, SEED_CLERK),
                       json=body(2, indicator_rows=json.dumps(rows, ensure_ascii=False),
                                 budget_rows=json.dumps(budget, ensure_ascii=False)))
    assert resp.status_code == 422
    message = resp.get_json()["message"]
    for expected in EXPECTED:
        assert expected in message
    resp = client.post("/api/v1/self_evaluation/", headers=headers(client, SEED_CLERK),
                       json=body(2, indicator_rows="不是表格"))
    assert resp.status_code == 422
    assert "绩效指标：格式不正确，应为行的列表（JSON 数组）" in resp.get_json()["message"]
    assert _count(app) == before


def test_one_table_per_project_and_year(app, client, clerk):
    create(client, 2)
    resp = client.post("/api/v1/self_evaluation/", json=body(2),
                       headers=headers(client, SEED_CLERK))
    assert resp.status_code == 422
    assert "本单位已填报 2023 年度项目编码为 50010322T000002072470 的绩效自评表" in \
        resp.get_json()["message"]
    assert client.post("/api/v1/self_evaluation/", json=body(2, year=2024),
                       headers=headers(client, SEED_CLERK)).status_code == 201


def test_a_draft_may_be_incomplete_but_is_not_submitted(app, client, clerk):
    rid = create(client, 2, indicator_rows="[]", budget_rows="[]")
    with app.app_context():
        record = db.session.get(SelfEvaluation, rid)
        assert record.total_score is None and record.execution_rate is None
    resp = client.post(f"/api/v1/workflow/self_evaluation/{rid}/submit",
                       headers=headers(client, SEED_CLERK))
    assert resp.status_code == 422
    assert resp.get_json()["message"] == ("资金情况须有“其中：财政拨款”一行（执行率按此行计算）；"
                                          "请至少填写一个绩效指标")


def test_only_departments_file_self_evaluations(app):
    add_accounts(app)
    c = new_client(app)
    resp = c.post("/api/v1/self_evaluation/", json=body(2), headers=headers(c, WANZHOU_CLERK))
    assert resp.status_code == 422
    assert "部门绩效自评只能由市级部门或区级部门填报，万州区不能填报" in resp.get_json()["message"]


def test_header_fields_are_checked(app, client, clerk):
    resp = client.post("/api/v1/self_evaluation/", headers=headers(client, SEED_CLERK),
                       json=body(2, year=1999, contact_phone="电话", kind="三级项目"))
    assert resp.status_code == 422
    message = resp.get_json()["message"]
    assert "自评类型必须是：部门整体、二级项目" in message
    resp = client.post("/api/v1/self_evaluation/", headers=headers(client, SEED_CLERK),
                       json=body(2, year=1999, contact_phone="电话"))
    message = resp.get_json()["message"]
    assert "年度须在 2000 至" in message and "联系电话格式不正确" in message
