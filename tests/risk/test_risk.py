"""风险事件: who may file, the chain through REST and the web, scope, and the
deductions it feeds to the district 2023 scheme (numbers worked by hand)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.records.risk.models import (
    MASS_EXTREME,
    MASS_LARGER,
    MASS_MAJOR,
    OPINION,
    RiskIncident,
)
from app.workflow.models import WorkflowHistory
from tests.helpers import csrf_token, new_client
from tests.risk.util import (
    CITY_LEADER,
    CLERK_SASAC,
    CLERK_WXB,
    CLERK_WZ,
    CLERK_XFB,
    CLERK_YZ,
    LEADER_WZ,
    OFFICE,
    REVIEWER_WXB,
    REVIEWER_WZ,
    REVIEWER_XFB,
    act,
    add_accounts,
    headers,
    unit_id,
)

TODAY = dt.date.today()


@pytest.fixture
def accounts(app):
    add_accounts(app)
    return app


def _body(app, **over):
    body = {"title": "征地补偿引发群众聚集", "occurred_on": TODAY.isoformat(),
            "kind": MASS_LARGER, "details": "约 80 名群众聚集，当日劝离。",
            "districts": [unit_id(app, "万州区")]}
    body.update(over)
    return body


def _create(client, app, mobile=CLERK_WXB, **over):
    resp = client.post("/api/v1/risk_incident/", json=_body(app, **over),
                       headers=headers(client, mobile))
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()["id"]


def _approved(client, app, mobile=CLERK_WXB, reviewer=REVIEWER_WXB, **over) -> int:
    rid = _create(client, app, mobile, **over)
    for who, action in ((mobile, "submit"), (reviewer, "approve"), (OFFICE, "approve")):
        resp = act(client, "risk_incident", rid, action, who)
        assert resp.status_code == 200, resp.get_json()
    return rid


# -- who may file -------------------------------------------------------------------

@pytest.mark.parametrize("mobile,ok", [
    (CLERK_WXB, True), (CLERK_XFB, True), (CLERK_WZ, False), (CLERK_SASAC, False),
])
def test_only_wxb_and_xfb_may_file(accounts, client, mobile, ok):
    app = accounts
    resp = client.post("/api/v1/risk_incident/", json=_body(app), headers=headers(client, mobile))
    if ok:
        assert resp.status_code == 201, resp.get_json()
        assert resp.get_json()["result"]["districts_ids"] == [unit_id(app, "万州区")]
    else:
        assert resp.status_code == 422
        assert "风险事件只能由市委网信办或市信访办填报" in resp.get_json()["message"]
        with app.app_context():
            assert db.session.scalar(select(func.count()).select_from(RiskIncident)) == 0


def test_web_form_refuses_a_district_clerk(accounts, login_as):
    app = accounts
    c = login_as(CLERK_WZ)
    token = csrf_token(c, "/riskincidentmodelview/add")
    resp = c.post("/riskincidentmodelview/add", data={
        "csrf_token": token, "title": "某事件", "occurred_on": TODAY.isoformat(),
        "kind": OPINION, "details": "详情", "districts": [str(unit_id(app, "万州区"))]})
    assert resp.status_code == 200
    assert "风险事件只能由市委网信办或市信访办填报" in resp.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(RiskIncident)) == 0


@pytest.mark.parametrize("over,message", [
    ({"districts": [], "project": ""}, "请选择涉及区县或填写涉及项目"),
    ({"occurred_on": (TODAY + dt.timedelta(days=1)).isoformat()}, "发生时间不能晚于今天"),
    ({"kind": "一般群体性事件"}, "等级必须是"),
    ({"details": "  "}, "请填写详情"),
])
def test_bad_incidents_are_refused(accounts, client, over, message):
    app = accounts
    resp = client.post("/api/v1/risk_incident/", json=_body(app, **over),
                       headers=headers(client, CLERK_WXB))
    assert resp.status_code == 422 and message in resp.get_json()["message"], resp.get_json()


def test_only_districts_can_be_involved(accounts, client):
    app = accounts
    resp = client.post("/api/v1/risk_incident/", json=_body(
        app, districts=[unit_id(app, "市国资委")]), headers=headers(client, CLERK_WXB))
    assert resp.status_code == 422 and "涉及区县" in resp.get_json()["message"]
    # a project alone is enough (it involves no district, so deducts from none)
    resp = client.post("/api/v1/risk_incident/", json=_body(
        app, districts=[], project="中心城区老旧管网改造项目"), headers=headers(client, CLERK_WXB))
    assert resp.status_code == 201, resp.get_json()


# -- the chain ----------------------------------------------------------------------

def test_chain_end_to_end_over_rest(accounts, client):
    app = accounts
    rid = _create(client, app, CLERK_XFB, districts=[unit_id(app, "万州区"),
                                                    unit_id(app, "渝中区")])
    # another data-source unit's reviewer neither sees nor approves it
    assert act(client, "risk_incident", rid, "submit", CLERK_XFB).status_code == 200
    assert act(client, "risk_incident", rid, "approve", REVIEWER_WXB).status_code == 404
    assert act(client, "risk_incident", rid, "approve", OFFICE).status_code == 403
    assert act(client, "risk_incident", rid, "reject", REVIEWER_XFB).status_code == 400
    resp = act(client, "risk_incident", rid, "reject", REVIEWER_XFB, reason="请补充处置情况")
    assert resp.get_json()["state"] == "rejected"
    put = client.put(f"/api/v1/risk_incident/{rid}", json={"details": "已补充：当日劝离。"},
                     headers=headers(client, CLERK_XFB))
    assert put.status_code == 200, put.get_json()
    for who, action, state in ((CLERK_XFB, "submit", "pending_1"),
                               (REVIEWER_XFB, "approve", "pending_2"),
                               (OFFICE, "approve", "approved")):
        resp = act(client, "risk_incident", rid, action, who)
        assert resp.status_code == 200 and resp.get_json()["state"] == state, resp.get_json()
    with app.app_context():
        n = db.session.scalar(select(func.count()).select_from(WorkflowHistory).where(
            WorkflowHistory.record_type == "risk_incident", WorkflowHistory.record_id == rid))
        assert n == 5
        assert {u.name for u in db.session.get(RiskIncident, rid).districts} == {"万州区", "渝中区"}


def test_chain_end_to_end_on_the_web(accounts, login_as):
    app = accounts
    wz, yz = unit_id(app, "万州区"), unit_id(app, "渝中区")
    clerk = login_as(CLERK_WXB)
    form = clerk.get("/riskincidentmodelview/add").get_data(as_text=True)
    assert "涉及区县" in form and "群体性事件（特别重大）" in form and "市国资委" not in form
    token = csrf_token(clerk, "/riskincidentmodelview/add")
    resp = clerk.post("/riskincidentmodelview/add", data={
        "csrf_token": token, "title": "教育收费改革引发网络负面舆情", "kind": OPINION,
        "occurred_on": TODAY.isoformat(), "details": "相关话题阅读量超过百万。",
        "districts": [str(wz), str(yz)], "project": ""})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:3000]
    with app.app_context():
        rid = db.session.scalar(select(RiskIncident.id).where(
            RiskIncident.title == "教育收费改革引发网络负面舆情"))
    show = clerk.get(f"/riskincidentmodelview/show/{rid}").get_data(as_text=True)
    assert "万州区" in show and "渝中区" in show and "workflow-submit" in show
    clerk.post(f"/riskincidentmodelview/transition/{rid}/submit", data={"csrf_token": token})
    reviewer = login_as(REVIEWER_WXB)
    page = reviewer.get(f"/riskincidentmodelview/show/{rid}").get_data(as_text=True)
    assert "workflow-approve" in page and "待本单位审核" in page
    token = csrf_token(reviewer, f"/riskincidentmodelview/show/{rid}")
    reviewer.post(f"/riskincidentmodelview/transition/{rid}/approve", data={"csrf_token": token})
    office = login_as(OFFICE)
    token = csrf_token(office, f"/riskincidentmodelview/show/{rid}")
    office.post(f"/riskincidentmodelview/transition/{rid}/approve", data={"csrf_token": token})
    with app.app_context():
        assert db.session.get(RiskIncident, rid).state == "approved"


# -- scope --------------------------------------------------------------------------

@pytest.mark.parametrize("mobile,sees", [
    (CLERK_WXB, True), (REVIEWER_WXB, True), (OFFICE, True), (CITY_LEADER, True),
    # the other data-source unit and the involved district do not
    (CLERK_XFB, False), (CLERK_WZ, False), (REVIEWER_WZ, False), (LEADER_WZ, False),
    (CLERK_YZ, False),
])
def test_scope_filer_and_office_only(accounts, client, login_as, mobile, sees):
    app = accounts
    rid = _create(client, app, title="万州的风险事件")
    api = new_client(app)
    assert api.get(f"/api/v1/risk_incident/{rid}", headers=headers(api, mobile)
                   ).status_code == (200 if sees else 404)
    listed = api.get("/api/v1/risk_incident/", headers=headers(api, mobile))
    assert (rid in (listed.get_json() or {}).get("ids", [])) is sees
    c = login_as(mobile)
    assert c.get(f"/riskincidentmodelview/show/{rid}").status_code == (200 if sees else 404)


# -- the deductions -------------------------------------------------------------------

def _set(app, rid, **values):
    with app.app_context():
        record = db.session.get(RiskIncident, rid)
        for k, v in values.items():
            setattr(record, k, v)
        db.session.commit()


def test_deductions_for_the_2023_scheme_worked_by_hand(accounts, client):
    """2026Q3. 万州区: 2 舆情 + 1 较大 → −0.2 − 3 = −3.20; 渝中区: 1 舆情 (shared
    with 万州区) + 1 特别重大 → −0.1 − 10 = −10.10; 黔江区: 1 重大 → −5. Not
    counted: a pending incident, an approved one of Q2, one after the moment of
    scoring, and one that names no district."""
    from app.scoring.collectors import records_for
    from app.scoring.service import run_scheme

    app = accounts
    wz, yz, qj = (unit_id(app, n) for n in ("万州区", "渝中区", "黔江区"))
    q3 = dt.date(2026, 8, 10)
    shared = _approved(client, app, kind=OPINION, districts=[wz, yz])
    op2 = _approved(client, app, kind=OPINION, districts=[wz])
    larger = _approved(client, app, CLERK_XFB, REVIEWER_XFB, kind=MASS_LARGER, districts=[wz])
    extreme = _approved(client, app, CLERK_XFB, REVIEWER_XFB, kind=MASS_EXTREME,
                        districts=[yz])
    major = _approved(client, app, CLERK_XFB, REVIEWER_XFB, kind=MASS_MAJOR, districts=[qj])
    earlier = _approved(client, app, kind=MASS_MAJOR, districts=[wz])
    pending = _create(client, app, kind=MASS_MAJOR, districts=[wz])
    project = _approved(client, app, kind=MASS_MAJOR, districts=[], project="某项目")
    for rid in (shared, op2, larger, extreme, major, pending, project):
        _set(app, rid, occurred_on=q3)
    _set(app, earlier, occurred_on=dt.date(2026, 5, 4))
    with app.app_context():
        run = run_scheme("district_2023", "2026Q3")
        for code in ("FX1", "FX2", "FX3", "FX4"):
            assert code not in run.collection.missing
        wide = run.result.wide
        fx = {n: round(float(wide.loc[n, "FX"]), 2) for n in ("万州区", "渝中区", "黔江区", "渝北区")}
        assert fx == {"万州区": -3.2, "渝中区": -10.1, "黔江区": -5.0, "渝北区": 0.0}
        values = run.collection.values.set_index(["unit", "indicator"])["value"]
        assert values[(wz, "FX1")] == 2 and values[(wz, "FX2")] == 1 and values[(wz, "FX3")] == 0
        assert values[(yz, "FX1")] == 1 and values[(yz, "FX4")] == 1
        # each value links to exactly its incidents
        links = run.collection.links[(wz, "FX1")]
        assert sorted(r.id for link in links for r in records_for(link)) == sorted([shared, op2])
        links = run.collection.links[(wz, "FX2")]
        assert [r.id for link in links for r in records_for(link.to_dict())] == [larger]
        assert run.collection.links[(wz, "FX3")] == []
        # an incident approved after the moment of scoring does not count
        late = run_scheme("district_2023", "2026Q3", as_of=dt.datetime(2026, 1, 1))
        assert late.collection.values.set_index(["unit", "indicator"])["value"][(wz, "FX1")] == 0


def test_score_run_cli_names_no_risk_leaf_missing(accounts, runner):
    result = runner.invoke(args=["score", "run", "--scheme", "district_2023",
                                 "--period", "2026Q3", "--format", "json"])
    assert result.exit_code == 0, result.output
    for code in ("FX1", "FX2", "FX3", "FX4"):
        assert f"指标 {code}" not in result.stderr or "缺少数据来源" not in result.stderr


def test_incident_kind_aliases_and_bad_kinds(app):
    from app.records.risk.models import canonical_kind
    from app.records.risk.sources import risk_incident_source
    from app.scoring.collectors import CollectContext, SourceError
    from app.scoring.periods import parse_period

    assert canonical_kind("较大群体性事件") == MASS_LARGER
    assert canonical_kind(OPINION) == OPINION
    with app.app_context():
        ctx = CollectContext(parse_period("2026Q3"), [1], dt.datetime.now(), db.session)
        with pytest.raises(SourceError):
            risk_incident_source({"kind": "risk_incident", "incident_kind": "一般事件"}, ctx)


def test_demo_generator_is_deterministic_and_valid(app):
    import random

    from app.records.risk.demo import generate

    with app.app_context():
        counts = generate(db.session, random.Random(7), TODAY)
        db.session.commit()
        assert counts.get("approved", 0) >= 5 and sum(counts.values()) >= 8
        assert generate(db.session, random.Random(7), TODAY) == {}
        for rec in db.session.scalars(select(RiskIncident)):
            assert rec.clean() == [], (rec.id, rec.clean())
            hist = db.session.scalars(select(WorkflowHistory).where(
                WorkflowHistory.record_type == "risk_incident",
                WorkflowHistory.record_id == rec.id)).all()
            assert len(hist) == rec.version - 1
            assert all(h.created_on <= dt.datetime.combine(TODAY, dt.time(8)) for h in hist)
