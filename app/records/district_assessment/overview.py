"""The district overview: completion and self-scores per indicator row, the
weighted self-score total and the reports at risk of deductions — from
approved reports only.

* A row's self-score is its responsible departments' approved self-scores
  (each department's latest approved report on the row); when several
  departments share a row (e.g. 民营经济发展成效 3 分: 区发展改革委、区工商联) the
  row scores their mean. The self-score is out of the row's weight (满分 =
  权重), so the weighted total is the sum of the rows' self-scores, out of the
  sum of the weights (90 for seed 002); rows without an approved report add
  nothing and are counted as not reported.
* A row open to 区级有关部门 also shows the reports of the district's other
  departments on it.
* A report is at risk when it names 扣分风险点, says 否 to 是否完成, or expects
  less than full points for the year.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.records.district_assessment.models import (
    GROUPS,
    AssessmentIndicator,
    AssessmentReport,
    SupervisionItem,
    SupervisionReport,
    district_of,
    is_district_office,
)
from app.units.models import Unit, UnitKind
from app.workflow.chain import APPROVED


@dataclass
class RowView:
    indicator: AssessmentIndicator
    reports: list[AssessmentReport] = field(default_factory=list)  # one per unit, latest approved
    missing_units: list[str] = field(default_factory=list)

    def _mean(self, name):
        values = [getattr(r, name) for r in self.reports if getattr(r, name) is not None]
        return round(sum(values) / len(values), 2) if values else None

    @property
    def progress_score(self):
        return self._mean("progress_score")

    @property
    def annual_score(self):
        return self._mean("annual_score")

    def _done(self, name) -> str:
        values = {getattr(r, name) for r in self.reports if getattr(r, name)}
        if not values:
            return ""
        return "是" if values == {"是"} else ("否" if values == {"否"} else "部分未完成")

    @property
    def progress_done(self) -> str:
        return self._done("progress_done")

    @property
    def annual_done(self) -> str:
        return self._done("annual_done")

    @property
    def at_risk(self) -> bool:
        return any(r.at_risk for r in self.reports)


@dataclass
class Overview:
    district: Unit
    year: int
    groups: list[tuple[str, list[RowView]]]
    full: float
    progress_total: float
    annual_total: float
    scored_rows: int
    reported_rows: int
    risks: list[tuple[AssessmentReport, list[str]]]
    supervision: list[tuple[SupervisionItem, list[SupervisionReport]]]

    @property
    def empty(self) -> bool:
        return not any(rows for _, rows in self.groups)


def risk_reasons(report: AssessmentReport) -> list[str]:
    out = []
    if (report.risk_points or "").strip():
        out.append(f"扣分风险点：{report.risk_points.strip()}")
    if report.progress_done == "否":
        out.append("1—10月未完成")
    if report.annual_done == "否":
        out.append("全年预计不能完成")
    ind = report.indicator
    if ind.weight is not None and report.annual_score is not None \
            and report.annual_score < ind.weight:
        out.append(f"全年预计自评得分 {report.annual_score:g} 分，低于满分 {ind.weight:g} 分")
    return out


def _latest_per_unit(reports):
    latest: dict[tuple[int, int], object] = {}
    for r in reports:  # ordered by approved_on, id
        latest[(r.indicator_id if hasattr(r, "indicator_id") else r.item_id, r.unit_id)] = r
    return latest


def row_view(ind: AssessmentIndicator, latest: dict) -> RowView:
    """One row of the breakdown with the reports that count for it: the latest
    approved report of each responsible department (those without one are
    listed as missing) and, on a row open to 区级有关部门, of every other
    department that reported on it. ``latest`` is ``_latest_per_unit``'s."""
    row = RowView(ind)
    named = {u.id for u in ind.units}
    for unit in ind.units:
        report = latest.get((ind.id, unit.id))
        if report is None:
            row.missing_units.append(unit.name)
        else:
            row.reports.append(report)
    if ind.open_to_all:  # 区级有关部门: the other departments that reported
        row.reports += [r for (iid, uid), r in latest.items()
                        if iid == ind.id and uid not in named]
    return row


