"""The shared screens: statement counts that do not grow with the data,
search choices fetched on demand and scoped, 保存并提交, and the 待办 page
that tells the whole story (waiting with bulk buttons, rejected with reason,
drafts)."""

from __future__ import annotations

import pytest
from sqlalchemy import event, select

from app.extensions import db
from app.records.demand.models import Demand
from app.records.demand.taxonomy import load_taxonomy
from app.units.models import Unit
from tests.helpers import csrf_token
from tests.workflow.util import (
    CLERK_WZ,
    CLERK_YZ,
    OFFICE,
    REVIEWER_WZ,
    act,
    make_demand,
    make_demands,
)


class Statements:
    def __init__(self, app):
        self.app, self.seen = app, []

    def __enter__(self):
        with self.app.app_context():
            self.engine = db.engine
        event.listen(self.engine, "before_cursor_execute", self._hit)
        return self

    def _hit(self, *args):
        self.seen.append(args[2])

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._hit)


def _spread_demands(n: int) -> None:
    """``n`` demands over every district, 领域 and 跑道, so that a list page whose
    rows loaded their unit, 领域 or 跑道 one by one would show it."""
    import datetime

    from app.records.demand.models import ReformTrack
    from app.security.models import ReformUser

    tracks = db.session.execute(select(ReformTrack.id, ReformTrack.domain_id)).all()
    units = db.session.scalars(select(Unit.id).where(Unit.kind == "district")).all()
    filer = db.session.scalar(select(ReformUser.id).where(ReformUser.mobile == CLERK_WZ))
    now = datetime.datetime.now()
    db.session.execute(Demand.__table__.insert(), [
        dict(title=f"分布需求{i}", description="", channel="重庆发展有堵点",
             unit_id=units[i % len(units)], domain_id=tracks[i % len(tracks)].domain_id,
             track_id=tracks[i % len(tracks)].id, filed_by_id=filer, submitted_by_id=filer,
             state=("pending_2", "approved", "pending_1")[i % 3], version=1, created_on=now,
             changed_on=now) for i in range(n)])
    db.session.commit()


@pytest.mark.parametrize("mobile,path,most", [
    (CLERK_WZ, "/demandmodelview/list/", 6),
    (OFFICE, "/demandmodelview/list/", 6),
    (OFFICE, "/demandmodelview/list/?page_DemandModelView=3", 6),
    (OFFICE, "/demandmodelview/list/?_all=1", 6),
    (OFFICE, "/demandmodelview/list/?_all=1&page_DemandModelView=20", 6),
    (CLERK_WZ, "/demandmodelview/list/?_all=1", 6),
    (OFFICE, "/recognitionmodelview/list/", 6),
    (OFFICE, "/todo/", 10),
    (REVIEWER_WZ, "/todo/", 10),
])
def test_statements_do_not_grow_with_the_data(app, login_as, mobile, path, most):
    with app.app_context():
        load_taxonomy()
        make_demands(400, state="pending_2")
        make_demands(150, mobile=CLERK_YZ, state="pending_1")
        _spread_demands(300)
    c = login_as(mobile)
    c.get(path)
    with Statements(app) as counted:
        resp = c.get(path)
    assert resp.status_code == 200
    assert len(counted.seen) <= most, "\n".join(s[:120] for s in counted.seen)


def test_every_list_of_the_reform_office_is_constant(app, login_as):
    """The 改革办 sees every unit's records: each record type's list (page 1,
    the role's default and everything) stays within 6 statements, relations
    (涉及区县, 主管部门, 试点, 区县 …) included, with the demo data of every type."""
    from app.workflow.registry import all_types

    with app.app_context():
        load_taxonomy()
        _spread_demands(300)
        views = [rt.view_name.lower() for rt in all_types()]
    c = login_as(OFFICE)
    for view in views:
        for path in (f"/{view}/list/", f"/{view}/list/?_all=1"):
            c.get(path)
            with Statements(app) as counted:
                resp = c.get(path)
            assert resp.status_code == 200, path
            assert len(counted.seen) <= 6, path + "\n" + "\n".join(
                s[:120] for s in counted.seen)


def test_search_choices_are_scoped_and_fetched_on_demand(app, login_as):
    with app.app_context():
        load_taxonomy()
        yuzhong = db.session.scalar(select(Unit.id).where(Unit.name == "渝中区"))
        wanzhou = db.session.scalar(select(Unit.id).where(Unit.name == "万州区"))
    c = login_as(CLERK_WZ)
    html = c.get("/demandmodelview/list/").get_data(as_text=True)
    assert "渝中区" not in html  # no unit list rendered into the page
    units = {r["id"] for r in c.get("/demandmodelview/choices/unit").get_json()["results"]}
    assert wanzhou in units and yuzhong not in units
    office = login_as(OFFICE)
    units = {r["id"] for r in office.get("/demandmodelview/choices/unit?q=渝中"
                                          ).get_json()["results"]}
    assert yuzhong in units
    assert c.get("/demandmodelview/choices/title").status_code == 404
    assert c.get("/demandmodelview/choices/filed_by").status_code == 404
    # an applied filter shows its name
    html = c.get(f"/demandmodelview/list/?_flt_0_unit={wanzhou}").get_data(as_text=True)
    assert "万州区".encode("unicode_escape").decode() in html  # inside the filters' JSON


