"""The 重大改革项目 screens' work, without Flask views: reading and checking
the project form (with its milestone rows), the progress form (with one row per
milestone), and the overdue list. Every function takes the user and applies the
scope; a refused input raises :class:`UserError` with every problem in Chinese
and changes nothing."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from app.errors import UserError
from app.records.major_project.models import (
    FIRST_YEAR,
    MajorProject,
    MajorProjectMilestone,
    MajorProjectReport,
    MajorProjectReportItem,
    bimonth_code,
    completion_of,
    overdue_clause,
)
from app.scope import scope_clause, scope_for
from app.security.roles import ROLE_CLERK, ROLE_REFORM_OFFICE
from app.units.models import Unit, UnitKind
from app.workflow import engine
from app.workflow.chain import DRAFT, REJECTED

LEAD_KINDS = (UnitKind.DEPARTMENT.value, UnitKind.DATA_SOURCE.value, UnitKind.DISTRICT.value)
PARTICIPANT_KINDS = (UnitKind.DEPARTMENT.value, UnitKind.DATA_SOURCE.value,
                     UnitKind.DISTRICT.value, UnitKind.DISTRICT_DEPT.value,
                     UnitKind.ENTERPRISE.value)
MAX_MILESTONES = 50


def roles_of(user) -> set[str]:
    return {r.name for r in getattr(user, "roles", None) or ()}


def is_office(user) -> bool:
    return ROLE_REFORM_OFFICE in roles_of(user)


def visible_projects(user):
    return select(MajorProject).where(scope_clause(MajorProject, scope_for(user)))


def get_project(session, user, pk) -> MajorProject:
    project = session.scalar(visible_projects(user).where(MajorProject.id == pk))
    if project is None:
        raise UserError("项目不存在或不在您的可见范围内", 404)
    return project


def parse_date(text: str) -> dt.date | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(text) from None


# -- the project form ----------------------------------------------------------------


@dataclass
class ProjectForm:
    """What was typed (kept as text, so that a refused form shows it again)."""

    name: str = ""
    lead_unit_id: str = ""
    participant_ids: list[str] = field(default_factory=list)
    year: str = ""
    description: str = ""
    milestones: list[dict] = field(default_factory=list)  # {id, name, planned_on}

    @classmethod
    def from_request(cls, form) -> ProjectForm:
        ids, names, dates = (form.getlist("ms_id"), form.getlist("ms_name"),
                             form.getlist("ms_planned_on"))
        rows = []
        for i in range(max(len(ids), len(names), len(dates))):
            rows.append({"id": (ids[i] if i < len(ids) else "").strip(),
                         "name": (names[i] if i < len(names) else "").strip(),
                         "planned_on": (dates[i] if i < len(dates) else "").strip()})
        return cls(name=(form.get("name") or "").strip(),
                   lead_unit_id=(form.get("lead_unit_id") or "").strip(),
                   participant_ids=[v for v in form.getlist("participant_ids") if v.strip()],
                   year=(form.get("year") or "").strip(),
                   description=(form.get("description") or "").strip(),
                   milestones=rows)

    @classmethod
    def from_project(cls, p: MajorProject) -> ProjectForm:
        return cls(name=p.name, lead_unit_id=str(p.lead_unit_id),
                   participant_ids=[str(u.id) for u in p.participants], year=str(p.year),
                   description=p.description or "",
                   milestones=[{"id": str(m.id), "name": m.name,
                                "planned_on": m.planned_on.isoformat()} for m in p.milestones])


def unit_choices(session, kinds) -> list[Unit]:
    return list(session.scalars(select(Unit).where(Unit.kind.in_(kinds))
                                .order_by(Unit.sort_order, Unit.id)))


def save_project(session, user, form: ProjectForm, project: MajorProject | None = None,
                 today: dt.date | None = None) -> MajorProject:
    """Create or update a project from ``form`` (the 改革办 only); commits."""
    today = today or dt.date.today()
    if not is_office(user):
        raise UserError("只有市委改革办可以维护重大改革项目", 403)
    errors = []
    if not form.name:
        errors.append("请填写项目名称")
    elif len(form.name) > 200:
        errors.append("项目名称不能超过 200 字")
    else:
        clash = session.scalar(select(MajorProject).where(
            MajorProject.name == form.name,
            MajorProject.id != (project.id if project is not None else -1)))
        if clash is not None:
            errors.append(f"已有同名项目“{form.name}”（编号 {clash.id}）")
    lead = None
    if not form.lead_unit_id:
        errors.append("请选择牵头单位")
    else:
        lead = session.get(Unit, int(form.lead_unit_id)) if form.lead_unit_id.isdigit() \
            and int(form.lead_unit_id) < 2**31 else None
        if lead is None or lead.kind not in LEAD_KINDS:
            errors.append("牵头单位应为市级部门或区县")
            lead = None
    participants = []
    for raw in dict.fromkeys(form.participant_ids):
        unit = session.get(Unit, int(raw)) if raw.isdigit() and int(raw) < 2**31 else None
        if unit is None or unit.kind not in PARTICIPANT_KINDS:
            errors.append("参与单位中有无效的单位")
            continue
        if lead is not None and unit.id == lead.id:
            errors.append(f"{unit.name}已是牵头单位，不必再列为参与单位")
            continue
        participants.append(unit)
    year = None
    if not form.year.isdigit() or not FIRST_YEAR <= int(form.year) <= today.year + 5:
        errors.append(f"年度应为 {FIRST_YEAR} 至 {today.year + 5} 之间的四位年份")
    else:
        year = int(form.year)
    existing = {m.id: m for m in (project.milestones if project is not None else [])}
    rows = []
    for n, row in enumerate(form.milestones, start=1):
        if not row["name"] and not row["planned_on"]:
            continue  # a blank row
        if not row["name"]:
            errors.append(f"第 {n} 个里程碑：请填写里程碑名称")
        elif len(row["name"]) > 200:
            errors.append(f"第 {n} 个里程碑：名称不能超过 200 字")
        try:
            planned = parse_date(row["planned_on"])
        except ValueError:
            errors.append(f"第 {n} 个里程碑：计划完成日期“{row['planned_on']}”不是有效日期，"
                          "应为 2026-06-30 这样的格式")
            planned = None
        else:
            if planned is None:
                errors.append(f"第 {n} 个里程碑：请填写计划完成日期")
        mid = int(row["id"]) if row["id"].isdigit() else None
        if mid is not None and mid not in existing:
            errors.append(f"第 {n} 个里程碑不属于本项目")
            mid = None
        rows.append((mid, row["name"], planned))
    if not rows:
        errors.append("请至少填写一个里程碑及其计划完成日期")
    if len(rows) > MAX_MILESTONES:
        errors.append(f"里程碑不能超过 {MAX_MILESTONES} 个")
    kept = {mid for mid, _, _ in rows if mid is not None}
    dropped = [m for mid, m in existing.items() if mid not in kept]
    if dropped:
        used = set(session.scalars(select(MajorProjectReportItem.milestone_id).where(
            MajorProjectReportItem.milestone_id.in_([m.id for m in dropped]))))
        for m in dropped:
            if m.id in used:
                errors.append(f"里程碑“{m.name}”已在进展报告中填报，不能删除")
    if errors:
        raise UserError("；".join(errors), 422)
    old_name = project.name if project is not None else None
    if project is None:
        project = MajorProject(created_by_id=user.id)
        session.add(project)
    project.name, project.lead_unit, project.year = form.name, lead, year
    project.description = form.description
    project.participants = participants
    for m in dropped:
        project.milestones.remove(m)
    for seq, (mid, name, planned) in enumerate(rows, start=1):
        m = existing[mid] if mid is not None else MajorProjectMilestone()
        m.seq, m.name, m.planned_on = seq, name, planned
        if mid is None:
            project.milestones.append(m)
    if old_name and old_name != form.name:
        _rename_satisfaction(session, old_name, form.name)
    session.commit()
    return project


def _rename_satisfaction(session, old: str, new: str) -> None:
    """The 重大改革项目满意度 rows name a project by its name: follow a rename."""
    from sqlalchemy import update

    from app.records.survey.models import ProjectSatisfaction

    taken = set(session.scalars(select(ProjectSatisfaction.year).where(
        ProjectSatisfaction.project == new)))
    stmt = update(ProjectSatisfaction).where(ProjectSatisfaction.project == old)
    if taken:
        stmt = stmt.where(ProjectSatisfaction.year.not_in(taken))
    session.execute(stmt.values(project=new))


def delete_project(session, user, project: MajorProject) -> None:
    if not is_office(user):
        raise UserError("只有市委改革办可以删除重大改革项目", 403)
    n = session.scalar(select(func.count()).select_from(MajorProjectReport).where(
        MajorProjectReport.project_id == project.id))
    if n:
        raise UserError(f"该项目已有 {n} 份进展报告，不能删除", 409)
    session.delete(project)
    session.commit()


def satisfaction_of(session, project: MajorProject) -> list:
    """The 改革办's yearly 重大改革项目满意度 of this project (display only)."""
    from app.records.survey.models import ProjectSatisfaction

    return list(session.scalars(select(ProjectSatisfaction).where(
        ProjectSatisfaction.project == project.name).order_by(ProjectSatisfaction.year.desc())))


