"""Loading the units and the demo accounts; running it twice changes nothing."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select

from app.demo import units as U
from app.extensions import db
from app.security.models import ReformUser
from app.security.roles import (
    ROLE_ADMIN,
    ROLE_CLERK,
    ROLE_LEADER,
    ROLE_REFORM_OFFICE,
    ROLE_REVIEWER,
)
from app.units.models import Unit, UnitKind
from app.units.service import refresh_paths


@dataclass(frozen=True)
class DemoAccount:
    mobile: str
    name: str
    unit: str
    roles: tuple[str, ...]


DEMO_ACCOUNTS = [
    DemoAccount("13900000001", "改革办演示", "市委改革办", (ROLE_REFORM_OFFICE,)),
    DemoAccount("13900000002", "市领导演示", "市委改革办", (ROLE_LEADER,)),
    DemoAccount("13900000011", "万州录入员", "万州区", (ROLE_CLERK,)),
    DemoAccount("13900000012", "万州审核员", "万州区", (ROLE_REVIEWER,)),
    DemoAccount("13900000013", "万州领导", "万州区", (ROLE_LEADER,)),
    DemoAccount("13900000021", "渝中录入员", "渝中区", (ROLE_CLERK,)),
    DemoAccount("13900000022", "渝中审核员", "渝中区", (ROLE_REVIEWER,)),
    DemoAccount("13900000023", "渝中领导", "渝中区", (ROLE_LEADER,)),
    DemoAccount("13900000031", "市国资委录入员", "市国资委", (ROLE_CLERK,)),
    DemoAccount("13900000032", "市国资委审核员", "市国资委", (ROLE_REVIEWER,)),
    DemoAccount("13900000041", "网信办录入员", "市委网信办", (ROLE_CLERK,)),
    DemoAccount("13900000051", "社情民意录入员", "市社情民意调查中心", (ROLE_CLERK,)),
    DemoAccount("13900000061", "万州国资委录入员", "万州区国资委", (ROLE_CLERK,)),
    DemoAccount("13900000099", "系统管理员演示", "市委改革办", (ROLE_ADMIN,)),
]


def _upsert_unit(session, code, name, kind, parent=None, region=None,
                 is_data_source=False, sort_order=0) -> Unit:
    unit = session.scalar(select(Unit).where(Unit.code == code))
    if unit is None:
        unit = Unit(code=code, name=name, kind=kind, path="")
        session.add(unit)
    for attr, value in dict(name=name, kind=kind, region=region, parent=parent,
                            is_data_source=is_data_source, sort_order=sort_order).items():
        if getattr(unit, attr) != value:
            setattr(unit, attr, value)
    refresh_paths(session, unit)
    return unit


def load_units(session=None) -> dict[str, Unit]:
    """The reform office, 41 districts, the seeds' departments and data-source
    units, 万州区国资委 and its enterprises."""
    session = session or db.session
    by_name: dict[str, Unit] = {}
    order = 0

    def add(code, name, kind, **kw):
        nonlocal order
        order += 1
        by_name[name] = _upsert_unit(session, code, name, kind, sort_order=order, **kw)
        return by_name[name]

    add(*U.REFORM_OFFICE, UnitKind.REFORM_OFFICE.value)
    for code, name, region in U.DISTRICTS:
        add(code, name, UnitKind.DISTRICT.value, region=region)
    for code, name, is_ds in U.DEPARTMENTS:
        add(code, name, UnitKind.DEPARTMENT.value, is_data_source=is_ds)
    for code, name in U.DATA_SOURCE_UNITS:
        add(code, name, UnitKind.DATA_SOURCE.value, is_data_source=True)
    sasac = add(*U.WANZHOU_SASAC, UnitKind.DISTRICT_DEPT.value, parent=by_name["万州区"])
    for code, name in U.WANZHOU_ENTERPRISES:
        add(code, name, UnitKind.ENTERPRISE.value, parent=sasac)
    from app.records.demo_support import package_demo_lists

    for code, name, kind, parent in package_demo_lists("UNITS"):
        add(code, name, kind, parent=by_name.get(parent) if parent else None)
    session.commit()
    return by_name


def load_demo_users(password: str | None = None, session=None) -> list[ReformUser]:
    """The demo accounts (they skip the forced password change)."""
    session = session or db.session
    sm = current_app.appbuilder.sm
    password = password or current_app.config["DEMO_PASSWORD"]
    users = []
    for acc in DEMO_ACCOUNTS:
        unit = session.scalar(select(Unit).where(Unit.name == acc.unit))
        roles = [sm.find_role(r) for r in acc.roles]
        user = session.scalar(select(ReformUser).where(ReformUser.mobile == acc.mobile))
        if user is None:
            user = sm.add_user(acc.mobile, acc.name, "", f"{acc.mobile}@demo.invalid",
                               roles, password=password)
            if not user:
                raise RuntimeError(f"演示账号 {acc.mobile} 创建失败")
            user = session.get(ReformUser, user.id)
        changed = False
        for attr, value in dict(mobile=acc.mobile, unit_id=unit.id, first_name=acc.name,
                                must_change_password=False).items():
            if getattr(user, attr) != value:
                setattr(user, attr, value)
                changed = True
        if {r.name for r in user.roles} != set(acc.roles):
            user.roles = roles
            changed = True
        if changed:
            session.commit()
        users.append(user)
    return users


def load_demo(password: str | None = None, sync: bool = True, quarter: bool = False) -> None:
    """Roles, units, demo accounts, the 领域/跑道 taxonomy and the shipped schemes;
    with ``quarter``, also a plausible quarter (and the one before) of records in
    every state and the district report of that quarter and the one before,
    published, for a first start that shows the product working. The tests
    start without the quarter and build what each needs."""
    from app.records.demand.taxonomy import load_taxonomy
    from app.scoring.store import load_shipped
    from app.security.sync import sync_roles

    if sync:
        sync_roles()
    load_units()
    load_demo_users(password)
    load_taxonomy()
    load_shipped()
    if quarter:
        from app.demo.quarter import load_demo_quarter

        load_data_source_demo()
        load_demo_quarter(password=password)
        load_data_source_records()
        publish_demo_reports()


def publish_demo_reports(scheme_code: str = "district_2023") -> None:
    """The demo quarter's district report, and the one before it for trends,
    generated from the approved records and published (idempotent)."""
    import datetime

    from app.demo.quarter import demo_periods
    from app.reports import service
    from app.reports.models import ReportPeriod
    from app.scoring.periods import parse_period
    from app.scoring.store import latest

    scheme = latest(scheme_code)
    if scheme is None:
        return
    published = {(s.scheme_code, s.period_code) for s in service.published_snapshots()}
    for code in demo_periods():
        if (scheme_code, code) in published:
            continue
        if db.session.scalar(select(ReportPeriod.id).where(
                ReportPeriod.report_type == scheme.report_type,
                ReportPeriod.code == code)) is None:
            end = parse_period(code).end
            service.add_period(scheme.report_type, code, end + datetime.timedelta(days=10))
        snap = service.generate(scheme_code, code)
        service.publish(snap.id)


def load_data_source_demo() -> None:
    """The accounts of the data-source units and a few distributed pilots:
    every chain has someone to act at each step, and pilot updates have a pilot."""
    import random

    from app.records.demo_support import ensure_accounts
    from app.records.pilot.demo import generate as pilot_demo

    ensure_accounts(db.session)
    pilot_demo(db.session, random.Random(2026), _today())
    db.session.commit()


def load_data_source_records() -> None:
    """The demo records of the data-source packages: risk incidents, surveys and
    metric values first (in this order, with their own seeds), then every other
    record package whose ``demo.py`` has ``generate(session, rng, today)``, in
    the order of its ``DEMO_ORDER`` (default 100), then its name."""
    import importlib
    import importlib.util
    import random

    from app import records

    first = (("risk_incident", "risk"), ("survey", "survey"), ("metric_value", "metric"))
    done = {"pilot"}  # its demo runs with the data-source accounts (above)
    modules = []
    for seed_name, package in first:
        modules.append((seed_name, importlib.import_module(f"app.records.{package}.demo")))
        done.add(package)
    others = []
    for package in records.subpackages():
        if package in done or importlib.util.find_spec(f"app.records.{package}.demo") is None:
            continue
        module = importlib.import_module(f"app.records.{package}.demo")
        if callable(getattr(module, "generate", None)):
            others.append((getattr(module, "DEMO_ORDER", 100), package, module))
    modules += [(package, module) for _, package, module in sorted(others, key=lambda o: o[:2])]
    for seed_name, module in modules:
        module.generate(db.session, random.Random(f"2026-{seed_name}"), _today())
        db.session.commit()


def _today():
    import datetime

    return datetime.date.today()


def database_is_empty() -> bool:
    return db.session.scalar(select(Unit.id).limit(1)) is None
