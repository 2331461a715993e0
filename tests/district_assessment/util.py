"""Helpers of the district-assessment tests: the package's demo accounts, extra
accounts in other units (made here, numbers outside the demo ranges), reports
made and walked through the chain."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from app.extensions import db
from app.records.demo_support import ensure_accounts
from app.records.district_assessment.breakdown import ensure_demo_breakdown
from app.records.district_assessment.models import AssessmentIndicator, AssessmentReport
from app.security.models import ReformUser
from app.units.models import Unit
from app.workflow import engine
from tests.helpers import DEMO_PASSWORD

OFFICE = "13900000001"
LEADER_WZ, CLERK_WZ = "13900000013", "13900000011"
CLERK_YZ, REVIEWER_YZ, LEADER_YZ = "13900000021", "13900000022", "13900000023"
QWB_CLERK, QWB_REVIEWER = "13900001300", "13900001301"
QZFB_CLERK, QZFB_REVIEWER = "13900001302", "13900001303"
FGW_CLERK, FGW_REVIEWER = "13900001304", "13900001305"
STJ_CLERK, STJ_REVIEWER = "13900001306", "13900001307"
CZJ_CLERK, CZJ_REVIEWER = "13900001318", "13900001319"
# made by add_user() in the tests that need them
GSL_CLERK, GSL_REVIEWER = "13600001304", "13600001305"  # 万州区工商联

CONTACTS = {"city_leader": "张某（副主任）", "city_office": "综合处", "city_phone": "023-63891234",
            "lead": "李某", "contact": "王某", "contact_mobile": "13812345678"}


def prepare(app) -> None:
    """The package's demo accounts and 万州区's shipped breakdown."""
    with app.app_context():
        ensure_accounts(db.session)
        db.session.commit()
        ensure_demo_breakdown()


def user(mobile: str) -> ReformUser:
    return db.session.scalar(select(ReformUser).where(ReformUser.mobile == mobile))


def unit(name: str) -> Unit:
    return db.session.scalar(select(Unit).where(Unit.name == name))


def add_user(mobile: str, unit_name: str, role: str) -> ReformUser:
    sm = current_app.appbuilder.sm
    found = user(mobile)
    if found is not None:
        return found
    u = sm.add_user(mobile, f"测试{mobile[-4:]}", "", f"{mobile}@test.invalid",
                    [sm.find_role(role)], password=DEMO_PASSWORD)
    u = db.session.get(ReformUser, u.id)
    u.mobile, u.unit_id, u.must_change_password = mobile, unit(unit_name).id, False
    db.session.commit()
    return u


def indicator(group: str, seq: int, part: int = 1, district: str = "万州区",
              year: int = 2021) -> AssessmentIndicator:
    return db.session.scalar(select(AssessmentIndicator).where(
        AssessmentIndicator.district_id == unit(district).id, AssessmentIndicator.year == year,
        AssessmentIndicator.group_name == group, AssessmentIndicator.seq == seq,
        AssessmentIndicator.part == part))


def new_report(mobile: str, ind: AssessmentIndicator, **values) -> AssessmentReport:
    """A saved draft (values checked by clean(), which must pass)."""
    filer = user(mobile)
    fields = dict(CONTACTS, progress_basic="1—10月情况", annual_basic="全年预计情况")
    fields.update(values)
    report = AssessmentReport(indicator=ind, unit_id=filer.unit_id, unit=filer.unit,
                              filed_by_id=filer.id, state="draft", version=1, **fields)
    db.session.add(report)
    problems = report.clean()
    assert not problems, problems
    db.session.commit()
    return report


def walk(report_type: str, record_id: int, *mobiles: str) -> None:
    """Submit as the first account, approve as each of the others."""
    engine.transition(report_type, record_id, "submit", user(mobiles[0]))
    for mobile in mobiles[1:]:
        engine.transition(report_type, record_id, "approve", user(mobile))
