"""Demo pilots: a dozen pilots of both levels in every workflow state, their
涉及区县, the update tasks of the previous and the current quarter, status
updates (some accepted, on time or late; some missing, hence overdue),
achievements and one open join request.

``generate(session, rng, today) -> {state: count}`` (of the pilots) follows
:mod:`app.records.demo_support`: deterministic for a given ``rng`` seed and
``today``, nothing later than ``today`` 08:00, nothing added when the demo
pilots are already there, no commit (the caller commits).

Who acts is who the chains allow: a district files when it has a 录入员 and a
审核员 (万州区 and 渝中区 in the base demo; every district once the demo
quarter's district accounts exist); the supervising department is one with a
录入员 (市国资委, and the departments of ``demo_support.EXTRA_ACCOUNTS``).

The first pilot is kept simple on purpose, for the kit's contract tests: filed by
万州区, involving 万州区 and 渝中区, distributed, supervised by 市国资委, and with
no update of the current quarter yet — so a valid 试点推进状态更新 and 试点成果
can be filed on it by either district.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import insert, select

from app.records.demo_support import (
    OFFICE_MOBILE,
    DemoRow,
    ensure_accounts,
    limit_of,
    path_to,
    users_of,
    working_moment,
    write,
)
from app.records.pilot.docno import normalize_doc_no
from app.records.pilot.models import (
    CITY,
    COMPLETED,
    DEPLOY_KINDS,
    JOIN_PENDING,
    NATIONAL,
    Pilot,
    PilotAchievement,
    PilotJoinRequest,
    PilotTask,
    PilotUpdate,
    pilot_district,
)
from app.records.pilot.tasks import open_tasks, quarter_of
from app.security.roles import ROLE_CLERK, ROLE_REVIEWER
from app.units.models import Unit, UnitKind
from app.workflow.chain import APPROVED, DRAFT, REJECTED


@dataclass(frozen=True)
class Topic:
    name: str
    level: str
    kind: int | None  # index into DEPLOY_KINDS (national pilots)
    authority: str
    doc_no: str
    deployed: tuple[int, int, int] | None  # None: this year (newly won)
    years: int | None  # years until the 验收时限 (None: no deadline)
    supervisor: str
    state: str


TOPICS = [
    Topic("开展国有企业改革深化提升行动试点", NATIONAL, 1, "国务院国资委", "国资发改革〔2023〕41号",
          (2023, 7, 12), 3, "市国资委", APPROVED),
    Topic("开展营商环境创新试点", NATIONAL, 0, "国务院", "国发〔2021〕24号", (2021, 10, 31), 3,
          "市发展改革委", APPROVED),
    Topic("开展科技人才评价改革试点", NATIONAL, 1, "科技部", "国科发政〔2022〕255号",
          (2022, 9, 20), 2, "市发展改革委", APPROVED),
    Topic("开展紧密型县域医疗卫生共同体建设试点", NATIONAL, 1, "国家卫生健康委",
          "国卫基层函〔2019〕121号", (2019, 5, 15), 3, "市卫生健康委", APPROVED),
    Topic("开展农村集体经营性建设用地入市试点", NATIONAL, 2, "全国人大常委会",
          "全国人大常委会决定〔2015〕第2号", (2015, 2, 27), None, "市国资委", APPROVED),
    Topic("开展数据要素市场化配置改革试点", CITY, None, "市政府办公厅", "渝府办发〔2022〕88号",
          (2022, 8, 1), 2, "市大数据发展局", APPROVED),
    Topic("开展国有资本投资运营公司改革试点", CITY, None, "市国资委", "渝国资发〔2020〕12号",
          (2020, 4, 20), 3, "市国资委", APPROVED),
    Topic("开展公共法律服务体系建设试点", CITY, None, "市司法局", "渝司发〔2021〕36号",
          (2021, 6, 8), 2, "市司法局", APPROVED),
    Topic("开展预算绩效管理改革试点", CITY, None, "市财政局", "渝财预〔2023〕15号",
          (2023, 3, 10), 2, "市财政局", APPROVED),
    Topic("开展政务服务“一件事”集成改革试点", NATIONAL, 0, "国务院办公厅", "国办发〔{year}〕3号",
          None, 2, "市大数据发展局", APPROVED),
    Topic("开展基层综合行政执法体制改革试点", NATIONAL, 1, "司法部", "司发通〔{year}〕9号",
          None, 2, "市司法局", "pending_2"),
    Topic("开展国企混合所有制改革试点", CITY, None, "市国资委", "渝国资发〔2024〕7号",
          (2024, 5, 6), 2, "市国资委", "pending_1"),
    Topic("开展医保支付方式改革试点", CITY, None, "市卫生健康委", "渝卫发〔2024〕22号",
          (2024, 9, 2), 2, "市卫生健康委", REJECTED),
    Topic("开展城市更新改革试点", CITY, None, "市政府办公厅", "渝府办发〔2024〕60号",
          (2024, 11, 18), 3, "市国资委", DRAFT),
]
WORK = ["1.出台试点实施方案，明确任务清单、责任清单和时间表。2.建立试点工作专班，每月调度推进。",
        "1.建立跨部门协同机制，打通数据共享堵点。2.开发建设试点应用，实现业务线上闭环办理。",
        "1.出台配套政策文件，调整相关审批流程。2.选取重点领域先行先试，形成可复制经验。"]
PROBLEMS = ["配套政策有待完善，部分事项需市级部门授权", "数据共享机制尚不健全", ""]
ACHIEVEMENTS = [("建立试点工作闭环管理机制", "试点任务分散、推进情况难掌握",
                 "任务清单化、责任具体化，按月调度，试点任务按期完成率明显提升"),
                ("上线试点业务集成应用", "群众企业办事多头跑、重复交材料",
                 "实现一次告知、一表申请、一窗受理，办理时间大幅压缩")]


def _quarter_before(period):
    return quarter_of(period.start - dt.timedelta(days=1))


def _deployed(topic: Topic, today: dt.date) -> dt.date | None:
    if topic.deployed is not None:
        day = dt.date(*topic.deployed)
    else:  # newly won this year (2024 scheme item 8)
        day = dt.date(today.year, 2, 20)
        if day > today - dt.timedelta(days=30):
            day = dt.date(today.year - 1, 11, 20)
    return day if day < today - dt.timedelta(days=10) else None


def _accounts(session, unit_id) -> tuple[list[int], list[int]]:
    return users_of(session, unit_id, ROLE_CLERK), users_of(session, unit_id, ROLE_REVIEWER)


def generate(session, rng, today: dt.date) -> dict[str, int]:
    """Write the demo pilots and what follows from them; {state: count} of the
    pilots ({} when already there, or when no district can file)."""
    first = normalize_doc_no(TOPICS[0].doc_no)
    if session.scalar(select(Pilot.id).where(Pilot.doc_no_key == first)) is not None:
        return {}
    accounts = ensure_accounts(session)
    office = accounts.get(OFFICE_MOBILE)
    units = dict(session.execute(select(Unit.name, Unit.id)).all())
    districts = list(session.scalars(select(Unit.id).where(
        Unit.kind == UnitKind.DISTRICT.value).order_by(Unit.sort_order, Unit.id)))
    staffed = {d: acc for d in districts if all(acc := _accounts(session, d))}
    wanzhou, yuzhong = units.get("万州区"), units.get("渝中区")
    if office is None or wanzhou not in staffed:
        return {}
    limit = limit_of(today)
    current = quarter_of(today)
    previous = _quarter_before(current)
    prev_end = dt.datetime.combine(previous.end, dt.time(17, 0))

    def department(name):
        for candidate in (name, "市国资委"):
            clerks = users_of(session, units.get(candidate), ROLE_CLERK) \
                if units.get(candidate) else []
            if clerks:
                return units[candidate], clerks[0]
        return None, None

    rows_by_limit: dict[bool, list[DemoRow]] = {True: [], False: []}
    for n, topic in enumerate(TOPICS):
        deployed = _deployed(topic, today)
        supervisor, dept_clerk = department(topic.supervisor)
        if deployed is None or supervisor is None:
            continue
        if n == 0:
            creator, involved = wanzhou, [wanzhou] + ([yuzhong] if yuzhong in staffed else [])
        else:
            creator = rng.choice(sorted(staffed))
            others = [d for d in districts if d != creator]
            involved = [creator] + rng.sample(others, rng.randint(0, 3))
        clerks, reviewers = staffed[creator]
        approved = topic.state == APPROVED
        # distributed pilots were filed and confirmed in the previous quarter;
        # the others are being handled now
        start = previous.start if approved else max(current.start, today - dt.timedelta(days=40))
        day = start + dt.timedelta(days=rng.randrange(max((today - start).days // 3, 1)))
        created = min(working_moment(rng, day), limit - dt.timedelta(hours=6))
        deadline = None
        if topic.years:
            deadline = dt.date(deployed.year + topic.years, deployed.month, min(deployed.day, 28))
        doc_no = topic.doc_no.format(year=deployed.year)
        rows_by_limit[approved].append(DemoRow(
            values={"name": topic.name, "level": topic.level,
                    "deploy_kind": DEPLOY_KINDS[topic.kind] if topic.kind is not None else None,
                    "doc_no": doc_no, "doc_no_key": normalize_doc_no(doc_no),
                    "authority": topic.authority, "deploy_date": deployed,
                    "ongoing": True if deployed <= dt.date(2017, 10, 18) else None,
                    "acceptance_deadline": deadline, "supervisor_id": supervisor},
            unit_id=creator, filer_id=clerks[0], created_on=created,
            acts=path_to(topic.state, 2, [reviewers[0], dept_clerk], clerks[0], rng,
                         reason="涉及区县不全，请对照部署文件补充"),
            extra={"districts": involved}))
    counts: dict[str, int] = {}
    pilots: list[tuple[int, DemoRow]] = []
    approved_ids: list[int] = []  # the first one is TOPICS[0]'s
    for approved, rows in rows_by_limit.items():
        got, ids = write(session, Pilot, "pilot", rows, min(prev_end, limit) if approved
                         else limit, rng)
        for state, n in got.items():
            counts[state] = counts.get(state, 0) + n
        pilots += list(zip(ids, rows, strict=True))
        if approved:
            approved_ids = list(ids)
    if not pilots:
        return counts
    session.execute(insert(pilot_district), [
        {"pilot_id": pid, "unit_id": d, "added_on": row.created_on}
        for pid, row in pilots for d in row.extra["districts"]])
    _updates(session, rng, today, approved_ids, staffed, office, previous, current, limit)
    _achievements(session, rng, approved_ids, staffed, office, limit)
    _join_request(session, approved_ids, staffed, limit)
    return counts


def _update_rows(session, rng, period, today, pilot_ids, staffed, office, states, limit):
    tasks = session.execute(select(PilotTask.pilot_id, PilotTask.unit_id).where(
        PilotTask.period == period.code, PilotTask.pilot_id.in_(pilot_ids))
        .order_by(PilotTask.pilot_id, PilotTask.unit_id)).all()
    pilots = {p.id: p for p in session.scalars(select(Pilot).where(Pilot.id.in_(pilot_ids)))}
    rows = []
    for pilot_id, unit_id in tasks:
        if unit_id not in staffed:
            continue  # nobody there to file: the update stays overdue
        state = rng.choices(list(states), weights=list(states.values()))[0]
        first = pilot_id == pilot_ids[0]  # kept open for the contract tests
        if state is None or (first and period.code == quarter_of(today).code):
            continue
        pilot = pilots[pilot_id]
        clerks, reviewers = staffed[unit_id]
        accepted = accepted_on = None
        progress = rng.choices(["正常推进", "进度滞后"], weights=[4, 1])[0]
        deadline = pilot.acceptance_deadline
        if not first and deadline is not None and deadline <= period.end \
                and rng.random() < 0.75:
            late = rng.random() < 0.25
            accepted = True
            accepted_on = deadline + dt.timedelta(days=rng.randint(10, 40)) if late \
                else deadline - dt.timedelta(days=rng.randint(0, 60))
            accepted_on = max(min(accepted_on, period.end, today), pilot.deploy_date)
            progress = COMPLETED
        day = max(period.end - dt.timedelta(days=rng.randint(5, 25)), period.start)
        created = min(working_moment(rng, min(day, today)), limit - dt.timedelta(hours=4))
        rows.append(DemoRow(
            values={"pilot_id": pilot_id, "period": period.code, "work_done": rng.choice(WORK),
                    "problems": rng.choice(PROBLEMS), "progress": progress,
                    "accepted": accepted, "accepted_on": accepted_on,
                    "supervisor_id": pilot.supervisor_id},
            unit_id=unit_id, filer_id=clerks[0], created_on=created,
            acts=path_to(state, 3, [reviewers[0], _dept_clerk(session, pilot), office],
                         clerks[0], rng, reason="已开展工作过于笼统，请条目式列举具体举措")))
    return rows


def _dept_clerk(session, pilot) -> int:
    return users_of(session, pilot.supervisor_id, ROLE_CLERK)[0]


def _updates(session, rng, today, approved_ids, staffed, office, previous, current, limit):
    if not approved_ids:
        return
    open_tasks(session, previous, pilot_ids=approved_ids, now=limit)
    rows = _update_rows(session, rng, previous, today, approved_ids, staffed, office,
                        {APPROVED: 8, REJECTED: 1, None: 2}, limit)
    write(session, PilotUpdate, "pilot_update", rows, limit, rng)
    open_tasks(session, current, pilot_ids=approved_ids, now=limit)
    rows = _update_rows(session, rng, current, today, approved_ids, staffed, office,
                        {DRAFT: 2, "pending_1": 3, "pending_2": 2, "pending_3": 1,
                         APPROVED: 1, None: 3}, limit)
    write(session, PilotUpdate, "pilot_update", rows, limit, rng)


def _achievements(session, rng, approved_ids, staffed, office, limit):
    rows = []
    involved = session.execute(select(pilot_district.c.pilot_id, pilot_district.c.unit_id)
                               .where(pilot_district.c.pilot_id.in_(approved_ids[1:5]))
                               .order_by(pilot_district.c.pilot_id, pilot_district.c.unit_id))
    done = set()
    for pilot_id, unit_id in involved:
        if unit_id not in staffed or pilot_id in done:
            continue
        done.add(pilot_id)
        pilot = session.get(Pilot, pilot_id)
        clerks, reviewers = staffed[unit_id]
        name, problem, effect = ACHIEVEMENTS[len(rows) % len(ACHIEVEMENTS)]
        state = rng.choice([APPROVED, APPROVED, "pending_2"])
        if not rows:
            state = APPROVED  # at least one approved achievement, whatever the draw
        rows.append(DemoRow(
            values={"pilot_id": pilot_id, "name": name, "problem": problem, "effect": effect,
                    "supervisor_id": pilot.supervisor_id},
            unit_id=unit_id, filer_id=clerks[0],
            created_on=limit - dt.timedelta(days=rng.randint(5, 30), hours=rng.randint(1, 6)),
            acts=path_to(state, 3,
                         [reviewers[0], _dept_clerk(session, pilot), office], clerks[0], rng)))
    write(session, PilotAchievement, "pilot_achievement", rows, limit, rng)


def _join_request(session, approved_ids, staffed, limit):
    """One district asks to join a distributed pilot it is not in."""
    for pilot_id in approved_ids[1:]:
        involved = set(session.scalars(select(pilot_district.c.unit_id).where(
            pilot_district.c.pilot_id == pilot_id)))
        candidates = sorted(d for d in staffed if d not in involved)
        if candidates:
            clerk = staffed[candidates[0]][0][0]
            session.execute(insert(PilotJoinRequest.__table__).values(
                pilot_id=pilot_id, unit_id=candidates[0], note="本区县也承接了该试点，请列入涉及区县",
                status=JOIN_PENDING, requested_by_id=clerk,
                created_on=limit - dt.timedelta(days=2)))
            return
