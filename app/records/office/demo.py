"""Demo 深改委会议 and 工作动态: filed by the 改革办's clerk, approved by the 改革办
(most), a few waiting, one rejected and one draft."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from app.records.demo_support import (
    DemoRow,
    ensure_accounts,
    limit_of,
    path_to,
    working_moment,
    write,
)
from app.records.office.models import Meeting, NewsItem
from app.units.models import Unit
from app.workflow.chain import APPROVED, DRAFT, REJECTED

DEMO_ORDER = 120
CLERK = "13900001501"
OFFICE = "13900000001"

# (title, days ago, term, topics, decisions, state)
MEETINGS = [
    ("市委全面深化改革委员会第八次会议", 150, "六届市委",
     "审议《关于深化营商环境创新试点的实施方案》\n审议《公立医院高质量发展实施方案》",
     "会议原则同意上述方案，请牵头单位按会议意见修改完善后按程序印发实施。", APPROVED),
    ("市委全面深化改革委员会第九次会议", 90, "六届市委",
     "听取国有企业改革深化提升行动进展情况汇报\n审议《预算管理一体化改革工作方案》",
     "会议要求市国资委加快推进低效无效资产处置，市财政局年底前实现区县系统全面上线。",
     APPROVED),
    ("市委全面深化改革委员会第十次会议", 30, "六届市委",
     "审议《关于构建行政执法协调监督工作体系的意见》\n听取数字重庆建设进展情况汇报",
     "会议原则同意《意见》；要求市大数据发展局加快区县节点贯通。", APPROVED),
    ("市委全面深化改革委员会第十一次会议", 5, "六届市委",
     "审议 2027 年全市改革工作要点（送审稿）",
     "会议原则同意工作要点，请市委改革办按会议意见修改后印发。", "pending_1"),
]

# (title, days ago, unit or None, body, state)
NEWS = [
    ("万州区召开营商环境创新试点推进会", 120, "万州区",
     "万州区召开营商环境创新试点推进会，通报试点任务进展，部署下一阶段重点工作。", APPROVED),
    ("渝中区“一网通办”企业开办时间压缩至 1 个工作日", 80, "渝中区",
     "渝中区深化企业开办“一网通办”改革，企业开办全流程时间压缩至 1 个工作日以内。", APPROVED),
    ("市国资委完成市属企业董事会规范建设", 60, "市国资委",
     "市属重点企业全部实现外部董事占多数，董事会规范运行水平进一步提升。", APPROVED),
    ("全市改革报表填报系统培训会召开", 25, None,
     "市委改革办组织各区县、市级部门录入员和审核员开展改革报表填报系统操作培训。",
     APPROVED),
    ("市卫生健康委推进按病种分值付费改革", 12, "市卫生健康委",
     "全市二级以上公立医院全面实行按病种分值付费。", "pending_1"),
    ("市财政局预算管理一体化系统区县上线情况", 8, "市财政局",
     "预算管理一体化系统已在 30 个区县上线运行。", REJECTED),
    ("市司法局建成行政执法监督平台", 2, "市司法局",
     "行政执法监督平台建成上线，实现执法数据实时汇聚。", DRAFT),
]


def generate(session, rng, today: dt.date) -> dict[str, int]:
    if session.scalar(select(Meeting.id).where(Meeting.title == MEETINGS[0][0]).limit(1)) \
            is not None:
        return {}
    accounts = ensure_accounts(session)
    clerk, office = accounts.get(CLERK), accounts.get(OFFICE)
    unit_id = session.scalar(select(Unit.id).where(Unit.name == "市委改革办"))
    if clerk is None or office is None or unit_id is None:
        return {}
    units = dict(session.execute(select(Unit.name, Unit.id)).all())
    limit = limit_of(today)

    def created(day):
        moment = working_moment(rng, day + dt.timedelta(days=1))
        return moment if moment < limit else limit - dt.timedelta(hours=3)

    meetings = [DemoRow(
        values={"title": t, "held_on": today - dt.timedelta(days=ago), "term": term,
                "topics": topics, "decisions": decisions},
        unit_id=unit_id, filer_id=clerk, created_on=created(today - dt.timedelta(days=ago)),
        acts=path_to(state, 1, [office], clerk, rng, reason="请补充会议审议文件"))
        for t, ago, term, topics, decisions, state in MEETINGS]
    news = [DemoRow(
        values={"title": t, "published_on": today - dt.timedelta(days=ago),
                "about_unit_id": units.get(u) if u else None, "body": body},
        unit_id=unit_id, filer_id=clerk, created_on=created(today - dt.timedelta(days=ago)),
        acts=path_to(state, 1, [office], clerk, rng, reason="请核实数据来源后重新提交"))
        for t, ago, u, body, state in NEWS]
    counts: dict[str, int] = {}
    for model, name, rows in ((Meeting, "meeting", meetings), (NewsItem, "news", news)):
        c, _ = write(session, model, name, rows, limit, rng)
        for k, v in c.items():
            counts[k] = counts.get(k, 0) + v
    return counts