# -- the progress form ---------------------------------------------------------------


def may_file(user, project: MajorProject) -> bool:
    return ROLE_CLERK in roles_of(user) and getattr(user, "unit_id", None) == \
        project.lead_unit_id


@dataclass
class ReportForm:
    period: str = ""
    progress: str = ""
    problems: str = ""
    plan: str = ""
    rows: dict = field(default_factory=dict)  # milestone id → {completed, completed_on, note}

    @classmethod
    def from_request(cls, form, project: MajorProject) -> ReportForm:
        rows = {}
        for m in project.milestones:
            rows[m.id] = {"completed": form.get(f"done_{m.id}") == "1",
                          "completed_on": (form.get(f"done_on_{m.id}") or "").strip(),
                          "note": (form.get(f"note_{m.id}") or "").strip()}
        return cls(period=(form.get("period") or "").strip(),
                   progress=(form.get("progress") or "").strip(),
                   problems=(form.get("problems") or "").strip(),
                   plan=(form.get("plan") or "").strip(), rows=rows)

    @classmethod
    def from_report(cls, report: MajorProjectReport) -> ReportForm:
        items = {i.milestone_id: i for i in report.items}
        rows = {}
        for m in report.project.milestones:
            i = items.get(m.id)
            rows[m.id] = {"completed": bool(i and i.completed),
                          "completed_on": i.completed_on.isoformat()
                          if i is not None and i.completed_on else "",
                          "note": (i.note or "") if i is not None else ""}
        return cls(period=report.period, progress=report.progress, problems=report.problems,
                   plan=report.plan, rows=rows)

    @classmethod
    def blank(cls, session, project: MajorProject, today: dt.date) -> ReportForm:
        """A new report: this two months, with the milestones already
        completed by approved reports ticked."""
        done = completion_of(session, [m.id for m in project.milestones])
        rows = {m.id: {"completed": m.id in done,
                       "completed_on": done[m.id][0].isoformat()
                       if m.id in done and done[m.id][0] else "", "note": ""}
                for m in project.milestones}
        return cls(period=bimonth_code(today), rows=rows)


