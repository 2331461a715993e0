"""Demo 部门绩效自评: seed 003's own three tables (渝中区大数据应用发展管理局, 2023,
approved as the seed shows: 绩效审核已审) and last year's self-evaluations of
a few departments, in every state of the chain."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from app.records.demo_support import DemoRow, ensure_accounts, limit_of, path_to, write
from app.records.self_evaluation import rows as R
from app.records.self_evaluation import seed003
from app.records.self_evaluation.accounts import SEED_DEPARTMENT
from app.records.self_evaluation.models import FINANCE_CODE, RECORD_TYPE, SelfEvaluation
from app.units.models import Unit
from app.workflow.chain import APPROVED, DRAFT, REJECTED

DEMO_ORDER = 120


def _ind(name, unit, nature, target, actual, weight, core="否", note=""):
    return {"name": name, "unit": unit, "nature": nature, "target": target, "actual": actual,
            "weight": weight, "core": core, "note": note}


def _funds(total, fiscal):
    return [{"kind": "年度总金额", "initial": total[0], "adjusted": total[1],
             "executed": total[2]},
            {"kind": "财政拨款", "initial": fiscal[0], "adjusted": fiscal[1],
             "executed": fiscal[2]},
            {"kind": "一般公共预算", "initial": fiscal[0], "adjusted": fiscal[1],
             "executed": fiscal[2]}]


# (unit, clerk, reviewer, state, header, budget rows, indicator rows); year = last year
DEPARTMENTS = [
    ("市大数据发展局", "13900000075", "13900000076", APPROVED,
     {"kind": "部门整体", "project_name": "市大数据发展局部门整体支出", "project_code": "50000024P000011",
      "department": "024-重庆市大数据应用发展管理局", "finance_division": "003-行政政法处",
      "contact_name": "周敏", "contact_phone": "67891234",
      "goal_initial": "推进数字重庆建设，完善一体化智能化公共数据平台，提升公共数据共享开放水平。",
      "goal_actual": "一体化智能化公共数据平台上线运行，数据共享调用量同比增长 35%。"},
     _funds((8650.40, 9120.00, 8993.55), (8420.40, 8890.00, 8763.55)),
     [_ind("归集公共数据目录", "类", "≥", 2000, 2170, 15, "是"),
      _ind("新增共享开放数据集", "个", "≥", 300, 286, 15, "是"),
      _ind("政务云资源利用率", "%", "≥", 70, 74, 15),
      _ind("数据安全事件", "起", "≤", 0, 0, 15, "是"),
      _ind("平台可用率", "%", "≥", 99.9, 99.95, 15),
      _ind("数字重庆建设任务", "", "定性", "达成", "达成", 15, "是")]),
    ("市卫生健康委", "13900000073", "13900000074", "pending_2",
     {"kind": "部门整体", "project_name": "市卫生健康委部门整体支出", "project_code": "50000031P000002",
      "department": "031-重庆市卫生健康委员会", "finance_division": "005-社会保障处",
      "contact_name": "刘洋", "contact_phone": "67706512",
      "goal_initial": "深化医药卫生体制改革，推进分级诊疗和医共体建设，提升基层医疗服务能力。",
      "goal_actual": "紧密型县域医共体覆盖全部区县，基层诊疗量占比提高到 55.2%。"},
     _funds((56320.00, 58410.00, 56350.00), (51200.00, 53290.00, 51230.00)),
     [_ind("紧密型医共体建设覆盖区县", "个", "=", 38, 38, 20, "是"),
      _ind("基层诊疗量占比", "%", "≥", 60, 55.2, 20, "是"),
      _ind("家庭医生签约服务覆盖率", "%", "≥", 45, 46.3, 15),
      _ind("三级医院平均住院日", "天", "≤", 8, 8.4, 15),
      _ind("群众就医满意度", "%", "≥", 90, 92, 10),
      _ind("公立医院综合改革", "", "定性", "达成", "部分达成", 10, "是")]),
    ("市司法局", "13900000077", "13900000078", REJECTED,
     {"kind": "部门整体", "project_name": "市司法局部门整体支出", "project_code": "50000027P000005",
      "department": "027-重庆市司法局", "finance_division": "003-行政政法处",
      "contact_name": "陈静", "contact_phone": "13983001234",
      "goal_initial": "推进法治政府建设，完善公共法律服务体系，提升行政复议案件办理质效。",
      "goal_actual": "行政复议案件按期办结率 98%，公共法律服务实体平台实现全覆盖。"},
     _funds((12800.00, 13120.00, 12987.00), (12500.00, 12820.00, 12687.00)),
     [_ind("行政复议案件按期办结率", "%", "≥", 95, 98, 25, "是"),
      _ind("公共法律服务实体平台覆盖率", "%", "=", 100, 100, 25, "是"),
      _ind("法律援助案件", "件", "≥", 30000, 28500, 20),
      _ind("普法宣传活动", "场", "≥", 500, 620, 20)]),
    ("市发展改革委", "13900000079", "13900000080", "pending_1",
     {"kind": "部门整体", "project_name": "市发展改革委部门整体支出", "project_code": "50000012P000001",
      "department": "012-重庆市发展和改革委员会", "finance_division": "002-经济建设处",
      "contact_name": "王磊", "contact_phone": "023-63899021",
      "goal_initial": "统筹推进重大项目建设，深化要素市场化配置改革，优化营商环境。",
      "goal_actual": "市级重大项目完成年度投资计划的 103%。"},
     _funds((9300.00, 9650.00, 9421.00), (9100.00, 9450.00, 9221.00)),
     [_ind("市级重大项目年度投资完成率", "%", "≥", 100, 103, 25, "是"),
      _ind("新开工重大项目", "个", "≥", 200, 214, 25, "是"),
      _ind("营商环境评价排名", "位", "≤", 10, 9, 25),
      _ind("要素市场化配置改革任务", "", "定性", "达成", "达成", 15, "是")]),
    ("市卫生健康委", "13900000073", "13900000074", DRAFT,
     {"kind": "二级项目", "project_name": "基层医疗卫生机构能力提升", "project_code": "50000031T000000107",
      "department": "031-重庆市卫生健康委员会", "finance_division": "005-社会保障处",
      "contact_name": "刘洋", "contact_phone": "67706512",
      "goal_initial": "为 300 个乡镇卫生院配置基本医疗设备，培训基层卫生人员。",
      "goal_actual": "已为 270 个乡镇卫生院配置设备，培训 2400 人次。"},
     _funds((3000.00, 3000.00, 2610.00), (3000.00, 3000.00, 2610.00)),
     [_ind("配置设备的乡镇卫生院", "个", "≥", 300, 270, 45, "是"),
      _ind("培训基层卫生人员", "人次", "≥", 2000, 2400, 45)]),
]


def _stored(values: dict, funds: list, indicators: list) -> dict:
    """The record's columns, with the totals computed as saving does."""
    result = R.evaluate(funds, indicators)
    if not result["complete"]:  # a mistake in the demo data above
        raise ValueError("；".join(result["messages"] + result["missing"]))
    return dict(values, contact_name=values.get("contact_name", seed003.CONTACT[0]),
                contact_phone=values.get("contact_phone", seed003.CONTACT[1]),
                goal_adjusted=values.get("goal_adjusted"),
                budget_rows=R.dump_rows(R.parse_budget(funds)[0]),
                indicator_rows=R.dump_rows(R.parse_indicators(indicators)[0]),
                execution_rate=result["execution_rate"],
                execution_score=result["execution_score"], total_score=result["total"],
                score_notes="；".join(result["warnings"]) or None)


