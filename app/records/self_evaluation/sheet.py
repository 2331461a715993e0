"""The filled table in seed 003's layout, as text: what the record page and
the PDF print. Numbers are the scoring core's (``record.evaluation()``); this
module only formats them as the seed prints them (amounts ``1,939.33``, the
execution weight and score and the total ``10.00``, rates and row values
without trailing zeros: ``100``, ``26.67``, ``0``)."""

from __future__ import annotations

from app.scoring.core.rounding import fmt

DASH = "—"

FUND_HEAD = ("", "年初预算数（万元）", "全年（调整）预算数（万元）", "全年执行数（万元）",
             "执行率", "执行率权重", "执行率得分")
GOAL_HEAD = ("年初绩效目标", "全年（调整）绩效目标", "全年目标实际完成情况")
INDICATOR_HEAD = ("指标名称", "计量单位", "指标性质", "指标值", "全年完成值", "偏离度（%）",
                  "得分系数（%）", "指标权重", "指标得分", "是否核心指标", "说明")


def money(x) -> str:
    return DASH if x is None else f"{float(x):,.2f}"


def two(x) -> str:
    return DASH if x is None else f"{float(x):.2f}"


def plain(x) -> str:
    if x is None:
        return ""
    if isinstance(x, str):
        return x
    return fmt(x)


def value(x) -> str:
    return DASH if x is None else fmt(x)


def sheet(record) -> dict:
    """Header lines and the three tables (lists of rows of strings)."""
    ev = record.evaluation()
    funds = [[f["label"], money(f["initial"]), money(f["adjusted"]), money(f["executed"]),
              "" if f["rate"] is None else fmt(f["rate"]),
              "" if f["weight"] is None else two(f["weight"]),
              "" if f["weight"] is None else two(f["score"])] for f in ev["funds"]]
    indicators = [[r["name"], r["unit"], r["nature"], plain(r["target"]), plain(r["actual"]),
                   value(r["deviation"]), value(r["coefficient"]), plain(r["weight"]),
                   value(r["score"]), r["core"], r["note"]] for r in ev["indicators"]]
    return {
        "title": record.table_title,
        "state": record.state_label,
        "header": [
            [("项目名称", record.project_name or ""), ("项目编码", record.project_code or ""),
             ("自评总分", two(ev["total"]))],
            [("主管部门", record.department_label), ("财政归口处室", record.finance_division or ""),
             ("部门联系人", record.contact_name or ""), ("联系电话", record.contact_phone or "")],
        ],
        "fund_head": FUND_HEAD,
        "funds": funds,
        "goal_head": GOAL_HEAD,
        "goals": [record.goal_initial or "", record.goal_adjusted or "", record.goal_actual or ""],
        "indicator_head": INDICATOR_HEAD,
        "indicators": indicators,
        "weights_total": plain(ev["weights_total"]),
        "total": two(ev["total"]),
        "execution_rate": value(ev["execution_rate"]),
        "execution_score": two(ev["execution_score"]),
        "notes": ev["warnings"] + ev["messages"] + ev["missing"],
        "complete": ev["complete"],
    }