def save_report(session, user, project: MajorProject, form: ReportForm,
                report: MajorProjectReport | None = None,
                today: dt.date | None = None) -> MajorProjectReport:
    """Create (draft) or update a progress report with its milestone rows; commits."""
    today = today or dt.date.today()
    if report is None:
        if not may_file(user, project):
            raise UserError("只有牵头单位的录入员可以填报该项目的进展", 403)
        report = MajorProjectReport(unit_id=user.unit_id, filed_by_id=user.id, state=DRAFT,
                                    version=1, project=project)
        session.add(report)
    else:
        if report.state not in (DRAFT, REJECTED) or \
                set(engine.editable_fields(user, report)) != set(report.__chain__.editable):
            raise UserError(engine.edit_refusal(user, report) or "您无权修改该报告", 403)
    with session.no_autoflush:
        report.period = form.period
        report.progress, report.problems, report.plan = form.progress, form.problems, form.plan
        errors = report.clean()
        from app.scoring.periods import PeriodError, parse_period

        try:
            period_end = parse_period(form.period).end
        except PeriodError:
            period_end = None
        latest = min(today, period_end) if period_end else today
        for n, m in enumerate(project.milestones, start=1):
            row = form.rows.get(m.id) or {}
            try:
                on = parse_date(row.get("completed_on", ""))
            except ValueError:
                errors.append(f"里程碑 {n}“{m.name}”：完成日期“{row['completed_on']}”不是有效日期")
                continue
            if on is not None and not row.get("completed"):
                errors.append(f"里程碑 {n}“{m.name}”：填写了完成日期但未勾选“已完成”")
            if row.get("completed") and on is None:
                errors.append(f"里程碑 {n}“{m.name}”：请填写完成日期")
            if on is not None and on > latest:
                errors.append(f"里程碑 {n}“{m.name}”：完成日期不能晚于"
                              f"{'今天' if latest == today else '报告期间截止日 ' + latest.isoformat()}")
            if len(row.get("note", "")) > 500:
                errors.append(f"里程碑 {n}“{m.name}”：说明不能超过 500 字")
    if errors:
        session.rollback()
        raise UserError("；".join(errors), 422)
    items = {i.milestone_id: i for i in report.items}
    for m in project.milestones:
        row = form.rows.get(m.id) or {}
        on = parse_date(row.get("completed_on", ""))
        if not row.get("completed") and not row.get("note"):
            if m.id in items:
                report.items.remove(items[m.id])
            continue
        item = items.get(m.id) or MajorProjectReportItem(milestone=m)
        item.completed, item.completed_on = bool(row.get("completed")), on
        item.note = row.get("note") or None
        if m.id not in items:
            report.items.append(item)
    from app.kit.views import commit_or_refuse

    commit_or_refuse(session, report)
    return report


