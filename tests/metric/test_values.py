"""指标数据 entered one by one: only the department the scheme names, its own
indicators only, the chain through REST and the web, values checked by the
indicator's kind, one value under review at a time, replacements, scope."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.records.metric.models import MetricIndicator, MetricValue
from tests.attachments.files import pdf_bytes
from tests.helpers import csrf_token, new_client
from tests.metric.util import PERIOD, approved_value, indicator_id, post_value, upload
from tests.risk.util import (
    CITY_LEADER,
    CLERK_BDB,
    CLERK_FIN,
    CLERK_GOV,
    CLERK_SASAC,
    CLERK_WZ,
    LEADER_WZ,
    OFFICE,
    REVIEWER_FIN,
    REVIEWER_SASAC,
    REVIEWER_WZ,
    act,
    add_accounts,
    headers,
)


@pytest.fixture
def accounts(app):
    add_accounts(app)
    return app


def test_the_catalog_follows_the_2024_scheme(app):
    with app.app_context():
        rows = {m.key: m for m in db.session.scalars(select(MetricIndicator))}
        assert len(rows) == 21 and all(m.active for m in rows.values())
        assert rows["d2_loss_reduction"].department_names == "市国资委"
        assert rows["d4_separation"].department_names == "市委办公厅、市国资委"
        # item 1's leaves without their own units inherit the item's three departments
        assert rows["d1_apps"].department_names == "市政府办公厅、市委组织部、市大数据发展局"
        assert rows["d1_focus_coverage"].department_names == "市大数据发展局"
        assert rows["d1_event_expert_score"].kind == "score"
        assert rows["d1_event_expert_score"].full == 100
        assert rows["d1_apps"].kind == "value" and rows["d1_apps"].integer
        assert rows["d2_loss_reduction"].ratio_max == 1 and rows["d5_assets"].ratio_max is None


@pytest.mark.parametrize("mobile,key,ok", [
    (CLERK_SASAC, "d2_loss_reduction", True),
    (CLERK_SASAC, "d4_separation", True),  # 市委办公厅 and 市国资委 share item 4
    (CLERK_FIN, "d2_loss_reduction", False),  # 市财政局 is not named for item 2
    (CLERK_WZ, "d2_loss_reduction", False),  # a district never enters metric values
])
def test_only_the_named_department_enters_its_indicators(accounts, client, mobile, key, ok):
    resp = post_value(client, accounts, mobile, key=key)
    if ok:
        assert resp.status_code == 201, resp.get_json()
    else:
        assert resp.status_code == 422
        assert "不存在或不可选择" in resp.get_json()["message"]  # not in the user's list


def test_the_indicator_list_is_the_departments_own(accounts, client, login_as):
    app = accounts
    info = client.get("/api/v1/metric_value/_info", headers=headers(client, CLERK_SASAC))
    choices = next(f for f in info.get_json()["add_columns"] if f["name"] == "indicator")
    assert sorted(v["value"] for v in choices["values"]) == [
        "D2.1 国企止损减亏完成率", "D2.2 法人压减完成率", "D4.1 政企分离改革完成率",
        "D4.2 国有资产集中统一监管比例"]
    form = login_as(CLERK_FIN).get("/metricvaluemodelview/add").get_data(as_text=True)
    assert "D5.1 盘活存量国有资产完成率" in form and "国企止损减亏完成率" not in form
    # even a row the list does not offer is refused by clean()
    with app.app_context():
        from app.records.metric.models import MetricValue as MV
        from tests.risk.util import user

        clerk = user(CLERK_FIN)
        v = MV(indicator_id=indicator_id(app, "d2_loss_reduction"), period=PERIOD,
               district_id=clerk.unit_id, numerator=1, denominator=2, unit_id=clerk.unit_id,
               filed_by_id=clerk.id, state="draft", version=1)
        problems = " ".join(v.clean())
        assert "“D2.1 国企止损减亏完成率”的数据只能由市国资委填报，市财政局不能填报" in problems
        assert "不是区县" in problems


@pytest.mark.parametrize("key,numbers,message", [
    ("d2_loss_reduction", {"numerator": 5, "denominator": 4}, "分子 5 大于分母 4"),
    ("d2_loss_reduction", {"numerator": 1, "denominator": 0}, "分母为 0 时分子也必须为 0"),
    ("d2_loss_reduction", {"numerator": -1, "denominator": 4}, "不能为负数"),
    ("d2_loss_reduction", {"value": 0.75}, "请填写分子和分母"),
    ("d2_loss_reduction", {"numerator": 3}, "请填写分母"),
    ("d1_apps", {"value": 2.5}, "应为整数"),
    ("d1_apps", {"numerator": 1, "denominator": 2}, "只填数值"),
    ("d1_event_expert_score", {"value": 101}, "录入得分应在 0 至 100 之间"),
])
def test_values_are_checked_by_kind(accounts, client, key, numbers, message):
    mobile = CLERK_SASAC if key.startswith("d2") else "13700000075"
    resp = post_value(client, accounts, mobile, key=key, **numbers)
    assert resp.status_code == 422 and message in resp.get_json()["message"], resp.get_json()


def test_over_100_percent_is_fine_where_possible(accounts, client):
    # 法人压减完成率 and the finance completions may exceed their targets
    assert post_value(client, accounts, CLERK_SASAC, key="d2_entity_reduction", numerator=5,
                      denominator=4).status_code == 201
    assert post_value(client, accounts, CLERK_BDB, key="d1_event_expert_score",
                      value=88.5).status_code == 201
    assert post_value(client, accounts, CLERK_GOV, key="d1_apps", value=7).status_code == 201


def test_period_rules(accounts, client):
    resp = post_value(client, accounts, CLERK_SASAC, period="2027Q1")
    assert resp.status_code == 422 and "尚未开始" in resp.get_json()["message"]
    resp = post_value(client, accounts, CLERK_SASAC, period="2023Q4")
    assert resp.status_code == 422


def test_chain_over_rest_with_evidence(accounts, client):
    app = accounts
    rid = post_value(client, app, CLERK_SASAC).get_json()["id"]
    resp = act(client, "metric_value", rid, "submit", CLERK_SASAC)
    assert resp.status_code == 422 and "请先上传佐证材料再提交" in resp.get_json()["message"]
    assert upload(client, rid, CLERK_SASAC).status_code == 201
    for who, action, state in ((CLERK_SASAC, "submit", "pending_1"),
                               (REVIEWER_SASAC, "approve", "pending_2"),
                               (OFFICE, "approve", "approved")):
        resp = act(client, "metric_value", rid, action, who)
        assert resp.status_code == 200 and resp.get_json()["state"] == state, resp.get_json()
    got = client.get(f"/api/v1/metric_value/{rid}", headers=headers(client, OFFICE)).get_json()
    assert got["result"]["title"] == "万州区2026Q3 D2.1 国企止损减亏完成率"
    # another department's reviewer can neither see nor approve
    rid2 = post_value(client, app, CLERK_SASAC, district="渝中区").get_json()["id"]
    upload(client, rid2, CLERK_SASAC)
    act(client, "metric_value", rid2, "submit", CLERK_SASAC)
    assert act(client, "metric_value", rid2, "approve", REVIEWER_FIN).status_code == 404


def test_chain_on_the_web(accounts, login_as):
    app = accounts
    clerk = login_as(CLERK_FIN)
    token = csrf_token(clerk, "/metricvaluemodelview/add")
    from tests.risk.util import unit_id

    resp = clerk.post("/metricvaluemodelview/add", data={
        "csrf_token": token, "indicator": str(indicator_id(app, "d5_assets")),
        "district": str(unit_id(app, "黔江区")), "period": PERIOD, "value": "",
        "numerator": "130", "denominator": "100", "note": "含划转资产",
        "evidence": (io.BytesIO(pdf_bytes("e")), "台账.pdf")}, content_type="multipart/form-data")
    assert resp.status_code == 302, resp.get_data(as_text=True)[:3000]
    with app.app_context():
        rid = db.session.scalar(select(MetricValue.id))
    page = clerk.get(f"/metricvaluemodelview/show/{rid}").get_data(as_text=True)
    assert "130.00%" in page and "逐条填报" in page and "台账.pdf" in page
    clerk.post(f"/metricvaluemodelview/transition/{rid}/submit", data={"csrf_token": token})
    reviewer = login_as(REVIEWER_FIN)
    token = csrf_token(reviewer, f"/metricvaluemodelview/show/{rid}")
    reviewer.post(f"/metricvaluemodelview/transition/{rid}/approve", data={"csrf_token": token})
    office = login_as(OFFICE)
    token = csrf_token(office, f"/metricvaluemodelview/show/{rid}")
    office.post(f"/metricvaluemodelview/transition/{rid}/approve", data={"csrf_token": token})
    with app.app_context():
        assert db.session.get(MetricValue, rid).state == "approved"


def test_one_value_under_review_at_a_time_and_replacements(accounts, client):
    """A second value for the same indicator, district and period cannot be
    submitted while the first is under review; once the first is approved, a
    replacement goes through the chain again and the first stays."""
    import datetime as dt

    from app.records.metric.sources import latest_approved

    app = accounts
    first = post_value(client, app, CLERK_SASAC, numerator=2, denominator=4).get_json()["id"]
    upload(client, first, CLERK_SASAC)
    assert act(client, "metric_value", first, "submit", CLERK_SASAC).status_code == 200
    second = post_value(client, app, CLERK_SASAC, numerator=3, denominator=4).get_json()["id"]
    upload(client, second, CLERK_SASAC)
    resp = act(client, "metric_value", second, "submit", CLERK_SASAC)
    assert resp.status_code == 422
    assert f"已有待审核的数值（编号 {first}" in resp.get_json()["message"]
    act(client, "metric_value", first, "approve", REVIEWER_SASAC)
    act(client, "metric_value", first, "approve", OFFICE)
    for who in (CLERK_SASAC, REVIEWER_SASAC, OFFICE):
        action = "submit" if who == CLERK_SASAC else "approve"
        resp = act(client, "metric_value", second, action, who)
        assert resp.status_code == 200, resp.get_json()
    with app.app_context():
        wz = db.session.get(MetricValue, first).district_id
        latest = latest_approved("d2_loss_reduction", PERIOD, [wz], dt.datetime.now())
        assert latest[wz].id == second and latest[wz].numerator == 3
        assert db.session.get(MetricValue, first).state == "approved"  # kept in history
        shown = db.session.get(MetricValue, second).previous_label
        assert shown.startswith(f"编号 {first}：50.00%")


@pytest.mark.parametrize("mobile,sees", [
    (CLERK_SASAC, True), (REVIEWER_SASAC, True), (OFFICE, True), (CITY_LEADER, True),
    (CLERK_FIN, False), (CLERK_WZ, False), (REVIEWER_WZ, False), (LEADER_WZ, False),
])
def test_scope(accounts, client, mobile, sees):
    rid = post_value(client, accounts, CLERK_SASAC).get_json()["id"]
    api = new_client(accounts)
    assert api.get(f"/api/v1/metric_value/{rid}", headers=headers(api, mobile)).status_code == \
        (200 if sees else 404)


def test_a_co_named_department_sees_the_shared_indicators_values(accounts, client):
    """市委办公厅 is named for item 4 with 市国资委: it sees 市国资委's D4 values,
    not its D2 values."""
    from flask import current_app

    from tests.helpers import DEMO_PASSWORD
    from tests.risk.util import unit_named, user

    app = accounts
    with app.app_context():
        sm = current_app.appbuilder.sm
        u = sm.add_user("13700000091", "市委办公厅录入员", "", "b@test.invalid",
                        [sm.find_role("录入员")], password=DEMO_PASSWORD)
        u = user("13700000091") or db.session.get(type(u), u.id)
        u.mobile, u.unit_id, u.must_change_password = "13700000091", \
            unit_named("市委办公厅").id, False
        db.session.commit()
    d4 = post_value(client, app, CLERK_SASAC, key="d4_separation").get_json()["id"]
    d2 = post_value(client, app, CLERK_SASAC, key="d2_loss_reduction").get_json()["id"]
    h = headers(client, "13700000091")
    assert client.get(f"/api/v1/metric_value/{d4}", headers=h).status_code == 200
    assert client.get(f"/api/v1/metric_value/{d2}", headers=h).status_code == 404


def test_approved_values_stay_as_they_are(accounts, client):
    app = accounts
    rid = approved_value(client, app, CLERK_SASAC, REVIEWER_SASAC)
    put = client.put(f"/api/v1/metric_value/{rid}", json={"numerator": 1.0},
                     headers=headers(client, CLERK_SASAC))
    assert put.status_code == 403
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(MetricValue)) == 1
