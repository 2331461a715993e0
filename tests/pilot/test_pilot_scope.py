"""Who sees a pilot and its updates: the creating district always; once
submitted, every involved district and the supervising department; the 改革办
and city leaders everything; an unrelated district or department nothing —
on the web list and page, the REST API, the export and the engine."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app.extensions import db
from app.records.pilot.models import Pilot, PilotUpdate
from app.scope import can_see
from app.security.models import ReformUser
from tests.pilot.util import (
    CITY_LEADER,
    CLERK_GZW,
    CLERK_WX,
    CLERK_WZ,
    CLERK_YZ,
    LEADER_WZ,
    OFFICE,
    REVIEWER_GZW,
    REVIEWER_WZ,
    REVIEWER_YZ,
    WANZHOU,
    YUZHONG,
    act,
    distribute,
    headers,
    make_pilot,
    make_update,
    unit,
    user,
)

CLERK_DDK = "13900000091"  # an unrelated district, made here
CLERK_WZ_SASAC = "13900000061"  # 万州区国资委: below 万州区, sees only its own subtree


@pytest.fixture
def viewers(app):
    """A clerk of 大渡口区, a district with no part in the pilots here."""
    from flask import current_app

    with app.app_context():
        other = ReformUser(first_name="大渡口录入员", last_name="", mobile=CLERK_DDK,
                           username=CLERK_DDK, email=f"{CLERK_DDK}@demo.invalid", active=True,
                           unit_id=unit("大渡口区").id, must_change_password=False)
        other.roles = list(user(CLERK_YZ).roles)
        db.session.add(other)
        db.session.commit()
        current_app.appbuilder.sm.reset_password(other.id, "Gaige@2026")


# viewer → (sees a draft, sees it once submitted)
MATRIX = {
    CLERK_WZ: (True, True), REVIEWER_WZ: (True, True), LEADER_WZ: (True, True),
    CLERK_YZ: (False, True), REVIEWER_YZ: (False, True),  # involved district
    CLERK_GZW: (False, True), REVIEWER_GZW: (False, True),  # supervising department
    CLERK_DDK: (False, False), CLERK_WX: (False, False), CLERK_WZ_SASAC: (False, False),
    OFFICE: (True, True), CITY_LEADER: (True, True),
}


def _check(app, client, login_as, record_type, view, rid, title, sees):
    for mobile, expected in sees.items():
        with app.app_context():
            model = Pilot if record_type == "pilot" else PilotUpdate
            assert can_see(user(mobile), db.session.get(model, rid)) is expected, mobile
        h = headers(client, mobile)
        got = client.get(f"/api/v1/{record_type}/{rid}", headers=h)
        assert got.status_code == (200 if expected else 404), (mobile, record_type)
        listed = client.get(f"/api/v1/{record_type}/?q=(page_size:100)", headers=h).get_json()
        assert (rid in listed["ids"]) is expected, mobile
        web = login_as(mobile)
        assert (title in web.get(f"/{view}/list/?_all=1").get_data(as_text=True)) is expected, mobile
        assert web.get(f"/{view}/show/{rid}").status_code == (200 if expected else 404), mobile
        ws = load_workbook(io.BytesIO(web.get(f"/{view}/export/?_all=1").data)).active
        ids = [row[0] for row in ws.iter_rows(min_row=2, values_only=True)]
        assert (rid in ids) is expected, mobile


def test_pilot_scope_draft_then_submitted(app, client, login_as, viewers):
    with app.app_context():
        pid = make_pilot(districts=(WANZHOU, YUZHONG), name="范围测试试点").id
    _check(app, client, login_as, "pilot", "pilotmodelview", pid, "范围测试试点",
           {m: s[0] for m, s in MATRIX.items()})
    with app.app_context():
        act("pilot", pid, "submit", CLERK_WZ)
    _check(app, client, login_as, "pilot", "pilotmodelview", pid, "范围测试试点",
           {m: s[1] for m, s in MATRIX.items()})


def test_updates_scope(app, client, login_as, viewers):
    with app.app_context():
        pid = make_pilot(districts=(WANZHOU, YUZHONG)).id
        distribute(pid)
        mine = make_update(pid, _period(), work_done="万州的推进情况").id
        theirs = make_update(pid, _period(), mobile=CLERK_YZ, work_done="渝中的推进情况").id
    # drafts: the filing district only (and the 改革办, city leaders)
    draft_sees = {m: m in (CLERK_WZ, REVIEWER_WZ, LEADER_WZ, OFFICE, CITY_LEADER)
                  for m in MATRIX}
    _check(app, client, login_as, "pilot_update", "pilotupdatemodelview", mine, "万州的推进情况",
           draft_sees)
    with app.app_context():
        act("pilot_update", theirs, "submit", CLERK_YZ)
    # 渝中's submitted update: the pilot's creating district (万州) and the department too
    submitted = {m: s[1] for m, s in MATRIX.items()}
    _check(app, client, login_as, "pilot_update", "pilotupdatemodelview", theirs, "渝中的推进情况",
           submitted)


def test_bulk_approve_out_of_scope_ids_are_skipped(app, client):
    with app.app_context():
        pid = make_pilot(districts=(WANZHOU,)).id
        act("pilot", pid, "submit", CLERK_WZ)
        act("pilot", pid, "approve", REVIEWER_WZ)
    # 渝中's reviewer is neither in scope nor the actor
    resp = client.post("/api/v1/workflow/pilot/bulk", headers=headers(client, REVIEWER_YZ),
                       json={"action": "approve", "ids": [pid]})
    assert resp.status_code == 200
    assert resp.get_json()["results"][0]["ok"] is False
    with app.app_context():
        assert db.session.get(Pilot, pid).state == "pending_2"


def test_supervisor_dropdown_and_district_dropdown_on_the_form(app, login_as):
    html = login_as(CLERK_WZ).get("/pilotmodelview/add").get_data(as_text=True)
    districts = html.split('name="districts"')[1].split("</select>")[0]
    assert YUZHONG in districts and "市国资委" not in districts
    supervisor = html.split('name="supervisor"')[1].split("</select>")[0]
    assert "市国资委" in supervisor and YUZHONG not in supervisor
    assert "市政府办公厅" not in supervisor  # no 录入员 to confirm and distribute


def _period():
    from app.records.pilot.tasks import current_quarter

    return current_quarter().code


def test_involved_district_of_a_pilot_it_did_not_create_sees_it(app):
    with app.app_context():
        pid = make_pilot(mobile=CLERK_YZ, districts=(YUZHONG, WANZHOU)).id
        assert not can_see(user(CLERK_WZ), db.session.get(Pilot, pid))
        act("pilot", pid, "submit", CLERK_YZ)
        assert can_see(user(CLERK_WZ), db.session.get(Pilot, pid))
        stmt = select(Pilot.id).where(Pilot.id == pid)
        assert db.session.scalar(stmt) == pid