# -- lists ---------------------------------------------------------------------------


def project_rows(session, user, today: dt.date) -> list[dict]:
    projects = list(session.scalars(visible_projects(user).order_by(
        MajorProject.year.desc(), MajorProject.id).options(
        joinedload(MajorProject.lead_unit), selectinload(MajorProject.participants),
        selectinload(MajorProject.milestones))))
    ids = [p.id for p in projects]
    overdue = dict(session.execute(
        select(MajorProjectMilestone.project_id, func.count())
        .where(MajorProjectMilestone.project_id.in_(ids), overdue_clause(today))
        .group_by(MajorProjectMilestone.project_id)).all()) if ids else {}
    latest = {}
    if ids:
        for r in session.scalars(select(MajorProjectReport).where(
                MajorProjectReport.project_id.in_(ids),
                scope_clause(MajorProjectReport, scope_for(user)))
                .order_by(MajorProjectReport.period)):
            latest[r.project_id] = r
    return [{"project": p, "overdue": overdue.get(p.id, 0), "latest": latest.get(p.id)}
            for p in projects]


def overdue_rows(session, user, today: dt.date) -> list[dict]:
    """Overdue milestones of the projects in the user's scope, most overdue first."""
    m, p = MajorProjectMilestone, MajorProject
    stmt = (select(m, p).join(p, p.id == m.project_id)
            .where(overdue_clause(today), scope_clause(p, scope_for(user)))
            .options(joinedload(p.lead_unit))
            .order_by(m.planned_on, p.id, m.seq).limit(5000))
    rows = []
    for milestone, project in session.execute(stmt):
        rows.append({"project": project, "milestone": milestone,
                     "lead": project.lead_unit.name if project.lead_unit else "",
                     "days": (today - milestone.planned_on).days})
    return rows
