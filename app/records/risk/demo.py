"""Demo 风险事件: a dozen incidents over the current and the previous quarter,
filed by 市委网信办 and 市信访办, in every state (most approved)."""

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
from app.records.risk.models import (
    MASS_LARGER,
    MASS_MAJOR,
    OPINION,
    RiskIncident,
    risk_incident_district,
)
from app.units.models import Unit, UnitKind
from app.workflow.chain import APPROVED, DRAFT, REJECTED

# (filer, kind, title, details, state); districts are drawn at random
INCIDENTS = [
    ("市委网信办", OPINION, "学区划片调整引发网络负面舆情",
     "学区划片调整方案公示后，本地论坛和短视频平台出现大量负面评论，单条视频播放量超过 50 万次。", APPROVED),
    ("市委网信办", OPINION, "老旧小区改造停车收费引发网络负面舆情",
     "改造后小区停车收费标准调整，业主在政务留言板集中投诉并被自媒体转发。", APPROVED),
    ("市委网信办", OPINION, "医保支付方式改革误读引发网络负面舆情",
     "关于按病种付费的不实解读在微信群传播，引发群众对住院报销的担忧。", APPROVED),
    ("市委网信办", OPINION, "网约车合规化整治引发网络负面舆情",
     "网约车驾驶员在社交平台集中发布对合规化整治的不满言论。", "pending_2"),
    ("市委网信办", OPINION, "垃圾分类收费试点引发网络负面舆情",
     "垃圾分类收费试点方案被误读为全面收费，引发网民质疑。", "pending_1"),
    ("市委网信办", OPINION, "菜市场改造搬迁引发网络负面舆情",
     "商户对临时过渡市场选址不满，相关话题登上本地热搜。", REJECTED),
    ("市信访办", MASS_LARGER, "征地补偿标准调整引发群众聚集上访",
     "约 80 名村民因补偿标准调整到区政府聚集上访，经现场协调当日劝离，无人员伤亡。", APPROVED),
    ("市信访办", MASS_LARGER, "国企改制职工安置引发群体上访",
     "企业改制涉及职工约 120 人，部分职工对安置方案不满集体上访。", APPROVED),
    ("市信访办", MASS_MAJOR, "园区企业搬迁引发群体性事件",
     "园区整合搬迁中数百名务工人员聚集，堵塞园区道路约 3 小时。", APPROVED),
    ("市信访办", MASS_LARGER, "农贸市场经营权改革引发商户聚集",
     "经营权公开招租引发原商户聚集，已妥善处置。", "pending_1"),
    ("市信访办", MASS_LARGER, "公交线路优化调整引发群众聚集",
     "线路调整后部分村社群众出行不便，聚集反映诉求。", DRAFT),
]


def _quarter_start(day: dt.date) -> dt.date:
    return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def generate(session, rng, today: dt.date) -> dict[str, int]:
    """Write the demo incidents; returns {state: count} ({} when already there)."""
    if session.scalar(select(RiskIncident.id).where(
            RiskIncident.title == INCIDENTS[0][2]).limit(1)) is not None:
        return {}
    accounts = ensure_accounts(session)
    units = dict(session.execute(select(Unit.name, Unit.id)).all())
    districts = list(session.scalars(select(Unit.id).where(
        Unit.kind == UnitKind.DISTRICT.value).order_by(Unit.sort_order, Unit.id)))
    office = accounts.get("13900000001")
    if not districts or office is None:
        return {}
    start = _quarter_start(_quarter_start(today) - dt.timedelta(days=1))  # previous quarter
    span = max((today - dt.timedelta(days=2) - start).days, 1)
    limit = limit_of(today)
    rows = []
    for filer_unit, kind, title, details, state in INCIDENTS:
        unit_id = units.get(filer_unit)
        clerks = users_of(session, unit_id, "录入员") if unit_id else []
        reviewers = users_of(session, unit_id, "审核员") if unit_id else []
        if not clerks or not reviewers:
            continue
        occurred = start + dt.timedelta(days=rng.randrange(span))
        created = working_moment(rng, occurred + dt.timedelta(days=1))
        if created >= limit:
            created = limit - dt.timedelta(hours=4)
        involved = rng.sample(districts, 2 if rng.random() < 0.25 else 1)
        rows.append(DemoRow(
            values={"title": title, "occurred_on": occurred, "kind": kind, "details": details,
                    "project": None},
            unit_id=unit_id, filer_id=clerks[0], created_on=created,
            acts=path_to(state, 2, [reviewers[0], office], clerks[0], rng,
                         reason="请补充事件与改革的关联及处置情况"),
            extra={"districts": involved}))
    counts, ids = write(session, RiskIncident, "risk_incident", rows, limit, rng)
    links = [{"incident_id": rid, "unit_id": d}
             for rid, row in zip(ids, rows, strict=True) for d in row.extra["districts"]]
    if links:
        session.execute(insert(risk_incident_district), links)
    return counts
