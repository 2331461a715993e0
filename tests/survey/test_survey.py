"""满意度调查: who may file, one per district and quarter (also when two clerks
save at the same moment on PostgreSQL), the chain through REST and the web
with its required report, scope, the satisfaction score it feeds to the
district 2023 scheme (numbers worked by hand), and 重大改革项目满意度."""

from __future__ import annotations

import datetime as dt
import io
import threading

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.records.survey.models import ProjectSatisfaction, SurveyResult
from tests.attachments.files import pdf_bytes
from tests.helpers import csrf_token, new_client
from tests.risk.util import (
    CITY_LEADER,
    CLERK_SQMY,
    CLERK_TJJ,
    CLERK_WXB,
    CLERK_WZ,
    LEADER_WZ,
    OFFICE,
    REVIEWER_WZ,
    act,
    add_accounts,
    headers,
    unit_id,
)

Q3 = "2026Q3"


@pytest.fixture
def accounts(app):
    add_accounts(app)
    return app


def _body(app, district="万州区", quarter=Q3, score=88.5):
    return {"district": unit_id(app, district), "quarter": quarter, "score": score,
            "conclusion": "受访群众对改革工作总体满意。"}


def _post(client, app, mobile=CLERK_SQMY, **kw):
    return client.post("/api/v1/survey/", json=_body(app, **kw), headers=headers(client, mobile))


def _upload(client, rid, mobile=CLERK_SQMY):
    return client.post(f"/api/v1/survey/{rid}/attachments", headers=headers(client, mobile),
                       data={"file": (io.BytesIO(pdf_bytes("report")), "调查报告.pdf")},
                       content_type="multipart/form-data")


def _approved(client, app, district, score, quarter=Q3, mobile=CLERK_SQMY) -> int:
    resp = _post(client, app, mobile, district=district, quarter=quarter, score=score)
    assert resp.status_code == 201, resp.get_json()
    rid = resp.get_json()["id"]
    assert _upload(client, rid, mobile).status_code == 201
    assert act(client, "survey", rid, "submit", mobile).status_code == 200
    assert act(client, "survey", rid, "approve", OFFICE).status_code == 200
    return rid


# -- who may file -------------------------------------------------------------------

@pytest.mark.parametrize("mobile,ok", [
    (CLERK_SQMY, True), (CLERK_TJJ, True), (CLERK_WZ, False), (CLERK_WXB, False),
])
def test_who_may_file(accounts, client, mobile, ok):
    resp = _post(client, accounts, mobile)
    if ok:
        assert resp.status_code == 201, resp.get_json()
        assert resp.get_json()["result"]["title"] == "万州区2026年第3季度改革满意度调查"
    else:
        assert resp.status_code == 422
        assert "满意度调查只能由市社情民意调查中心或市统计局填报" in resp.get_json()["message"]


@pytest.mark.parametrize("over,message", [
    ({"score": 101}, "满意度得分应在 0 至 100 之间"),
    ({"score": -1}, "满意度得分应在 0 至 100 之间"),
    ({"quarter": "2027Q1"}, "尚未开始，不能填报"),
    ({"district": "市国资委"}, "区县"),
])
def test_bad_values_are_refused(accounts, client, over, message):
    resp = _post(client, accounts, **over)
    assert resp.status_code == 422 and message in resp.get_json()["message"], resp.get_json()


# -- one per district and quarter ---------------------------------------------------------

def test_second_survey_for_a_district_and_quarter_is_refused(accounts, client, login_as):
    app = accounts
    first = _post(client, app).get_json()["id"]
    resp = _post(client, app, CLERK_TJJ, score=70)
    assert resp.status_code == 422
    message = resp.get_json()["message"]
    assert "万州区2026年第3季度的满意度调查已存在" in message
    assert f"编号 {first}" in message and "市社情民意调查中心" in message and "草稿" in message
    # the web form says the same and keeps what was typed
    c = login_as(CLERK_SQMY)
    token = csrf_token(c, "/surveyresultmodelview/add")
    resp = c.post("/surveyresultmodelview/add", data={
        "csrf_token": token, "district": str(unit_id(app, "万州区")), "quarter": Q3,
        "score": "77", "conclusion": "第二条"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and f"编号 {first}" in html and "第二条" in html
    # moving another record onto the same district and quarter is refused too
    other = _post(client, app, district="渝中区").get_json()["id"]
    put = client.put(f"/api/v1/survey/{other}", json={"district": unit_id(app, "万州区")},
                     headers=headers(client, CLERK_SQMY))
    assert put.status_code == 422 and f"编号 {first}" in put.get_json()["message"]
    # another quarter or district is fine
    assert _post(client, app, quarter="2026Q2").status_code == 201
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SurveyResult)) == 3


def test_the_constraint_answers_409_with_the_message(accounts, client, monkeypatch):
    """Should the check in clean() be passed (two saves at once), the unique
    constraint refuses the second, and the answer names the first."""
    app = accounts
    first = _post(client, app).get_json()["id"]
    monkeypatch.setattr(SurveyResult, "existing", _skip_first_lookup(SurveyResult.existing))
    resp = _post(client, app, CLERK_TJJ)
    assert resp.status_code == 409, resp.get_json()
    assert f"编号 {first}" in resp.get_json()["message"]


