"""Helpers for the data-source tests (risk, survey, metric): accounts the demo
does not have, lookups, REST headers."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from app.extensions import db
from app.security.models import ReformUser
from app.units.models import Unit
from tests.helpers import DEMO_PASSWORD, api_token

OFFICE, CITY_LEADER, ADMIN = "13900000001", "13900000002", "13900000099"
CLERK_WZ, REVIEWER_WZ, LEADER_WZ = "13900000011", "13900000012", "13900000013"
CLERK_YZ = "13900000021"
CLERK_SASAC, REVIEWER_SASAC = "13900000031", "13900000032"
CLERK_WXB = "13900000041"
CLERK_SQMY = "13900000051"
# made by add_accounts()
REVIEWER_WXB = "13700000042"
CLERK_XFB, REVIEWER_XFB = "13700000043", "13700000044"
CLERK_TJJ = "13700000053"
CLERK_FIN, REVIEWER_FIN = "13700000071", "13700000072"
CLERK_BDB, REVIEWER_BDB = "13700000075", "13700000076"
CLERK_GOV = "13700000081"  # 市政府办公厅, named for item 1 of the 2024 scheme too
CLERK_JUS, REVIEWER_JUS = "13700000077", "13700000078"

ACCOUNTS = [
    (REVIEWER_WXB, "网信办审核员", "市委网信办", "审核员"),
    (CLERK_XFB, "信访办录入员", "市信访办", "录入员"),
    (REVIEWER_XFB, "信访办审核员", "市信访办", "审核员"),
    (CLERK_TJJ, "市统计局录入员", "市统计局", "录入员"),
    (CLERK_FIN, "市财政局录入员", "市财政局", "录入员"),
    (REVIEWER_FIN, "市财政局审核员", "市财政局", "审核员"),
    (CLERK_BDB, "大数据局录入员", "市大数据发展局", "录入员"),
    (REVIEWER_BDB, "大数据局审核员", "市大数据发展局", "审核员"),
    (CLERK_GOV, "市政府办公厅录入员", "市政府办公厅", "录入员"),
    (CLERK_JUS, "市司法局录入员", "市司法局", "录入员"),
    (REVIEWER_JUS, "市司法局审核员", "市司法局", "审核员"),
]


def add_accounts(app) -> None:
    """The accounts of ACCOUNTS (demo password, no forced change)."""
    with app.app_context():
        sm = current_app.appbuilder.sm
        for mobile, name, unit_name, role in ACCOUNTS:
            if user(mobile) is not None:
                continue
            unit = unit_named(unit_name)
            u = sm.add_user(mobile, name, "", f"{mobile}@test.invalid", [sm.find_role(role)],
                            password=DEMO_PASSWORD)
            u = db.session.get(ReformUser, u.id)
            u.mobile, u.unit_id, u.must_change_password = mobile, unit.id, False
            db.session.commit()


def user(mobile: str) -> ReformUser | None:
    return db.session.scalar(select(ReformUser).where(ReformUser.mobile == mobile))


def unit_named(name: str) -> Unit:
    return db.session.scalar(select(Unit).where(Unit.name == name))


def unit_id(app, name: str) -> int:
    with app.app_context():
        return unit_named(name).id


def headers(client, mobile: str) -> dict:
    return {"Authorization": f"Bearer {api_token(client, mobile)}"}


def act(client, record_type: str, rid: int, action: str, mobile: str, reason=None):
    body = {"reason": reason} if reason else None
    return client.post(f"/api/v1/workflow/{record_type}/{rid}/{action}",
                       headers=headers(client, mobile), json=body)