def generate(session, rng, today: dt.date) -> dict[str, int]:
    """Write the demo self-evaluations; {state: count} ({} when already there)."""
    first = seed003.TABLES[0][0]["project_code"]
    if session.scalar(select(SelfEvaluation.id).where(
            SelfEvaluation.project_code == first).limit(1)) is not None:
        return {}
    accounts = ensure_accounts(session)
    units = dict(session.execute(select(Unit.name, Unit.id)).all())
    finance = session.scalar(select(Unit.name).where(Unit.code == FINANCE_CODE))
    finance_reviewer = accounts.get("13900000072")
    if finance is None or finance_reviewer is None:
        return {}
    limit = limit_of(today)
    rows = []

    def add(unit_name, clerk, reviewer, state, values, funds, indicators, created,
            limit=limit):
        unit_id = units.get(unit_name)
        if unit_id is None or accounts.get(clerk) is None or accounts.get(reviewer) is None:
            return
        if created >= limit:
            created = limit - dt.timedelta(days=3)
        rows.append(DemoRow(
            values=_stored(values, funds, indicators), unit_id=unit_id,
            filer_id=accounts[clerk], created_on=created,
            acts=path_to(state, 2, [accounts[reviewer], finance_reviewer], accounts[clerk], rng,
                         reason="请核实全年执行数与决算数据是否一致，并补充未完成指标的原因说明")))

    # seed 003: filed in the spring after the year and reviewed by the end of
    # April, all 绩效审核已审
    spring, reviewed = dt.datetime(2024, 3, 11, 9, 30), dt.datetime(2024, 4, 30, 8, 0)
    for n, (values, funds, indicators, _printed) in enumerate(seed003.TABLES):
        add(SEED_DEPARTMENT, "13900001401", "13900001402", APPROVED, values, funds, indicators,
            spring + dt.timedelta(days=n, hours=n), min(reviewed, limit))
    counts, _ids = write(session, SelfEvaluation, RECORD_TYPE, rows, min(reviewed, limit), rng)
    rows.clear()
    # last year's, this spring: one department per state
    year = today.year - 1
    filed = dt.datetime.combine(min(today, dt.date(today.year, 4, 15)), dt.time(10, 0))
    for n, (unit, clerk, reviewer, state, values, funds, indicators) in enumerate(DEPARTMENTS):
        add(unit, clerk, reviewer, state, dict(values, year=year), funds, indicators,
            filed - dt.timedelta(days=20 - 3 * n))
    # seed 003's department starts last year's overall self-evaluation
    add(SEED_DEPARTMENT, "13900001401", "13900001402", "pending_1",
        dict(seed003.TABLES[0][0], year=year, project_code=f"500103{year}P000044",
             goal_actual="各项目标均已完成，详见年度工作总结。"),
        seed003.TABLES[0][1], seed003.TABLES[0][2], filed - dt.timedelta(days=2))
    later, _ids = write(session, SelfEvaluation, RECORD_TYPE, rows, limit, rng)
    for state, n in later.items():
        counts[state] = counts.get(state, 0) + n
    return counts
