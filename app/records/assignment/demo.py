"""Demo 交办事项: items of both kinds (需求清单交办, 堵点卡点) assigned by the
市委改革办 to several districts, with progress reports in every state — some
units on time, some overdue, some due within 7 days, some completed.

``generate(session, rng, today) -> {state: count}`` (of the reports) follows
:mod:`app.records.demo_support`: deterministic for a given ``rng`` seed and
``today``, nothing later than ``today`` 08:00, nothing added when the demo
items are already there, no commit (the caller commits). Dates are relative to
``today``: a report "in slot k" is filed in the k-th quarter after its item's
deadline (:mod:`app.records.assignment.due`).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import insert, select

from app.records.assignment.due import quarter_bounds, quarter_index
from app.records.assignment.models import (
    COMPLETED,
    IN_PROGRESS,
    KIND_BOTTLENECK,
    KIND_DEMAND,
    Assignment,
    assignment_unit,
    report_model,
)
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
from app.units.models import Unit
from app.workflow.chain import APPROVED, DRAFT, REJECTED

DEMO_ORDER = 120  # after the demands (an item may name one)

P1, P2 = "pending_1", "pending_2"

# a report: (when, state, progress); when is ("slot", k): in the k-th quarter
# after the deadline's (slot 0: a few days before the deadline), or ("ago", n):
# n days before today
ITEMS = [
    (KIND_DEMAND, "建立科技人才评价改革推进机制",
     "按照中央深改委关于开展科技人才评价改革试点的部署，构建以创新价值、能力、贡献为导向的科技人才评价体系。"
     "请各承办单位明确牵头科室，制定推进方案，按时反馈推进情况。", -150, True, {
         "万州区": [(("slot", 0), APPROVED, IN_PROGRESS), (("slot", 1), APPROVED, IN_PROGRESS)],
         "渝中区": [],
         "江北区": [(("slot", 0), APPROVED, IN_PROGRESS), (("slot", 1), APPROVED, COMPLETED)],
     }),
    (KIND_DEMAND, "打造践行全过程人民民主基层单元",
     "基层反映，希望充分发挥人民代表大会在发展全过程人民民主中的主要渠道作用，丰富拓展基层民主实践，"
     "畅通民意诉求表达渠道。请承办单位提出具体改革举措。", 5, False, {
         "万州区": [(("ago", 2), DRAFT, IN_PROGRESS)],
         "渝中区": [],
         "涪陵区": [(("ago", 3), P1, IN_PROGRESS)],
     }),
    (KIND_DEMAND, "实施绿色认证（“双碳”认证）集成改革",
     "企业反映绿色认证种类多、多头管理、认证成本高。请承办单位梳理认证事项，研究建立统一的标准、认证和标识"
     "体系的路径。", 40, False, {
         "万州区": [(("ago", 5), P2, IN_PROGRESS)],
         "江北区": [(("ago", 10), REJECTED, IN_PROGRESS)],
         "沙坪坝区": [],
     }),
    (KIND_DEMAND, "深化科技成果转化收益分配改革",
     "落实赋予科研人员职务科技成果所有权或长期使用权要求，完善收益分配激励机制。", -20, True, {
         "渝中区": [(("slot", 0), APPROVED, IN_PROGRESS)],
         "涪陵区": [(("slot", 0), REJECTED, IN_PROGRESS)],
         "沙坪坝区": [(("slot", 0), APPROVED, COMPLETED)],
     }),
    (KIND_BOTTLENECK, "工程建设项目审批“多头跑、反复跑”",
     "企业反映工程建设项目审批涉及部门多、环节多，图审、消防、人防等事项多头受理、重复提交材料。"
     "请承办单位推动“一窗受理、并联审批”，反馈破解举措和成效。", -400, False, {
         "万州区": [(("slot", 0), APPROVED, IN_PROGRESS), (("slot", 1), APPROVED, IN_PROGRESS),
                  (("slot", 2), APPROVED, IN_PROGRESS), (("slot", 3), APPROVED, IN_PROGRESS),
                  (("slot", 4), APPROVED, COMPLETED)],
         "渝中区": [(("slot", 0), APPROVED, IN_PROGRESS)],
         "涪陵区": [(("slot", 0), APPROVED, IN_PROGRESS), (("ago", 10), APPROVED, IN_PROGRESS)],
         "沙坪坝区": [(("slot", 0), APPROVED, IN_PROGRESS), (("ago", 4), P2, IN_PROGRESS)],
     }),
    (KIND_BOTTLENECK, "企业开办与注销“一件事”办理不畅",
     "企业开办与注销涉及市场监管、税务、社保、公积金等多个系统，数据不互通，群众需多次提交材料。", -30,
     False, {
         "万州区": [(("slot", 0), APPROVED, IN_PROGRESS)],
         "渝中区": [(("slot", 0), REJECTED, IN_PROGRESS)],
         "江北区": [(("slot", 0), P1, IN_PROGRESS)],
         "涪陵区": [],
     }),
    (KIND_BOTTLENECK, "跨部门政务数据共享壁垒",
     "基层反映跨部门数据共享需逐项申请、周期长，“数据烟囱”制约一网通办。请承办单位梳理共享需求清单。", 3,
     False, {
         "万州区": [],
         "渝中区": [(("ago", 1), DRAFT, IN_PROGRESS)],
         "江北区": [],
     }),
    (KIND_BOTTLENECK, "农村集体经营性建设用地入市卡点",
     "入市主体、收益分配、抵押融资等环节存在政策卡点，请承办单位反馈试点推进和政策突破情况。", -200,
     False, {
         "万州区": [(("slot", 0), APPROVED, IN_PROGRESS), (("slot", 1), APPROVED, COMPLETED)],
         "涪陵区": [(("slot", 0), APPROVED, IN_PROGRESS), (("ago", 15), APPROVED, IN_PROGRESS)],
     }),
]

WORK_DONE = {
    KIND_DEMAND: ("1.出台推进工作方案，明确任务清单、责任分工和时间节点。\n"
                  "2.建立双周调度机制，由分管负责同志牵头协调解决跨部门问题。\n"
                  "3.梳理形成首批改革举措 6 项，已完成 3 项。"),
    KIND_BOTTLENECK: ("1.牵头召开专题协调会，梳理堵点环节 12 个，形成问题清单和责任清单。\n"
                      "2.推行“一窗受理、并联审批”，申请材料由 28 件精简至 15 件。\n"
                      "3.上线“一件事”集成办理应用，办理时限压缩 40%。"),
}
DONE_TEXT = "已完成全部改革任务，相关制度文件已印发实施，形成可复制推广的经验做法。"
PROBLEMS = "部分事项涉及市级事权，需市级部门在政策层面予以支持；跨部门数据共享仍需打通。"


def _report_day(when, deadline: dt.date, today: dt.date) -> dt.date | None:
    kind, n = when
    if kind == "ago":
        return today - dt.timedelta(days=n)
    if n == 0:
        day = deadline - dt.timedelta(days=6)
    else:
        start, end = quarter_bounds(quarter_index(deadline) + n)
        day = min(start + dt.timedelta(days=40), end - dt.timedelta(days=5))
    latest = today - dt.timedelta(days=2)
    if day > latest:
        # the slot's quarter is the current one: filed lately, if the quarter began
        start = quarter_bounds(quarter_index(deadline) + n)[0] if n else None
        if start is not None and start > latest:
            return None
        day = latest
    return day


def generate(session, rng, today: dt.date) -> dict[str, int]:
    if session.scalar(select(Assignment.id).where(Assignment.title == ITEMS[0][1]).limit(1)):
        return {}
    accounts = ensure_accounts(session)
    office = accounts.get(OFFICE_MOBILE)
    units = dict(session.execute(select(Unit.name, Unit.id)).all())
    if office is None:
        return {}
    from app.records.demand.models import Demand

    demand = session.scalar(select(Demand.id).where(Demand.state == APPROVED)
                            .order_by(Demand.id).limit(1))
    limit = limit_of(today)
    counts: dict[str, int] = {}
    for kind, title, content, offset, linked, per_unit in ITEMS:
        deadline = today + dt.timedelta(days=offset)
        created = min(working_moment(rng, deadline - dt.timedelta(days=45)),
                      limit - dt.timedelta(days=10))
        item_id = session.execute(insert(Assignment.__table__).returning(Assignment.id), {
            "kind": kind, "title": title, "content": content,
            "demand_id": demand if linked else None, "deadline": deadline,
            "created_by_id": office, "created_on": created, "changed_on": created,
        }).scalar_one()
        targets = [name for name in per_unit if name in units]
        session.execute(insert(assignment_unit), [
            {"assignment_id": item_id, "unit_id": units[name], "assigned_on": created}
            for name in targets])
        model = report_model(kind)
        for name in targets:
            clerks = users_of(session, units[name], "录入员")
            reviewers = users_of(session, units[name], "审核员")
            if not clerks or not reviewers:
                continue
            for when, state, progress in per_unit[name]:
                day = _report_day(when, deadline, today)
                if day is None:
                    continue
                start = max(working_moment(rng, day - dt.timedelta(days=1)),
                            created + dt.timedelta(hours=1))
                end = min(dt.datetime.combine(day + dt.timedelta(days=3), dt.time(18, 0)),
                          limit)
                if start >= end:
                    start = end - dt.timedelta(hours=6)
                text = WORK_DONE[kind] + ("\n" + DONE_TEXT if progress == COMPLETED else "")
                row = DemoRow(
                    values={"assignment_id": item_id, "work_done": text,
                            "problems": "" if progress == COMPLETED else PROBLEMS,
                            "progress": progress},
                    unit_id=units[name], filer_id=clerks[0], created_on=start,
                    acts=path_to(state, 2, [reviewers[0], office], clerks[0], rng,
                                 reason="已开展工作过于笼统，请条目式列举具体举措和成效后重新提交"))
                made, _ids = write(session, model, model.__record_type__, [row], end, rng)
                for key, n in made.items():
                    counts[key] = counts.get(key, 0) + n
    return counts
