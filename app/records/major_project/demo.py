"""Demo 市级重大改革项目: six projects led by city departments, with milestones
(some completed, some overdue, some ahead), and bimonthly progress reports for
the last three two-month periods in every state of the chain."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import insert, select

from app.records.demo_support import (
    DemoRow,
    ensure_accounts,
    limit_of,
    path_to,
    users_of,
    working_moment,
    write,
)
from app.records.major_project.models import (
    MajorProject,
    MajorProjectMilestone,
    MajorProjectReport,
    MajorProjectReportItem,
    bimonth_code,
    period_label,
)
from app.scoring.periods import parse_period
from app.units.models import Unit
from app.workflow.chain import APPROVED, DRAFT, REJECTED

DEMO_ORDER = 110

# (name, lead, participants, description,
#  milestones: (name, days from today, stuck: never reported completed),
#  state of the latest report)
PROJECTS = [
    ("营商环境创新试点", "市发展改革委", ("渝中区", "万州区", "市大数据发展局"),
     "对标国际一流营商环境，推进市场准入、公平竞争、政务服务等领域改革。",
     [("印发营商环境创新试点实施方案", -200, False), ("上线企业开办“一网通办”", -120, False),
      ("完成涉企经营许可事项清单管理", -45, True), ("开展营商环境第三方评估", 40, False)],
     APPROVED),
    ("国有企业改革深化提升行动", "市国资委", ("市财政局", "万州区"),
     "完善中国特色现代企业制度，推动国有资本布局优化和结构调整。",
     [("制定改革深化提升行动实施方案", -180, False), ("完成市属企业董事会规范建设", -75, False),
      ("完成低效无效资产处置", -12, False), ("开展改革中期评估", 60, False)],
     "pending_1"),
    ("预算管理一体化改革", "市财政局", ("市大数据发展局",),
     "建立全市统一的预算管理一体化系统，实现预算全过程规范管理。",
     [("完成预算管理一体化系统市级部署", -160, False), ("区县系统全面上线", -60, True),
      ("实现预算执行动态监控全覆盖", 0, False), ("完成系统运行评估", 75, False)],
     "pending_2"),
    ("公立医院综合改革", "市卫生健康委", ("渝中区", "万州区"),
     "推动公立医院高质量发展，深化医保支付方式和薪酬制度改革。",
     [("印发公立医院高质量发展实施方案", -190, False), ("推行按病种分值付费", -100, False),
      ("完成薪酬制度改革试点", -30, True), ("开展改革成效评估", 90, False)],
     REJECTED),
    ("数字重庆一体化智能化公共数据平台建设", "市大数据发展局", ("市财政局", "市司法局"),
     "建设全市一体化智能化公共数据平台，推动数据共享和业务协同。",
     [("完成平台总体设计", -170, False), ("接入市级部门业务系统", -50, False),
      ("区县节点全面贯通", 20, False)],
     DRAFT),
    ("行政执法监督体系改革", "市司法局", ("渝中区",),
     "构建市、区县、乡镇（街道）三级行政执法协调监督工作体系。",
     [("印发改革实施方案", -140, False), ("建成行政执法监督平台", -20, False),
      ("开展执法案卷评查", 50, False)],
     APPROVED),
]

TEXTS = {
    "progress": "本期按计划推进各项改革任务，{done}；牵头单位召开专题推进会 1 次，"
                "与参与单位建立周调度机制。",
    "problems": "部分任务涉及多个部门，协同推进的效率有待提升；个别区县配套政策尚未出台。",
    "plan": "下两个月重点推进“{next}”，加强督促指导，按时报送进展情况。",
}


def _periods(today: dt.date) -> list[str]:
    """The last three two-month periods that have ended, oldest first."""
    out, day = [], parse_period(bimonth_code(today)).start
    for _ in range(3):
        day -= dt.timedelta(days=1)
        code = bimonth_code(day)
        out.append(code)
        day = parse_period(code).start
    return list(reversed(out))


def generate(session, rng, today: dt.date) -> dict[str, int]:
    """Write the demo projects and reports; returns {state: count}."""
    if session.scalar(select(MajorProject.id).where(
            MajorProject.name == PROJECTS[0][0]).limit(1)) is not None:
        return {}
    accounts = ensure_accounts(session)
    office = accounts.get("13900000001")
    units = dict(session.execute(select(Unit.name, Unit.id)).all())
    if office is None:
        return {}
    limit = limit_of(today)
    periods = _periods(today)
    projects, rows, plans = [], [], []
    for name, lead, participants, description, milestones, last_state in PROJECTS:
        lead_id = units.get(lead)
        clerks = users_of(session, lead_id, "录入员") if lead_id else []
        reviewers = users_of(session, lead_id, "审核员") if lead_id else []
        if not clerks or not reviewers:
            continue
        project = MajorProject(
            name=name, lead_unit_id=lead_id, year=today.year,
            description=description, created_by_id=office,
            created_on=dt.datetime.combine(today - dt.timedelta(days=210), dt.time(10, 0)),
            participants=[session.get(Unit, units[u]) for u in participants if u in units],
            milestones=[MajorProjectMilestone(seq=n, name=m, planned_on=today + dt.timedelta(days=d))
                        for n, (m, d, _) in enumerate(milestones, start=1)])
        session.add(project)
        session.flush()
        projects.append(project)
        stuck = {project.milestones[n].id for n, (_, _, s) in enumerate(milestones) if s}
        for k, code in enumerate(periods):
            period = parse_period(code)
            state = last_state if k == len(periods) - 1 else APPROVED
            done = [m for m in project.milestones
                    if m.planned_on <= period.end and m.id not in stuck]
            upcoming = [m for m in project.milestones if m.planned_on > period.end]
            created = working_moment(rng, period.end + dt.timedelta(days=rng.randint(3, 9)))
            if created >= limit:
                created = limit - dt.timedelta(hours=6)
            rows.append(DemoRow(
                values={"project_id": project.id, "period": code, "period_end": period.end,
                        "title": f"{name}（{period_label(code)}）",
                        "progress": TEXTS["progress"].format(
                            done="、".join(f"“{m.name}”已完成" for m in done[-2:])
                            or "各项任务按计划推进"),
                        "problems": TEXTS["problems"],
                        "plan": TEXTS["plan"].format(
                            next=upcoming[0].name if upcoming else "巩固改革成果")},
                unit_id=lead_id, filer_id=clerks[0], created_on=created,
                acts=path_to(state, 2, [reviewers[0], office], clerks[0], rng,
                             reason="请补充里程碑完成的佐证情况和下步计划的时间安排")))
            plans.append([(m.id, min(m.planned_on, period.end)) for m in done])
    counts, ids = write(session, MajorProjectReport, "major_project_report", rows, limit, rng)
    items = [{"report_id": rid, "milestone_id": mid, "completed": True, "completed_on": on,
              "note": None}
             for rid, done in zip(ids, plans, strict=True) for mid, on in done]
    if items:
        session.execute(insert(MajorProjectReportItem.__table__), items)
    return counts
