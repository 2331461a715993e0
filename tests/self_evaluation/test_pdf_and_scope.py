"""The PDF of the filled table (text extracted with pypdf: every row, the
rates, the total and the capping note; the CJK font embedded), and scope on
the PDF, the record pages, the export and the scoring endpoint."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from app.records.self_evaluation.seed003 import TABLES
from tests.helpers import new_client
from tests.self_evaluation.util import (
    ADMIN,
    CITY_LEADER,
    FINANCE_REVIEWER,
    HEALTH_CLERK,
    OFFICE,
    SEED_CLERK,
    SEED_REVIEWER,
    WANZHOU_REVIEWER,
    YUZHONG_REVIEWER,
    act,
    add_accounts,
    create,
    form_token,
    web,
)


@pytest.fixture
def accounts(app):
    add_accounts(app)
    return app


def _text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages)


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_the_pdf_holds_the_table_rows_and_total(accounts, client):
    app = accounts
    rid = create(client, 1)
    c = web(app, SEED_CLERK)
    resp = c.get(f"/selfevaluation/pdf/{rid}")
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    assert "attachment" in resp.headers["Content-Disposition"]
    reader = PdfReader(io.BytesIO(resp.data))
    for page in reader.pages:  # only the embedded TrueType subset (as the reports)
        for _, ref in page["/Resources"]["/Font"].items():
            font = ref.get_object()
            assert font["/Subtype"] == "/TrueType" and "WenQuanYi" in str(font["/BaseFont"])
            descriptor = font["/FontDescriptor"].get_object()
            assert len(descriptor["/FontFile2"].get_object().get_data()) > 1000
    text = _flat(_text(resp.data))
    header, funds, indicators, printed = TABLES[0]
    for piece in ("2023年度部门整体绩效自评表", "状态：草稿", header["project_name"],
                  header["project_code"], "自评总分：100.00", "044-重庆市渝中区大数据应用发展管理局",
                  "009-财源科", "谢辉", "63768299", "资金情况", "绩效目标", "绩效指标",
                  "年度总金额1,939.331,972.141,971.95",
                  "其中：财政拨款1,939.141,971.951,971.9510010.0010.00",
                  "一般公共预算1,939.141,971.951,971.95100",
                  "得分合计110.00超过满分，按100计", "指标权重合计100"):
        assert _flat(piece) in text, piece
    n = len(reader.pages)
    for i, page in enumerate(reader.pages, start=1):
        assert f"第{i}页共{n}页" in _flat(page.extract_text())
    for ind, (deviation, coefficient, score) in zip(indicators, printed[4], strict=True):
        row = (f"{ind['name']}{ind['unit']}{ind['nature']}{ind['target']}{ind['actual']}"
               f"{deviation:g}{coefficient:g}{ind['weight']:g}{score:g}{ind['core']}{ind['note']}")
        assert _flat(row) in text, row


def test_a_long_table_repeats_its_header_and_counts_pages(accounts, client):
    import json

    app = accounts
    rows = [{"name": f"第{n}项指标：完成年度重点任务并按季度报送进展情况的比例", "unit": "%",
             "nature": "≥", "target": "90", "actual": str(80 + n % 20), "weight": "1.5",
             "core": "否", "note": "按季度统计"} for n in range(1, 61)]
    rid = create(client, 2, indicator_rows=json.dumps(rows, ensure_ascii=False))
    resp = web(app, SEED_CLERK).get(f"/selfevaluation/pdf/{rid}")
    reader = PdfReader(io.BytesIO(resp.data))
    n = len(reader.pages)
    assert n >= 2
    for i, page in enumerate(reader.pages, start=1):
        text = _flat(page.extract_text())
        assert f"第{i}页共{n}页" in text
        if i > 1 and "第60项指标" in text:
            assert "偏离度（%）" in text  # the indicator header again
    assert "第60项指标" in _flat(_text(resp.data))


@pytest.mark.parametrize("mobile,sees", [
    (SEED_CLERK, True), (SEED_REVIEWER, True), (YUZHONG_REVIEWER, True), (OFFICE, True),
    (CITY_LEADER, True), (FINANCE_REVIEWER, False), (HEALTH_CLERK, False),
    (WANZHOU_REVIEWER, False)])
def test_scope_of_a_draft(accounts, client, mobile, sees):
    app = accounts
    rid = create(client, 2)
    c = web(app, mobile)
    assert c.get(f"/selfevaluation/pdf/{rid}").status_code == (200 if sees else 404)
    assert c.get(f"/selfevaluationmodelview/show/{rid}").status_code == (200 if sees else 404)
    resp = c.get("/selfevaluationmodelview/export/?_all=1")  # not only 待我审核
    ids = [row[0] for row in load_workbook(io.BytesIO(resp.data)).active.iter_rows(
        min_row=2, values_only=True)]
    assert (rid in ids) is sees


def test_the_finance_office_gets_the_pdf_once_the_record_reached_it(accounts, client):
    app = accounts
    rid = create(client, 3)
    c = web(app, FINANCE_REVIEWER)
    act(client, rid, "submit", SEED_CLERK)
    assert c.get(f"/selfevaluation/pdf/{rid}").status_code == 404
    act(client, rid, "approve", SEED_REVIEWER)
    assert c.get(f"/selfevaluation/pdf/{rid}").status_code == 200


def test_the_export_has_the_rows_as_text(accounts, client):
    app = accounts
    rid = create(client, 2)
    resp = web(app, SEED_CLERK).get("/selfevaluationmodelview/export/")
    ws = load_workbook(io.BytesIO(resp.data)).active
    head = [c.value for c in ws[1]]
    row = next(r for r in ws.iter_rows(min_row=2, values_only=True) if r[0] == rid)
    values = dict(zip(head, row))
    assert values["项目名称"] == "市大数据发展专项资金" and values["自评总分"] == "100"
    assert "其中：财政拨款：年初 100.00，调整 300.00，执行 300.00" in values["资金情况"]
    assert "组织专家评审次数（≥ 3次，完成 4，权重 20）" in values["绩效指标"]


def test_the_scoring_endpoint_is_for_signed_in_users_with_the_role(accounts):
    app = accounts
    payload = {"budget_rows": [], "indicator_rows": []}
    anonymous = new_client(app)
    resp = anonymous.post("/selfevaluation/score", json=payload)
    assert resp.status_code in (400, 401)  # no CSRF token, no session: nothing computed
    admin = web(app, ADMIN)
    resp = admin.post("/selfevaluation/score", json=payload,
                      headers={"X-CSRFToken": form_token(admin, "/resetmypassword/form")})
    assert resp.status_code == 403
    clerk = web(app, SEED_CLERK)
    assert clerk.post("/selfevaluation/score", json=payload).status_code == 400  # no token
    token = form_token(clerk)
    resp = clerk.post("/selfevaluation/score", json=payload, headers={"X-CSRFToken": token})
    assert resp.status_code == 200 and resp.get_json()["missing"]
    resp = clerk.post("/selfevaluation/score", json={"record_id": 1},
                      headers={"X-CSRFToken": token})
    assert resp.status_code == 422 and "不是可以提交的字段" in resp.get_json()["message"]
    resp = clerk.post("/selfevaluation/score", data="[1]", content_type="application/json",
                      headers={"X-CSRFToken": token})
    assert resp.status_code == 400
    assert admin.get("/selfevaluation/pdf/1").status_code == 403
