"""采用 of an approved 改革典型案例: only the filing enterprise's 区国资委 (its 录入员
or 审核员) may adopt or revoke; not the enterprise, not the district above, not
another district's 国资委, not the 改革办; only an approved case; who and when
are kept on the case and in an append-only log; a client cannot set it."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from app.errors import UserError
from app.extensions import db
from app.records.soe import adoption
from app.records.soe.models import (
    AdoptionLogIsAppendOnly,
    SoeCase,
    SoeCaseAdoption,
)
from tests.helpers import csrf_token, login, new_client
from tests.soe.util import (
    CITY_LEADER,
    CJ_CLERK,
    CJ_REVIEWER,
    GZW_CLERK,
    GZW_REVIEWER,
    JT_CLERK,
    KZ_CLERK,
    KZ_GZW_CLERK,
    KZ_GZW_REVIEWER,
    KZ_REVIEWER,
    LEADER_WZ,
    OFFICE,
    REVIEWER_WZ,
    add_accounts,
    headers,
    make_case,
    unit_id,
    user,
    walk,
)


@pytest.fixture
def approved_case(app):
    """An approved case of 城建集团 (万州) and one of 开州's enterprise."""
    add_accounts(app, other_district=True)
    with app.app_context():
        rid = make_case(CJ_CLERK)
        walk("soe_case", rid, CJ_CLERK, CJ_REVIEWER)
        kz = make_case(KZ_CLERK, name="开州能投改革")
        walk("soe_case", kz, KZ_CLERK, KZ_REVIEWER, gzw=KZ_GZW_REVIEWER)
    return rid, kz


def _post(client, rid, action, mobile, **body):
    return client.post(f"/api/v1/soe_case_adoption/{rid}/{action}", json=body or None,
                       headers=headers(client, mobile))


def test_who_may_adopt(app, client, approved_case):
    rid, kz = approved_case
    refused = {
        CJ_CLERK: 403,  # the enterprise's own clerk
        CJ_REVIEWER: 403,  # and reviewer
        JT_CLERK: 404,  # a sibling enterprise: does not see it
        REVIEWER_WZ: 403,  # 万州区 sees it (above), but is not its 国资委
        KZ_GZW_CLERK: 404,  # another district's 国资委
        KZ_GZW_REVIEWER: 404,
        OFFICE: 403,  # the 改革办: no permission to adopt
        LEADER_WZ: 403, CITY_LEADER: 403,  # leaders change nothing
    }
    for mobile, status in refused.items():
        resp = _post(client, rid, "adopt", mobile)
        assert resp.status_code == status, (mobile, resp.get_json())
    with app.app_context():
        assert db.session.get(SoeCase, rid).adopted is False
        assert db.session.scalar(select(func.count()).select_from(SoeCaseAdoption)) == 0
    # 开州's 国资委 adopts its own enterprise's case, not 万州's
    assert _post(client, kz, "adopt", KZ_GZW_REVIEWER).status_code == 200
    # 万州区国资委: its clerk (seed 004 names the 区国资委, not a role) may adopt
    before = dt.datetime.now().replace(microsecond=0)
    resp = _post(client, rid, "adopt", GZW_CLERK)
    assert resp.status_code == 200, resp.get_json()
    result = resp.get_json()["result"]
    assert result["adopted"] is True and result["adopted_by"] == user_name(app, GZW_CLERK)
    with app.app_context():
        case = db.session.get(SoeCase, rid)
        assert case.adopted is True and case.adopted_by_id == user(GZW_CLERK).id
        assert before <= case.adopted_on <= dt.datetime.now()
        assert case.adopted_label.startswith("已采用（万州国资委录入员 ")
        log = adoption.log_of(rid)
        assert [(r.action, r.actor_id, r.actor_unit_id) for r in log] == [
            ("adopt", user(GZW_CLERK).id, unit_id("万州区国资委"))]
    # twice: refused, nothing added
    resp = _post(client, rid, "adopt", GZW_REVIEWER)
    assert resp.status_code == 409 and resp.get_json()["message"] == "该案例已被采用"
    # revoking needs a reason and the same 国资委
    assert _post(client, rid, "revoke", CJ_REVIEWER, reason="误操作").status_code == 403
    resp = _post(client, rid, "revoke", GZW_REVIEWER)
    assert resp.status_code == 400 and resp.get_json()["message"] == "撤销采用必须填写理由"
    resp = _post(client, rid, "revoke", GZW_REVIEWER, reason="经复核不符合报送标准")
    assert resp.status_code == 200
    with app.app_context():
        case = db.session.get(SoeCase, rid)
        assert case.adopted is False and case.adopted_on is None and case.adopted_by_id is None
        log = adoption.log_of(rid)
        assert [(r.action, r.reason) for r in log] == [
            ("adopt", None), ("revoke", "经复核不符合报送标准")]
        assert log[1].actor_id == user(GZW_REVIEWER).id


def user_name(app, mobile):
    with app.app_context():
        return user(mobile).get_full_name()


