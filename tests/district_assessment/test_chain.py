"""The report chain: department clerk → department reviewer → 区委办/区政府办,
the template's rules with Chinese messages, the indicator choice limited to
the department's own rows, and the office actor's Python and SQL rules
agreeing."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.kit.fields import field_info
from app.records.district_assessment.models import (
    AssessmentIndicator,
    AssessmentReport,
    SupervisionItem,
    SupervisionReport,
)
from app.security.models import ReformUser
from app.workflow.chain import APPROVED
from tests.district_assessment.util import (
    CLERK_YZ,
    CONTACTS,
    FGW_CLERK,
    FGW_REVIEWER,
    QWB_CLERK,
    QWB_REVIEWER,
    QZFB_REVIEWER,
    REVIEWER_YZ,
    STJ_REVIEWER,
    indicator,
    new_report,
    prepare,
    user,
    walk,
)
from tests.helpers import api_token


def _headers(client, mobile):
    return {"Authorization": f"Bearer {api_token(client, mobile)}"}


def _body(ind_id, **extra):
    body = dict(CONTACTS, indicator=ind_id, progress_basic="1—10月完成 GDP 增量目标的 85%",
                annual_basic="预计全年完成目标", problems="无")
    body.update(extra)
    return body


def test_chain_end_to_end_through_rest_with_the_seed_rules(app, client, login_as):
    prepare(app)
    with app.app_context():
        gdp = indicator("经济社会发展业绩", 1).id       # 区发展改革委, 满分 4
        eco = indicator("经济社会发展业绩", 14).id      # 区生态环境局 only
        food = indicator("基础保障", 4, 5).id           # 粮食安全: 区发展改革委, 是否完成
    h = _headers(client, FGW_CLERK)
    # 自评得分 above 满分, phones in the wrong format, 是否完成 on a scored row
    resp = client.post("/api/v1/assessment_report/", headers=h, json=_body(
        gdp, progress_score=4.5, annual_score=4, progress_done="是", city_phone="12345",
        contact_mobile="1381234567"))
    assert resp.status_code == 422
    message = resp.get_json()["message"]
    for text in ("1—10月自评得分应在 0 至 4 分之间（满分为4分），不能填 4.5",
                 "经济社会发展业绩指标按自评得分报送，1—10月是否完成不填",
                 "经办处室联系电话格式不正确", "责任人联系电话应为 11 位手机号码"):
        assert text in message, text
    # a row the department is not responsible for: not even a choice
    resp = client.post("/api/v1/assessment_report/", headers=h, json=_body(
        eco, progress_score=5, annual_score=6))
    assert resp.status_code == 422 and "考核指标不存在或不可选择" in resp.get_json()["message"]
    # an unscored row needs 是否完成 and no score
    resp = client.post("/api/v1/assessment_report/", headers=h, json=_body(food, annual_score=1))
    assert resp.status_code == 422
    assert "请选择1—10月是否完成" in resp.get_json()["message"]
    assert "该指标不计分，全年预计自评得分不填，请填写是否完成" in resp.get_json()["message"]
    resp = client.post("/api/v1/assessment_report/", headers=h, json=_body(
        gdp, progress_score=3.4, annual_score=4, progress_rank=6, annual_rank=5))
    assert resp.status_code == 201, resp.get_json()
    rid = resp.get_json()["id"]
    with app.app_context():
        report = db.session.get(AssessmentReport, rid)
        assert report.title == "万州区发展改革委：2021年 经济社会发展业绩 1. GDP增量及增速 满分4分"
        assert report.district.name == "万州区"
    assert client.post(f"/api/v1/workflow/assessment_report/{rid}/submit", headers=h
                       ).status_code == 200
    # the office cannot act before the department's reviewer
    resp = client.post(f"/api/v1/workflow/assessment_report/{rid}/approve",
                       headers=_headers(client, QWB_REVIEWER))
    assert resp.status_code == 403
    for mobile in (FGW_REVIEWER, QZFB_REVIEWER):
        resp = client.post(f"/api/v1/workflow/assessment_report/{rid}/approve",
                           headers=_headers(client, mobile))
        assert resp.status_code == 200, resp.get_json()
    with app.app_context():
        assert db.session.get(AssessmentReport, rid).state == APPROVED
    page = login_as(QZFB_REVIEWER).get(f"/assessmentreportmodelview/show/{rid}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    for text in ("满分", "4 分", "1—10月自评得分", "3.4", "已通过", "区委办/区政府办审核"):
        assert text in html, text
    assert "None" not in html


def test_the_indicator_choice_is_the_departments_own_rows(app):
    prepare(app)
    with app.app_context():
        info = field_info(AssessmentReport, "indicator")
        clerk = user(FGW_CLERK)
        allowed = db.session.scalars(info.allowed(select(AssessmentIndicator), clerk)).all()
        own = [i for i in db.session.scalars(select(AssessmentIndicator))
               if i.reportable_by(clerk.unit)]
        assert sorted(i.id for i in allowed) == sorted(i.id for i in own)
        # 区发展改革委: GDP, 民营 (3), 战略性新兴, 营商环境, 双控; 重点专项 3; 基础保障 1 and
        # 粮食安全 — and the rows of 区级有关部门: 重点专项 1 and 4, 基础保障 2 (the 区政府办's
        # share) and 4 (上级交办任务's first row)
        assert len(allowed) == 12
        open_rows = {(i.group_name, i.seq, i.part) for i in allowed if i.open_to_all}
        assert open_rows == {("重点专项", 1, 1), ("重点专项", 4, 1), ("基础保障", 2, 2),
                             ("基础保障", 4, 1)}
        # …but not the open rows of another district
        from app.records.district_assessment.breakdown import load_shipped_breakdown
        from tests.district_assessment.util import unit

        load_shipped_breakdown(db.session, unit("渝中区"), create_units=True)
        db.session.commit()
        again = db.session.scalars(info.allowed(select(AssessmentIndicator), clerk)).all()
        assert sorted(i.id for i in again) == sorted(i.id for i in allowed)
        report = AssessmentReport(indicator=indicator("重点专项", 1, district="渝中区"),
                                  unit_id=clerk.unit_id, unit=clerk.unit, filed_by_id=clerk.id,
                                  progress_basic="x", annual_basic="y", progress_done="是",
                                  annual_done="是", **CONTACTS)
        db.session.add(report)
        assert any("万州区发展改革委不能报送" in p for p in report.clean())
        db.session.rollback()
        items = db.session.scalars(field_info(SupervisionReport, "item").allowed(
            select(SupervisionItem), clerk)).all()
        assert sorted(i.seq for i in items) == [3, 5, 6, 12]


def test_supervision_report_walks_its_chain(app):
    prepare(app)
    with app.app_context():
        item = db.session.scalar(select(SupervisionItem).where(SupervisionItem.seq == 27))
        clerk = user(QWB_CLERK)
        report = SupervisionReport(item=item, unit_id=clerk.unit_id, unit=clerk.unit,
                                   filed_by_id=clerk.id, state="draft", version=1,
                                   policy="", annual_basic="x", eligible="可能", expected="y",
                                   **CONTACTS)
        db.session.add(report)
        problems = report.clean()
        assert "请填写政策争取情况" in problems
        assert "是否符合申报条件只能选择“是”或“否”" in problems
        # 对单位工作获得表彰 is the 区政府办's, not the 区委办's
        assert any("区级责任单位是区政府办公室" in p for p in problems)
        db.session.rollback()
        clerk = user("13900001302")  # 区政府办 clerk
        report = SupervisionReport(item=item, unit_id=clerk.unit_id, unit=clerk.unit,
                                   filed_by_id=clerk.id, state="draft", version=1,
                                   policy="已申报", annual_basic="材料齐全", eligible="是",
                                   expected="预计获得激励", **CONTACTS)
        db.session.add(report)
        assert report.clean() == []
        db.session.commit()
        # 区政府办's own reviewer first, then the 区委办 as the district office
        walk("supervision_report", report.id, "13900001302", QZFB_REVIEWER, QWB_REVIEWER)
        assert db.session.get(SupervisionReport, report.id).state == APPROVED


def test_office_actor_python_and_sql_agree(app):
    """For every pair of (user, report) the step's matches() equals the
    report being in the SQL of clause()."""
    prepare(app)
    with app.app_context():
        reports = [
            new_report(FGW_CLERK, indicator("经济社会发展业绩", 1), progress_score=3,
                       annual_score=4),
            new_report("13900001306", indicator("经济社会发展业绩", 14), progress_score=5,
                       annual_score=6),
        ]
        actor = AssessmentReport.__chain__.steps[1].actor
        users = db.session.scalars(select(ReformUser)).all()
        assert len(users) > 20
        for u in users:
            ids = set(db.session.scalars(select(AssessmentReport.id).where(
                actor.clause(AssessmentReport, u))))
            for r in reports:
                assert actor.matches(u, r) is (r.id in ids), (u.mobile, r.id)
        matching = {u.mobile for u in users if actor.matches(u, reports[0])}
        assert matching == {QWB_REVIEWER, QZFB_REVIEWER}
        for mobile in (FGW_REVIEWER, STJ_REVIEWER, REVIEWER_YZ, CLERK_YZ, QWB_CLERK):
            assert not actor.matches(user(mobile), reports[0])
