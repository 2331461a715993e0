"""The 改革办 edits schemes in admin forms; every change is validated as a
whole scheme and a frozen scheme is never edited."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.scoring.models import Scheme, SchemeIndicator
from app.scoring.store import latest, to_core
from tests.helpers import csrf_token

OFFICE, LEADER, CLERK, ADMIN = "13900000001", "13900000013", "13900000011", "13900000099"


def _ind(app, code, scheme="district_2023"):
    with app.app_context():
        row = latest(scheme)
        return db.session.scalar(select(SchemeIndicator.id).where(
            SchemeIndicator.scheme_id == row.id, SchemeIndicator.code == code)), row.id


def _form(c, ind_id, **changes):
    url = f"/schemeindicatormodelview/edit/{ind_id}"
    html = c.get(url).get_data(as_text=True)
    assert "参数（YAML）" in html
    data = {"name": "改革经验获全国性肯定评价", "points": "25", "weight": "1",
            "rule_text": "细则", "direction": "higher", "method": "efficacy3",
            "params_text": "coefficients: [1.0, 0.9, 0.8]",
            "source_text": "{kind: record_count, record: recognition, "
                           "filters: {category: 全国性肯定评价}}",
            "csrf_token": csrf_token(c, url)}
    data.update(changes)
    return c.post(url, data=data, follow_redirects=True).get_data(as_text=True)


def _points(app, code):
    with app.app_context():
        return to_core(latest("district_2023")).find(code).points


def test_points_that_break_the_parent_sum_are_refused(login_as, app):
    c = login_as(OFFICE)
    ind_id, _ = _ind(app, "PP1")
    page = _form(c, ind_id, points="26")
    assert "下级指标分值（×权重）合计 51" in page
    assert _points(app, "PP1") == 25


def test_valid_change_is_saved(login_as, app):
    c = login_as(OFFICE)
    ind_id, _ = _ind(app, "PP1")
    _form(c, ind_id, name="全国性肯定评价（修订）", params_text="coefficients: [1.0, 0.85, 0.7]")
    with app.app_context():
        leaf = to_core(latest("district_2023")).find("PP1")
        assert leaf.name == "全国性肯定评价（修订）"
        assert leaf.params == {"coefficients": [1.0, 0.85, 0.7]}


def test_bad_params_are_refused(login_as, app):
    c = login_as(OFFICE)
    ind_id, _ = _ind(app, "PP1")
    assert "不是有效的 YAML" in _form(c, ind_id, params_text="coefficients: [1.0, 0.9")
    assert "缺少参数 coefficients" in _form(c, ind_id, params_text="")
    assert "应从高档到低档递减" in _form(c, ind_id, params_text="coefficients: [0.8, 0.9, 1.0]")
    with app.app_context():
        assert to_core(latest("district_2023")).find("PP1").params == {
            "coefficients": [1.0, 0.9, 0.8]}


def test_deleting_a_child_that_breaks_the_sum_is_refused(login_as, app):
    c = login_as(OFFICE)
    ind_id, _ = _ind(app, "PP3")
    token = csrf_token(c, "/schemeindicatormodelview/add")
    page = c.post(f"/schemeindicatormodelview/delete/{ind_id}", data={"csrf_token": token},
                  follow_redirects=True).get_data(as_text=True)
    assert "合计 40" in page
    with app.app_context():
        assert db.session.get(SchemeIndicator, ind_id) is not None


def test_freeze_then_edit_is_refused_and_new_version_is_editable(login_as, app):
    c = login_as(OFFICE)
    ind_id, scheme_id = _ind(app, "PP1")
    token = csrf_token(c, "/schemeindicatormodelview/add")
    assert c.get(f"/schememodelview/action/freeze/{scheme_id}").status_code == 405
    resp = c.post(f"/schememodelview/action/freeze/{scheme_id}", data={"csrf_token": token})
    assert resp.status_code == 302
    with app.app_context():
        assert db.session.get(Scheme, scheme_id).frozen
    assert "该指标体系已冻结，请先创建新版本" in _form(c, ind_id, name="改不了")
    resp = c.post(f"/schememodelview/action/newversion/{scheme_id}",
                  data={"csrf_token": token})
    assert resp.status_code == 302
    new_id, new_scheme = _ind(app, "PP1")
    assert new_scheme != scheme_id
    with app.app_context():
        row = db.session.get(Scheme, new_scheme)
        assert row.version == 2 and row.status == "draft"
    _form(c, new_id, name="新版本可以修改")
    with app.app_context():
        assert to_core(latest("district_2023")).find("PP1").name == "新版本可以修改"
        old = db.session.get(Scheme, scheme_id)
        assert to_core(old).find("PP1").name == "改革经验获全国性肯定评价"


def test_show_page_lists_warnings(login_as, app):
    c = login_as(OFFICE)
    with app.app_context():
        sid = latest("district_2024").id
    html = c.get(f"/schememodelview/show/{sid}").get_data(as_text=True)
    assert "待确认" in html and "九项指标间权重待确认" in html


def test_who_may_see_and_edit_schemes(login_as, app):
    ind_id, _ = _ind(app, "PP1")
    for mobile in (CLERK, ADMIN):
        assert login_as(mobile).get("/schememodelview/list/").status_code == 403
    leader = login_as(LEADER)
    assert leader.get("/schememodelview/list/").status_code == 200
    assert leader.get(f"/schemeindicatormodelview/edit/{ind_id}").status_code == 403
    office = login_as(OFFICE)
    resp = office.post(f"/schemeindicatormodelview/edit/{ind_id}", data={"name": "x"})
    assert resp.status_code == 400  # no CSRF token