def _skip_first_lookup(real):
    calls = {"n": 0}

    def existing(session, *args, **kwargs):
        calls["n"] += 1
        return None if calls["n"] == 1 else real(session, *args, **kwargs)

    return staticmethod(existing)


def test_two_clerks_at_the_same_moment_give_one_survey(accounts, monkeypatch):
    app = accounts
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("needs PostgreSQL (real concurrent connections)")
    barrier = threading.Barrier(2)
    real_clean = SurveyResult.clean

    def clean(self):
        problems = real_clean(self)
        barrier.wait(10)  # both have checked before either saves
        return problems

    monkeypatch.setattr(SurveyResult, "clean", clean)
    clients = {m: new_client(app) for m in (CLERK_SQMY, CLERK_TJJ)}
    hdrs = {m: headers(c, m) for m, c in clients.items()}
    answers = []

    def post(mobile):
        resp = clients[mobile].post("/api/v1/survey/", json=_body(app), headers=hdrs[mobile])
        answers.append((resp.status_code, resp.get_json()))

    threads = [threading.Thread(target=post, args=(m,)) for m in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    codes = sorted(code for code, _ in answers)
    assert codes == [201, 409], answers
    winner = next(body for code, body in answers if code == 201)
    loser = next(body for code, body in answers if code == 409)
    assert f"编号 {winner['id']}" in loser["message"]
    assert "万州区2026年第3季度的满意度调查已存在" in loser["message"]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SurveyResult)) == 1


# -- the chain ---------------------------------------------------------------------

def test_chain_over_rest_needs_the_report(accounts, client):
    app = accounts
    rid = _post(client, app).get_json()["id"]
    resp = act(client, "survey", rid, "submit", CLERK_SQMY)
    assert resp.status_code == 422 and "请先上传佐证材料再提交" in resp.get_json()["message"]
    assert _upload(client, rid).status_code == 201
    files = client.get(f"/api/v1/survey/{rid}/attachments", headers=headers(client, CLERK_SQMY))
    assert [f["name"] for f in files.get_json()["result"]] == ["调查报告.pdf"]
    assert act(client, "survey", rid, "submit", CLERK_SQMY).get_json()["state"] == "pending_1"
    assert act(client, "survey", rid, "reject", OFFICE, "样本量不足").get_json()["state"] == \
        "rejected"
    put = client.put(f"/api/v1/survey/{rid}", json={"score": 86.0},
                     headers=headers(client, CLERK_SQMY))
    assert put.status_code == 200
    assert act(client, "survey", rid, "submit", CLERK_SQMY).status_code == 200
    resp = act(client, "survey", rid, "approve", OFFICE)
    assert resp.status_code == 200 and resp.get_json()["state"] == "approved"


def test_chain_on_the_web(accounts, login_as):
    app = accounts
    clerk = login_as(CLERK_SQMY)
    form = clerk.get("/surveyresultmodelview/add").get_data(as_text=True)
    assert "调查季度" in form and "2026年第3季度" in form and "万州区" in form
    token = csrf_token(clerk, "/surveyresultmodelview/add")
    resp = clerk.post("/surveyresultmodelview/add", data={
        "csrf_token": token, "district": str(unit_id(app, "渝中区")), "quarter": Q3,
        "score": "91.5", "conclusion": "总体满意",
        "evidence": (io.BytesIO(pdf_bytes("r")), "报告.pdf")},
        content_type="multipart/form-data")
    assert resp.status_code == 302, resp.get_data(as_text=True)[:3000]
    with app.app_context():
        rid = db.session.scalar(select(SurveyResult.id))
    clerk.post(f"/surveyresultmodelview/transition/{rid}/submit", data={"csrf_token": token})
    office = login_as(OFFICE)
    page = office.get(f"/surveyresultmodelview/show/{rid}").get_data(as_text=True)
    assert "报告.pdf" in page and "workflow-approve" in page and "待市委改革办审核" in page
    token = csrf_token(office, f"/surveyresultmodelview/show/{rid}")
    office.post(f"/surveyresultmodelview/transition/{rid}/approve", data={"csrf_token": token})
    with app.app_context():
        assert db.session.get(SurveyResult, rid).state == "approved"


@pytest.mark.parametrize("mobile,sees", [
    (CLERK_SQMY, True), (OFFICE, True), (CITY_LEADER, True),
    (CLERK_TJJ, False), (CLERK_WZ, False), (REVIEWER_WZ, False), (LEADER_WZ, False),
])
def test_scope(accounts, client, mobile, sees):
    rid = _post(client, accounts).get_json()["id"]
    api = new_client(accounts)
    assert api.get(f"/api/v1/survey/{rid}", headers=headers(api, mobile)).status_code == \
        (200 if sees else 404)


