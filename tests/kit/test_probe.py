"""Regression tests for what an outside probe did to the shared REST base with
the demo accounts (issue #7): each of these failed on the code before the kit."""

from __future__ import annotations

import io
import json

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from app.extensions import db
from app.records.demand.models import Demand, ReformDomain
from app.records.demand.taxonomy import load_taxonomy
from tests.helpers import api_token, csrf_token
from tests.workflow.util import CLERK_WZ, OFFICE, REVIEWER_WZ, make_demand, user

HUGE = 10**38


def _h(client, mobile=CLERK_WZ):
    return {"Authorization": f"Bearer {api_token(client, mobile)}"}


def _counts():
    return (db.session.scalar(select(func.count()).select_from(Demand)),
            db.session.scalar(select(func.count()).select_from(ReformDomain)))


def test_nested_objects_in_related_fields_create_nothing(app, client):
    with app.app_context():
        load_taxonomy()
        before = _counts()
        unit_id = user(CLERK_WZ).unit_id
    h = _h(client)
    resp = client.post("/api/v1/recognition/", headers=h, json={
        "item": "x", "category": "全市推广", "criterion": "C-1", "date": "2026-03-01",
        "demand": {"id": 900414635, "title": "x", "channel": "重庆发展有堵点",
                   "unit_id": unit_id, "state": "approved", "version": 1}})
    assert resp.status_code == 422
    assert "关联改革需求" in resp.get_json()["message"]
    resp = client.post("/api/v1/demand/", headers=h, json={
        "title": "x", "channel": "重庆发展有堵点", "domain": {"id": 900414634, "name": "新领域"}})
    assert resp.status_code == 422
    rid = client.post("/api/v1/demand/", headers=h, json={
        "title": "y", "channel": "重庆发展有堵点"}).get_json()["id"]
    resp = client.put(f"/api/v1/demand/{rid}", headers=h, json={
        "domain": {"id": 900414634, "name": "新领域"}})
    assert resp.status_code == 422
    with app.app_context():
        demands, domains = _counts()
        assert (demands, domains) == (before[0] + 1, before[1])


@pytest.mark.parametrize("value", ["abc", 1.5, 99999999, -1, True, 0, [1], {"id": 1}])
def test_bad_related_values_are_422_in_chinese(app, client, value):
    with app.app_context():
        load_taxonomy()
        before = _counts()
    resp = client.post("/api/v1/demand/", headers=_h(client), json={
        "title": "x", "channel": "重庆发展有堵点", "domain": value})
    assert resp.status_code == 422, resp.get_json()
    assert "领域" in resp.get_json()["message"]
    with app.app_context():
        assert _counts() == before


def test_related_id_outside_the_users_scope_is_refused(app, client):
    with app.app_context():
        other = make_demand(mobile="13900000021", title="渝中的需求").id
    resp = client.post("/api/v1/recognition/", headers=_h(client), json={
        "item": "x", "category": "全市推广", "criterion": "C-1", "date": "2026-03-01",
        "demand": other})
    assert resp.status_code == 422
    assert "不存在或不可选择" in resp.get_json()["message"]


def test_impossible_ids_in_paths_are_404(app, client, login_as):
    h = _h(client)
    for method in ("get", "put", "delete"):
        resp = getattr(client, method)(f"/api/v1/demand/{HUGE}", headers=h, json={})
        assert resp.status_code == 404, (method, resp.get_data(as_text=True)[:200])
    resp = client.post(f"/api/v1/workflow/demand/{HUGE}/submit", headers=h)
    assert resp.status_code == 404
    c = login_as(CLERK_WZ)
    for path in (f"/demandmodelview/show/{HUGE}", f"/demandmodelview/edit/{HUGE}",
                 "/demandmodelview/show/abc", f"/attachments/{HUGE}"):
        assert c.get(path).status_code == 404, path


@pytest.mark.parametrize("ids", [[{}], [[1]], [10**29], [True], ["1"], [1.5]])
def test_bad_bulk_ids_are_400(app, client, ids):
    resp = client.post("/api/v1/workflow/demand/bulk", headers=_h(client, REVIEWER_WZ),
                       json={"action": "approve", "ids": ids})
    assert resp.status_code == 400, resp.get_data(as_text=True)[:300]
    assert "ids" in resp.get_json()["message"]


def test_bulk_has_a_cap(app, client):
    resp = client.post("/api/v1/workflow/demand/bulk", headers=_h(client, REVIEWER_WZ),
                       json={"action": "approve", "ids": list(range(1, 40_002))})
    assert resp.status_code == 400
    assert "5000" in resp.get_json()["message"]


def test_deep_and_huge_json_bodies(app, client):
    h = {**_h(client), "Content-Type": "application/json"}
    deep = "[" * 100_000 + "]" * 100_000
    resp = client.post("/api/v1/demand/", headers=h, data=deep)
    assert resp.status_code == 400
    assert "JSON" in resp.get_json()["message"]
    big = json.dumps({"title": "x" * (22 * 1024 * 1024), "channel": "重庆发展有堵点"})
    resp = client.post("/api/v1/demand/", headers=h, data=big)
    assert resp.status_code == 413
    assert "上限" in resp.get_json()["message"]


def test_malformed_q_is_400(app, client):
    resp = client.get("/api/v1/demand/?q=(((((", headers=_h(client))
    assert resp.status_code == 400
    assert "q" in resp.get_json()["message"]


