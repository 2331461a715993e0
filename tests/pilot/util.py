"""Helpers for the pilot tests: accounts, units, pilots in any state, updates."""

from __future__ import annotations

import datetime as dt
import io

from sqlalchemy import select, update
from werkzeug.datastructures import FileStorage

from app.extensions import db
from app.records.pilot.models import NATIONAL, Pilot, PilotUpdate
from app.security.models import ReformUser
from app.units.models import Unit
from tests.attachments.files import pdf_bytes, png_bytes

CLERK_WZ, REVIEWER_WZ, LEADER_WZ = "13900000011", "13900000012", "13900000013"
CLERK_YZ, REVIEWER_YZ = "13900000021", "13900000022"
CLERK_GZW, REVIEWER_GZW = "13900000031", "13900000032"  # 市国资委: a supervising department
OFFICE, CITY_LEADER, ADMIN = "13900000001", "13900000002", "13900000099"
CLERK_WX = "13900000041"  # 市委网信办: unrelated to pilots

WANZHOU, YUZHONG, GZW = "万州区", "渝中区", "市国资委"


def user(mobile: str) -> ReformUser:
    return db.session.scalar(select(ReformUser).where(ReformUser.mobile == mobile))


def unit(name: str) -> Unit:
    return db.session.scalar(select(Unit).where(Unit.name == name))


def unit_id(name: str) -> int:
    return unit(name).id


def attach(record_type: str, record_id: int, mobile: str, kind: str = "pdf") -> None:
    from app.attachments.storage import save_upload

    data, name = (pdf_bytes(), "部署文件.pdf") if kind == "pdf" else (png_bytes(), "照片.png")
    save_upload(FileStorage(io.BytesIO(data), filename=name), record_type, user(mobile),
                record_id=record_id, session=db.session)
    db.session.commit()


def make_pilot(mobile: str = CLERK_WZ, doc_no: str = "国办发〔2023〕12号",
               name: str = "开展营商环境创新试点", districts=(WANZHOU,), level: str = NATIONAL,
               deploy_kind: str | None = "国家有关部委（含司局级）安排部署",
               supervisor: str = GZW, deploy_date=dt.date(2023, 6, 1),
               deadline=dt.date(2025, 6, 30), pdf: bool = True, **extra) -> Pilot:
    """A draft pilot filed by ``mobile``, checked by its clean()."""
    u = user(mobile)
    p = Pilot(name=name, level=level, deploy_kind=deploy_kind if level == NATIONAL else None,
              doc_no=doc_no, authority="国务院办公厅", deploy_date=deploy_date,
              acceptance_deadline=deadline, supervisor=unit(supervisor),
              districts=[unit(n) for n in districts], unit_id=u.unit_id, filed_by_id=u.id,
              state="draft", version=1, **extra)
    db.session.add(p)
    problems = p.clean()
    assert problems == [], problems
    db.session.commit()
    if pdf:
        attach("pilot", p.id, mobile)
    return p


def act(record_type: str, record_id: int, action: str, mobile: str, reason=None):
    from app.workflow.engine import transition

    return transition(record_type, record_id, action, user(mobile), reason)


def distribute(pilot_id: int, clerk: str = CLERK_WZ, reviewer: str = REVIEWER_WZ,
               department: str = CLERK_GZW) -> None:
    act("pilot", pilot_id, "submit", clerk)
    act("pilot", pilot_id, "approve", reviewer)
    act("pilot", pilot_id, "approve", department)


def backdate_approval(pilot_id: int, when: dt.datetime) -> None:
    """Pretend the pilot was distributed at ``when`` (and its districts added before)."""
    from app.records.pilot.models import pilot_district

    db.session.execute(update(Pilot.__table__).where(Pilot.id == pilot_id).values(
        approved_on=when, submitted_on=when, created_on=when))
    db.session.execute(update(pilot_district).where(pilot_district.c.pilot_id == pilot_id)
                       .values(added_on=when - dt.timedelta(days=1)))
    db.session.commit()


def make_update(pilot_id: int, period: str, mobile: str = CLERK_WZ, progress="正常推进",
                accepted=None, accepted_on=None, work_done="1.出台实施方案。") -> PilotUpdate:
    u = user(mobile)
    rec = PilotUpdate(pilot_id=pilot_id, period=period, work_done=work_done, problems="",
                      progress=progress, accepted=accepted, accepted_on=accepted_on,
                      unit_id=u.unit_id, filed_by_id=u.id, state="draft", version=1)
    db.session.add(rec)
    problems = rec.clean()
    assert problems == [], problems
    db.session.commit()
    return rec


def approve_update(update_id: int, clerk: str = CLERK_WZ, reviewer: str = REVIEWER_WZ,
                   record_type: str = "pilot_update") -> None:
    act(record_type, update_id, "submit", clerk)
    act(record_type, update_id, "approve", reviewer)
    act(record_type, update_id, "approve", CLERK_GZW)
    act(record_type, update_id, "approve", OFFICE)


def put_approved_update(pilot_id: int, unit_name: str, period: str, progress="正常推进",
                        accepted=None, accepted_on=None, approved_on=None) -> int:
    """An approved update written directly (for sources and tasks at past dates)."""
    p = db.session.get(Pilot, pilot_id)
    filer = db.session.scalar(select(ReformUser).where(ReformUser.unit_id == unit_id(unit_name)))
    rec = PilotUpdate(pilot_id=pilot_id, period=period, work_done="工作", problems="",
                      progress=progress, accepted=accepted, accepted_on=accepted_on,
                      supervisor_id=p.supervisor_id, unit_id=unit_id(unit_name),
                      filed_by_id=filer.id if filer else user(CLERK_WZ).id, state="approved",
                      version=5, approved_on=approved_on or dt.datetime.now())
    db.session.add(rec)
    db.session.commit()
    return rec.id


def headers(client, mobile: str) -> dict:
    from tests.helpers import api_token

    return {"Authorization": f"Bearer {api_token(client, mobile)}"}