# -- the satisfaction indicator ------------------------------------------------------

def test_satisfaction_scores_worked_by_hand(accounts, client):
    """2026Q3 approved: 万州 90, 渝北 85, 渝中 80, 黔江 70 → S = 90, A = median
    (85 + 80) / 2 = 82.5, B = 70; coefficients 1.0 / 0.8 / 0.6, 20 points:
    万州 20 × [0.8 + (90−82.5)/(90−82.5) × 0.2] = 20.00;
    渝北 20 × [0.8 + (85−82.5)/(90−82.5) × 0.2] = 17.33;
    渝中 20 × [0.6 + (80−70)/(82.5−70) × 0.2] = 15.20;
    黔江 20 × [0.6 + 0] = 12.00.
    Not counted: a pending survey (万盛), 2026Q2 (万州 50), and the others have none."""
    from app.scoring.collectors import records_for
    from app.scoring.service import run_scheme

    app = accounts
    ids = {name: _approved(client, app, name, score)
           for name, score in (("万州区", 90), ("渝北区", 85), ("渝中区", 80), ("黔江区", 70))}
    _approved(client, app, "万州区", 50, quarter="2026Q2")
    pending = _post(client, app, district="万盛经开区", score=99).get_json()["id"]
    assert _upload(client, pending).status_code == 201
    assert act(client, "survey", pending, "submit", CLERK_SQMY).status_code == 200
    with app.app_context():
        run = run_scheme("district_2023", Q3)
        assert "MY1" not in run.collection.missing
        wide = run.result.wide
        got = {n: round(float(wide.loc[n, "MY1"]), 2) for n in ("万州区", "渝北区", "渝中区", "黔江区")}
        assert got == {"万州区": 20.0, "渝北区": 17.33, "渝中区": 15.2, "黔江区": 12.0}
        long = run.result.long.set_index(["unit", "indicator"])
        assert long.loc[("万盛经开区", "MY1"), "status"] == "缺少数据"
        wz = unit_id(app, "万州区")
        links = run.collection.links[(wz, "MY1")]
        assert [r.id for link in links for r in records_for(link.to_dict())] == [ids["万州区"]]


def test_a_yearly_window_takes_the_mean(accounts, client):
    from app.records.survey.sources import survey_source
    from app.scoring.collectors import CollectContext
    from app.scoring.periods import parse_period

    app = accounts
    _approved(client, app, "万州区", 90, quarter="2026Q2")
    _approved(client, app, "万州区", 80, quarter="2026Q3")
    with app.app_context():
        wz = unit_id(app, "万州区")
        ctx = CollectContext(parse_period("2026"), [wz], dt.datetime.now(), db.session)
        got = survey_source({"kind": "survey"}, ctx)
        assert got.value == {wz: 85.0}
        assert len(got.links[wz]) == 1 and len(got.links[wz][0].filters[0].value) == 2


def test_score_run_names_no_survey_leaf_missing(accounts, runner):
    result = runner.invoke(args=["score", "run", "--scheme", "district_2023", "--period", Q3])
    assert result.exit_code == 0, result.output
    assert "MY1（社情民意电话调查满意度）：缺少数据来源" not in result.stderr


# -- 重大改革项目满意度 ---------------------------------------------------------------

def test_project_satisfaction_is_kept_by_the_office(accounts, login_as):
    app = accounts
    office = login_as(OFFICE)
    token = csrf_token(office, "/projectsatisfactionmodelview/add")
    resp = office.post("/projectsatisfactionmodelview/add", data={
        "csrf_token": token, "year": "2025", "project": "城市更新改革", "score": "91.2",
        "respondents": "1200", "conclusion": "惠民有感", "report": ""})
    assert resp.status_code == 302
    bad = office.post("/projectsatisfactionmodelview/add", data={
        "csrf_token": token, "year": "2025", "project": "医保改革", "score": "120",
        "conclusion": "x"})
    assert "满意度得分应在 0 至 100 之间" in office.get(bad.headers.get("Location", "/")
                                                 if bad.status_code == 302 else "/"
                                                 ).get_data(as_text=True) \
        or "满意度得分应在 0 至 100 之间" in bad.get_data(as_text=True)
    with app.app_context():
        rows = db.session.scalars(select(ProjectSatisfaction)).all()
        assert [(r.project, r.score) for r in rows] == [("城市更新改革", 91.2)]
    assert "城市更新改革" in login_as(CITY_LEADER).get(
        "/projectsatisfactionmodelview/list/").get_data(as_text=True)
    assert login_as(CLERK_SQMY).get("/projectsatisfactionmodelview/list/").status_code == 403


def test_demo_generator(app):
    import random

    from app.records.survey.demo import generate

    today = dt.date.today()
    with app.app_context():
        counts = generate(db.session, random.Random(3), today)
        db.session.commit()
        assert counts["approved"] >= 41
        assert generate(db.session, random.Random(3), today) == {}
        for rec in db.session.scalars(select(SurveyResult)):
            assert rec.clean() == [], (rec.id, rec.clean())
