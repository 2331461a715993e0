"""The breakdown by Excel: the 区委办/区政府办 download the table, edit it and
import it; a workbook with any bad cell loads nothing and every bad row and
column is listed in Chinese."""

from __future__ import annotations

import io

from openpyxl import load_workbook
from sqlalchemy import func, select

from app.extensions import db
from app.records.district_assessment.models import AssessmentIndicator, SupervisionItem
from tests.district_assessment.util import (
    FGW_CLERK,
    LEADER_WZ,
    QWB_CLERK,
    QZFB_REVIEWER,
    indicator,
    new_report,
    prepare,
    unit,
)
from tests.helpers import csrf_token


def _state(app):
    with app.app_context():
        rows = db.session.execute(select(
            AssessmentIndicator.id, AssessmentIndicator.name, AssessmentIndicator.weight,
            AssessmentIndicator.content, AssessmentIndicator.responsible)
            .order_by(AssessmentIndicator.id)).all()
        items = db.session.execute(select(SupervisionItem.id, SupervisionItem.measure)
                                   .order_by(SupervisionItem.id)).all()
        return rows, items


def _template(c):
    resp = c.get("/assessment/template/?year=2021")
    assert resp.status_code == 200
    return load_workbook(io.BytesIO(resp.data))


def _post(c, wb, year="2021"):
    out = io.BytesIO()
    wb.save(out)
    token = csrf_token(c, "/resetmypassword/form")
    return c.post("/assessment/upload/", data={
        "csrf_token": token, "year": year,
        "file": (io.BytesIO(out.getvalue()), "分解表.xlsx")}, content_type="multipart/form-data")


def test_template_round_trip_and_a_good_import(app, login_as):
    prepare(app)
    c = login_as(QWB_CLERK)
    wb = _template(c)
    ws = wb["考核指标"]
    header = [c_.value for c_ in ws[1]]
    assert header == ["分组", "序号", "指标", "权重", "考核内容及说明", "责任单位"]
    assert ws.max_row == 59 and wb["督查激励"].max_row == 28
    assert ws.cell(3, 6).value == "区发展改革委、区工商联" and ws.cell(3, 4).value == 3
    ws.cell(2, 5).value = "按统计数据考核（修订）"
    resp = _post(c, wb)
    assert resp.status_code == 302, resp.get_data(as_text=True)
    with app.app_context():
        assert indicator("经济社会发展业绩", 1).content == "按统计数据考核（修订）"
    page = c.get(resp.headers["Location"]).get_data(as_text=True)
    assert "已导入万州区2021年考核指标分解：36 项指标、58 行" in page


def test_bad_workbook_loads_nothing_and_lists_every_bad_cell(app, login_as):
    prepare(app)
    before = _state(app)
    c = login_as(QZFB_REVIEWER)
    wb = _template(c)
    ws = wb["考核指标"]
    ws.cell(2, 5).value = "这一格改了，但整表不应写入"
    ws.cell(3, 1).value = "经济业绩"           # 分组
    ws.cell(4, 4).value = "两分"               # 权重
    ws.cell(5, 2).value = "三"                 # 序号
    ws.cell(6, 6).value = "区科技局、区火星局"  # 责任单位
    ws.cell(35, 4).value = 2                   # 群众主观感受 with a weight
    ws.cell(36, 3).value = ""                  # 指标
    ws2 = wb["督查激励"]
    ws2.cell(3, 1).value = 1                   # 序号 repeated
    ws2.cell(4, 4).value = None                # 区级责任单位
    resp = _post(c, wb)
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    for message in (
        "考核指标分解未导入",
        "考核指标 第 3 行“分组”：应为经济社会发展业绩、群众主观感受、重点专项、基础保障之一，不能是“经济业绩”",
        "考核指标 第 4 行“权重”：应为数字，不能是“两分”",
        "考核指标 第 5 行“序号”：应为正整数，不能是“三”",
        "考核指标 第 6 行“责任单位”：万州区没有区级部门“万州区火星局”",
        "考核指标 第 35 行“权重”：群众主观感受指标不设权重，请留空",
        "考核指标 第 36 行“指标”：不能为空",
        "督查激励 第 3 行“序号”：1 与督查激励 第 2 行重复",
        "督查激励 第 4 行“区级责任单位”：不能为空",
    ):
        assert message in html, message
    assert _state(app) == before


def test_wrong_sheet_file_and_people(app, login_as):
    prepare(app)
    before = _state(app)
    c = login_as(QWB_CLERK)
    token = csrf_token(c, "/assessment/breakdown/")
    resp = c.post("/assessment/upload/", data={
        "csrf_token": token, "year": "2021",
        "file": (io.BytesIO(b"not a workbook"), "x.xlsx")}, content_type="multipart/form-data")
    assert resp.status_code == 422 and "文件无法读取" in resp.get_data(as_text=True)
    wb = _template(c)
    wb["考核指标"].title = "Sheet"
    resp = _post(c, wb)
    assert resp.status_code == 422 and "没有名为“考核指标”的工作表" in resp.get_data(as_text=True)
    wb = _template(c)
    resp = _post(c, wb, year="明年")
    assert resp.status_code == 400 and "请填写年度" in resp.get_data(as_text=True)
    # a department's clerk and the district's leader read the table but do not import it
    for mobile in (FGW_CLERK, LEADER_WZ):
        other = login_as(mobile)
        page = other.get("/assessment/breakdown/").get_data(as_text=True)
        assert "GDP增量及增速" in page and "upload-form" not in page
    resp = _post(login_as(FGW_CLERK), _template(c))
    assert resp.status_code == 403 and "只有本区县的区委办、区政府办" in resp.get_data(as_text=True)
    assert _state(app) == before


def test_a_row_with_reports_cannot_be_dropped(app, login_as):
    prepare(app)
    with app.app_context():
        new_report(FGW_CLERK, indicator("经济社会发展业绩", 1), progress_score=3, annual_score=4)
        n = db.session.scalar(select(func.count()).select_from(AssessmentIndicator))
    c = login_as(QWB_CLERK)
    wb = _template(c)
    wb["考核指标"].delete_rows(2)
    resp = _post(c, wb)
    assert resp.status_code == 422
    assert "“经济社会发展业绩 1. GDP增量及增速 满分4分”已有报送记录，新的分解表不能删去这一行" in \
        resp.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AssessmentIndicator)) == n
        assert unit("万州区") is not None
