"""Who sees the reports and the overview: the filing department and its
district, the district's 区委办/区政府办 once submitted, the 改革办 — and no
other district, department or district office."""

from __future__ import annotations

from app.extensions import db
from app.records.district_assessment.breakdown import load_shipped_breakdown
from tests.district_assessment.util import (
    CLERK_YZ,
    FGW_CLERK,
    LEADER_WZ,
    LEADER_YZ,
    OFFICE,
    QWB_REVIEWER,
    REVIEWER_YZ,
    STJ_CLERK,
    add_user,
    indicator,
    new_report,
    prepare,
    unit,
    walk,
)
from tests.helpers import api_token

YZ_OFFICE_REVIEWER = "13600001399"  # 渝中区委办公室, made here


def _ids(client, mobile, name="assessment_report"):
    h = {"Authorization": f"Bearer {api_token(client, mobile)}"}
    return set(client.get(f"/api/v1/{name}/?q=(page_size:100)", headers=h).get_json()["ids"])


def test_another_district_sees_nothing(app, client, login_as):
    prepare(app)
    with app.app_context():
        load_shipped_breakdown(db.session, unit("渝中区"), create_units=True)
        db.session.commit()
        add_user(YZ_OFFICE_REVIEWER, "渝中区委办公室", "审核员")
        draft = new_report(FGW_CLERK, indicator("经济社会发展业绩", 1), progress_score=3,
                           annual_score=4).id
        sent = new_report(FGW_CLERK, indicator("经济社会发展业绩", 13), progress_score=3,
                          annual_score=4).id
        walk("assessment_report", sent, FGW_CLERK)
    seen = {m: _ids(client, m) for m in (FGW_CLERK, STJ_CLERK, QWB_REVIEWER, LEADER_WZ, OFFICE,
                                         CLERK_YZ, REVIEWER_YZ, LEADER_YZ, YZ_OFFICE_REVIEWER)}
    assert {draft, sent} <= seen[FGW_CLERK]
    assert {draft, sent} <= seen[LEADER_WZ] and {draft, sent} <= seen[OFFICE]
    assert sent in seen[QWB_REVIEWER] and draft not in seen[QWB_REVIEWER]  # not drafts
    for mobile in (STJ_CLERK, CLERK_YZ, REVIEWER_YZ, LEADER_YZ, YZ_OFFICE_REVIEWER):
        assert not {draft, sent} & seen[mobile], mobile
    c = login_as(YZ_OFFICE_REVIEWER)
    assert c.get(f"/assessmentreportmodelview/show/{sent}").status_code == 404
    page = c.get("/assessment/overview/").get_data(as_text=True)
    assert "渝中区2021年市对区考核情况总览" in page and "万州区" not in page
    # the district parameter is only for those who see every district
    page = c.get(f"/assessment/overview/?district={unit_id(app, '万州区')}").get_data(
        as_text=True)
    assert "渝中区2021年" in page and "万州区2021年" not in page
    page = login_as(LEADER_YZ).get("/assessment/breakdown/").get_data(as_text=True)
    assert "渝中区2021年市对区考核指标任务分解" in page
    # a department of 万州 reads its district's table but not the overview
    resp = login_as(STJ_CLERK).get("/assessment/overview/")
    assert resp.status_code == 403 and "考核情况总览只对区委办、区政府办、区县领导和市委改革办开放" in \
        resp.get_data(as_text=True)
    page = login_as(OFFICE).get(f"/assessment/overview/?district={unit_id(app, '万州区')}")
    assert "万州区2021年市对区考核情况总览" in page.get_data(as_text=True)


def unit_id(app, name):
    with app.app_context():
        return unit(name).id
