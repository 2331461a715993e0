"""Demo 满意度调查: every district's survey of the previous quarter (approved)
and of the current one (most approved, some waiting, a few drafts), filed by
市社情民意调查中心; and two years of 重大改革项目满意度."""

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
from app.records.source_links import quarter_code
from app.records.survey.models import ProjectSatisfaction, SurveyResult, quarter_label
from app.units.models import Unit, UnitKind
from app.workflow.chain import APPROVED, DRAFT

PROJECTS = ["“一件事一次办”集成改革", "城市更新改革", "医保支付方式改革", "国企改革深化提升行动"]
CONCLUSIONS = [
    "受访群众对本区县改革工作总体满意，政务服务和营商环境评价较高，对基层治理改革获得感较强。",
    "改革满意度总体平稳，群众对教育、医疗领域改革期待较高，建议加强政策宣传解读。",
    "满意度较上季度有所提升，企业对涉企审批改革评价积极，少数受访者反映办事流程仍需简化。",
]


def _quarter_bounds(code: str) -> tuple[dt.date, dt.date]:
    year, q = int(code[:4]), int(code[-1])
    start = dt.date(year, 3 * q - 2, 1)
    end = dt.date(year + (q == 4), (3 * q) % 12 + 1, 1) - dt.timedelta(days=1)
    return start, end


def generate(session, rng, today: dt.date) -> dict[str, int]:
    """Write the demo surveys; returns {state: count} ({} when already there)."""
    current = quarter_code(today)
    start, _ = _quarter_bounds(current)
    previous = quarter_code(start - dt.timedelta(days=1))
    if session.scalar(select(SurveyResult.id).where(
            SurveyResult.quarter == previous).limit(1)) is not None:
        return {}
    accounts = ensure_accounts(session)
    centre = session.scalar(select(Unit.id).where(Unit.name == "市社情民意调查中心"))
    office = accounts.get("13900000001")
    clerks = users_of(session, centre, "录入员") if centre else []
    if not clerks or office is None:
        return {}
    districts = session.execute(select(Unit.id, Unit.name).where(
        Unit.kind == UnitKind.DISTRICT.value).order_by(Unit.sort_order, Unit.id)).all()
    limit = limit_of(today)
    rows = []
    base = {d: rng.gauss(86, 4) for d, _ in districts}
    for quarter in (previous, current):
        q_start, q_end = _quarter_bounds(quarter)
        filed = q_end - dt.timedelta(days=6) if quarter == previous else today - dt.timedelta(
            days=rng.randint(2, 6))
        filed = max(filed, q_start)
        for district_id, name in districts:
            if quarter == current:
                roll = rng.random()
                if roll < 0.05:
                    continue  # not surveyed yet
                state = DRAFT if roll < 0.12 else "pending_1" if roll < 0.3 else APPROVED
            else:
                state = APPROVED
            score = round(min(99.0, max(60.0, base[district_id] + rng.gauss(0, 2.5))), 1)
            created = working_moment(rng, filed)
            if created >= limit:
                created = limit - dt.timedelta(hours=6)
            rows.append(DemoRow(
                values={"district_id": district_id, "quarter": quarter, "score": score,
                        "conclusion": rng.choice(CONCLUSIONS),
                        "title": f"{name}{quarter_label(quarter)}改革满意度调查"},
                unit_id=centre, filer_id=clerks[0], created_on=created,
                acts=path_to(state, 1, [office], clerks[0], rng,
                             reason="调查报告缺少样本构成说明，请补充")))
    counts, _ = write(session, SurveyResult, "survey", rows, limit, rng)
    if session.scalar(select(ProjectSatisfaction.id).limit(1)) is None:
        for year in (today.year - 2, today.year - 1):
            for project in PROJECTS:
                session.add(ProjectSatisfaction(
                    year=year, project=project, score=round(rng.uniform(82, 95), 1),
                    respondents=rng.randint(800, 3000), entered_by_id=office,
                    conclusion="群众、企业、基层对改革成效总体认可，惠民有感。",
                    entered_on=dt.datetime(year, 12, 20, 10, 0)))
    return counts