def build_overview(session, district: Unit, year: int) -> Overview:
    indicators = session.scalars(
        select(AssessmentIndicator).where(AssessmentIndicator.district_id == district.id,
                                          AssessmentIndicator.year == year)
        .options(selectinload(AssessmentIndicator.units))
        .order_by(AssessmentIndicator.sort_order, AssessmentIndicator.id)).all()
    ids = [i.id for i in indicators]
    reports = session.scalars(
        select(AssessmentReport).where(AssessmentReport.indicator_id.in_(ids),
                                       AssessmentReport.state == APPROVED)
        .options(selectinload(AssessmentReport.unit))
        .order_by(AssessmentReport.approved_on, AssessmentReport.id)).all() if ids else []
    latest = _latest_per_unit(reports)
    by_group: dict[str, list[RowView]] = {g: [] for g in GROUPS}
    full = progress_total = annual_total = 0.0
    scored = reported = 0
    risks = []
    for ind in indicators:
        row = row_view(ind, latest)
        for report in row.reports:
            reasons = risk_reasons(report)
            if reasons:
                risks.append((report, reasons))
        by_group.setdefault(ind.group_name, []).append(row)
        if ind.weight is not None:
            scored += 1
            full += ind.weight
            if row.reports:
                reported += 1
                progress_total += row.progress_score or 0.0
                annual_total += row.annual_score or 0.0
    items = session.scalars(
        select(SupervisionItem).where(SupervisionItem.district_id == district.id,
                                      SupervisionItem.year == year)
        .order_by(SupervisionItem.seq)).all()
    item_ids = [i.id for i in items]
    sup = session.scalars(
        select(SupervisionReport).where(SupervisionReport.item_id.in_(item_ids),
                                        SupervisionReport.state == APPROVED)
        .order_by(SupervisionReport.approved_on, SupervisionReport.id)).all() if items else []
    sup_latest = _latest_per_unit(sup)
    supervision = [(item, [r for (iid, _), r in sup_latest.items() if iid == item.id])
                   for item in items]
    return Overview(
        district=district, year=year,
        groups=[(g, rows) for g, rows in by_group.items() if rows],
        full=round(full, 2), progress_total=round(progress_total, 2),
        annual_total=round(annual_total, 2), scored_rows=scored, reported_rows=reported,
        risks=risks, supervision=supervision)


def viewer_district(user) -> tuple[bool, Unit | None]:
    """(sees every district, the user's own district or None) for the overview:
    the 改革办 and city leaders see every district; a district's own users (its
    leaders) and its 区委办/区政府办 see their district; nobody else."""
    from app.scope import scope_for

    scope = scope_for(user)
    if scope.everything:
        return True, None
    unit = getattr(user, "unit", None)
    if unit is None:
        return False, None
    if unit.kind == UnitKind.DISTRICT.value:
        return False, unit
    if is_district_office(unit):
        return False, district_of(unit)
    return False, None


def breakdown_district(user) -> tuple[bool, Unit | None]:
    """(sees every district, the district whose breakdown the user reads):
    everyone in a district (its departments too) reads its breakdown."""
    from app.scope import scope_for

    scope = scope_for(user)
    if scope.everything:
        return True, None
    return False, district_of(getattr(user, "unit", None))


def can_manage(user, district) -> bool:
    """Who loads a district's breakdown: its 区委办/区政府办 (clerks and
    reviewers) and the 改革办."""
    from app.security.roles import ROLE_CLERK, ROLE_REFORM_OFFICE, ROLE_REVIEWER

    roles = {r.name for r in getattr(user, "roles", None) or ()}
    if ROLE_REFORM_OFFICE in roles:
        return True
    unit = getattr(user, "unit", None)
    return bool(district is not None and unit is not None and is_district_office(unit)
                and unit.parent_id == district.id and roles & {ROLE_CLERK, ROLE_REVIEWER})
