"""Helpers for the 重大改革项目 and 改革办 record tests."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from app.extensions import db
from app.records.major_project.models import MajorProject, MajorProjectMilestone
from app.security.models import ReformUser
from app.units.models import Unit
from tests.helpers import DEMO_PASSWORD, api_token, csrf_token, new_client

OFFICE, CITY_LEADER, ADMIN = "13900000001", "13900000002", "13900000099"
CLERK_WZ, REVIEWER_WZ, LEADER_WZ = "13900000011", "13900000012", "13900000013"
CLERK_YZ, LEADER_YZ = "13900000021", "13900000023"
CLERK_SASAC, REVIEWER_SASAC = "13900000031", "13900000032"
OFFICE_CLERK = "13900001501"  # app/records/office/accounts.py


def ensure_package_accounts(app) -> None:
    from app.records.demo_support import ensure_accounts

    with app.app_context():
        ensure_accounts(db.session)
        db.session.commit()


def user(mobile):
    return db.session.scalar(select(ReformUser).where(ReformUser.mobile == mobile))


def unit_id(name) -> int:
    return db.session.scalar(select(Unit.id).where(Unit.name == name))


def make_project(app, name="公立医院综合改革（测试）", lead="市国资委", participants=("万州区",),
                 offsets=(-1, 0, 1), today=None) -> tuple[int, list[int]]:
    """A project whose milestones are planned ``offsets`` days from today."""
    today = today or dt.date.today()
    with app.app_context():
        p = MajorProject(
            name=name, lead_unit_id=unit_id(lead), year=today.year, description="测试",
            participants=[db.session.get(Unit, unit_id(u)) for u in participants],
            milestones=[MajorProjectMilestone(seq=n, name=f"里程碑{n}",
                                              planned_on=today + dt.timedelta(days=d))
                        for n, d in enumerate(offsets, start=1)])
        db.session.add(p)
        db.session.commit()
        return p.id, [m.id for m in p.milestones]


def web(app, mobile):
    c = new_client(app)
    token = csrf_token(c)
    resp = c.post("/login/", data={"username": mobile, "password": DEMO_PASSWORD,
                                   "csrf_token": token})
    assert resp.status_code == 302
    return c


def form_token(client, path) -> str:
    return csrf_token(client, path)


def headers(client, mobile) -> dict:
    return {"Authorization": f"Bearer {api_token(client, mobile)}"}


def act(client, record_type, rid, action, mobile, reason=None):
    return client.post(f"/api/v1/workflow/{record_type}/{rid}/{action}",
                       headers=headers(client, mobile),
                       json={"reason": reason} if reason else None)
