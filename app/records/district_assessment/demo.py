"""Demo: 万州区's 2021 breakdown (seed 002) loaded, and the reports of the
departments with demo accounts on every row they are responsible for, in every
state (most approved, so that the overview has figures), plus a few 督查激励
reports."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from app.records.demo_support import (
    DemoRow,
    ensure_accounts,
    limit_of,
    path_to,
    users_of,
    working_moment,
    write,
)
from app.records.district_assessment.breakdown import (
    DEMO_DISTRICT,
    SHIPPED_YEAR,
    ensure_demo_breakdown,
)
from app.records.district_assessment.models import (
    AssessmentIndicator,
    AssessmentReport,
    SupervisionItem,
    SupervisionReport,
    office_names,
)
from app.units.models import Unit
from app.workflow.chain import APPROVED, DRAFT, REJECTED

DEMO_ORDER = 130
STATES = (APPROVED, APPROVED, APPROVED, "pending_1", APPROVED, "pending_2", APPROVED, REJECTED,
          APPROVED, DRAFT)
RISKS = ("部分重点项目开工滞后，全年目标完成存在不确定性", "统计口径调整，数据可能低于预期",
         "市级部门年底集中考核，佐证材料尚需补充")
CONTACTS = {"city_leader": "市级考核单位分管负责同志", "city_office": "综合处",
            "city_phone": "023-63891234", "lead": "分管副职", "contact": "科室负责人"}


def _mobile(rng) -> str:
    return "13" + "".join(str(rng.randrange(10)) for _ in range(9))


def _assessment_values(rng, ind, unit_name) -> dict:
    values = dict(CONTACTS, indicator_id=ind.id, district_id=ind.district_id,
                  title=f"{unit_name}：{ind.year}年 {ind.label}", contact_mobile=_mobile(rng),
                  progress_basic=f"{unit_name}对照“{ind.name}”任务清单逐项推进，1—10月主要指标"
                                 "进度符合预期。",
                  annual_basic="预计全年能够完成目标任务。",
                  problems="个别事项需市级部门加强指导，建议加大协调力度。",
                  risk_points=None, progress_score=None, annual_score=None, progress_rank=None,
                  annual_rank=None, progress_done=None, annual_done=None)
    risky = rng.random() < 0.25
    if ind.weight is not None:
        progress = round(ind.weight * rng.uniform(0.7, 0.95), 1)
        annual = ind.weight if not risky else round(ind.weight * rng.uniform(0.8, 0.97), 1)
        values.update(progress_score=progress, annual_score=max(progress, annual),
                      progress_rank=rng.randint(3, 20), annual_rank=rng.randint(1, 15))
    else:
        values.update(progress_done="是" if rng.random() < 0.6 else "否",
                      annual_done="否" if risky else "是")
    if risky:
        values["risk_points"] = rng.choice(RISKS)
    return values


def generate(session, rng, today: dt.date) -> dict[str, int]:
    ensure_accounts(session)
    ensure_demo_breakdown(session)
    district = session.scalar(select(Unit).where(Unit.name == DEMO_DISTRICT))
    if district is None:
        return {}
    if session.scalar(select(AssessmentReport.id).where(
            AssessmentReport.district_id == district.id).limit(1)) is not None:
        return {}
    indicators = session.scalars(select(AssessmentIndicator).where(
        AssessmentIndicator.district_id == district.id, AssessmentIndicator.year == SHIPPED_YEAR)
        .order_by(AssessmentIndicator.sort_order)).all()
    items = session.scalars(select(SupervisionItem).where(
        SupervisionItem.district_id == district.id, SupervisionItem.year == SHIPPED_YEAR)
        .order_by(SupervisionItem.seq)).all()
    offices = [session.scalar(select(Unit).where(Unit.name == n)) for n in office_names(
        district.name)]
    office_reviewers = [users_of(session, u.id, "审核员") if u else [] for u in offices]
    if not indicators or not all(office_reviewers):
        return {}
    limit = limit_of(today)
    start = today - dt.timedelta(days=60)
    rows, sup_rows = [], []
    n = 0
    for ind in indicators:
        for unit in ind.units:
            clerks, reviewers = users_of(session, unit.id, "录入员"), users_of(
                session, unit.id, "审核员")
            if not clerks or not reviewers:
                continue
            # the 区委办's own reports go to the 区政府办 at the last step, and back
            office = office_reviewers[1] if unit.id == offices[0].id else office_reviewers[0]
            state = STATES[n % len(STATES)]
            n += 1
            created = working_moment(rng, start + dt.timedelta(days=rng.randrange(40)))
            rows.append(DemoRow(
                values=_assessment_values(rng, ind, unit.name), unit_id=unit.id,
                filer_id=clerks[0], created_on=min(created, limit - dt.timedelta(hours=6)),
                acts=path_to(state, 2, [reviewers[0], office[0]], clerks[0], rng,
                             reason="自评得分依据不充分，请补充佐证说明")))
    for k, item in enumerate(items):
        for unit in item.units:
            clerks, reviewers = users_of(session, unit.id, "录入员"), users_of(
                session, unit.id, "审核员")
            if not clerks or not reviewers:
                continue
            office = office_reviewers[1] if unit.id == offices[0].id else office_reviewers[0]
            state = STATES[(k + 3) % len(STATES)]
            created = working_moment(rng, start + dt.timedelta(days=rng.randrange(40)))
            sup_rows.append(DemoRow(
                values=dict(CONTACTS, item_id=item.id, district_id=district.id,
                            contact_mobile=_mobile(rng),
                            title=f"{unit.name}：{item.year}年 {item.label}",
                            policy=f"已与{item.city_leads}对接，梳理“{item.measure}”激励政策条件。",
                            annual_basic="对照申报条件逐项准备材料。",
                            eligible="是" if rng.random() < 0.8 else "否",
                            expected="预计可争取市政府督查激励支持" if rng.random() < 0.7
                            else "争取难度较大，力争进入激励名单",
                            problems=None),
                unit_id=unit.id, filer_id=clerks[0],
                created_on=min(created, limit - dt.timedelta(hours=6)),
                acts=path_to(state, 2, [reviewers[0], office[0]], clerks[0], rng)))
    counts, _ = write(session, AssessmentReport, "assessment_report", rows, limit, rng)
    more, _ = write(session, SupervisionReport, "supervision_report", sup_rows, limit, rng)
    for state, k in more.items():
        counts[state] = counts.get(state, 0) + k
    return counts