def test_export_neutralises_formulas_and_ignores_unknown_order(app, login_as):
    with app.app_context():
        make_demand(title='=HYPERLINK("http://x","y")')
        make_demand(title="=1+1")
        make_demand(title="@SUM(A1)")
    c = login_as(CLERK_WZ)
    resp = c.get("/demandmodelview/export/?_oc_DemandModelView=nosuchcolumn"
                 "&_od_DemandModelView=sideways")
    assert resp.status_code == 200
    wb = load_workbook(io.BytesIO(resp.data))
    cells = [row[1] for row in wb.active.iter_rows(min_row=2)]
    assert all(cell.data_type == "s" for cell in cells)
    assert {cell.value for cell in cells} >= {"'=1+1", "'@SUM(A1)",
                                              "'=HYPERLINK(\"http://x\",\"y\")"}


def test_fab_file_download_route_is_gone(app, login_as):
    c = login_as(OFFICE)
    for view in ("demandmodelview", "recognitionmodelview"):
        assert c.get(f"/{view}/download/../../config.py").status_code == 404
        assert c.get(f"/{view}/download/x.pdf").status_code == 404


def test_info_lists_choices_and_allowed_related_rows(app, client):
    with app.app_context():
        load_taxonomy()
    info = client.get("/api/v1/demand/_info", headers=_h(client)).get_json()
    fields = {f["name"]: f for f in info["add_columns"]}
    assert fields["channel"]["choices"] == ["党中央国务院有部署", "重庆发展有堵点",
                                            "群众企业基层有期盼", "先进省市有经验"]
    assert fields["channel"]["label"] == "来源渠道"
    assert fields["domain"]["values"] and fields["domain"]["type"] == "relation"


def test_openapi_describes_ids_and_choices(app, client):
    spec = client.get("/api/v1/_openapi", headers=_h(client, "13900000099")).get_json()
    schemas = spec["components"]["schemas"]
    post = schemas["DemandApi.post"]["properties"]
    assert post["channel"]["enum"][0] == "党中央国务院有部署"
    assert post["domain"]["type"] == "integer"
    got = schemas["DemandApi.get"]["properties"]
    assert got["unit_name"]["type"] == "string" and got["unit_id"]["type"] == "integer"


def test_reviewer_corrections_through_rest_are_limited(app, client):
    with app.app_context():
        rid = make_demand(state="pending_1").id
    h = _h(client, REVIEWER_WZ)
    assert client.put(f"/api/v1/demand/{rid}", headers=h, json={"title": "改"}
                      ).status_code == 403
    resp = client.put(f"/api/v1/demand/{rid}", headers=h, json={"channel": "先进省市有经验"})
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["result"]["channel"] == "先进省市有经验"


def test_web_form_keeps_what_was_typed_on_a_refusal(app, login_as):
    c = login_as(CLERK_WZ)
    token = csrf_token(c, "/recognitionmodelview/add")
    resp = c.post("/recognitionmodelview/add", data={
        "csrf_token": token, "item": "保留我输入的改革事项", "problem": "原来的问题",
        "result": "成果", "category": "全市推广", "criterion": "N23-1", "date": "2026-03-01"})
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert "保留我输入的改革事项" in html and "原来的问题" in html
    assert "不属于类别" in html


HUGE = "99999999999999999999"


def test_numbers_no_row_can_have_are_4xx_in_chinese(app, client, login_as):
    """Found by probing the new record types: a huge page in ``q``, a huge job
    id in a path, a huge id filter on an export, a district parameter that is
    not an ASCII number."""
    h = {"Authorization": f"Bearer {api_token(client, CLERK_WZ)}"}
    for q in (f"(page:{HUGE})", f"(page_size:{HUGE})"):
        resp = client.get(f"/api/v1/demand/?q={q}", headers=h)
        assert resp.status_code == 400 and "过大" in resp.get_json()["message"], q
    web = login_as(CLERK_WZ)
    for path in (f"/demandmodelview/export/jobs/{HUGE}", f"/demandmodelview/export/jobs/{HUGE}/status",
                 f"/demandmodelview/export/jobs/{HUGE}/file"):
        assert web.get(path).status_code == 404, path
    resp = web.get(f"/demandmodelview/export/?_flt_0_id={HUGE}")
    assert resp.status_code == 400 and "请求格式不正确" in resp.get_data(as_text=True)
    office = login_as(OFFICE)
    for value in (HUGE, "²", "-1"):
        assert office.get(f"/assessment/overview/?district={value}").status_code == 200, value


def test_flask_appbuilder_q_errors_are_in_chinese(app, client):
    h = {"Authorization": f"Bearer {api_token(client, CLERK_WZ)}"}
    cases = {
        "(order_column:zzz,order_direction:asc)": "排序字段“zzz”无效",
        "(filters:!((col:nosuchcolumn,opr:eq,value:1)))": "不能按字段“nosuchcolumn”筛选",
        "(filters:!((col:title,opr:eq,value:(a:1))))": "查询参数 q 的结构不正确",
    }
    for q, message in cases.items():
        resp = client.get(f"/api/v1/demand/?q={q}", headers=h)
        assert resp.status_code == 400 and resp.get_json()["message"] == message, \
            (q, resp.get_json())
