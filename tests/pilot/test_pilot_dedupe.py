"""One pilot per 部署文件文号: every way of typing the same number is the same
pilot; a second district is told which pilot exists, who created it and its
state (REST and web, when editing too, and when two save at the same moment)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.records.pilot.docno import normalize_doc_no
from app.records.pilot.models import Pilot
from tests.helpers import csrf_token
from tests.pilot.util import (
    CLERK_WZ,
    CLERK_YZ,
    GZW,
    REVIEWER_WZ,
    YUZHONG,
    act,
    headers,
    make_pilot,
    unit_id,
)

CANONICAL = "国办发〔2019〕25号"
SAME = [
    "国办发〔2019〕25号",
    "国办发[2019]25号",  # half-width square brackets
    "国办发［2019］25号",  # full-width square brackets
    "国办发【2019】25号",  # lenticular brackets
    "国办发(2019)25号",  # half-width round brackets
    "国办发（2019）25号",  # full-width round brackets
    "国办发{2019}25号",
    "国办发〖2019〗25号",
    "国办发〔2019〕25号 ",
    " 国办发 〔2019〕 25 号",  # spaces
    "国办发\u3000〔2019〕\u300025号",  # ideographic spaces
    "国办发〔2019〕第25号",  # 第…号
    "国办发（2019）第 25 号",
    "国办发〔２０１９〕２５号",  # full-width digits
    "国办发〔2019〕025号",  # a leading zero
    "国办发〔2019〕25",  # no 号
    "国办发[2019]第025号",
]
DIFFERENT = ["国办发〔2019〕26号", "国办发〔2018〕25号", "国发〔2019〕25号", "国办函〔2019〕25号",
             "国办发〔2019〕250号"]


@pytest.mark.parametrize("typed", SAME)
def test_normalised_forms_are_the_same(typed):
    assert normalize_doc_no(typed) == CANONICAL


@pytest.mark.parametrize("typed", DIFFERENT)
def test_other_numbers_stay_different(typed):
    assert normalize_doc_no(typed) != CANONICAL


def test_latin_letters_ignore_case():
    assert normalize_doc_no("ＧＢ/t 1-2019") == normalize_doc_no("GB/T1-2019")


def _body(app, doc_no):
    with app.app_context():
        yz, gzw = unit_id(YUZHONG), unit_id(GZW)
    return {"name": "同一试点", "level": "国家级", "deploy_kind": "党中央国务院或中办国办批复部署",
            "doc_no": doc_no, "authority": "国务院办公厅", "deploy_date": "2019-05-01",
            "districts": [yz], "supervisor": gzw}


@pytest.mark.parametrize("typed", SAME)
def test_second_district_refused_naming_the_pilot_creator_and_state(app, client, typed):
    with app.app_context():
        p = make_pilot(doc_no=CANONICAL, name="开展政务服务改革试点")
        pid = p.id
        act("pilot", pid, "submit", CLERK_WZ)
    resp = client.post("/api/v1/pilot/", json=_body(app, typed), headers=headers(client, CLERK_YZ))
    assert resp.status_code in (409, 422), resp.get_json()
    message = resp.get_json()["message"]
    for part in (f"编号 {pid}", "开展政务服务改革试点", "由万州区创建", "当前状态：待区县审核",
                 "申请加入试点", "市国资委"):
        assert part in message, (part, message)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Pilot)) == 1


@pytest.mark.parametrize("typed", DIFFERENT)
def test_a_different_number_is_a_different_pilot(app, client, typed):
    with app.app_context():
        make_pilot(doc_no=CANONICAL)
    resp = client.post("/api/v1/pilot/", json=_body(app, typed), headers=headers(client, CLERK_YZ))
    assert resp.status_code == 201, resp.get_json()


def test_refusal_on_the_web_form_keeps_what_was_typed(app, login_as):
    with app.app_context():
        pid = make_pilot(doc_no=CANONICAL).id
        act("pilot", pid, "submit", CLERK_WZ)
        act("pilot", pid, "approve", REVIEWER_WZ)
        yz, gzw = unit_id(YUZHONG), unit_id(GZW)
    c = login_as(CLERK_YZ)
    token = csrf_token(c, "/pilotmodelview/add")
    resp = c.post("/pilotmodelview/add", data={
        "csrf_token": token, "name": "渝中填的同一试点", "level": "国家级",
        "deploy_kind": "党中央国务院或中办国办批复部署", "doc_no": "国办发（2019）第25号",
        "authority": "国务院办公厅", "deploy_date": "2019-05-01", "districts": [str(yz)],
        "supervisor": str(gzw)})
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert "由万州区创建" in html and "待主管部门确认分发" in html
    assert "渝中填的同一试点" in html  # the form keeps the input
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Pilot)) == 1


def test_editing_into_a_taken_number_is_refused_keeping_the_own_is_not(app, client):
    with app.app_context():
        make_pilot(doc_no=CANONICAL)
        mine = make_pilot(mobile=CLERK_YZ, doc_no="渝府发〔2020〕1号", districts=[YUZHONG]).id
    h = headers(client, CLERK_YZ)
    resp = client.put(f"/api/v1/pilot/{mine}", json={"doc_no": "国办发[2019]25号"}, headers=h)
    assert resp.status_code == 422 and "由万州区创建" in resp.get_json()["message"]
    resp = client.put(f"/api/v1/pilot/{mine}", json={"doc_no": "渝府发（2020）第1号"}, headers=h)
    assert resp.status_code == 200, resp.get_json()
    with app.app_context():
        assert db.session.get(Pilot, mine).doc_no_key == "渝府发〔2020〕1号"


def test_clash_at_commit_is_a_409_naming_the_pilot(app, client, monkeypatch):
    """Both districts pass the check before either saves (what a race does):
    the unique index refuses the second, and the kit asks the model who won."""
    with app.app_context():
        pid = make_pilot(doc_no=CANONICAL).id
    real = Pilot.duplicate_message.__func__
    calls = {"n": 0}

    def first_call_misses(cls, session, key, exclude_id=None):
        calls["n"] += 1
        return None if calls["n"] == 1 else real(cls, session, key, exclude_id)

    monkeypatch.setattr(Pilot, "duplicate_message", classmethod(first_call_misses))
    resp = client.post("/api/v1/pilot/", json=_body(app, "国办发(2019)25号"),
                       headers=headers(client, CLERK_YZ))
    assert resp.status_code == 409, resp.get_json()
    assert f"编号 {pid}" in resp.get_json()["message"]
    assert "由万州区创建" in resp.get_json()["message"]


def test_two_districts_at_the_same_moment_on_postgresql(app, client, monkeypatch):
    """Two connections create the same pilot at once: one pilot, one clear refusal."""
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("needs PostgreSQL (real concurrent connections)")
    tokens = {m: headers(client, m) for m in (CLERK_WZ, CLERK_YZ)}
    body = _body(app, "国办发〔2019〕25号")
    barrier = threading.Barrier(2)
    real_clean = Pilot.clean

    def clean_then_wait(self):
        problems = real_clean(self)
        barrier.wait(15)  # both have checked the number before either saves
        return problems

    monkeypatch.setattr(Pilot, "clean", clean_then_wait)
    answers = []

    def create(mobile, doc_no):
        c = app.test_client()
        resp = c.post("/api/v1/pilot/", json={**body, "doc_no": doc_no}, headers=tokens[mobile])
        answers.append((mobile, resp.status_code, resp.get_json()))

    threads = [threading.Thread(target=create, args=(CLERK_WZ, "国办发〔2019〕25号")),
               threading.Thread(target=create, args=(CLERK_YZ, "国办发（2019）第25号"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    statuses = sorted(a[1] for a in answers)
    assert statuses == [201, 409], answers
    winner = next(a for a in answers if a[1] == 201)
    loser = next(a for a in answers if a[1] == 409)
    creator = "万州区" if winner[0] == CLERK_WZ else "渝中区"
    assert f"由{creator}创建" in loser[2]["message"]
    assert f"编号 {winner[2]['id']}" in loser[2]["message"]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Pilot)) == 1
