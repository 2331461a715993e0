"""交办事项 end to end on the real database: the 改革办 assigns (web form, CSRF,
Chinese validation), each unit reports through its chain, scope, due and
overdue at quarter and year boundaries, the overdue page and counts, the home
page and 待办 panels, the usage evaluation and the cockpit's 问题破解."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import func, select

from app.extensions import db
from app.records.assignment.models import (
    COMPLETED,
    KIND_BOTTLENECK,
    KIND_DEMAND,
    Assignment,
    BottleneckReport,
    DemandTaskReport,
    assignment_unit,
)
from app.records.assignment.status import (
    bottleneck_figures,
    due_items,
    missed_in_period,
    overdue_counts,
    pair_statuses,
)
from app.workflow.chain import APPROVED
from tests.assignment.util import (
    CITY_LEADER,
    CLERK_WZ,
    CLERK_YZ,
    LEADER_WZ,
    OFFICE,
    REVIEWER_WZ,
    REVIEWER_YZ,
    make_item,
    make_report,
    unit_id,
    user,
)
from tests.helpers import csrf_token

D = dt.date
TODAY = dt.date.today()


def _form(token, **overrides):
    form = {"csrf_token": token, "kind": KIND_DEMAND, "title": "建立科技人才评价改革推进机制",
            "content": "按中央深改委部署推进科技人才评价改革。",
            "deadline": (TODAY + dt.timedelta(days=20)).isoformat(), "demand_id": ""}
    form.update(overrides)
    return form


# -- assigning -------------------------------------------------------------------------

def test_office_assigns_to_several_units_and_bad_input_changes_nothing(app, login_as):
    with app.app_context():
        wz, yz = unit_id("万州区"), unit_id("渝中区")
    office = login_as(OFFICE)
    token = csrf_token(office, "/assignments/new?kind=demand")
    # every problem listed in Chinese, the form kept as typed, nothing saved
    resp = office.post("/assignments/new", data=_form(
        token, title="", deadline=(TODAY - dt.timedelta(days=1)).isoformat(), unit_ids=[],
        content="保留的内容"))
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    for message in ("标题不能为空", "反馈时限不能早于今天", "请至少选择一个承办单位"):
        assert message in html
    assert "保留的内容" in html
    resp = office.post("/assignments/new", data=_form(token, deadline="2026-13-40",
                                                      unit_ids=[str(wz)]))
    assert "不是有效日期" in resp.get_data(as_text=True)
    resp = office.post("/assignments/new", data=_form(token, kind="别的", unit_ids=[str(wz)]))
    assert "请选择类别" in resp.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Assignment)) == 0
    # no CSRF token: refused
    resp = office.post("/assignments/new", data={k: v for k, v in _form("").items()
                                                 if k != "csrf_token"} | {"unit_ids": [str(wz)]})
    assert resp.status_code == 400
    # a good one
    resp = office.post("/assignments/new", data=_form(token, unit_ids=[str(wz), str(yz)]))
    assert resp.status_code == 302
    with app.app_context():
        item = db.session.scalar(select(Assignment))
        assert item.kind == KIND_DEMAND and {u.name for u in item.units} == {"万州区", "渝中区"}
        pk = item.id
    html = office.get(f"/assignments/{pk}").get_data(as_text=True)
    assert "万州区" in html and "渝中区" in html and "尚未反馈" in html
    # clerks cannot assign
    clerk = login_as(CLERK_WZ)
    assert clerk.get("/assignments/new").status_code == 403
    assert clerk.post("/assignments/new", data=_form(csrf_token(clerk, "/resetmypassword/form"),
                                                     unit_ids=[str(wz)])).status_code == 403


def test_office_edits_and_cannot_remove_a_unit_that_reported(app, login_as):
    with app.app_context():
        pk = make_item(units=("万州区", "渝中区"))
        make_report(pk, state="pending_1")
        wz, yz, jb = unit_id("万州区"), unit_id("渝中区"), unit_id("江北区")
    office = login_as(OFFICE)
    token = csrf_token(office, f"/assignments/{pk}/edit")
    resp = office.post(f"/assignments/{pk}/edit", data=_form(
        token, kind=KIND_BOTTLENECK, title="改了标题", unit_ids=[str(yz)]))
    assert "万州区 已填报该事项的推进情况，不能从承办单位中移除" in resp.get_data(as_text=True)
    resp = office.post(f"/assignments/{pk}/edit", data=_form(
        token, kind=KIND_BOTTLENECK, title="改了标题", unit_ids=[str(wz), str(jb)]))
    assert resp.status_code == 302
    with app.app_context():
        item = db.session.get(Assignment, pk)
        assert item.title == "改了标题" and {u.name for u in item.units} == {"万州区", "江北区"}
    # a unit added after the deadline passed would be overdue at once: refused
    with app.app_context():
        late = make_item(title="已过时限", deadline=TODAY - dt.timedelta(days=2))
    resp = office.post(f"/assignments/{late}/edit", data=_form(
        token, kind=KIND_BOTTLENECK, title="已过时限", deadline=(
            TODAY - dt.timedelta(days=2)).isoformat(), unit_ids=[str(wz), str(yz)]))
    assert "反馈时限已过：新增承办单位前" in resp.get_data(as_text=True)
    with app.app_context():
        assert [u.name for u in db.session.get(Assignment, late).units] == ["万州区"]
    # deleting an item with reports is refused
    resp = office.post(f"/assignments/{pk}/delete", data={"csrf_token": token},
                       follow_redirects=True)
    assert "该事项已有 1 条推进情况，不能删除" in resp.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Assignment, pk) is not None
    # one nobody reported on can go; a clerk cannot delete
    clerk = login_as(CLERK_WZ)
    assert clerk.post(f"/assignments/{late}/delete", data={
        "csrf_token": csrf_token(clerk, "/resetmypassword/form")}).status_code == 403
    assert office.post(f"/assignments/{late}/delete", data={"csrf_token": token}
                       ).status_code == 302
    with app.app_context():
        assert db.session.get(Assignment, late) is None
        assert db.session.scalar(select(func.count()).select_from(assignment_unit).where(
            assignment_unit.c.assignment_id == late)) == 0


# -- the chain -------------------------------------------------------------------------

def test_the_chain_end_to_end_through_the_screens(app, login_as):
    with app.app_context():
        pk = make_item(kind=KIND_DEMAND, units=("万州区",))
    clerk = login_as(CLERK_WZ)
    page = clerk.get(f"/assignments/{pk}").get_data(as_text=True)
    assert "填报推进情况" in page
    token = csrf_token(clerk, f"/assignments/{pk}")
    resp = clerk.post(f"/assignments/{pk}/fill", data={"csrf_token": token})
    assert resp.status_code == 302 and "/demandtaskreportmodelview/edit/" in resp.location
    rid = int(resp.location.rstrip("/").split("/")[-1])
    # an empty 已开展工作 is refused in Chinese, nothing submitted
    resp = clerk.post(f"/demandtaskreportmodelview/edit/{rid}", data={
        "csrf_token": token, "assignment": str(pk), "work_done": " ", "progress": "推进中",
        "_submit": "1"})
    assert "请填写已开展工作" in resp.get_data(as_text=True) or \
        "已开展工作不能为空" in resp.get_data(as_text=True)
    resp = clerk.post(f"/demandtaskreportmodelview/edit/{rid}", data={
        "csrf_token": token, "assignment": str(pk), "work_done": "1.出台方案。2.建立机制。",
        "problems": "政策支持不足", "progress": "已完成", "_submit": "1"})
    assert resp.status_code == 302
    with app.app_context():
        assert db.session.get(DemandTaskReport, rid).state == "pending_1"
    reviewer = login_as(REVIEWER_WZ)
    assert "需求清单推进情况" in reviewer.get("/todo/").get_data(as_text=True)
    token = csrf_token(reviewer, "/resetmypassword/form")
    reviewer.post(f"/demandtaskreportmodelview/transition/{rid}/approve",
                  data={"csrf_token": token})
    office = login_as(OFFICE)
    token = csrf_token(office, "/resetmypassword/form")
    office.post(f"/demandtaskreportmodelview/transition/{rid}/approve",
                data={"csrf_token": token})
    with app.app_context():
        assert db.session.get(DemandTaskReport, rid).state == APPROVED
        (status,) = pair_statuses(assignment_ids=[pk])
        assert status.status.completed
    # completed: no further report
    token = csrf_token(clerk, f"/assignments/{pk}")
    resp = clerk.post(f"/assignments/{pk}/fill", data={"csrf_token": token},
                      follow_redirects=True)
    assert "无需再填报" in resp.get_data(as_text=True)


def test_a_report_needs_an_item_assigned_to_the_own_unit_and_of_its_kind(app, login_as):
    with app.app_context():
        wz_only = make_item(title="只交办万州", units=("万州区",))
        demand_item = make_item(title="需求清单事项", kind=KIND_DEMAND, units=("渝中区",))
    api = login_as(CLERK_YZ)
    token = csrf_token(api, "/bottleneckreportmodelview/add")
    resp = api.post("/bottleneckreportmodelview/add", data={
        "csrf_token": token, "assignment": str(wz_only), "work_done": "做了工作",
        "progress": "推进中"})
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(BottleneckReport)) == 0
    # the dropdown offers only items assigned to the own unit, of the type's kind
    html = api.get("/bottleneckreportmodelview/add").get_data(as_text=True)
    assert "只交办万州" not in html and "需求清单事项" not in html
    html = api.get("/demandtaskreportmodelview/add").get_data(as_text=True)
    assert "需求清单事项" in html
    with app.app_context():
        u = user(CLERK_YZ)
        for item_id, model in ((wz_only, BottleneckReport), (demand_item, BottleneckReport)):
            r = model(assignment_id=item_id, work_done="x", problems="", progress="推进中",
                      unit_id=u.unit_id, filed_by_id=u.id, state="draft", version=1)
            db.session.add(r)
            problems = r.clean()
            db.session.rollback()
            assert problems and ("没有交办给本单位" in problems[0] or "不能在" in problems[0])
    assert resp.status_code == 200


# -- scope -----------------------------------------------------------------------------

def test_a_district_sees_neither_another_districts_item_nor_its_reports(app, login_as):
    with app.app_context():
        wz_only = make_item(title="万州独有事项", units=("万州区",))
        shared = make_item(title="两区共同事项", units=("万州区", "渝中区"))
        wz_report = make_report(shared, state="approved")
        yz_report = make_report(shared, clerk=CLERK_YZ, reviewer=REVIEWER_YZ, state="pending_1")
    yz = login_as(CLERK_YZ)
    listing = yz.get("/assignments/").get_data(as_text=True)
    assert "两区共同事项" in listing and "万州独有事项" not in listing
    assert yz.get(f"/assignments/{wz_only}").status_code == 404
    page = yz.get(f"/assignments/{shared}").get_data(as_text=True)
    units = re.findall(r'class="unit-row[^"]*" data-unit="([^"]+)"', page)
    assert units == ["渝中区"]  # not 万州区's state
    assert f'<td>{wz_report}</td>' not in page and f'<td>{yz_report}</td>' in page
    assert yz.get(f"/bottleneckreportmodelview/show/{wz_report}").status_code == 404
    overdue = yz.get("/assignments/overdue").get_data(as_text=True)
    assert "万州区" not in overdue
    assert yz.post(f"/assignments/{wz_only}/fill",
                   data={"csrf_token": csrf_token(yz, "/resetmypassword/form")}).status_code == 404
    # 万州区's leader sees 万州区 only; the city leader and the 改革办 see both
    page = login_as(LEADER_WZ).get(f"/assignments/{shared}").get_data(as_text=True)
    assert re.findall(r'class="unit-row[^"]*" data-unit="([^"]+)"', page) == ["万州区"]
    for mobile in (CITY_LEADER, OFFICE):
        page = login_as(mobile).get(f"/assignments/{shared}").get_data(as_text=True)
        assert re.findall(r'class="unit-row[^"]*" data-unit="([^"]+)"', page) == [
            "渝中区", "万州区"]  # the units' own order
    with app.app_context():
        assert {r["unit"] for r in due_items(user(CLERK_YZ), TODAY + dt.timedelta(days=400))} \
            == {"渝中区"}


# -- due and overdue on the database ------------------------------------------------------

def test_due_at_the_year_end_with_reports_approved_on_quarter_ends(app):
    with app.app_context():
        pk = make_item(deadline=D(2024, 12, 31), units=("万州区", "渝中区"),
                       assigned_on=dt.datetime(2024, 11, 1, 9))
        make_report(pk, state="approved", filed_on=D(2024, 12, 31))  # on the deadline
        make_report(pk, state="approved", filed_on=D(2025, 3, 31))   # last day of Q1
        # 渝中区: submitted on time but sent back, resubmitted on 2025-01-02
        rid = make_report(pk, clerk=CLERK_YZ, reviewer=REVIEWER_YZ, state="rejected",
                          filed_on=D(2024, 12, 30))
        statuses = {p.unit: p.status for p in pair_statuses(today=D(2025, 1, 1))}
        wz = {p.unit: p.status for p in pair_statuses(today=D(2025, 4, 1))}["万州区"]
        assert (wz.next_due, wz.overdue, wz.missed) == (D(2025, 6, 30), False, ())
        yz = statuses["渝中区"]  # the rejected report does not count
        assert (yz.next_due, yz.days_overdue) == (D(2024, 12, 31), 1)
        from app.workflow.engine import transition
        from sqlalchemy import update

        transition("bottleneck_report", rid, "submit", user(CLERK_YZ))
        db.session.execute(update(BottleneckReport).where(BottleneckReport.id == rid).values(
            submitted_on=dt.datetime(2025, 1, 2, 10)))
        db.session.commit()
        yz = {p.unit: p.status for p in pair_statuses(today=D(2025, 1, 3))}["渝中区"]
        # under review, filed in 2025Q1: no longer overdue; the year-end one missed
        assert (yz.overdue, yz.next_due, yz.missed) == (False, D(2025, 6, 30), (D(2024, 12, 31),))
        assert overdue_counts(today=D(2025, 7, 1)) == {unit_id("万州区"): 1, unit_id("渝中区"): 1}
        # usage: 2024Q4 — 渝中区 missed the deadline; 2025Q1 — nobody; 2025Q2 — both
        assert missed_in_period(None, D(2024, 10, 1), D(2024, 12, 31), D(2025, 7, 2)) == {
            unit_id("渝中区"): 1}
        assert missed_in_period(None, D(2025, 1, 1), D(2025, 3, 31), D(2025, 7, 2)) == {}
        assert missed_in_period(None, D(2025, 4, 1), D(2025, 6, 30), D(2025, 7, 2)) == {
            unit_id("万州区"): 1, unit_id("渝中区"): 1}


def test_cockpit_figures_count_approved_reports_only(app):
    with app.app_context():
        pk = make_item(deadline=D(2025, 3, 31), units=("万州区", "渝中区", "江北区"),
                       assigned_on=dt.datetime(2025, 1, 10, 9))
        make_report(pk, state="approved", progress=COMPLETED, filed_on=D(2025, 3, 31))
        make_report(pk, clerk=CLERK_YZ, reviewer=REVIEWER_YZ, state="pending_2",
                    filed_on=D(2025, 3, 20))
        other = make_item(title="另一堵点", deadline=D(2025, 2, 28), units=("万州区",),
                          assigned_on=dt.datetime(2025, 1, 10, 9))
        later = make_item(title="期后交办", deadline=D(2025, 6, 30), units=("万州区",),
                          assigned_on=dt.datetime(2025, 4, 20, 9))
        ids = [unit_id(n) for n in ("万州区", "渝中区", "江北区")]
        # as of the last day of 2025Q1, data collected on 2025-04-10
        figures = bottleneck_figures(ids, D(2025, 3, 31), dt.datetime(2025, 4, 10, 12))
        assert figures[unit_id("万州区")] == {"assigned": 2, "in_progress": 1, "completed": 1,
                                              "overdue": 1}
        # 渝中区's report waits for review: not counted, and 03-31 is not yet past
        assert figures[unit_id("渝中区")] == {"assigned": 1, "in_progress": 1, "completed": 0,
                                              "overdue": 0}
        figures = bottleneck_figures(ids, D(2025, 4, 1), dt.datetime(2025, 4, 10, 12))
        assert figures[unit_id("渝中区")]["overdue"] == 1
        assert figures[unit_id("江北区")]["overdue"] == 1
        assert later and other


def test_home_page_and_todo_show_due_and_overdue_items(app, login_as):
    with app.app_context():
        soon = make_item(title="七天内到期的堵点", deadline=TODAY + dt.timedelta(days=7))
        late = make_item(title="已经逾期的需求清单", kind=KIND_DEMAND,
                         deadline=TODAY - dt.timedelta(days=3))
        make_item(title="还早的事项", deadline=TODAY + dt.timedelta(days=8))
        done = make_item(title="按期反馈了的事项", deadline=TODAY + dt.timedelta(days=2))
        make_report(done, state="pending_1")
        assert soon and late
    clerk = login_as(CLERK_WZ)
    for path in ("/", "/todo/"):
        html = clerk.get(path).get_data(as_text=True)
        panel = re.search(r'id="due-panel".*?</ul>', html, re.S).group(0)
        assert "即将到期与逾期" in panel
        assert "七天内到期的堵点" in panel and "已经逾期的需求清单" in panel
        assert "还早的事项" not in panel and "按期反馈了的事项" not in panel
        assert "逾期3天" in panel
        assert panel.index("已经逾期的需求清单") < panel.index("七天内到期的堵点")
    # 渝中区 has nothing assigned: no panel
    assert 'id="due-panel"' not in login_as(CLERK_YZ).get("/").get_data(as_text=True)
    # the 改革办's home page: the panel with the units named, linking to the overdue page
    html = login_as(OFFICE).get("/").get_data(as_text=True)
    assert 'id="due-panel"' in html and "（万州区）" in html and "/assignments/overdue" in html


def test_overdue_page_and_per_unit_counts(app, login_as):
    with app.app_context():
        a = make_item(title="逾期甲", deadline=TODAY - dt.timedelta(days=10),
                      units=("万州区", "渝中区"))
        b = make_item(title="逾期乙", kind=KIND_DEMAND, deadline=TODAY - dt.timedelta(days=5),
                      units=("万州区",))
        make_item(title="未到期丙", deadline=TODAY + dt.timedelta(days=30), units=("渝中区",))
        make_report(a, clerk=CLERK_YZ, reviewer=REVIEWER_YZ, state="approved",
                    filed_on=TODAY - dt.timedelta(days=12))
        assert b
    html = login_as(OFFICE).get("/assignments/overdue").get_data(as_text=True)
    summary = {m[0]: (int(m[1]), int(m[2])) for m in re.findall(
        r'class="overdue-unit" data-unit="([^"]+)">.*?class="n-overdue">(\d+)</td>'
        r'.*?class="n-missed">(\d+)</td>', html, re.S)}
    assert summary == {"万州区": (2, 2)}
    rows = re.findall(r'class="overdue-row" data-unit="([^"]+)">.*?<a [^>]*>([^<]+)</a>', html,
                      re.S)
    assert rows == [("万州区", "逾期甲"), ("万州区", "逾期乙")]  # longest overdue first
    html = login_as(OFFICE).get("/assignments/overdue?kind=demand").get_data(as_text=True)
    assert "逾期乙" in html and "逾期甲" not in html
    # a clerk sees the own district only
    html = login_as(CLERK_YZ).get("/assignments/overdue").get_data(as_text=True)
    assert "没有逾期事项" in html


def test_usage_evaluation_counts_overdue_feedback(app, login_as):
    with app.app_context():
        make_item(title="本季度逾期", deadline=TODAY - dt.timedelta(days=1),
                  units=("万州区",))
    from app.records.assignment.due import quarter_index

    q = quarter_index(TODAY - dt.timedelta(days=1))
    code = f"{q // 4}Q{q % 4 + 1}"
    html = login_as(OFFICE).get(f"/usage/?period={code}").get_data(as_text=True)
    row = re.search(r'<tr data-unit="万州区">(.*?)</tr>', html, re.S).group(1)
    assert re.findall(r"<td>([^<]*)</td>", row)[-1] == "1"
    row = re.search(r'<tr data-unit="渝中区">(.*?)</tr>', html, re.S).group(1)
    assert re.findall(r"<td>([^<]*)</td>", row)[-1] == "0"
    assert "暂计 0" not in html


def test_demo_every_state_some_overdue_some_completed_and_idempotent(app):
    import random

    from app.demo.load import load_data_source_demo
    from app.records.assignment import demo

    with app.app_context():
        load_data_source_demo()
        counts = demo.generate(db.session, random.Random("2026-assignment"), TODAY)
        db.session.commit()
        assert set(counts) >= {"draft", "pending_1", "pending_2", "rejected", "approved"}
        assert demo.generate(db.session, random.Random("2026-assignment"), TODAY) == {}
        kinds = set(db.session.scalars(select(Assignment.kind)))
        assert kinds == {KIND_DEMAND, KIND_BOTTLENECK}
        districts = set(db.session.scalars(select(assignment_unit.c.unit_id)))
        assert len(districts) >= 4
        statuses = pair_statuses(today=TODAY)
        codes = {p.status.code() for p in statuses}
        assert {"overdue", "completed", "soon"} <= codes
        limit = dt.datetime.combine(TODAY, dt.time(8))
        for model in (DemandTaskReport, BottleneckReport):
            assert db.session.scalar(select(func.max(model.changed_on))) <= limit


def test_cockpit_bottleneck_board_from_approved_reports(app, login_as):
    from app.reports import service
    from tests.reports.test_cockpit_usage import _board
    from tests.reports.util import PERIOD, SCHEME, add_period, quarter_data

    with app.app_context():
        quarter_data()
        pk = make_item(title="工程审批堵点", deadline=D(2024, 2, 29),
                       units=("万州区", "渝中区", "江北区"), assigned_on=dt.datetime(2024, 1, 5, 9))
        make_report(pk, state="approved", progress=COMPLETED, filed_on=D(2024, 2, 20))
        make_report(pk, clerk=CLERK_YZ, reviewer=REVIEWER_YZ, state="approved",
                    filed_on=D(2024, 2, 25))
        from app.records.demo_support import ensure_accounts

        ensure_accounts(db.session)  # 江北区's accounts (app/records/assignment/accounts.py)
        db.session.commit()
        make_report(pk, clerk="13900001101", reviewer="13900001102", state="pending_1",
                    filed_on=D(2024, 2, 20))
        make_item(title="万州第二个堵点", deadline=D(2024, 3, 15), units=("万州区",),
                  assigned_on=dt.datetime(2024, 1, 5, 9))
        make_item(title="需求清单不计入", kind=KIND_DEMAND, deadline=D(2024, 3, 15),
                  units=("万州区",), assigned_on=dt.datetime(2024, 1, 5, 9))
        add_period()
        snap = service.generate(SCHEME, PERIOD, user(OFFICE))
        service.publish(snap.id, user(OFFICE))
    html = login_as(CITY_LEADER).get("/cockpit/").get_data(as_text=True)
    board = _board(html, "问题破解")
    # assigned, in progress, completed, overdue on 2024-03-31
    assert board["万州区"] == [2, 1, 1, 1]
    assert board["渝中区"] == [1, 1, 0, 0]
    assert board["江北区"] == [1, 1, 0, 1]  # its report waits for review: not counted
    assert list(board)[0] == "万州区"  # most completed first
    block = re.search(r'data-board="问题破解".*?</table>', html, re.S).group(0)
    assert "合计" not in block and "堵点卡点管理模块尚未上线" not in html


def test_migration_matches_the_models_for_these_tables(app):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from flask_appbuilder import Model

    mine = ("assignment", "assignment_unit", "demand_task_report", "bottleneck_report")
    with app.app_context(), db.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(ctx, Model.metadata)
    assert [d for d in diff if any(f"'{t}'" in repr(d) or f"table={t}" in repr(d)
                                   or f"Table('{t}'" in repr(d) for t in mine)] == []
    with app.app_context(), db.engine.connect() as conn:
        from sqlalchemy import inspect

        assert set(mine) <= set(inspect(conn).get_table_names())