def test_only_an_approved_case_is_adopted(app, client):
    add_accounts(app)
    with app.app_context():
        rid = make_case(CJ_CLERK)
    assert _post(client, rid, "adopt", GZW_REVIEWER).status_code == 409  # draft
    with app.app_context():
        from app.workflow.engine import transition

        transition("soe_case", rid, "submit", user(CJ_CLERK))
        transition("soe_case", rid, "approve", user(CJ_REVIEWER))
    resp = _post(client, rid, "adopt", GZW_REVIEWER)  # waiting at the 国资委 itself
    assert resp.status_code == 409 and resp.get_json()["message"] == "只有审核通过的典型案例可以采用"
    for bad in ("abc", "0", str(2**40)):
        assert _post(client, bad, "adopt", GZW_REVIEWER).status_code == 404


def test_a_client_cannot_set_adoption_itself(app, client):
    add_accounts(app)
    h = headers(client, CJ_CLERK)
    body = {"name": "案例", "problem": "问题", "measures": "举措", "results": "成效"}
    for key, value in (("adopted", True), ("adopted_on", "2024-01-01T00:00:00"),
                       ("adopted_by_id", 1)):
        resp = client.post("/api/v1/soe_case/", json={**body, key: value}, headers=h)
        assert resp.status_code == 422 and "不是可以填写的字段" in resp.get_json()["message"]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SoeCase)) == 0


def test_two_adoptions_at_once_give_one(app, approved_case, monkeypatch):
    """The slower of two clicks passed its checks before the faster one
    committed: the compare-and-set on the case refuses it, no second log row."""
    rid, _ = approved_case
    with app.app_context():
        adoption.change(rid, "adopt", user(GZW_CLERK))
        monkeypatch.setattr(adoption, "refusal", lambda *a: None)  # checked too early
        with pytest.raises(UserError) as exc:
            adoption.change(rid, "adopt", user(GZW_REVIEWER))
        assert exc.value.status == 409 and exc.value.message == "该案例已被他人处理"
        assert len(adoption.log_of(rid)) == 1
        assert db.session.get(SoeCase, rid).adopted_by_id == user(GZW_CLERK).id


def test_the_log_is_append_only(app, approved_case):
    rid, _ = approved_case
    with app.app_context():
        adoption.change(rid, "adopt", user(GZW_REVIEWER))
        row = db.session.scalar(select(SoeCaseAdoption))
        row.reason = "改"
        with pytest.raises(AdoptionLogIsAppendOnly):
            db.session.commit()
        db.session.rollback()
        db.session.delete(db.session.scalar(select(SoeCaseAdoption)))
        with pytest.raises(AdoptionLogIsAppendOnly):
            db.session.commit()


def test_adoption_page(app, approved_case):
    rid, kz = approved_case
    gzw = new_client(app)
    login(gzw, GZW_REVIEWER)
    html = gzw.get("/soecaseadoption/").get_data(as_text=True)
    assert "典型案例采用" in html and f'data-id="{rid}"' in html and f'data-id="{kz}"' not in html
    assert "soe-adopt" in html
    # without the CSRF token: refused, nothing changes
    assert gzw.post(f"/soecaseadoption/{rid}/adopt").status_code == 400
    token = csrf_token(gzw, "/soecaseadoption/")
    resp = gzw.post(f"/soecaseadoption/{rid}/adopt", data={"csrf_token": token})
    assert resp.status_code == 302
    html = gzw.get("/soecaseadoption/").get_data(as_text=True)
    assert "已采用该典型案例" in html and "soe-revoke" in html and "万州国资委审核员" in html
    assert f'data-id="{rid}"' in gzw.get("/soecaseadoption/?only=adopted").get_data(
        as_text=True)
    assert f'data-id="{rid}"' not in gzw.get("/soecaseadoption/?only=open").get_data(
        as_text=True)
    # the record page shows who adopted it and when
    show = gzw.get(f"/soecasemodelview/show/{rid}").get_data(as_text=True)
    assert "采用情况" in show and "已采用（万州国资委审核员" in show
    # the enterprise sees its case, without buttons; its POST is refused
    ent = new_client(app)
    login(ent, CJ_CLERK)
    html = ent.get("/soecaseadoption/").get_data(as_text=True)
    assert f'data-id="{rid}"' in html and "soe-adopt" not in html and "soe-revoke" not in html
    token = csrf_token(ent, "/resetmypassword/form")
    page = ent.post(f"/soecaseadoption/{rid}/revoke", data={"csrf_token": token,
                                                            "reason": "想撤"},
                    follow_redirects=True).get_data(as_text=True)
    assert "只有填报企业的主管区国资委可以采用典型案例" in page
    # another district's 国资委 does not see it at all
    kzc = new_client(app)
    login(kzc, KZ_GZW_REVIEWER)
    assert f'data-id="{rid}"' not in kzc.get("/soecaseadoption/").get_data(as_text=True)
    token = csrf_token(kzc, "/resetmypassword/form")
    assert kzc.post(f"/soecaseadoption/{rid}/revoke", data={
        "csrf_token": token, "reason": "x"}).status_code == 404
    with app.app_context():
        assert db.session.get(SoeCase, rid).adopted is True
