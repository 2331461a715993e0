"""Record lists open with the role's default filter, said in words and removable:
a reviewer sees what waits for them, a clerk the own unit's records; explicit
filters in the URL and ``?_all=1`` keep working."""

from __future__ import annotations

from tests.workflow.util import (
    CITY_LEADER,
    CLERK_WZ,
    CLERK_YZ,
    OFFICE,
    REVIEWER_WZ,
    act,
    make_demand,
)

LIST = "/demandmodelview/list/"


def _records(app):
    with app.app_context():
        draft = make_demand(CLERK_WZ, "万州草稿需求甲").id
        waiting = make_demand(CLERK_WZ, "万州待审需求乙").id
        act("demand", waiting, "submit", CLERK_WZ)
        at_office = make_demand(CLERK_WZ, "万州待市级需求丙").id
        act("demand", at_office, "submit", CLERK_WZ)
        act("demand", at_office, "approve", REVIEWER_WZ)
        other = make_demand(CLERK_YZ, "渝中草稿需求丁").id
    return draft, waiting, at_office, other


def test_reviewer_sees_waiting_for_me_by_default(app, login_as):
    _records(app)
    c = login_as(REVIEWER_WZ)
    html = c.get(LIST).get_data(as_text=True)
    assert "当前显示：" in html and "待我审核" in html and "显示全部" in html
    assert "万州待审需求乙" in html
    assert "万州草稿需求甲" not in html and "万州待市级需求丙" not in html
    # 显示全部: everything of the scope, with the way back
    html = c.get(LIST + "?_all=1").get_data(as_text=True)
    assert "万州草稿需求甲" in html and "万州待审需求乙" in html and "万州待市级需求丙" in html
    assert "渝中草稿需求丁" not in html  # the scope still holds
    assert "全部记录" in html and "只看待我审核" in html


def test_office_default_is_its_own_step(app, login_as):
    _records(app)
    html = login_as(OFFICE).get(LIST).get_data(as_text=True)
    assert "待我审核" in html
    assert "万州待市级需求丙" in html and "万州待审需求乙" not in html


def test_clerk_sees_own_unit_by_default(app, login_as):
    from sqlalchemy import select

    from app.extensions import db
    from app.records.demand.models import Demand
    from app.units.models import Unit

    draft, *_ = _records(app)
    with app.app_context():  # a record of a unit below 万州区 is in scope, not "my unit"
        child = db.session.scalar(select(Unit).where(Unit.name == "万州区国资委"))
        db.session.get(Demand, draft).unit_id = child.id
        db.session.commit()
    c = login_as(CLERK_WZ)
    html = c.get(LIST).get_data(as_text=True)
    assert "当前显示：" in html and "本单位记录" in html
    assert "万州待审需求乙" in html and "万州草稿需求甲" not in html
    assert "万州草稿需求甲" in c.get(LIST + "?_all=1").get_data(as_text=True)


def test_explicit_filters_replace_the_default(app, login_as):
    _records(app)
    c = login_as(REVIEWER_WZ)
    html = c.get(LIST + "?_flt_0_state=draft").get_data(as_text=True)
    assert "当前显示：" not in html
    assert "万州草稿需求甲" in html and "万州待审需求乙" not in html
    # sorting and paging links keep the choice
    html = c.get(LIST + "?_all=1&_oc_DemandModelView=id&_od_DemandModelView=asc"
                 ).get_data(as_text=True)
    assert "万州草稿需求甲" in html and "_all=1" in html


def test_leader_has_no_default(app, login_as):
    _records(app)
    html = login_as(CITY_LEADER).get(LIST).get_data(as_text=True)
    assert "当前显示：" not in html
    assert "万州草稿需求甲" in html and "渝中草稿需求丁" in html


def test_a_clerk_who_also_confirms_still_opens_on_own_unit(app, login_as):
    """A district clerk files pilots and, as the clerk of a supervising
    department, could confirm some: as a 录入员 the list opens on the own unit."""
    html = login_as(CLERK_WZ).get("/pilotmodelview/list/").get_data(as_text=True)
    assert "当前显示：" in html and "本单位记录" in html and "待我审核" not in html
