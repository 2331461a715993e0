"""Distribution opens a 试点推进状态更新 task for every involved district, every
quarter until it reports 已完成; a task not filed by its quarter's end is
overdue from the next day; ``flask pilot open-quarter`` is idempotent; the
task screens (填报 opens the district's draft) and the overdue list."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from app.extensions import db
from app.records.pilot.models import PilotTask, PilotUpdate, pilot_district
from app.records.pilot.tasks import current_quarter, open_tasks, overdue_counts
from tests.helpers import csrf_token
from tests.pilot.util import (
    CLERK_GZW,
    CLERK_WX,
    CLERK_WZ,
    CLERK_YZ,
    OFFICE,
    REVIEWER_WZ,
    WANZHOU,
    YUZHONG,
    act,
    approve_update,
    backdate_approval,
    distribute,
    headers,
    make_pilot,
    make_update,
    unit_id,
)

MAY = dt.datetime(2024, 5, 10, 10, 0)


def _distributed_in_may(app, districts=(WANZHOU, YUZHONG), doc_no="国办发〔2019〕25号"):
    with app.app_context():
        p = make_pilot(districts=districts, doc_no=doc_no)
        distribute(p.id)
        db.session.execute(PilotTask.__table__.delete())  # the real "now" opened 2026's
        backdate_approval(p.id, MAY)
        return p.id


def _tasks(pid, period):
    return sorted(db.session.scalars(select(PilotTask.unit_id).where(
        PilotTask.pilot_id == pid, PilotTask.period == period)))


def test_quarter_of_distribution_and_boundaries(app):
    pid = _distributed_in_may(app)
    with app.app_context():
        wz, yz = unit_id(WANZHOU), unit_id(YUZHONG)
        assert open_tasks(db.session, "2024Q1") == 0  # distributed after Q1
        assert open_tasks(db.session, "2024Q2") == 2
        assert open_tasks(db.session, "2024Q2") == 0  # idempotent
        db.session.commit()
        assert _tasks(pid, "2024Q2") == sorted([wz, yz])
        task = db.session.scalar(select(PilotTask).where(PilotTask.period == "2024Q2"))
        assert task.due_on == dt.date(2024, 6, 30)
        # on the last day of the quarter nothing is overdue; the day after, both are
        assert overdue_counts("2024Q2", today=dt.date(2024, 6, 30)) == {}
        assert overdue_counts("2024Q2", today=dt.date(2024, 7, 1)) == {wz: 1, yz: 1}
        # 万州 files (submitted): no longer overdue, even though it is not approved yet
        up = make_update(pid, "2024Q2")
        act("pilot_update", up.id, "submit", CLERK_WZ)
        assert overdue_counts("2024Q2", today=dt.date(2024, 7, 1)) == {yz: 1}
        # sent back and left: overdue again
        act("pilot_update", up.id, "reject", REVIEWER_WZ, reason="请条目式列举")
        assert overdue_counts("2024Q2", today=dt.date(2024, 7, 1)) == {wz: 1, yz: 1}
        act("pilot_update", up.id, "submit", CLERK_WZ)
        # the next quarter: opened lazily by the count, overdue from 1 October
        assert overdue_counts("2024Q3", today=dt.date(2024, 9, 30)) == {}
        assert _tasks(pid, "2024Q3") == sorted([wz, yz])
        assert overdue_counts("2024Q3", today=dt.date(2024, 10, 1)) == {wz: 1, yz: 1}
        # every quarter at once
        assert overdue_counts(None, today=dt.date(2024, 10, 1)) == {wz: 1, yz: 2}


def test_grace_days_move_the_due_date(app):
    pid = _distributed_in_may(app)
    app.config["PILOT_UPDATE_GRACE_DAYS"] = 10
    with app.app_context():
        open_tasks(db.session, "2024Q2", pilot_ids=[pid])
        assert db.session.scalar(select(PilotTask.due_on).limit(1)) == dt.date(2024, 7, 10)
        assert overdue_counts("2024Q2", today=dt.date(2024, 7, 10)) == {}
        assert len(overdue_counts("2024Q2", today=dt.date(2024, 7, 11))) == 2


def test_tasks_stop_after_completed_and_late_tasks_are_withdrawn(app):
    pid = _distributed_in_may(app)
    with app.app_context():
        wz, yz = unit_id(WANZHOU), unit_id(YUZHONG)
        open_tasks(db.session, "2024Q2")
        open_tasks(db.session, "2024Q3")
        db.session.commit()
        done = make_update(pid, "2024Q2", progress="已完成", accepted=True,
                           accepted_on=dt.date(2024, 6, 20))
        # 2024Q3 was opened while the 已完成 update was under review
        assert _tasks(pid, "2024Q3") == sorted([wz, yz])
        approve_update(done.id)
        # confirmed: 万州's later task is withdrawn, 渝中's stays
        assert _tasks(pid, "2024Q3") == [yz]
        open_tasks(db.session, "2024Q4")
        db.session.commit()
        assert _tasks(pid, "2024Q4") == [yz]


def test_completed_not_yet_confirmed_keeps_the_tasks_coming(app):
    pid = _distributed_in_may(app)
    with app.app_context():
        wz = unit_id(WANZHOU)
        open_tasks(db.session, "2024Q2")
        db.session.commit()
        up = make_update(pid, "2024Q2", progress="已完成")
        act("pilot_update", up.id, "submit", CLERK_WZ)
        open_tasks(db.session, "2024Q3")
        assert wz in _tasks(pid, "2024Q3")


def test_district_added_later_starts_at_its_quarter(app):
    pid = _distributed_in_may(app, districts=(WANZHOU,))
    with app.app_context():
        yz = unit_id(YUZHONG)
        db.session.execute(pilot_district.insert().values(
            pilot_id=pid, unit_id=yz, added_on=dt.datetime(2024, 11, 10)))
        db.session.commit()
        for period in ("2024Q2", "2024Q3", "2024Q4"):
            open_tasks(db.session, period)
        assert yz not in _tasks(pid, "2024Q3")
        assert yz in _tasks(pid, "2024Q4")


def test_cli_open_quarter_idempotent_and_overdue(app, runner):
    _distributed_in_may(app)
    out = runner.invoke(args=["pilot", "open-quarter", "--period", "2024Q3"])
    assert out.exit_code == 0 and "2024年第3季度：新生成 2 项" in out.output, out.output
    out = runner.invoke(args=["pilot", "open-quarter", "--period", "2024q3"])
    assert "新生成 0 项" in out.output and "共 2 项" in out.output
    out = runner.invoke(args=["pilot", "open-quarter", "--period", "2024"])
    assert out.exit_code != 0 and "不是季度" in out.output
    out = runner.invoke(args=["pilot", "open-quarter", "--period", "明年"])
    assert out.exit_code != 0 and "无法识别的期间" in out.output
    out = runner.invoke(args=["pilot", "open-quarter"])
    assert current_quarter().label in out.output
    out = runner.invoke(args=["pilot", "overdue", "--period", "2024Q3"])
    assert "万州区\t1" in out.output and "渝中区\t1" in out.output


def test_distribution_opens_the_current_quarter_for_each_district(app):
    with app.app_context():
        p = make_pilot(districts=(WANZHOU, YUZHONG, "大渡口区"))
        distribute(p.id)
        rows = db.session.execute(select(PilotTask.unit_id, PilotTask.period, PilotTask.due_on)
                                  .where(PilotTask.pilot_id == p.id)).all()
        q = current_quarter()
        assert sorted(r[0] for r in rows) == sorted(
            unit_id(n) for n in (WANZHOU, YUZHONG, "大渡口区"))
        assert {(r[1], r[2]) for r in rows} == {(q.code, q.end)}


def test_bulk_distribution_is_set_based(app):
    """Many pilots approved at once: one INSERT of tasks whatever their number."""
    from sqlalchemy import event

    from app.workflow.engine import bulk_transition
    from tests.pilot.util import user

    with app.app_context():
        ids = []
        for n in range(6):
            p = make_pilot(doc_no=f"国办发〔2019〕{n + 1}号", districts=(WANZHOU, YUZHONG))
            act("pilot", p.id, "submit", CLERK_WZ)
            act("pilot", p.id, "approve", REVIEWER_WZ)
            ids.append(p.id)
        inserts = []

        def count(conn, cursor, statement, *args):
            if statement.lstrip().upper().startswith("INSERT INTO PILOT_TASK"):
                inserts.append(statement)

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            result = bulk_transition("pilot", ids, "approve", user(CLERK_GZW))
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        assert len(result.done) == 6 and len(inserts) == 1
        assert db.session.scalar(select(func.count()).select_from(PilotTask)) == 12


def test_task_screen_fill_and_overdue_screen(app, login_as):
    pid = _distributed_in_may(app)
    with app.app_context():
        open_tasks(db.session, "2024Q2")
        db.session.commit()
        task_id = db.session.scalar(select(PilotTask.id).where(
            PilotTask.unit_id == unit_id(WANZHOU), PilotTask.period == "2024Q2"))
        other_task = db.session.scalar(select(PilotTask.id).where(
            PilotTask.unit_id == unit_id(YUZHONG), PilotTask.period == "2024Q2"))
    clerk = login_as(CLERK_WZ)
    page = clerk.get("/pilottasks/?period=2024Q2").get_data(as_text=True)
    assert "开展营商环境创新试点" in page and "逾期未更新" in page
    # 万州 created the pilot: it sees 渝中's task too, but fills only its own
    assert "渝中区" in page and page.count("填报</button>") == 1
    yz_page = login_as(CLERK_YZ).get("/pilottasks/?period=2024Q2").get_data(as_text=True)
    assert yz_page.count("填报</button>") == 1
    token = csrf_token(clerk, "/pilottasks/")
    resp = clerk.post(f"/pilottasks/{task_id}/fill", data={"csrf_token": token})
    assert resp.status_code == 302 and "/pilotupdatemodelview/edit/" in resp.location
    again = clerk.post(f"/pilottasks/{task_id}/fill", data={"csrf_token": token})
    assert again.location == resp.location  # the same draft
    with app.app_context():
        up = db.session.scalar(select(PilotUpdate))
        assert (up.pilot_id, up.period, up.state, up.unit_id) == (
            pid, "2024Q2", "draft", unit_id(WANZHOU))
    # filling the draft in and submitting it through the kit's screens
    edit = clerk.get(resp.location).get_data(as_text=True)
    assert "已开展工作" in edit and "推进状态" in edit
    token = csrf_token(clerk, resp.location)
    saved = clerk.post(resp.location, data={
        "csrf_token": token, "pilot": str(pid), "period": "2024Q2",
        "work_done": "1.出台实施方案。", "problems": "", "progress": "正常推进",
        "accepted": "", "accepted_on": ""})
    assert saved.status_code == 302, saved.get_data(as_text=True)[-2000:]
    # another district's task cannot be filled by 万州
    refused = clerk.post(f"/pilottasks/{other_task}/fill", data={"csrf_token": token},
                         follow_redirects=True)
    assert "只有该区县的录入员可以填报" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(PilotUpdate).where(
            PilotUpdate.unit_id == unit_id(YUZHONG))) == 0
    # an unrelated clerk does not even find it
    wx = login_as(CLERK_WX)
    assert wx.post(f"/pilottasks/{other_task}/fill",
                   data={"csrf_token": csrf_token(wx, "/resetmypassword/form")}
                   ).status_code == 404
    dept = login_as(CLERK_GZW)
    overdue = dept.get("/pilottasks/overdue").get_data(as_text=True)
    assert "渝中区" in overdue and "万州区" in overdue  # the draft is not filed
    assert "填报" not in overdue.split('id="pilot-tasks"')[1]
    office = login_as(OFFICE).get("/pilottasks/overdue?period=2024Q2").get_data(as_text=True)
    assert office.count('class="overdue-unit"') == 2
    unrelated = login_as(CLERK_WX).get("/pilottasks/overdue").get_data(as_text=True)
    assert "没有逾期未更新的试点推进状态" in unrelated


def test_task_rest_endpoint(app, client):
    _distributed_in_may(app)
    with app.app_context():
        open_tasks(db.session, "2024Q2")
        db.session.commit()
    resp = client.get("/api/v1/pilot_task/?period=2024Q2&overdue=1",
                      headers=headers(client, CLERK_YZ))
    assert resp.status_code == 200
    rows = resp.get_json()["result"]
    assert [(r["unit"], r["period"], r["status"]) for r in rows] == [
        ("渝中区", "2024Q2", "overdue")]
    resp = client.get("/api/v1/pilot_task/?period=2024-B3", headers=headers(client, CLERK_YZ))
    assert resp.status_code == 422
