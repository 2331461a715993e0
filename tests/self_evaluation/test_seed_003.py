"""Seed 003's three tables reproduced through the form's scoring endpoint,
the web form and the record page: execution rate and its score, every row's
偏离度 / 得分系数 / 指标得分, total 100.00, and the first table's notes (weights
add up to 100, not 90; 110.00 capped at 100). The printed numbers are the
seed's (app/records/self_evaluation/seed003.py; also tests/scoring/test_seed_003.py
for the core alone)."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.records.self_evaluation.models import SelfEvaluation
from app.records.self_evaluation.seed003 import TABLES
from tests.self_evaluation.util import (
    SEED_CLERK,
    add_accounts,
    body,
    form_token,
    typed_funds,
    typed_indicators,
    web,
)

WEIGHTS_NOTE = "数据质量提示：指标权重合计 100，加执行率权重 10 应为 100（指标权重应合计 90）"
CAP_NOTE = "得分合计 110.00 超过满分，按 100 计"


@pytest.fixture
def clerk(app):
    add_accounts(app)
    return web(app, SEED_CLERK)


def _score(client, funds, indicators):
    token = form_token(client)
    resp = client.post("/selfevaluation/score", headers={"X-CSRFToken": token},
                       json={"budget_rows": funds, "indicator_rows": indicators})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return resp.get_json()


@pytest.mark.parametrize("table", [1, 2, 3])
def test_the_endpoint_reproduces_every_printed_number(clerk, table):
    header, funds, indicators, printed = TABLES[table - 1]
    rate, exec_weight, exec_score, total, rows = printed
    res = _score(clerk, typed_funds(funds), typed_indicators(indicators))
    assert res["complete"] is True and res["errors"] == [] and res["missing"] == []
    assert (res["execution_rate"], res["execution_weight"], res["execution_score"]) == \
        (rate, exec_weight, exec_score)
    # the fund rows as printed: 年度总金额 without a rate, 财政拨款 with weight and score,
    # 一般公共预算 with its rate only
    fiscal = [f for f in res["funds"] if f["kind"] == "财政拨款"]
    assert [(f["label"], f["rate"], f["weight"], f["score"]) for f in res["funds"]] == [
        ("年度总金额", None, None, None), ("其中：财政拨款", 100, 10, 10),
        ("一般公共预算", 100, None, None)]
    assert fiscal[0]["adjusted"] == funds[1]["adjusted"]
    got = [(r["name"], r["deviation"], r["coefficient"], r["score"]) for r in res["indicators"]]
    want = [(i["name"], *p) for i, p in zip(indicators, rows, strict=True)]
    assert got == want
    assert res["total"] == total == 100.00
    if table == 1:
        assert res["weights_total"] == 100
        assert res["warnings"] == [WEIGHTS_NOTE, CAP_NOTE]
    else:
        assert res["weights_total"] == 90
        assert res["warnings"] == []


def test_the_first_table_is_the_one_whose_weights_do_not_add_up(clerk):
    """Change one weight of table 2 so that they add up to 95: the warning
    appears, the total is not capped (95 + 10 > 100 → capped, with the note)."""
    _h, funds, indicators, _p = TABLES[1]
    rows = typed_indicators(indicators)
    rows[2]["weight"] = "15"
    res = _score(clerk, typed_funds(funds), rows)
    assert res["weights_total"] == 95
    assert res["warnings"][0].startswith("数据质量提示：指标权重合计 95")
    assert res["warnings"][1] == "得分合计 105.00 超过满分，按 100 计"
    assert res["total"] == 100.00


@pytest.mark.parametrize("table", [1, 2, 3])
def test_saved_through_the_web_form_and_shown_on_the_record_page(app, clerk, table):
    header, funds, indicators, printed = TABLES[table - 1]
    token = form_token(clerk)
    resp = clerk.post("/selfevaluationmodelview/add", data={**body(table), "csrf_token": token})
    assert resp.status_code == 302, resp.get_data(as_text=True)[-3000:]
    with app.app_context():
        record = db.session.scalar(select(SelfEvaluation).where(
            SelfEvaluation.project_code == header["project_code"]))
        assert (record.execution_rate, record.execution_score, record.total_score) == \
            (100, 10, 100.00)
        if table == 1:
            assert record.score_notes == f"{WEIGHTS_NOTE}；{CAP_NOTE}"
        else:
            assert record.score_notes is None
        # stored as numbers, the thousands commas and 其中： read
        stored = json.loads(record.budget_rows)
        assert stored[1] == {"kind": "财政拨款", "initial": funds[1]["initial"],
                             "adjusted": funds[1]["adjusted"], "executed": funds[1]["executed"]}
        rid = record.id
    html = clerk.get(f"/selfevaluationmodelview/show/{rid}").get_data(as_text=True)
    sheet = html[html.index('id="selfeval-sheet"'):html.index('id="workflow-panel"')]
    assert re.search(r'id="selfeval-total">100\.00<', sheet)
    body_rows = sheet[sheet.index('id="selfeval-indicators"'):]
    for ind, (deviation, coefficient, score) in zip(indicators, printed[4], strict=True):
        cells = re.search(re.escape(ind["name"]) + r"</td>(.*?)</tr>", body_rows, re.S).group(1)
        values = re.findall(r"<td[^>]*>([^<]*)</td>", cells)
        assert values[4:8] == [f"{deviation:g}", f"{coefficient:g}", f"{ind['weight']:g}",
                               f"{score:g}"], ind["name"]
    funds_html = sheet[sheet.index('id="selfeval-funds"'):sheet.index('id="selfeval-indicators"')]
    assert f"{funds[0]['initial']:,.2f}" in funds_html
    assert re.search(r"其中：财政拨款</td>.*?>100</td>.*?>10\.00</td>.*?>10\.00</td>", funds_html,
                     re.S)
    assert (WEIGHTS_NOTE in sheet) is (table == 1) and (CAP_NOTE in sheet) is (table == 1)
