"""Helpers for the 国企改革 tests: the package's demo accounts, a second
district 国资委 with an enterprise (another district: 开州区), records in a
given state, REST headers."""

from __future__ import annotations

import datetime as dt
import io

from sqlalchemy import select

from app.extensions import db
from app.records.demo_support import ensure_accounts
from app.records.soe.accounts import ACCOUNTS, SASAC_CLERK, SASAC_REVIEWER
from app.records.soe.models import SoeCase, SoeRecognition
from app.security.models import ReformUser
from app.units.models import Unit, UnitKind
from app.units.service import refresh_paths
from app.workflow.engine import transition
from tests.helpers import api_token

OFFICE, CITY_LEADER, ADMIN = "13900000001", "13900000002", "13900000099"
CLERK_WZ, REVIEWER_WZ, LEADER_WZ = "13900000011", "13900000012", "13900000013"
CLERK_YZ = "13900000021"
# 万州区国资委 and its enterprises (app/records/soe/accounts.py)
GZW_CLERK, GZW_REVIEWER = SASAC_CLERK, SASAC_REVIEWER
CJ_CLERK, CJ_REVIEWER = "13900001201", "13900001202"  # 城建集团
JT_CLERK, JT_REVIEWER = "13900001203", "13900001204"  # 交投集团
SW_CLERK, SW_REVIEWER = "13900001205", "13900001206"  # 水务集团
CJ = "万州区城市建设集团有限公司（演示）"
JT = "万州区交通投资集团有限公司（演示）"
SW = "万州区水务集团有限公司（演示）"
GZW = "万州区国资委"
# another district's 国资委 and enterprise, made by add_other_district()
KZ_GZW, KZ_ENTERPRISE = "开州区国资委（测试）", "开州区能源投资集团有限公司（测试）"
KZ_GZW_CLERK, KZ_GZW_REVIEWER = "13900001221", "13900001222"
KZ_CLERK, KZ_REVIEWER = "13900001223", "13900001224"
KZ_ACCOUNTS = [
    (KZ_GZW_CLERK, "开州国资委录入员", KZ_GZW, "录入员"),
    (KZ_GZW_REVIEWER, "开州国资委审核员", KZ_GZW, "审核员"),
    (KZ_CLERK, "开州能投录入员", KZ_ENTERPRISE, "录入员"),
    (KZ_REVIEWER, "开州能投审核员", KZ_ENTERPRISE, "审核员"),
]


def user(mobile: str) -> ReformUser:
    return db.session.scalar(select(ReformUser).where(ReformUser.mobile == mobile))


def unit_id(name: str) -> int:
    return db.session.scalar(select(Unit.id).where(Unit.name == name))


def add_accounts(app, other_district: bool = False) -> None:
    """The package's demo accounts; with ``other_district`` also 开州区's 国资委,
    an enterprise under it, and their accounts."""
    with app.app_context():
        if other_district:
            district = db.session.scalar(select(Unit).where(Unit.name == "开州区"))
            gzw = Unit(code="500154-GZW-T", name=KZ_GZW, kind=UnitKind.DISTRICT_DEPT.value,
                       parent=district, path="")
            db.session.add(gzw)
            db.session.flush()
            refresh_paths(db.session, gzw)
            ent = Unit(code="500154-GZW-T01", name=KZ_ENTERPRISE,
                       kind=UnitKind.ENTERPRISE.value, parent=gzw, path="")
            db.session.add(ent)
            db.session.flush()
            refresh_paths(db.session, ent)
        ensure_accounts(db.session, ACCOUNTS + (KZ_ACCOUNTS if other_district else []))
        db.session.commit()


def headers(client, mobile) -> dict:
    return {"Authorization": f"Bearer {api_token(client, mobile)}"}


def attach(record_type: str, record_id: int, mobile: str) -> None:
    from werkzeug.datastructures import FileStorage

    from app.attachments.storage import save_upload
    from tests.attachments.files import pdf_bytes

    save_upload(FileStorage(io.BytesIO(pdf_bytes()), filename="佐证.pdf"), record_type,
                user(mobile), record_id=record_id, session=db.session)
    db.session.commit()


def make_recognition(clerk: str, category: str, item: str, date: dt.date | None = None,
                     title: str = "改革经验获肯定", evidence: bool = True) -> int:
    u = user(clerk)
    r = SoeRecognition(title=title, category=category, item=item,
                       date=date or dt.date.today(), unit_id=u.unit_id, filed_by_id=u.id,
                       state="draft", version=1)
    db.session.add(r)
    db.session.commit()
    if evidence:
        attach("soe_recognition", r.id, clerk)
    return r.id


def make_case(clerk: str, name: str = "推行经理层任期制和契约化管理") -> int:
    u = user(clerk)
    c = SoeCase(name=name, problem="一是考核与业绩脱节。", measures="一是签订契约。",
                results="一是业绩增长。", unit_id=u.unit_id, filed_by_id=u.id, state="draft",
                version=1)
    db.session.add(c)
    db.session.commit()
    return c.id


def walk(record_type: str, rid: int, clerk: str, reviewer: str,
         gzw: str = GZW_REVIEWER) -> None:
    """Submit and approve at both steps."""
    transition(record_type, rid, "submit", user(clerk))
    transition(record_type, rid, "approve", user(reviewer))
    transition(record_type, rid, "approve", user(gzw))