def test_save_and_submit(app, login_as):
    c = login_as(CLERK_WZ)
    token = csrf_token(c, "/demandmodelview/add")
    resp = c.post("/demandmodelview/add", data={
        "csrf_token": token, "title": "建立一件事集成办理机制", "description": "……",
        "channel": "重庆发展有堵点", "_submit": "1"})
    assert resp.status_code == 302 and "/demandmodelview/show/" in resp.headers["Location"]
    with app.app_context():
        d = db.session.scalar(select(Demand).where(Demand.title == "建立一件事集成办理机制"))
        assert d.state == "pending_1"
    # plain 保存 keeps a draft and opens the record page
    resp = c.post("/demandmodelview/add", data={
        "csrf_token": token, "title": "只保存", "channel": "重庆发展有堵点", "_save": "1"})
    assert "/demandmodelview/show/" in resp.headers["Location"]
    with app.app_context():
        assert db.session.scalar(select(Demand.state).where(Demand.title == "只保存")) == "draft"


def test_todo_tells_the_whole_story(app, login_as):
    with app.app_context():
        waiting = [make_demand(state="pending_1", title=f"待审{i}").id for i in range(2)]
        rejected = make_demand(state="pending_1", title="要被驳回的").id
        act("demand", rejected, "reject", REVIEWER_WZ, reason="来源渠道描述不具体")
        make_demand(title="还没提交的草稿")
    reviewer = login_as(REVIEWER_WZ)
    html = reviewer.get("/todo/").get_data(as_text=True)
    assert "等待我审核" in html and "批量通过" in html and "批量驳回" in html
    token = csrf_token(reviewer, "/todo/")
    resp = reviewer.post("/demandmodelview/action_post", data={
        "csrf_token": token, "action": "bulk_approve", "rowid": [str(i) for i in waiting]})
    assert resp.status_code == 200
    with app.app_context():
        states = {db.session.get(Demand, i).state for i in waiting}
        assert states == {"pending_2"}
    clerk = login_as(CLERK_WZ)
    html = clerk.get("/todo/").get_data(as_text=True)
    assert "要被驳回的" in html and "来源渠道描述不具体" in html and "万州审核员" in html
    assert "还没提交的草稿" in html
    home = clerk.get("/").get_data(as_text=True)
    assert "来源渠道描述不具体" in home and "还没提交的草稿" in home
    with app.app_context():
        from app.workflow.engine import todo_count
        from tests.workflow.util import user

        expected = todo_count(user(CLERK_WZ))
    assert expected >= 2 and f"待办 ({expected})" in home  # the rejected one and the draft count


def test_rest_list_statements_and_the_public_role(app):
    """A REST list: the user, the public role's permissions (FAB asks for
    them first on every call, in two statements), the user's permissions,
    count, page and the page's units — no more, whatever the data; a permission given to the public role still opens
    the endpoint to anyone, and taking it back closes it again."""
    from flask_appbuilder.security.sqla.models import Role

    from tests.helpers import api_token, new_client

    with app.app_context():
        make_demands(120, state="pending_2")
    client = new_client(app)
    headers = {"Authorization": f"Bearer {api_token(client, OFFICE)}"}
    client.get("/api/v1/demand/", headers=headers)
    with Statements(app) as counted:
        resp = client.get("/api/v1/demand/", headers=headers)
    assert resp.status_code == 200 and resp.get_json()["count"] >= 120
    assert len(counted.seen) <= 6, "\n".join(s[:120] for s in counted.seen)

    anonymous = new_client(app)
    assert anonymous.get("/api/v1/demand/_info").status_code == 401
    sm = app.appbuilder.sm

    def public_may_read_info(grant: bool) -> None:
        with app.app_context():
            public = db.session.scalar(select(Role).where(Role.name == sm.auth_role_public))
            pv = sm.find_permission_view_menu("can_info", "DemandApi")
            (sm.add_permission_role if grant else sm.del_permission_role)(public, pv)

    public_may_read_info(True)
    try:
        assert anonymous.get("/api/v1/demand/_info").status_code == 200
    finally:
        public_may_read_info(False)
    assert anonymous.get("/api/v1/demand/_info").status_code == 401
