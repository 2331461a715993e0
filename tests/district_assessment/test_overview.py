"""The overview worked by hand: approved reports only, each department's
latest approved report per row, a shared row's mean, the weighted total, and
the reports at risk of deductions."""

from __future__ import annotations

from app.extensions import db
from app.records.district_assessment.overview import build_overview
from tests.district_assessment.util import (
    CZJ_CLERK,
    CZJ_REVIEWER,
    FGW_CLERK,
    FGW_REVIEWER,
    GSL_CLERK,
    GSL_REVIEWER,
    LEADER_WZ,
    QWB_CLERK,
    QWB_REVIEWER,
    QZFB_REVIEWER,
    STJ_CLERK,
    STJ_REVIEWER,
    add_user,
    indicator,
    new_report,
    prepare,
    unit,
    walk,
)


def _approved(clerk, reviewer, ind, **values):
    report = new_report(clerk, ind, **values)
    walk("assessment_report", report.id, clerk, reviewer, QWB_REVIEWER)
    return report


def test_weighted_total_by_hand(app, login_as):
    prepare(app)
    with app.app_context():
        add_user(GSL_CLERK, "万州区工商联", "录入员")
        add_user(GSL_REVIEWER, "万州区工商联", "审核员")
        gdp = indicator("经济社会发展业绩", 1)       # 4 分, 区发展改革委
        private = indicator("经济社会发展业绩", 2, 1)  # 3 分, 区发展改革委、区工商联
        debt = indicator("经济社会发展业绩", 3, 1)     # 2 分, 区财政局
        env = indicator("经济社会发展业绩", 14)        # 6 分, 区生态环境局
        env_survey = indicator("群众主观感受", 3)      # 区生态环境局, 是否完成
        # GDP: an earlier approved report, then a later one that replaces it
        _approved(FGW_CLERK, FGW_REVIEWER, gdp, progress_score=3.0, annual_score=3.6)
        _approved(FGW_CLERK, FGW_REVIEWER, gdp, progress_score=3.5, annual_score=4.0)
        # 民营经济 3 分: two departments, the row takes their mean
        _approved(FGW_CLERK, FGW_REVIEWER, private, progress_score=2.4, annual_score=2.7)
        _approved(GSL_CLERK, GSL_REVIEWER, private, progress_score=2.0, annual_score=3.0)
        # 环境质量 6 分 with a named risk
        _approved(STJ_CLERK, STJ_REVIEWER, env, progress_score=5.0, annual_score=5.5,
                  risk_points="PM2.5 年均浓度可能超标")
        _approved(STJ_CLERK, STJ_REVIEWER, env_survey, progress_done="是", annual_done="否")
        # 重点专项 4 lists 区级有关部门: the 区发展改革委 reports on it too
        _approved(FGW_CLERK, FGW_REVIEWER, indicator("重点专项", 4), progress_done="是",
                  annual_done="是")
        # not approved: left out
        pending = new_report(CZJ_CLERK, debt, progress_score=2.0, annual_score=2.0)
        walk("assessment_report", pending.id, CZJ_CLERK, CZJ_REVIEWER)
        new_report(QWB_CLERK, indicator("重点专项", 1), progress_done="否", annual_done="否")

        ov = build_overview(db.session, unit("万州区"), 2021)
        # 1—10月: 3.5 + (2.4 + 2.0) / 2 + 5.0 = 10.70; 全年: 4.0 + (2.7 + 3.0) / 2 + 5.5 = 12.35
        assert ov.progress_total == 10.70
        assert ov.annual_total == 12.35
        assert ov.full == 90 and ov.scored_rows == 33 and ov.reported_rows == 3
        rows = {(r.indicator.group_name, r.indicator.seq, r.indicator.part): r
                for _, rs in ov.groups for r in rs}
        assert rows[("经济社会发展业绩", 2, 1)].progress_score == 2.2
        assert rows[("经济社会发展业绩", 2, 1)].annual_score == 2.85
        assert rows[("经济社会发展业绩", 3, 1)].annual_score is None
        assert rows[("经济社会发展业绩", 3, 1)].missing_units == ["万州区财政局"]
        assert rows[("群众主观感受", 3, 1)].annual_done == "否"
        assert rows[("重点专项", 1, 1)].reports == []
        assert [r.unit.name for r in rows[("重点专项", 4, 1)].reports] == ["万州区发展改革委"]
        assert rows[("重点专项", 4, 1)].missing_units == ["万州区委办公室", "万州区政府办公室"]
        assert rows[("重点专项", 4, 1)].annual_done == "是"
        risks = {(r.unit.name, r.indicator.seq, r.indicator.group_name): reasons
                 for r, reasons in ov.risks}
        assert set(risks) == {("万州区发展改革委", 2, "经济社会发展业绩"),
                              ("万州区生态环境局", 14, "经济社会发展业绩"),
                              ("万州区生态环境局", 3, "群众主观感受")}
        assert risks[("万州区发展改革委", 2, "经济社会发展业绩")] == [
            "全年预计自评得分 2.7 分，低于满分 3 分"]
        assert risks[("万州区生态环境局", 14, "经济社会发展业绩")] == [
            "扣分风险点：PM2.5 年均浓度可能超标", "全年预计自评得分 5.5 分，低于满分 6 分"]
        assert risks[("万州区生态环境局", 3, "群众主观感受")] == ["全年预计不能完成"]
    for mobile in (QZFB_REVIEWER, LEADER_WZ):
        page = login_as(mobile).get("/assessment/overview/").get_data(as_text=True)
        assert "万州区2021年市对区考核情况总览" in page
        assert "10.70 <small>/ 90 分" in page and "12.35 <small>/ 90 分" in page
        assert "PM2.5 年均浓度可能超标" in page
        assert "None" not in page
