"""指标数据 in Excel: the generated template, a good sheet loaded and reviewed
as one batch, and every kind of bad sheet refused with each bad row and
column listed and nothing written."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from app.extensions import db
from app.records.metric.models import MetricImportBatch, MetricValue
from app.workflow.models import WorkflowHistory
from tests.helpers import csrf_token
from tests.metric.util import PERIOD, post_value, sheet, upload
from tests.risk.util import (
    CLERK_FIN,
    CLERK_SASAC,
    CLERK_WZ,
    LEADER_WZ,
    OFFICE,
    REVIEWER_FIN,
    REVIEWER_SASAC,
    act,
    add_accounts,
)

HEADER = ["区县代码", "区县", "期间", "D2.1 国企止损减亏完成率（分子）",
          "D2.1 国企止损减亏完成率（分母）", "D2.2 法人压减完成率（分子）", "D2.2 法人压减完成率（分母）"]


@pytest.fixture
def accounts(app):
    add_accounts(app)
    return app


def _counts(app):
    with app.app_context():
        return (db.session.scalar(select(func.count()).select_from(MetricValue)),
                db.session.scalar(select(func.count()).select_from(MetricImportBatch)),
                db.session.scalar(select(func.count()).select_from(WorkflowHistory).where(
                    WorkflowHistory.record_type == "metric_value")))


def _upload(c, data: bytes, name="指标数据.xlsx"):
    token = csrf_token(c, "/metric_import/")
    return c.post("/metric_import/upload/", data={"csrf_token": token,
                                                 "file": (io.BytesIO(data), name)},
                  content_type="multipart/form-data")


# -- the template ------------------------------------------------------------------

def test_template_for_the_logged_in_department(accounts, login_as):
    c = login_as(CLERK_SASAC)
    page = c.get("/metric_import/").get_data(as_text=True)
    assert "下载本单位模板" in page and "导入并提交审核" in page
    resp = c.get(f"/metric_import/template/?period={PERIOD}")
    assert resp.status_code == 200 and "市国资委" in resp.headers["Content-Disposition"] \
        or "filename*" in resp.headers["Content-Disposition"]
    wb = load_workbook(io.BytesIO(resp.data))
    ws = wb.worksheets[0]
    header = [c.value for c in ws[1]]
    assert header == ["区县代码", "区县", "期间",
                      "D2.1 国企止损减亏完成率（分子）", "D2.1 国企止损减亏完成率（分母）",
                      "D2.2 法人压减完成率（分子）", "D2.2 法人压减完成率（分母）",
                      "D4.1 政企分离改革完成率（分子）", "D4.1 政企分离改革完成率（分母）",
                      "D4.2 国有资产集中统一监管比例（分子）", "D4.2 国有资产集中统一监管比例（分母）"]
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 41 and rows[0][1] == "渝中区" and {r[2] for r in rows} == {PERIOD}
    comment = ws.cell(1, 4).comment.text
    assert "止损减亏企业户数/纳入目标责任书统计的亏损企业总户数" in comment
    assert "数据来源单位：市国资委" in comment and "分子不能大于分母" in comment
    kinds = {dv.type for dv in ws.data_validations.dataValidation}
    assert {"list", "decimal"} <= kinds
    notes = wb["指标说明"]
    assert [r[0] for r in notes.iter_rows(min_row=2, values_only=True)] == [
        "D2.1", "D2.2", "D4.1", "D4.2"]


def test_template_of_item_1_has_counts_scores_and_ratios(accounts, login_as):
    c = login_as("13700000075")  # 市大数据发展局
    ws = load_workbook(io.BytesIO(c.get(f"/metric_import/template/?period={PERIOD}").data)
                       ).worksheets[0]
    header = [c.value for c in ws[1]]
    assert "D1.1 “一地创新、全市共享”独立开发应用数" in header
    assert "D1.5 区县城运中心事件处置率（得分）" in header
    assert "D1.6.1 已归集数据量（类）占各区县平均归集数据量比例（分母）" in header
    types = {dv.type for dv in ws.data_validations.dataValidation}
    assert {"whole", "decimal", "list"} <= types


def test_no_template_for_a_unit_without_indicators(accounts, login_as):
    c = login_as(CLERK_WZ)
    resp = c.get(f"/metric_import/template/?period={PERIOD}", follow_redirects=True)
    assert "不是2026年第3季度适用指标体系中任何指标的数据来源单位" in resp.get_data(as_text=True)


# -- a good sheet, reviewed as one batch -------------------------------------------------

def test_good_sheet_is_loaded_and_reviewed_as_one_batch(accounts, login_as):
    app = accounts
    before = _counts(app)
    data = sheet([
        ("500101", "万州区", PERIOD, 3, 4, 2, 2),
        ("500103", "渝中区", PERIOD, 0, 0, 5, 4),  # 0/0: not applicable; 压减 may exceed
        ("", "黔江区", PERIOD, 7, "10", None, None),  # text that reads as a number; D2.2 empty
        (None, None, None, None, None, None, None),  # an empty row is skipped
    ], header=HEADER)
    clerk = login_as(CLERK_SASAC)
    resp = _upload(clerk, data)
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    with app.app_context():
        batch = db.session.scalar(select(MetricImportBatch))
        values = db.session.scalars(select(MetricValue).order_by(MetricValue.id)).all()
        assert batch.value_count == 5 and batch.row_count == 3 and batch.periods == PERIOD
        assert len(values) == 5 and {v.state for v in values} == {"pending_1"}
        assert {v.batch_id for v in values} == {batch.id}
        wz = next(v for v in values if v.title.startswith("万州区") and "D2.1" in v.title)
        assert (wz.numerator, wz.denominator) == (3, 4)
        batch_id = batch.id
    assert _counts(app)[2] == before[2] + 5  # one submit in the history per value
    page = clerk.get(f"/metric_import/batch/{batch_id}").get_data(as_text=True)
    assert "待本单位审核 5" in page and "batch-approve" not in page  # the filer cannot
    reviewer = login_as(REVIEWER_SASAC)
    page = reviewer.get(f"/metric_import/batch/{batch_id}").get_data(as_text=True)
    assert "万州区" in page and "75.00%" in page and "整批通过（5）" in page
    token = csrf_token(reviewer, f"/metric_import/batch/{batch_id}")
    reviewer.post(f"/metric_import/batch/{batch_id}/approve", data={"csrf_token": token})
    office = login_as(OFFICE)
    page = office.get(f"/metric_import/batch/{batch_id}").get_data(as_text=True)
    assert "待市委改革办审核 5" in page
    token = csrf_token(office, f"/metric_import/batch/{batch_id}")
    resp = office.post(f"/metric_import/batch/{batch_id}/reject", data={"csrf_token": token})
    assert "驳回必须填写理由" in office.get(resp.headers["Location"]).get_data(as_text=True)
    office.post(f"/metric_import/batch/{batch_id}/approve", data={"csrf_token": token})
    with app.app_context():
        assert set(db.session.scalars(select(MetricValue.state))) == {"approved"}
    # the original file is kept with the batch, for those who see the batch
    assert office.get(f"/metric_import/batch/{batch_id}/file").data == data
    assert login_as(LEADER_WZ).get(f"/metric_import/batch/{batch_id}").status_code == 404


def test_a_rejected_batch_can_be_imported_again(accounts, login_as):
    app = accounts
    clerk = login_as(CLERK_SASAC)
    data = sheet([("500101", "万州区", PERIOD, 3, 4, 2, 2)], header=HEADER)
    assert _upload(clerk, data).status_code == 302
    with app.app_context():
        batch_id = db.session.scalar(select(MetricImportBatch.id))
    reviewer = login_as(REVIEWER_SASAC)
    token = csrf_token(reviewer, f"/metric_import/batch/{batch_id}")
    reviewer.post(f"/metric_import/batch/{batch_id}/reject",
                  data={"csrf_token": token, "reason": "分母口径有误"})
    with app.app_context():
        assert set(db.session.scalars(select(MetricValue.state))) == {"rejected"}
        reasons = set(db.session.scalars(select(WorkflowHistory.reason).where(
            WorkflowHistory.action == "reject")))
        assert reasons == {"分母口径有误"}
    assert _upload(clerk, data).status_code == 302  # rejected values do not block
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(MetricImportBatch)) == 2


def test_import_from_the_command_line(accounts, runner, tmp_path):
    path = tmp_path / "s.xlsx"
    sheet([("500101", "万州区", PERIOD, 3, 4, 2, 2)], header=HEADER, path=path)
    result = runner.invoke(args=["metric", "import", "--mobile", CLERK_SASAC, str(path)])
    assert result.exit_code == 0, result.output
    assert "已导入 2 个数值" in result.output
    out = tmp_path / "t.xlsx"
    result = runner.invoke(args=["metric", "template", "--unit", "市财政局", "--period", PERIOD,
                                 "--out", str(out)])
    assert result.exit_code == 0 and out.exists(), result.output


# -- bad sheets: every problem listed, nothing written -------------------------------------

BAD = [
    ("unknown district",
     [("", "不存在区", PERIOD, 1, 2, 1, 1), ("999999", "", PERIOD, 1, 2, 1, 1)],
     None, ["第 2 行「区县」：找不到区县“不存在区”", "第 3 行「区县代码」：找不到区县代码“999999”"]),
    ("district code and name disagree",
     [("500103", "万州区", PERIOD, 1, 2, 1, 1)], None,
     ["第 2 行「区县代码」：区县代码 500103 是渝中区，与「区县」“万州区”不符"]),
    ("text in a number cell",
     [("500101", "万州区", PERIOD, "约三户", 4, 1, 1), ("500103", "渝中区", PERIOD, 1, 2, True, 1)],
     None, ["第 2 行「D2.1 国企止损减亏完成率（分子）」：“约三户”不是数字",
            "第 3 行「D2.2 法人压减完成率（分子）」：“True”不是数字"]),
    ("negative numbers",
     [("500101", "万州区", PERIOD, -1, 4, 1, 1)], None,
     ["第 2 行「D2.1 国企止损减亏完成率（分子）」：不能为负数"]),
    ("numerator above denominator where impossible",
     [("500101", "万州区", PERIOD, 5, 4, 5, 4)], None,
     ["第 2 行「D2.1 国企止损减亏完成率（分子）」：分子 5 大于分母 4，该指标的比率不能超过 100%"]),
    ("impossible ratios: numerator over a zero denominator, half a ratio",
     [("500101", "万州区", PERIOD, 1, 0, 3, None)], None,
     ["第 2 行「D2.1 国企止损减亏完成率（分子）」：分母为 0 时分子也必须为 0（视为不适用）",
      "第 2 行「D2.2 法人压减完成率（分母）」：请填写分母"]),
    ("duplicate rows in the file",
     [("500101", "万州区", PERIOD, 1, 2, 1, 1), ("", "黔江区", PERIOD, 1, 2, 1, 1),
      ("500101", "万州区", PERIOD, 2, 2, 1, 1)], None,
     ["第 4 行「区县」：万州区2026Q3与第 2 行重复"]),
    ("bad or future periods",
     [("500101", "万州区", "2026年三季度", 1, 2, 1, 1), ("500103", "渝中区", "2027Q1", 1, 2, 1, 1),
      ("500105", "江北区", "", 1, 2, 1, 1)], None,
     ["第 2 行「期间」：“2026年三季度”不是有效的季度（应如 2026Q4）",
      "第 3 行「期间」：2027年第1季度尚未开始，不能填报", "第 4 行「期间」：不能为空"]),
    ("unknown indicator column",
     [("500101", "万州区", PERIOD, 1, 2)],
     ["区县代码", "区县", "期间", "D9.9 不存在的指标", "D2.1 国企止损减亏完成率（分子）"],
     ["第 1 行第 D 列「D9.9 不存在的指标」：指标体系中没有这个指标（表头应为“指标代码 指标名称”，如系统生成的模板）",
      "表头缺少列「D2.1 国企止损减亏完成率（分母）」"]),
    ("another department's indicator",
     [("500101", "万州区", PERIOD, 1, 2)],
     ["区县代码", "区县", "期间", "D5.1 盘活存量国有资产完成率（分子）", "D5.1 盘活存量国有资产完成率（分母）"],
     ["第 1 行第 D 列「D5.1 盘活存量国有资产完成率（分子）」：不是市国资委可填报的指标（该指标的数据来源单位是市财政局）",
      "第 1 行第 E 列「D5.1 盘活存量国有资产完成率（分母）」：不是市国资委可填报的指标（该指标的数据来源单位是市财政局）"]),
    ("header without 区县 and 期间",
     [("万州区", 1, 2)], ["单位", "D2.1 国企止损减亏完成率（分子）", "D2.1 国企止损减亏完成率（分母）"],
     ["表头缺少列「区县」（或「区县代码」）", "表头缺少列「期间」"]),
    ("a ratio column without its part",
     [("500101", "万州区", PERIOD, 1)], ["区县代码", "区县", "期间", "D2.1 国企止损减亏完成率"],
     ["第 1 行第 D 列「D2.1 国企止损减亏完成率」：D2.1 国企止损减亏完成率是比率类指标，表头须注明（分子）或（分母）"]),
    ("nothing to import",
     [("500101", "万州区", PERIOD, None, None, None, None)], None,
     ["文件中没有可导入的数值（各指标列均为空）"]),
]


@pytest.mark.parametrize("name,rows,header,messages", BAD, ids=[b[0] for b in BAD])
def test_bad_sheets_write_nothing(accounts, login_as, name, rows, header, messages):
    app = accounts
    before = _counts(app)
    clerk = login_as(CLERK_SASAC)
    resp = _upload(clerk, sheet(rows, header=header or HEADER))
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422, html[:2000]
    assert "导入失败，未导入任何数据" in html
    for message in messages:
        assert message in html, (message, html[html.find("import-errors"):][:3000])
    assert _counts(app) == before


def test_every_bad_row_and_column_is_listed_at_once(accounts):
    from app.records.metric.excel import MetricImportError, check_rows
    from app.units.models import Unit

    app = accounts
    rows = [tuple(HEADER),
            ("", "不存在区", PERIOD, "x", 4, -1, 1),
            ("500101", "万州区", PERIOD, 5, 4, 1, 1),
            ("500101", "万州区", PERIOD, 1, 4, 1, 1)]
    with app.app_context():
        unit = db.session.scalar(select(Unit).where(Unit.name == "市国资委"))
        with pytest.raises(MetricImportError) as exc:
            check_rows(db.session, unit, rows)
    assert exc.value.errors == [
        "第 2 行「区县」：找不到区县“不存在区”",
        "第 2 行「D2.1 国企止损减亏完成率（分子）」：“x”不是数字",
        "第 2 行「D2.2 法人压减完成率（分子）」：不能为负数",
        "第 3 行「D2.1 国企止损减亏完成率（分子）」：分子 5 大于分母 4，该指标的比率不能超过 100%",
        "第 4 行「区县」：万州区2026Q3与第 3 行重复",
    ]


def test_a_value_already_pending_review_refuses_the_sheet(accounts, client, login_as):
    app = accounts
    rid = post_value(client, app, CLERK_SASAC).get_json()["id"]  # 万州区 D2.1 2026Q3
    upload(client, rid, CLERK_SASAC)
    assert act(client, "metric_value", rid, "submit", CLERK_SASAC).status_code == 200
    before = _counts(app)
    resp = _upload(login_as(CLERK_SASAC), sheet([("500101", "万州区", PERIOD, 3, 4, 2, 2)],
                                                header=HEADER))
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert (f"第 2 行「D2.1 国企止损减亏完成率」：万州区2026Q3已有待审核的数值（编号 {rid}），"
            "审核完成后才能导入新的数值") in html
    assert _counts(app) == before


@pytest.mark.parametrize("data,name,message", [
    (b"not a spreadsheet", "x.xlsx", "无法读取 Excel 文件"),
    (b"a,b\n1,2\n", "x.csv", "只接受 .xlsx 文件"),
])
def test_files_that_are_not_sheets(accounts, login_as, data, name, message):
    app = accounts
    before = _counts(app)
    resp = _upload(login_as(CLERK_SASAC), data, name)
    assert resp.status_code in (400, 422) and message in resp.get_data(as_text=True)
    assert _counts(app) == before


def test_who_may_import_and_review(accounts, login_as):
    app = accounts
    data = sheet([("500101", "万州区", PERIOD, 3, 4, 2, 2)], header=HEADER)
    # a district clerk's sheet names indicators that are not its own
    resp = _upload(login_as(CLERK_WZ), data)
    assert resp.status_code == 422 and "不是万州区可填报的指标" in resp.get_data(as_text=True)
    # reviewers and the office do not import
    reviewer = login_as(REVIEWER_SASAC)
    assert "导入并提交审核" not in reviewer.get("/metric_import/").get_data(as_text=True)
    token = csrf_token(reviewer, "/resetmypassword/form")
    assert reviewer.post("/metric_import/upload/", data={"csrf_token": token}).status_code == 403
    assert _upload(login_as(CLERK_SASAC), data).status_code == 302
    with app.app_context():
        batch_id = db.session.scalar(select(MetricImportBatch.id))
    # another department's reviewer does not see the batch
    assert login_as(REVIEWER_FIN).get(f"/metric_import/batch/{batch_id}").status_code == 404
    other = login_as(CLERK_FIN)
    assert other.get(f"/metric_import/batch/{batch_id}").status_code == 404


def test_batch_lists_follow_the_scope(accounts, login_as):
    from tests.risk.util import CITY_LEADER

    assert _upload(login_as(CLERK_SASAC), sheet([("500101", "万州区", PERIOD, 3, 4, 2, 2)],
                                                header=HEADER)).status_code == 302
    for mobile, sees in ((OFFICE, True), (CITY_LEADER, True), (REVIEWER_SASAC, True),
                         (CLERK_FIN, False), (LEADER_WZ, False)):
        page = login_as(mobile).get("/metric_import/")
        assert page.status_code == 200, mobile
        assert ("第 1 批" in page.get_data(as_text=True)) is sees, mobile
