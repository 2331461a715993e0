"""市级重大改革项目: the 改革办 keeps projects with milestone rows (a refused form
keeps what was typed), the lead department files bimonthly progress through
clerk → reviewer → 改革办, the overdue rule at its boundary (due today is not
overdue, yesterday is; only an approved report clears it), two-month period
codes, scope, and the yearly satisfaction shown on the project page."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.records.major_project.models import (
    MajorProject,
    MajorProjectMilestone,
    MajorProjectReport,
    MajorProjectReportItem,
    bimonth_code,
    period_problems,
)
from app.records.major_project.service import overdue_rows
from tests.helpers import new_client
from tests.major_project.util import (
    ADMIN,
    CITY_LEADER,
    CLERK_SASAC,
    CLERK_WZ,
    CLERK_YZ,
    LEADER_WZ,
    LEADER_YZ,
    OFFICE,
    REVIEWER_SASAC,
    act,
    form_token,
    headers,
    make_project,
    unit_id,
    user,
    web,
)

TODAY = dt.date.today()
PERIOD = bimonth_code(TODAY)


def _report_form(client, path, mids, done=(), period=PERIOD, submit=False, **over):
    data = {"csrf_token": form_token(client, path), "period": period,
            "progress": "实施方案已印发。", "problems": "协同效率有待提升。",
            "plan": "下期完成评估。"}
    for mid in mids:
        if mid in done:
            data[f"done_{mid}"] = "1"
            data[f"done_on_{mid}"] = (TODAY - dt.timedelta(days=1)).isoformat()
    if submit:
        data["_submit"] = "1"
    data.update(over)
    return client.post(path, data=data)


# -- the overdue rule ------------------------------------------------------------------

def test_overdue_boundary_due_today_is_not_overdue_yesterday_is(app):
    pid, (yesterday, due_today, tomorrow) = make_project(app, offsets=(-1, 0, 1))
    with app.app_context():
        rows = overdue_rows(db.session, user(OFFICE), TODAY)
        mine = [r["milestone"].id for r in rows if r["project"].id == pid]
        assert mine == [yesterday]
        assert [r["days"] for r in rows if r["project"].id == pid] == [1]
        # tomorrow, the milestone due today is overdue too (and by one day)
        later = [r["milestone"].id for r in overdue_rows(db.session, user(OFFICE),
                                                         TODAY + dt.timedelta(days=1))
                 if r["project"].id == pid]
        assert later == [yesterday, due_today]
    c = web(app, OFFICE)
    page = c.get(f"/majorproject/{pid}").get_data(as_text=True)
    assert "逾期 1 天" in page and "今日到期" in page and "未到期" in page
    assert "逾期 1 个" in page
    overdue = c.get("/majorproject/overdue").get_data(as_text=True)
    assert 'data-milestone="里程碑1"' in overdue and 'data-milestone="里程碑2"' not in overdue


def test_overdue_across_the_year_boundary(app):
    new_year = dt.date(2027, 1, 1)
    pid, (dec31,) = make_project(app, offsets=(-1,), today=new_year)
    with app.app_context():
        def ids(day):
            return [(r["milestone"].id, r["days"]) for r in overdue_rows(
                db.session, user(OFFICE), day) if r["project"].id == pid]

        assert ids(dt.date(2026, 12, 31)) == []
        assert ids(new_year) == [(dec31, 1)]


def test_only_an_approved_report_clears_an_overdue_milestone(app, client):
    pid, mids = make_project(app, offsets=(-10, 30))
    c = web(app, CLERK_SASAC)
    path = f"/majorproject/{pid}/report/new"
    resp = _report_form(c, path, mids, done={mids[0]}, submit=True)
    assert resp.status_code == 302, resp.get_data(as_text=True)[:3000]
    with app.app_context():
        report = db.session.scalar(select(MajorProjectReport).where(
            MajorProjectReport.project_id == pid))
        rid = report.id
        assert report.state == "pending_1" and report.period == PERIOD
        assert [(i.milestone_id, i.completed) for i in report.items] == [(mids[0], True)]

    def overdue_ids():
        with app.app_context():
            return [r["milestone"].id for r in overdue_rows(db.session, user(OFFICE), TODAY)
                    if r["project"].id == pid]

    assert overdue_ids() == [mids[0]]  # submitted, not approved
    assert act(client, "major_project_report", rid, "approve", REVIEWER_SASAC).status_code == 200
    assert overdue_ids() == [mids[0]]  # approved by the lead department only
    assert act(client, "major_project_report", rid, "approve", OFFICE).status_code == 200
    assert overdue_ids() == []
    page = web(app, OFFICE).get(f"/majorproject/{pid}").get_data(as_text=True)
    assert "已完成（" + (TODAY - dt.timedelta(days=1)).isoformat() + "）" in page


# -- the chain -------------------------------------------------------------------------

def test_chain_end_to_end_with_rejection_and_history(app, client):
    pid, mids = make_project(app, offsets=(-5, 20))
    c = web(app, CLERK_SASAC)
    resp = _report_form(c, f"/majorproject/{pid}/report/new", mids, done={mids[0]})
    assert resp.status_code == 302
    with app.app_context():
        rid = db.session.scalar(select(MajorProjectReport.id).where(
            MajorProjectReport.project_id == pid))
    # the filer cannot approve; a participant's clerk cannot act
    assert act(client, "major_project_report", rid, "submit", CLERK_SASAC).status_code == 200
    assert act(client, "major_project_report", rid, "approve", CLERK_SASAC).status_code == 403
    assert act(client, "major_project_report", rid, "approve", OFFICE).status_code == 403
    assert act(client, "major_project_report", rid, "reject", REVIEWER_SASAC,
               reason="请补充佐证").status_code == 200
    # rejected: the clerk corrects on the form with the milestone rows, and resubmits
    edit = f"/majorproject/report/{rid}/edit"
    page = c.get(edit).get_data(as_text=True)
    assert "实施方案已印发。" in page and "checked" in page
    resp = _report_form(c, edit, mids, done={mids[0]}, submit=True, progress="已补充佐证。")
    assert resp.status_code == 302
    assert act(client, "major_project_report", rid, "approve", REVIEWER_SASAC).status_code == 200
    assert act(client, "major_project_report", rid, "approve", OFFICE).status_code == 200
    with app.app_context():
        r = db.session.get(MajorProjectReport, rid)
        assert r.state == "approved" and r.progress == "已补充佐证。"
        assert "里程碑1：已完成" in r.milestone_summary
        assert "里程碑2：未完成" in r.milestone_summary
    show = web(app, OFFICE).get(f"/majorprojectreportmodelview/show/{rid}").get_data(
        as_text=True)
    assert "里程碑完成情况" in show and "里程碑1：已完成" in show
    # the Excel export carries the period's name and the milestone rows
    import io

    from openpyxl import load_workbook

    resp = web(app, OFFICE).get("/majorprojectreportmodelview/export/?_all=1")
    assert resp.status_code == 200
    cells = [c for row in load_workbook(io.BytesIO(resp.data)).active.iter_rows(
        values_only=True) for c in row if isinstance(c, str)]
    assert any("里程碑1：已完成" in c for c in cells)
    assert any(c.endswith(f"（{PERIOD}）") for c in cells)
    # approved: locked
    assert c.get(edit).status_code == 302


def test_only_the_lead_department_files(app, client):
    pid, mids = make_project(app, participants=("万州区",))
    resp = client.post("/api/v1/major_project_report/", headers=headers(client, CLERK_WZ), json={
        "project": pid, "period": PERIOD, "progress": "进展", "problems": "问题",
        "plan": "计划"})
    assert resp.status_code in (404, 422), resp.get_json()
    c = web(app, CLERK_WZ)
    resp = c.get(f"/majorproject/{pid}/report/new")
    assert resp.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(MajorProjectReport).where(
            MajorProjectReport.project_id == pid)) == 0
    # the lead's clerk through REST: accepted
    resp = client.post("/api/v1/major_project_report/", headers=headers(client, CLERK_SASAC),
                       json={"project": pid, "period": PERIOD, "progress": "进展",
                             "problems": "问题", "plan": "计划"})
    assert resp.status_code == 201, resp.get_json()
    # a second report for the same two months is refused with the reason
    resp = client.post("/api/v1/major_project_report/", headers=headers(client, CLERK_SASAC),
                       json={"project": pid, "period": PERIOD, "progress": "进展",
                             "problems": "问题", "plan": "计划"})
    assert resp.status_code in (409, 422)
    assert "每个项目每期只能填报一份" in resp.get_json()["message"]


# -- two-month periods -------------------------------------------------------------------

@pytest.mark.parametrize("code,fragment", [
    ("", "请选择报告期间"),
    ("2026Q3", "不是两个月一期的期间"),
    ("2026", "不是两个月一期的期间"),
    ("2026-B7", "无法识别"),
    ("2026-b3", "不是两个月一期的期间"),
    ("2022-B6", "不能早于 2023 年"),
    (f"{TODAY.year + 1}-B1", "尚未开始"),
])
def test_bimonthly_period_codes_refused(code, fragment):
    problems = period_problems(code, TODAY)
    assert problems and fragment in problems[0], problems


def test_bimonthly_period_codes_accepted():
    assert period_problems(PERIOD, TODAY) == []
    assert period_problems("2023-B1", TODAY) == []
    # the first day of a two-month period opens it; the day before does not
    assert period_problems("2026-B4", dt.date(2026, 7, 1)) == []
    assert "尚未开始" in period_problems("2026-B4", dt.date(2026, 6, 30))[0]
    assert bimonth_code(dt.date(2026, 1, 31)) == "2026-B1"
    assert bimonth_code(dt.date(2026, 2, 28)) == "2026-B1"
    assert bimonth_code(dt.date(2026, 3, 1)) == "2026-B2"
    assert bimonth_code(dt.date(2026, 12, 31)) == "2026-B6"


def test_rest_refuses_a_period_that_is_not_two_months_or_not_begun(app, client):
    pid, _ = make_project(app)
    h = headers(client, CLERK_SASAC)
    body = {"project": pid, "progress": "进展", "problems": "问题", "plan": "计划"}
    resp = client.post("/api/v1/major_project_report/", headers=h, json={**body,
                                                                         "period": "2026Q3"})
    assert resp.status_code == 422 and "报告期间必须是" in resp.get_json()["message"]
    future = f"{TODAY.year + 1}-B1"
    resp = client.post("/api/v1/major_project_report/", headers=h, json={**body,
                                                                         "period": future})
    assert resp.status_code == 422 and "尚未开始" in resp.get_json()["message"]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(MajorProjectReport).where(
            MajorProjectReport.project_id == pid)) == 0


def test_bad_report_form_keeps_what_was_typed_and_saves_nothing(app):
    pid, mids = make_project(app, offsets=(-3, 10))
    c = web(app, CLERK_SASAC)
    path = f"/majorproject/{pid}/report/new"
    resp = _report_form(c, path, mids, done={mids[0]}, period="2026Q3",
                        progress="这是我写的进展情况",
                        **{f"done_on_{mids[1]}": "2026-13-40"})
    assert resp.status_code == 200
    page = resp.get_data(as_text=True)
    assert "不是两个月一期的期间" in page and "不是有效日期" in page
    assert "这是我写的进展情况" in page and "2026-13-40" in page
    # completed without a date, a date after today
    resp = _report_form(c, path, mids, **{f"done_{mids[1]}": "1",
                                          f"done_on_{mids[0]}": "2020-01-01"})
    page = resp.get_data(as_text=True)
    assert "请填写完成日期" in page and "填写了完成日期但未勾选“已完成”" in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(MajorProjectReport).where(
            MajorProjectReport.project_id == pid)) == 0
        assert db.session.scalar(select(func.count()).select_from(MajorProjectReportItem)) == 0


# -- projects: the 改革办's form with milestone rows ---------------------------------------

def _project_form(client, path, name="营商环境创新试点（测试）", lead=None, rows=None, **over):
    data = {"csrf_token": form_token(client, path), "name": name,
            "lead_unit_id": str(lead), "year": str(TODAY.year), "description": "简介"}
    data.update(over)
    rows = rows if rows is not None else [("", "印发方案", "2026-03-31"),
                                         ("", "完成评估", "2026-12-31")]
    data["ms_id"] = [r[0] for r in rows]
    data["ms_name"] = [r[1] for r in rows]
    data["ms_planned_on"] = [r[2] for r in rows]
    return client.post(path, data=data)


def test_office_keeps_projects_with_milestone_rows(app):
    with app.app_context():
        lead, wz = unit_id("市国资委"), unit_id("万州区")
    c = web(app, OFFICE)
    # a bad row: the form comes back with every typed value, nothing saved
    resp = _project_form(c, "/majorproject/add", lead=lead, participant_ids=[str(wz)],
                         rows=[("", "印发方案", "2026-02-30"), ("", "", "2026-05-01"),
                               ("", "", "")])
    assert resp.status_code == 200
    page = resp.get_data(as_text=True)
    assert "第 1 个里程碑：计划完成日期“2026-02-30”不是有效日期" in page
    assert "第 2 个里程碑：请填写里程碑名称" in page
    assert 'value="印发方案"' in page and 'value="2026-02-30"' in page
    assert 'value="营商环境创新试点（测试）"' in page
    assert f'<option value="{wz}" selected>' in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(MajorProject).where(
            MajorProject.name == "营商环境创新试点（测试）")) == 0
    resp = _project_form(c, "/majorproject/add", lead=lead, participant_ids=[str(wz)])
    assert resp.status_code == 302
    with app.app_context():
        p = db.session.scalar(select(MajorProject).where(
            MajorProject.name == "营商环境创新试点（测试）"))
        pid = p.id
        assert [m.name for m in p.milestones] == ["印发方案", "完成评估"]
        assert [u.name for u in p.participants] == ["万州区"]
        first, second = [m.id for m in p.milestones]
    # edit: change one row, drop the other, add one
    resp = _project_form(c, f"/majorproject/{pid}/edit", lead=lead,
                         rows=[(str(first), "印发实施方案", "2026-04-15"),
                               ("", "开展第三方评估", "2026-10-31")])
    assert resp.status_code == 302
    with app.app_context():
        p = db.session.get(MajorProject, pid)
        assert [(m.name, m.planned_on.isoformat()) for m in p.milestones] == [
            ("印发实施方案", "2026-04-15"), ("开展第三方评估", "2026-10-31")]
        assert p.milestones[0].id == first
        assert db.session.get(MajorProjectMilestone, second) is None
    # a duplicate name is refused
    resp = _project_form(c, "/majorproject/add", lead=lead)
    assert "已有同名项目" in resp.get_data(as_text=True)


def test_a_reported_milestone_cannot_be_dropped(app, client):
    pid, mids = make_project(app, offsets=(-3, 10))
    c = web(app, CLERK_SASAC)
    assert _report_form(c, f"/majorproject/{pid}/report/new", mids,
                        done={mids[0]}).status_code == 302
    with app.app_context():
        lead = unit_id("市国资委")
    office = web(app, OFFICE)
    resp = _project_form(office, f"/majorproject/{pid}/edit", name="公立医院综合改革（测试）",
                         lead=lead, rows=[(str(mids[1]), "里程碑2", "2026-12-01")])
    assert "已在进展报告中填报，不能删除" in resp.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(MajorProjectMilestone, mids[0]) is not None


@pytest.mark.parametrize("mobile", [CLERK_SASAC, REVIEWER_SASAC, LEADER_WZ, CITY_LEADER])
def test_only_the_office_edits_projects(app, mobile):
    pid, _ = make_project(app)
    c = web(app, mobile)
    assert c.get("/majorproject/add").status_code == 403
    assert c.get(f"/majorproject/{pid}/edit").status_code == 403


# -- scope -----------------------------------------------------------------------------

@pytest.mark.parametrize("mobile,sees", [
    (OFFICE, True), (CITY_LEADER, True), (CLERK_SASAC, True), (REVIEWER_SASAC, True),
    (CLERK_WZ, True), (LEADER_WZ, True),  # 万州区 participates
    (CLERK_YZ, False), (LEADER_YZ, False),
])
def test_scope_of_projects(app, mobile, sees):
    pid, _ = make_project(app, participants=("万州区",))
    c = web(app, mobile)
    listed = c.get("/majorproject/").get_data(as_text=True)
    assert ('data-project="公立医院综合改革（测试）"' in listed) is sees
    assert c.get(f"/majorproject/{pid}").status_code == (200 if sees else 404)
    overdue = c.get("/majorproject/overdue").get_data(as_text=True)
    assert ("公立医院综合改革（测试）" in overdue) is sees
    # only the lead department's clerk gets the progress form
    resp = c.get(f"/majorproject/{pid}/report/new")
    assert resp.status_code == (200 if mobile == CLERK_SASAC else 302 if sees else 404) \
        or resp.status_code == 403


def test_administrator_has_no_project_pages(app):
    c = web(app, ADMIN)
    assert c.get("/majorproject/").status_code == 403


def test_anonymous_is_sent_to_login(app):
    c = new_client(app)
    assert c.get("/majorproject/").status_code in (302, 401)


def test_project_dropdown_is_scoped(app, client):
    pid, _ = make_project(app, participants=())
    info = client.get("/api/v1/major_project_report/_info",
                      headers=headers(client, CLERK_YZ)).get_json()
    text = str(info)
    assert "公立医院综合改革（测试）" not in text
    info = client.get("/api/v1/major_project_report/_info",
                      headers=headers(client, CLERK_SASAC)).get_json()
    assert "公立医院综合改革（测试）" in str(info)


# -- satisfaction (display only) ---------------------------------------------------------

def test_yearly_satisfaction_shown_on_the_project(app):
    from app.records.survey.models import ProjectSatisfaction

    pid, _ = make_project(app)
    c = web(app, OFFICE)
    assert "暂无满意度数据" in c.get(f"/majorproject/{pid}").get_data(as_text=True)
    with app.app_context():
        db.session.add(ProjectSatisfaction(year=TODAY.year - 1, project="公立医院综合改革（测试）",
                                           score=87.4, respondents=1200,
                                           conclusion="群众对改革成效总体满意。",
                                           entered_by_id=user(OFFICE).id))
        db.session.commit()
    page = c.get(f"/majorproject/{pid}").get_data(as_text=True)
    assert "87.4" in page and "群众对改革成效总体满意。" in page
    # renaming the project keeps its satisfaction
    with app.app_context():
        lead = unit_id("市国资委")
    resp = _project_form(c, f"/majorproject/{pid}/edit", name="公立医院高质量发展改革（测试）",
                         lead=lead, rows=[])
    assert "请至少填写一个里程碑" in resp.get_data(as_text=True)
    with app.app_context():
        ms = [(str(m.id), m.name, m.planned_on.isoformat())
              for m in db.session.get(MajorProject, pid).milestones]
    assert _project_form(c, f"/majorproject/{pid}/edit", name="公立医院高质量发展改革（测试）",
                         lead=lead, rows=ms).status_code == 302
    assert "87.4" in c.get(f"/majorproject/{pid}").get_data(as_text=True)


# -- migration ---------------------------------------------------------------------------

def test_migration_matches_the_models(app):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from flask_appbuilder import Model

    mine = ("major_project", "major_project_unit", "major_project_milestone",
            "major_project_report", "major_project_report_item", "reform_meeting",
            "reform_news")

    def ours(entry):
        text = repr(entry)
        return any(t in text for t in mine)

    with app.app_context(), db.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = [d for d in compare_metadata(ctx, Model.metadata) if ours(d)]
    assert diff == [], diff
