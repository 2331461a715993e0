"""A deterministic, plausible demo quarter: records of every registered demo
record type for the 41 districts, in every workflow state, for the current
quarter and the one before it (for trends).

``load_demo_quarter()`` is what a first start loads after the units, accounts,
taxonomy and schemes (:func:`app.demo.load.load_demo`). It is deterministic
for a given ``seed`` and ``today`` and idempotent: a record type whose demo
records are already there (same unit and title) is skipped, so running it
twice — or on another day — adds nothing.

Design
------
* **Accounts.** 万州区 and 渝中区 have the demo accounts of ``DEMO_ACCOUNTS``;
  every other district gets one 录入员 and one 审核员 (``1390001DDDR``: DDD
  the district's position in :data:`app.demo.units.DISTRICTS`, R 1 clerk / 2
  reviewer; the demo password; no forced password change), so that every
  history row names someone the chain really allows: the district's clerk
  files and submits, its reviewer acts at step 1, the 改革办 account at step 2.
  Actors are found from the chain's own :class:`~app.workflow.chain.Actor`
  rules, so a later record type with another chain needs no change here.
* **Dates.** Everything happens in working hours (Mon–Fri 08:30–17:30) within
  its quarter and before ``today`` 08:00 — so the data is a function of
  ``seed`` and ``today`` alone, and a demo loaded during the day shows no
  future moment (nor does a report generated right after); records still
  open (drafts, waiting, rejected) were touched in the last weeks. A recognition's 日期 lies in its
  quarter, before it was filed. The current quarter holds every state; the
  earlier quarter holds closed records only (approved, or rejected and left).
  When the earlier quarter lies in the previous year (today in Q1), its
  recognitions are dated, filed, approved and closed in that year — the
  schemes count a recognition in its own year up to the period's end
  (``window: year_to_date``), so that quarter's ranking is real — and none of
  them is left open: every recognition a clerk can still edit is dated in the
  current evaluation year, as ``Recognition.clean()`` requires.
* **Speed.** The accounts are made once with one password hash; records and
  history are inserted with SQLAlchemy Core (one INSERT … RETURNING per type,
  history in chunks).
* **Extending.** A later record type adds a generator to :data:`GENERATORS`
  (``GENERATORS["pilot"] = fn`` or ``@register_generator("pilot")``): a
  function of the :class:`DemoContext` that returns either a list of
  :class:`DemoRecord` — each record's own columns, its unit, its creation
  time and its transitions (see :meth:`DemoContext.path` and
  :meth:`DemoContext.plan`); this module then finds the allowed actors, fills
  the workflow columns, writes the history and skips the type when its demo
  records are already there — or ``{state: count}`` of the records it wrote
  itself (then it is idempotent on its own), e.g.
  ``lambda ctx: generate(ctx.session, ctx.rng("pilot"), ctx.today)``. Each
  type draws from its own ``random.Random(f"{seed}:{type}")`` (every draw
  taken whatever the data, see :func:`_int`), so adding one changes no other
  type's data.
"""

from __future__ import annotations

import bisect
import datetime as dt
import random
import time as _time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import insert, select
from werkzeug.security import generate_password_hash

from app.demo import units as U
from app.demo.load import DEMO_ACCOUNTS, DemoAccount
from app.extensions import db
from app.security.models import ReformUser
from app.security.roles import ROLE_ADMIN, ROLE_CLERK, ROLE_REVIEWER
from app.units.models import Unit, UnitKind
from app.workflow.chain import APPROVED, DRAFT, REJECTED
from app.workflow.models import WorkflowHistory
from app.workflow.registry import get_type

HISTORY_CHUNK = 2000
WORK_START = dt.time(8, 30)
WORK_END = dt.time(17, 30)
DAY = (WORK_END.hour * 60 + WORK_END.minute) - (WORK_START.hour * 60 + WORK_START.minute)
LIMIT = dt.time(8, 0)  # the demo's last moment is today at 08:00
RECENT = 15 * DAY  # open records were last touched within about three working weeks


# -- accounts -----------------------------------------------------------------------

def _short(name: str) -> str:
    special = {"两江新区": "两江", "西部科学城重庆高新区": "高新区", "万盛经开区": "万盛"}
    if name in special:
        return special[name]
    if "族" in name:  # 石柱土家族自治县 → 石柱
        return name[:2]
    return name[:-1] if name[-1] in "区县" else name


def district_accounts() -> list[DemoAccount]:
    """One 录入员 and one 审核员 for each district without demo accounts."""
    covered = {acc.unit for acc in DEMO_ACCOUNTS}
    accounts = []
    for index, (_code, name, _region) in enumerate(U.DISTRICTS, start=1):
        if name in covered:
            continue
        short = _short(name)
        accounts.append(DemoAccount(f"1390001{index:03d}1", f"{short}录入员", name, (ROLE_CLERK,)))
        accounts.append(DemoAccount(f"1390001{index:03d}2", f"{short}审核员", name,
                                    (ROLE_REVIEWER,)))
    return accounts


def ensure_district_accounts(session, password: str | None = None) -> int:
    """Create the missing :func:`district_accounts` (password hashed once);
    returns how many were created."""
    wanted = district_accounts()
    have = set(session.scalars(select(ReformUser.mobile).where(
        ReformUser.mobile.in_([a.mobile for a in wanted]))))
    missing = [a for a in wanted if a.mobile not in have]
    if not missing:
        return 0
    sm = current_app.appbuilder.sm
    roles = {name: sm.find_role(name) for name in (ROLE_CLERK, ROLE_REVIEWER)}
    if None in roles.values():
        raise RuntimeError("请先同步角色（flask roles sync）")
    units = {u.name: u.id for u in session.scalars(select(Unit).where(
        Unit.kind == UnitKind.DISTRICT.value))}
    password = password or current_app.config["DEMO_PASSWORD"]
    hashed = generate_password_hash(
        password, method=current_app.config.get("FAB_PASSWORD_HASH_METHOD", "scrypt"))
    session.add_all([
        ReformUser(first_name=acc.name, last_name="", username=acc.mobile, mobile=acc.mobile,
                   email=f"{acc.mobile}@demo.invalid", active=True, unit_id=units[acc.unit],
                   must_change_password=False, password=hashed,
                   roles=[roles[r] for r in acc.roles])
        for acc in missing
    ])
    session.flush()
    return len(missing)


class Actors:
    """Who may act, from the chain's own rules: (unit, role) → user ids."""

    def __init__(self, session):
        from flask_appbuilder.security.sqla.models import Role, assoc_user_role

        rows = session.execute(
            select(ReformUser.id, ReformUser.unit_id, Role.name)
            .join(assoc_user_role, assoc_user_role.c.user_id == ReformUser.id)
            .join(Role, Role.id == assoc_user_role.c.role_id)
            .where(ReformUser.active.is_(True))
            .order_by(ReformUser.mobile, ReformUser.id)
        ).all()
        admins = {uid for uid, _, role in rows if role == ROLE_ADMIN}
        self.unit_of: dict[int, int | None] = {}
        self.by_unit_role: dict[tuple, list[int]] = {}
        self.by_role: dict[str, list[int]] = {}
        for uid, unit_id, role in rows:
            if uid in admins:  # administrators cannot review (nor file, in the demo)
                continue
            self.unit_of[uid] = unit_id
            self.by_unit_role.setdefault((unit_id, role), []).append(uid)
            self.by_role.setdefault(role, []).append(uid)

    def find(self, actor, values: dict, exclude=()) -> int:
        """A user matching ``actor`` (an :class:`app.workflow.chain.Actor`)
        for a record with column ``values``, other than ``exclude``."""
        if actor.where == "anywhere":
            candidates = self.by_role.get(actor.role, [])
        else:
            column = "unit_id" if actor.where == "own_unit" else actor.unit_attr
            candidates = self.by_unit_role.get((values.get(column), actor.role), [])
        for uid in candidates:
            if uid not in exclude:
                return uid
        raise LookupError(f"演示数据：单位 {values.get('unit_id')} 没有“{actor.label or actor.role}”账号")


# -- time ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Quarter:
    code: str  # e.g. 2026Q4
    year: int
    start: dt.date
    end: dt.date  # inclusive
    current: bool

    @classmethod
    def of(cls, day: dt.date, current: bool) -> Quarter:
        q = (day.month - 1) // 3 + 1
        start = dt.date(day.year, 3 * q - 2, 1)
        nxt = dt.date(day.year + (q == 4), (3 * q) % 12 + 1, 1)
        return cls(f"{day.year}Q{q}", day.year, start, nxt - dt.timedelta(days=1), current)

    def previous(self) -> Quarter:
        return Quarter.of(self.start - dt.timedelta(days=1), current=False)


def demo_periods(today: dt.date | None = None) -> tuple[str, str]:
    """(earlier, current) quarter codes of the demo, e.g. ("2026Q3", "2026Q4")."""
    current = Quarter.of(today or dt.date.today(), current=True)
    return current.previous().code, current.code


class Clock:
    """Working time between ``start`` and ``end`` as a line of minutes, so that
    ``at(minutes)`` is monotonic and always a working-hour moment in range."""

    def __init__(self, start: dt.datetime, end: dt.datetime):
        self.spans: list[tuple[dt.datetime, float]] = []
        for weekdays_only in (True, False):
            day = start.date()
            while day <= end.date():
                if day.weekday() < 5 or not weekdays_only:
                    lo = max(dt.datetime.combine(day, WORK_START), start)
                    hi = min(dt.datetime.combine(day, WORK_END), end)
                    if hi > lo:
                        self.spans.append((lo, (hi - lo).total_seconds() / 60))
                day += dt.timedelta(days=1)
            if self.spans:
                break
        if not self.spans:  # e.g. the quarter began this very night
            self.spans.append((start, max((end - start).total_seconds() / 60, 0.0)))
        self.cumulative = []
        total = 0.0
        for _, minutes in self.spans:
            self.cumulative.append(total)
            total += minutes
        self.total = total

    def at(self, minutes: float) -> dt.datetime:
        minutes = min(max(minutes, 0.0), self.total)
        i = max(bisect.bisect_right(self.cumulative, minutes) - 1, 0)
        start, length = self.spans[i]
        offset = min(minutes - self.cumulative[i], length)
        return (start + dt.timedelta(minutes=offset)).replace(microsecond=0)


# -- what generators produce ---------------------------------------------------------

@dataclass(frozen=True)
class Act:
    action: str  # submit | withdraw | approve | reject
    at: dt.datetime
    reason: str | None = None


@dataclass
class DemoRecord:
    unit_id: int
    values: dict  # the type's own columns (not the workflow columns)
    created_on: dt.datetime
    acts: list[Act] = field(default_factory=list)


@dataclass(frozen=True)
class District:
    unit_id: int
    name: str
    region: str
    activity: float  # 0.2 (files little) … 1.2 (very active)
    momentum: tuple[float, float]  # (earlier, current) quarter factor, for trends


@dataclass
class DemoContext:
    session: object
    seed: int
    today: dt.date
    now: dt.datetime
    current: Quarter
    earlier: Quarter
    districts: list[District]
    eval_year: int
    clocks: dict[str, Clock] = field(default_factory=dict)

    @property
    def quarters(self) -> tuple[Quarter, Quarter]:
        return self.earlier, self.current

    def rng(self, record_type: str) -> random.Random:
        return random.Random(f"{self.seed}:{record_type}")

    def district(self, name: str) -> District:
        return next(d for d in self.districts if d.name == name)

    def clock(self, quarter: Quarter) -> Clock:
        if quarter.code not in self.clocks:
            start = dt.datetime.combine(quarter.start, dt.time.min)
            end = self.now if quarter.current else dt.datetime.combine(
                quarter.end + dt.timedelta(days=1), dt.time.min)
            self.clocks[quarter.code] = Clock(start, min(end, self.now))
        return self.clocks[quarter.code]

    # -- paths through a chain, and when each step happened --------------------
    @staticmethod
    def path(rng: random.Random, steps: int, state: str, reasons: dict[int, list[str]]
             ) -> list[tuple[str, str | None]]:
        """The transitions leading to ``state`` in a chain of ``steps`` review
        steps, sometimes through a rejection and resubmission (驳回后重新提交)."""

        def reject(at: int):
            return ("reject", rng.choice(reasons[at]))

        def climb(n: int):
            return [("approve", None)] * n

        if state == DRAFT:
            return [("submit", None), ("withdraw", None)] if rng.random() < 0.2 else []
        if state == REJECTED:
            at = _int(rng, 1, steps)
            return [("submit", None)] + climb(at - 1) + [reject(at)]
        target = steps + 1 if state == APPROVED else int(state.split("_")[1])
        roll = rng.random()
        if roll < 0.22:  # rejected once on the way, corrected and resubmitted
            at = _int(rng, 1, steps)
            return ([("submit", None)] + climb(at - 1) + [reject(at), ("submit", None)]
                    + climb(target - 1))
        if roll < 0.25 and state == APPROVED:  # twice
            return [("submit", None), reject(1), ("submit", None)] + climb(steps - 1) + [
                reject(steps), ("submit", None)] + climb(steps)
        return [("submit", None)] + climb(target - 1)

    def plan(self, rng: random.Random, quarter: Quarter, path, recent: bool = False
             ) -> tuple[dt.datetime, list[Act]]:
        """When the record was filed and when each transition happened."""
        gaps = []
        prev = None
        for action, _ in path:
            if action == "submit":
                gaps.append(rng.uniform(5, 240) if prev is None else rng.uniform(120, 4 * DAY))
            elif action == "withdraw":
                gaps.append(rng.uniform(10, 300))
            else:
                gaps.append(rng.uniform(45, 3 * DAY))
            prev = action
        clock = self.clock(quarter)
        need = sum(gaps)
        room = clock.total
        if need > room * 0.9:
            scale = room * 0.9 / need if need else 0
            gaps = [g * scale for g in gaps]
            need = sum(gaps)
        latest = max(room - need, 0.0)
        earliest = max(latest - RECENT, 0.0) if recent else 0.0
        t = rng.uniform(earliest, latest)
        created = clock.at(t)
        acts = []
        for gap, (action, reason) in zip(gaps, path, strict=True):
            t += gap
            acts.append(Act(action, clock.at(t), reason))
        return created, acts


# -- text -------------------------------------------------------------------------

@dataclass(frozen=True)
class Topic:
    title: str
    track: str | None  # a 跑道 of the demo taxonomy (its 领域 follows), or none
    area: str  # for the description: "…关于{area}的决策部署"
    problem: str  # sentences; "；" separates numbered points
    measures: tuple[str, ...]
    effect: str


def _t(title, track, area, problem, measures, effect) -> Topic:
    return Topic(title, track, area, problem, tuple(measures.split("；")), effect)


TOPICS = [
    # 营商环境
    _t("推行企业开办“一件事”集成改革", "营商环境", "优化营商环境",
       "企业开办涉及市场监管、税务、社保、公积金等多个部门；申请材料重复提交，办理环节多、时间长",
       "整合营业执照、公章刻制、税务登记、社保登记等事项为“一件事一次办”；推行线上“一网通办”、线下“一窗综办”",
       "企业开办时间由3个工作日压缩至0.5个工作日"),
    _t("建立涉企经营许可“证照分离”全覆盖机制", "营商环境", "市场准入",
       "部分涉企经营许可审批条件模糊；“准入不准营”问题仍然存在",
       "按直接取消审批、审批改为备案、实行告知承诺、优化审批服务四种方式分类推进；建立许可事项清单动态调整机制",
       "清单内事项全部纳入分类管理，审批时限平均压缩40%以上"),
    _t("探索建立“信用+监管”分级分类监管制度", "营商环境", "事中事后监管",
       "多头检查、重复检查问题较为突出；监管资源配置与企业信用状况不匹配",
       "建立企业信用风险分类指标体系；按信用等级确定“双随机、一公开”抽查比例和频次；推行“综合查一次”",
       "对守信企业“无事不扰”，涉企检查次数同比下降35%"),
    _t("健全政务服务“好差评”闭环管理体系", "营商环境", "政务服务",
       "政务服务评价渠道分散；差评整改缺少跟踪问效机制",
       "整合线上线下评价渠道；建立差评“回访—整改—反馈”闭环；将评价结果纳入窗口单位绩效考核",
       "差评整改率达100%，办事群众满意度提升至99%以上"),
    _t("开展工程建设项目审批制度改革", "营商环境", "工程建设项目审批",
       "工程建设项目审批链条长、环节多；联合审图、联合验收推进不到位",
       "推行“多测合一”“多审合一”“联合验收”；对社会投资小型低风险项目实行“拿地即开工”",
       "一般社会投资项目审批时间压缩至30个工作日以内"),
    # 国资国企
    _t("健全国有企业中国特色现代企业制度", "国资国企", "国资国企改革",
       "部分国有企业董事会职权落实不到位；外部董事占多数的要求尚未全面落实",
       "制定党委前置研究讨论重大经营管理事项清单；推动董事会应建尽建、配齐建强；落实董事会选聘经理层成员等职权",
       "区属重点国有企业董事会外部董事占多数实现全覆盖"),
    _t("推行国有企业经理层成员任期制和契约化管理", "国资国企", "国资国企改革",
       "经理层成员“能上不能下”、薪酬“能增不能减”问题仍未根本解决",
       "签订岗位聘任协议和年度、任期经营业绩责任书；实行刚性考核、刚性兑现",
       "区属国有企业经理层成员任期制和契约化管理覆盖率达100%"),
    _t("开展区属国有企业“瘦身健体”改革", "国资国企", "国资国企改革",
       "区属国有企业管理层级多、法人户数多；部分企业长期亏损、低效运转",
       "压减管理层级至三级以内；对“僵尸企业”和低效无效资产分类处置；推动同质化业务专业化整合",
       "压减法人户数23户，止损减亏企业户数占比达85%"),
    _t("建立国有资本投资运营平台市场化转型机制", "国资国企", "国资国企改革",
       "区属融资平台公司依赖政府信用融资；市场化经营能力不足",
       "推动平台公司剥离政府融资职能；注入优质经营性资产；建立市场化选人用人和激励约束机制",
       "平台公司经营性收入占比提高至60%以上"),
    # 要素市场化配置
    _t("深化农村集体经营性建设用地入市改革", "要素市场化配置", "土地要素市场化配置",
       "农村集体经营性建设用地入市途径不畅；入市收益分配机制不健全",
       "制定集体经营性建设用地入市管理办法；建立“国土空间规划+入市”联动机制；明确土地增值收益调节金征收和分配比例",
       "完成入市交易12宗，农村集体经济组织增收2000余万元"),
    _t("探索建立公共数据授权运营机制", "要素市场化配置", "数据要素市场化配置",
       "公共数据“沉睡”在部门系统中；数据开放共享和开发利用缺乏制度规范",
       "制定公共数据授权运营管理办法；搭建数据运营平台，建立数据产品登记和交易规则",
       "上架数据产品36个，带动社会投资1.2亿元"),
    _t("健全技能人才评价和流动机制", "要素市场化配置", "劳动力要素市场化配置",
       "人才评价“唯论文、唯职称、唯学历”倾向仍然存在；企业高技能人才职称评审渠道不畅",
       "开展企业自主评价职业技能等级试点；打通高技能人才与专业技术人才职业发展通道",
       "新增自主评价企业48家，1300余名技能人才取得等级证书"),
    _t("开展知识产权质押融资改革", "要素市场化配置", "科技金融",
       "科技型中小企业轻资产、缺抵押；知识产权价值评估难、处置难",
       "建立知识产权质押融资风险补偿资金池；引入第三方评估机构，推行“评估+担保+保险”模式",
       "累计为85家科技型企业发放知识产权质押贷款3.6亿元"),
    _t("建立排污权市场化交易制度", "要素市场化配置", "资源环境要素配置",
       "排污权初始分配不够合理；交易市场活跃度不高，企业参与意愿不强",
       "完善排污权有偿使用和交易规则；将新增排污量纳入市场化交易",
       "完成排污权交易120笔，交易金额2800万元"),
    # 基层治理
    _t("健全党建统领基层治理“141”体系", "基层治理", "基层治理",
       "镇街力量分散，条块协同不足；基层治理事件处置时效不高",
       "建立镇街基层治理指挥中心和“四个板块”运行机制；推动网格与村（社区）精准对接",
       "基层治理事件按期办结率提升至98%"),
    _t("探索建立“街长制”城市精细化管理机制", "基层治理", "城市治理",
       "街面秩序、市容环境问题反复出现；部门间职责交叉，问题发现和处置脱节",
       "按路段设立街长，明确“一街一长一队”；建立问题发现、派单、处置、回访闭环",
       "街面问题平均处置时间缩短至2小时"),
    _t("开展“村民说事”议事协商改革", "基层治理", "乡村治理",
       "村级事务决策中群众参与渠道少；矛盾纠纷就地化解能力不强",
       "建立“说、议、办、评”议事协商流程；村级重大事项一律提交村民议事会协商",
       "矛盾纠纷就地化解率达95%以上"),
    _t("健全社区物业服务管理协同机制", "基层治理", "城市治理",
       "老旧小区无物业管理现象较为普遍；物业矛盾纠纷化解缺乏有效机制",
       "推行社区党组织领导下的居委会、业委会、物业服务企业“三方联动”；引入国有物业企业兜底服务",
       "老旧小区专业化物业服务覆盖率由45%提升至82%"),
    _t("建立矛盾纠纷多元化解“一站式”机制", "基层治理", "平安建设",
       "矛盾纠纷化解资源分散在多个部门；群众反映诉求“多头跑”",
       "整合综治中心、信访、调解、法律服务等资源；实行“一窗受理、分类流转、限时办结”",
       "矛盾纠纷化解成功率达96%，信访总量同比下降18%"),
    # 法治政府建设
    _t("深化镇街综合行政执法改革", "法治政府建设", "行政执法",
       "镇街执法力量薄弱；部门执法职责交叉、多头执法问题依然存在",
       "编制镇街综合行政执法事项清单；推行“一支队伍管执法”；建立执法协作联动机制",
       "镇街综合执法覆盖率达100%，重复执法问题明显减少"),
    _t("推行包容审慎“首违不罚”柔性执法制度", "法治政府建设", "行政执法",
       "对轻微违法行为“一罚了之”现象仍有发生；执法温度有待提升",
       "制定轻微违法行为不予处罚和减轻处罚事项清单；推行说服教育、劝导示范、警示告诫等柔性执法方式",
       "适用“首违不罚”案件1100余件，惠及市场主体900余户"),
    _t("建立行政复议和行政诉讼案件纠错通报制度", "法治政府建设", "依法行政",
       "部分行政机关败诉和被纠错案件反复出现；纠错原因分析和整改机制不健全",
       "按季度通报行政复议被纠错和行政诉讼败诉案件；建立重大案件约谈和整改跟踪机制",
       "行政案件被纠错率同比下降2.3个百分点"),
    _t("健全重大行政决策合法性审查机制", "法治政府建设", "依法行政",
       "部分重大行政决策程序不规范；公众参与和专家论证流于形式",
       "制定年度重大行政决策事项目录；推行合法性审查“应审必审”和公众参与意见反馈",
       "重大行政决策合法性审查率达100%"),
    # 教育
    _t("深化集团化办学改革", "教育", "基础教育优质均衡发展",
       "城乡、校际间优质教育资源不均衡；薄弱学校办学质量提升慢",
       "组建“名校+弱校”“城区+乡村”教育集团；推行集团内师资统筹、课程共享、质量捆绑考核",
       "组建教育集团18个，覆盖中小学86所"),
    _t("推行中小学教师“县管校聘”管理改革", "教育", "教师队伍建设",
       "教师资源配置不均衡；城区学校超编与农村学校缺编并存",
       "由区县统一核定编制总量和岗位；推行教师竞聘上岗和跨校交流轮岗",
       "年度交流轮岗教师620名，乡村学校骨干教师占比提升8个百分点"),
    _t("建立“双减”课后服务质量保障机制", "教育", "“双减”工作",
       "课后服务内容单一、吸引力不足；课后服务经费保障机制不健全",
       "制定课后服务清单；引入优质校外资源进校园；建立课后服务成本分担机制",
       "课后服务学生参与率达97%，家长满意度达96%"),
    _t("开展职业教育产教融合改革", "教育", "现代职业教育",
       "职业院校专业设置与产业需求脱节；企业参与办学积极性不高",
       "组建产教融合共同体；推行“订单班”和现代学徒制；建立校企人员双向流动机制",
       "新建产业学院6个，毕业生本地就业率提升至78%"),
    # 医药卫生
    _t("深化紧密型县域医共体建设", "医药卫生", "医药卫生体制",
       "基层医疗机构服务能力不足；县域内患者外转率偏高",
       "推行医共体内人员、财务、药品统一管理；实行医保基金总额付费、结余留用",
       "县域内就诊率提升至90%以上"),
    _t("推行医保支付方式DRG改革", "医药卫生", "医疗保障",
       "按项目付费方式下过度医疗问题突出；医保基金支出增长过快",
       "全面推行按疾病诊断相关分组付费；建立医保基金使用绩效评价和激励约束机制",
       "住院次均费用同比下降6.8%"),
    _t("建立家庭医生签约服务激励机制", "医药卫生", "基层医疗卫生服务",
       "家庭医生签约“签而不约”现象较为普遍；签约服务内容与群众需求不匹配",
       "推出个性化签约服务包；将签约服务费主要用于家庭医生团队绩效分配",
       "重点人群签约率达85%，续约率提升至92%"),
    _t("开展公立医院薪酬制度改革", "医药卫生", "公立医院改革",
       "公立医院薪酬水平与岗位价值、工作量关联不紧密；医务人员积极性有待提高",
       "合理确定薪酬水平和结构；建立以公益性为导向的绩效考核机制",
       "医务人员薪酬中固定部分占比提高至45%"),
    # 生态环境保护
    _t("健全河长制湖长制工作机制", "生态环境保护", "河湖治理",
       "跨区域河流治理责任边界不清；上下游联防联治机制不健全",
       "建立上下游、左右岸联合巡河和联合执法机制；推行“河长+检察长+警长”协作",
       "辖区重点河流水质稳定达到Ⅲ类"),
    _t("建立生态环境损害赔偿制度", "生态环境保护", "生态环境保护",
       "“企业污染、群众受害、政府买单”问题仍然存在；赔偿磋商、修复监督机制不健全",
       "制定生态环境损害赔偿磋商办法；建立损害鉴定评估和修复效果评估机制",
       "办理生态环境损害赔偿案件27件，落实赔偿金1500余万元"),
    _t("探索建立流域横向生态保护补偿机制", "生态环境保护", "生态补偿",
       "流域上下游生态保护责任与受益不对等；生态保护者积极性不高",
       "与上下游区县签订横向生态保护补偿协议；以跨界断面水质考核结果确定补偿资金",
       "跨界断面水质达标率保持100%"),
    _t("推行“林长制”森林资源保护管理改革", "生态环境保护", "森林资源保护",
       "森林资源保护责任落实不到位；护林员队伍管理松散",
       "建立区、镇、村三级林长体系；整合生态护林员、公益林管护员，实行网格化管护",
       "森林覆盖率提高到55.2%，森林火灾发生率明显下降"),
    # 绿色低碳
    _t("开展“碳惠通”生态产品价值实现机制改革", "绿色低碳", "生态产品价值实现",
       "生态产品“难度量、难抵押、难交易、难变现”；碳汇项目开发缺少规范",
       "开发林业碳汇、农业碳汇方法学；推动碳减排量纳入“碳惠通”平台交易",
       "完成碳汇交易58万吨，实现收益1700余万元"),
    _t("建立绿色金融支持低碳转型机制", "绿色低碳", "绿色金融",
       "绿色项目识别标准不统一；企业绿色融资成本较高",
       "建立绿色项目库和绿色企业认定标准；推出碳排放权质押、可持续发展挂钩贷款等产品",
       "绿色贷款余额同比增长32%"),
    _t("推行工业园区循环化改造", "绿色低碳", "园区绿色发展",
       "园区企业间资源循环利用链条不完整；单位产值能耗偏高",
       "构建园区企业间原料互供、资源共享产业链；推行能源梯级利用和废弃物集中处置",
       "园区单位工业增加值能耗下降8.5%"),
    _t("探索建立公共机构节能降碳管理制度", "绿色低碳", "节能降碳",
       "公共机构能耗统计不规范；节能降碳责任缺乏考核约束",
       "建立公共机构能耗定额管理和超定额约束制度；推行合同能源管理",
       "公共机构人均综合能耗下降5%"),
    # 干部人事制度
    _t("健全干部担当作为激励和保护机制", "干部人事制度", "干部队伍建设",
       "部分干部存在“怕担责、不作为”问题；容错纠错机制落实不到位",
       "制定容错纠错实施办法；建立干部澄清正名和受处分干部跟踪回访制度",
       "为42名干部澄清正名，重新使用受处分干部15名"),
    _t("建立年轻干部基层一线实践锻炼机制", "干部人事制度", "干部队伍建设",
       "年轻干部基层经历不足；实践锻炼与培养使用衔接不紧",
       "选派年轻干部到乡村振兴、信访维稳、招商引资一线锻炼；建立实绩档案和跟踪考核制度",
       "选派年轻干部136名到一线锻炼，32人表现突出得到提拔使用"),
    _t("推行干部政治素质考察正负面清单制度", "干部人事制度", "干部考核",
       "政治素质考察标准不够具体；考察结果运用刚性不足",
       "制定政治素质考察正负面清单；将考察结果作为干部选拔任用的首要依据",
       "考察干部380人次，调整不胜任现职干部9名"),
    _t("深化公务员平时考核制度改革", "干部人事制度", "干部考核",
       "平时考核与年度考核衔接不紧密；考核结果区分度不高",
       "推行“周纪实、月评价、季考核”；将平时考核结果与评优评先、绩效奖金挂钩",
       "平时考核覆盖公务员2100余名，考核结果区分度明显提高"),
]

# One reform each district is known for (demo text; 领域/跑道 where one fits).
LOCAL_TOPICS = {
    "渝中区": _t("建立解放碑—朝天门商圈一体化管理运营机制", "营商环境", "商圈提质升级",
               "商圈管理涉及多个部门和街道，管理标准不统一；业态更新和品质提升缺乏统筹",
               "成立商圈管理运营中心；推行“商圈管家”服务和首店经济扶持政策", "新引进品牌首店86家，商圈客流同比增长15%"),
    "大渡口区": _t("探索老工业区转型“园区+社区”融合发展机制", "要素市场化配置", "老工业区转型",
                "老工业区存量土地和厂房闲置；产业转型与社区更新衔接不紧",
                "推行存量工业用地“腾笼换鸟”；建立园区与社区公共服务共建共享机制", "盘活闲置土地1200亩，引进新兴产业项目21个"),
    "江北区": _t("健全金融机构集聚区综合服务机制", "营商环境", "金融服务",
               "金融机构落地涉及多项审批；金融人才服务保障分散",
               "设立金融机构落地“一站式”服务专区；出台金融人才安居、子女入学支持政策", "新引进持牌金融机构14家"),
    "沙坪坝区": _t("深化西部陆海新通道铁海联运“一单制”改革", "营商环境", "开放通道建设",
                "铁海联运单证多、流转慢；企业物流成本较高",
                "推行铁海联运“一单制”提单；推动提单物权化和融资应用", "单证流转时间缩短60%，累计签发“一单制”提单2300余单"),
    "九龙坡区": _t("建立老旧小区改造“微更新”群众参与机制", "基层治理", "城市更新",
                "老旧小区改造中居民意愿统一难；改造后长效管护机制缺失",
                "推行“居民点单、社区派单、部门接单”；建立改造项目共商共建共管共评机制", "完成老旧小区改造126个，惠及居民4.3万户"),
    "南岸区": _t("探索广阳岛片区生态价值转化机制", "生态环境保护", "长江生态保护",
               "长江沿岸生态修复投入大、回报周期长；生态价值核算和转化路径不清晰",
               "开展生态产品总值核算；探索“生态修复+文旅康养”综合开发模式", "建立生态产品价值核算体系，引入社会资本4.5亿元"),
    "北碚区": _t("建立缙云山生态保护共建共治机制", "生态环境保护", "自然保护地管理",
               "保护区违建整治后长效管护压力大；周边群众增收渠道少",
               "建立保护区管理机构、镇街、村民共建共治机制；发展生态友好型民宿和林下经济", "保护区违建“零新增”，周边农户人均增收3200元"),
    "渝北区": _t("开展临空经济示范区“通关+物流”一体化改革", "营商环境", "临空经济",
               "航空货运通关环节多、时效低；临空产业配套不足",
               "推行“提前申报、货到放行”和空铁联运模式；建设航空物流公共信息平台", "航空货物通关时间压缩50%"),
    "巴南区": _t("健全公路物流基地多式联运服务体系", "营商环境", "现代物流",
               "公路、铁路、水运衔接不畅；物流信息互不联通",
               "建设多式联运公共信息平台；推行“一次委托、一口报价、全程负责”", "物流综合成本下降12%"),
    "涪陵区": _t("建立榨菜产业链“链长制”协同机制", "要素市场化配置", "特色产业发展",
               "榨菜产业链上下游协同不足；原料收购价格波动影响农户收益",
               "实行产业链“链长+链主”协同推进；推行原料订单收购和保底价格机制", "带动7.8万户农户稳定增收，户均增收2600元"),
    "长寿区": _t("推行化工园区安全环保“一园一策”智慧监管", "绿色低碳", "园区安全环保",
               "化工园区安全和环境风险点多面广；监管手段以人工巡查为主",
               "建设园区安全环保智慧监管平台；推行“一企一档”风险分级管控", "园区重大风险隐患实现动态清零"),
    "江津区": _t("探索富硒农产品标准化认证改革", "要素市场化配置", "特色农业",
               "富硒农产品标准不统一、认证缺位；品牌溢价不高",
               "制定富硒农产品地方标准；建立富硒产品认证和溯源体系", "认证富硒产品112个，产品平均溢价30%"),
    "合川区": _t("推行农村闲置宅基地有偿退出改革", "要素市场化配置", "农村土地制度",
               "农村闲置宅基地和农房较多；退出路径和补偿标准不明确",
               "制定宅基地有偿退出和流转办法；建立退出宅基地复垦和指标交易机制", "有偿退出闲置宅基地680余宗"),
    "永川区": _t("深化职业教育“校城融合”改革", "教育", "现代职业教育",
               "职业院校与城市产业发展协同不足；技能人才本地留存率不高",
               "建立校地、校企联席会议制度；共建产业学院和实训基地", "职业院校毕业生本地就业率达76%"),
    "南川区": _t("建立金佛山景区林旅融合生态补偿机制", "生态环境保护", "生态补偿",
               "景区周边林农保护与发展矛盾突出；生态补偿标准偏低",
               "从景区经营收入中提取生态补偿资金；推行林农以林地经营权入股景区经营", "1.2万林农获得补偿和分红收入"),
    "綦江区": _t("开展齿轮产业集群“共享工厂”改革", "要素市场化配置", "制造业转型",
               "中小齿轮企业设备利用率低；检测、热处理等共性环节投入大",
               "建设共享检测中心和共享热处理工厂；推行设备按时计费共享", "企业共性环节成本下降20%"),
    "大足区": _t("建立石刻文物保护“数字化+社会参与”机制", None, "文物保护利用",
               "石窟寺文物本体保护难度大；社会力量参与文物保护渠道少",
               "建设石刻文物数字档案和监测预警平台；设立文物保护志愿服务队和社会捐赠渠道", "完成重点石刻数字化采集95%"),
    "璧山区": _t("探索新能源汽车产业“链式招商”机制", "营商环境", "招商引资",
               "新能源汽车产业链配套不全；招商引资碎片化",
               "绘制产业链图谱，实施“以商招商、以链招链”；设立产业引导基金", "引进产业链配套企业32家"),
    "铜梁区": _t("深化农村集体产权制度改革", "要素市场化配置", "农村集体产权",
               "农村集体资产底数不清、权能不全；集体经济组织经营能力弱",
               "开展集体资产清产核资和成员身份确认；推行“村集体+合作社+农户”经营模式", "村集体经济收入10万元以上的村占比达72%"),
    "潼南区": _t("建立柠檬产业全链条标准体系", "要素市场化配置", "特色产业发展",
               "柠檬产品同质化严重；精深加工和品牌建设滞后",
               "制定柠檬种植和加工地方标准；组建柠檬产业联盟统一品牌营销", "柠檬产业综合产值稳步提升，精深加工占比达35%"),
    "荣昌区": _t("开展生猪活体抵押贷款改革", "要素市场化配置", "农村金融",
               "养殖户缺乏有效抵押物；生猪产业融资难、融资贵",
               "建立生猪活体抵押登记和智能监管平台；引入保险机构分担风险", "累计发放生猪活体抵押贷款4.2亿元"),
    "两江新区": _t("深化自贸试验区首创性制度创新", "营商环境", "自贸试验区建设",
                "部分制度创新成果碎片化；可复制推广的系统集成创新不足",
                "建立制度创新需求征集、论证、评估和推广机制；推动跨部门系统集成改革", "形成制度创新成果26项，其中5项在全市复制推广"),
    "西部科学城重庆高新区": _t("探索科研项目经费“包干制”改革", "要素市场化配置", "科技体制",
                        "科研经费管理“重过程、轻结果”；科研人员报销负担重",
                        "在基础研究类项目中推行经费“包干制”；赋予科研人员更大技术路线决定权和经费使用权",
                        "试点项目科研人员事务性工作时间减少40%"),
    "万盛经开区": _t("探索资源枯竭型城市转型“矿区修复+文旅”模式", "生态环境保护", "矿山生态修复",
                 "采煤沉陷区和废弃矿山生态修复任务重；转型发展新动能不足",
                 "推行“生态修复+产业导入”一体化实施；引入社会资本参与矿区修复", "修复废弃矿山1.8万亩，建成矿山公园3个"),
    "万州区": _t("建立三峡库区消落带生态修复协同治理机制", "生态环境保护", "三峡库区生态保护",
               "消落带生态修复涉及水利、林业、生态环境等多个部门；修复后管护责任不明确",
               "建立消落带“一带一策”修复治理和多部门联合巡查机制；推行“河长+消落带管护员”模式", "完成消落带生态修复3.6万亩"),
    "开州区": _t("健全返乡创业“一站式”服务机制", "营商环境", "返乡创业",
               "返乡创业人员政策获取难、融资难；创业服务资源分散",
               "建设返乡创业服务中心，整合政策、金融、培训服务；设立返乡创业担保贷款", "新增返乡创业主体2100余户"),
    "梁平区": _t("探索建立竹林碳汇交易机制", "绿色低碳", "生态产品价值实现",
               "竹林资源丰富但生态价值难以变现；碳汇计量方法缺乏",
               "开发竹林碳汇计量方法学；推动竹林碳汇纳入碳交易平台", "完成竹林碳汇交易9万吨"),
    "城口县": _t("建立大巴山区“生态护林+就业帮扶”联动机制", "生态环境保护", "森林资源保护",
               "山区群众就业渠道窄；森林管护力量不足",
               "选聘脱贫人口为生态护林员；建立护林员考核与报酬挂钩机制", "选聘生态护林员1800名，人均年增收8000元"),
    "丰都县": _t("开展肉牛产业“活体抵押+保险”融资改革", "要素市场化配置", "农村金融",
               "肉牛养殖户融资难；养殖风险保障不足",
               "推行肉牛活体抵押贷款；建立政策性肉牛养殖保险", "发放肉牛活体抵押贷款1.6亿元"),
    "垫江县": _t("推行“牡丹+”农文旅融合发展机制", None, "农文旅融合",
               "农文旅资源分散，季节性强；村集体和农户参与度低",
               "组建农文旅发展联合体；推行“景区+合作社+农户”利益联结模式", "乡村旅游综合收入同比增长24%"),
    "忠县": _t("建立柑橘全产业链数字化服务体系", "要素市场化配置", "特色农业",
             "柑橘种植管理粗放；产销信息不对称",
             "建设柑橘产业大数据平台；推行“数字果园”和订单销售", "柑橘亩均收益提高1200元"),
    "云阳县": _t("健全农村人居环境整治长效管护机制", "生态环境保护", "农村人居环境",
               "农村人居环境整治“重建设、轻管护”；群众参与度不高",
               "推行“积分制”管理和“门前三包”；建立村级保洁员队伍", "农村生活垃圾有效治理率达98%"),
    "奉节县": _t("探索脐橙产业“品牌+标准+溯源”一体化改革", "要素市场化配置", "农业品牌建设",
               "脐橙品牌被冒用；产品质量参差不齐",
               "建立脐橙地理标志使用管理和溯源体系；制定分级分选标准", "脐橙优果率提高12个百分点，品牌价值持续提升"),
    "巫山县": _t("建立脆李产业“农户+合作社+电商”利益联结机制", "要素市场化配置", "联农带农",
               "脆李销售渠道单一；农户议价能力弱",
               "组建脆李产业合作联社；推行电商直采和保底收购", "带动3.5万农户户均增收4800元"),
    "巫溪县": _t("推行山地特色农业保险扩面改革", "要素市场化配置", "农村金融",
               "山地农业自然灾害多发；农户风险保障不足",
               "开发特色农产品保险品种；实行财政保费补贴和“保险+期货”", "特色农业保险覆盖农户2.1万户"),
    "黔江区": _t("深化城乡融合发展一体化改革", "要素市场化配置", "城乡融合发展",
               "城乡要素双向流动不畅；城乡公共服务差距较大",
               "推行城乡建设用地增减挂钩；推动教育、医疗资源城乡统筹配置", "城乡居民收入比缩小至2.1"),
    "武隆区": _t("建立国有景区“管运分离”经营机制", "国资国企", "国有景区改革",
               "景区管理和经营职能混同；国有景区经营效率不高",
               "推行景区所有权、管理权、经营权“三权分置”；引入专业运营团队", "景区年接待游客增长22%"),
    "石柱土家族自治县": _t("建立中药材黄连质量追溯体系", "医药卫生", "中医药发展",
                      "黄连种植标准不一；药材质量追溯体系缺失",
                      "制定黄连种植加工技术规程；建立“一物一码”质量追溯体系", "黄连产品抽检合格率达100%"),
    "秀山土家族苗族自治县": _t("建立“电商+物流”农村流通体系", "营商环境", "农村流通",
                        "农村物流“最后一公里”成本高；农产品上行渠道不畅",
                        "整合快递物流资源实行共同配送；建设县乡村三级电商服务体系", "农产品网络零售额增长28%"),
    "酉阳土家族苗族自治县": _t("探索民族村寨保护与乡村旅游融合发展机制", None, "民族村寨保护",
                        "传统村落保护资金不足；村民参与保护和经营的积极性不高",
                        "建立传统村落保护利用项目库；推行“村集体+企业+村民”共建共营", "培育乡村旅游重点村11个"),
    "彭水苗族土家族自治县": _t("健全水库移民后期扶持项目管理机制", None, "移民后期扶持",
                        "移民后期扶持项目分散、效益不高；项目后续管护责任不清",
                        "建立后扶项目库和绩效评价制度；推行项目资产确权和村集体管护", "后扶项目带动移民人均增收2700元"),
}

TOPIC_BY_TITLE = {t.title: t for t in [*TOPICS, *LOCAL_TOPICS.values()]}

CHANNEL_WEIGHTS = {"党中央国务院有部署": 3, "重庆发展有堵点": 4, "群众企业基层有期盼": 4,
                   "先进省市有经验": 2}


def _sentence(text: str) -> str:
    return text if text.endswith(("。", "！", "？")) else text + "。"


def demand_description(topic: Topic, channel: str) -> str:
    problem = "，".join(topic.problem.split("；"))
    measures = "，".join(topic.measures[:2])
    if channel == "党中央国务院有部署":
        return _sentence(f"贯彻落实党中央、国务院关于{topic.area}的决策部署。对照要求，{problem}") \
            + _sentence(f"拟{measures}")
    if channel == "重庆发展有堵点":
        return _sentence(f"{problem}，已成为制约{topic.area}的堵点卡点") + _sentence(f"拟{measures}")
    if channel == "群众企业基层有期盼":
        return _sentence(f"群众企业基层反映，{problem}，期盼通过改革破题") + _sentence(f"拟{measures}")
    return (_sentence(f"浙江、广东等先进省市在{topic.area}方面已形成可复制推广的经验。对照看，{problem}")
            + _sentence(f"拟借鉴先进省市做法，{measures}"))


def _numbered(items) -> str:
    return "\n".join(f"{i}.{_sentence(x)}" for i, x in enumerate(items, start=1))


DEMAND_REASONS = {
    1: ["需求描述过于笼统，请按“来源渠道+具体问题+改革举措”的结构补充完善",
        "需求标题缺少改革味，请凝练为“建立xx机制”“健全xx体系”等表述",
        "来源渠道选择不准确，请核实后重新选择"],
    2: ["与本单位已报送的需求内容重复，请合并后再报",
        "改革举措不够具体，请补充拟出台的制度文件和责任分工",
        "领域、跑道归类有误，请调整后重新提交"],
}
RECOGNITION_REASONS = {
    1: ["佐证材料不全，请补充会议通知或正式文件扫描件",
        "主要成果缺少量化数据，请补充改革成效",
        "解决问题表述泛泛，请聚焦体制机制问题"],
    2: ["评价细则选择有误，请对照评价细则重新选择",
        "日期与佐证材料不一致，请核实后重新提交",
        "佐证材料未能印证获肯定、推广或报道的情形，请补充",
        "经核实，该报道属综合报道，不符合“深度专题报道”计分条件"],
}

# 评价细则 → how the 主要成果 says it (seed 001 表三, seed 000 item 9)
CRITERION_PHRASES = {
    "N23-1": "在党和国家领导人出席的全国性会议上作经验交流",
    "N23-2": "获党中央国务院发文通报表彰",
    "N23-3": "在党中央国务院文件中得到肯定性表述",
    "N23-4": "被国家有关部委工作简报单篇刊发",
    "N23-5": "获党和国家领导人肯定性批示",
    "N23-6": "在国家部委主要领导出席的全国性会议上作经验交流",
    "N23-7": "在国家部委文件中得到肯定性表述",
    "N24-1": "获党和国家领导人肯定性批示",
    "N24-2": "在党和国家领导人出席的全国性会议上作经验交流",
    "N24-3": "获党中央、国务院发文通报表彰",
    "N24-4": "在国家有关部委文件中得到肯定性表述",
    "N24-5": "在国家有关部委主要领导出席的全国性会议上作经验交流",
    "N24-6": "被国家有关部委发文明确向全国复制推广",
    "N24-7": "被中央改革办《改革情况交流》单篇刊载",
    "C-1": "获市委办公厅、市政府办公厅文件点名推广",
    "C-2": "在市政府主要领导出席的全市性会议上作经验交流",
    "C-3": "在本区县召开有市领导参加的改革经验现场推广会上推广",
    "C-4": "被列入市委“最佳实践”案例",
    "C-5": "在本区县召开有市级部门主要负责人参加的全市性改革经验现场推广会上推广",
    "C-6": "获市级部门文件点名推广",
    "M-1": "被{outlet}单篇深度专题报道",
    "M-2": "被中央广播电视总台《新闻联播》单条报道",
}
CRITERION_WEIGHTS = {
    "N23": {"N23-4": 4, "N23-7": 3, "N23-3": 2, "N23-6": 2, "N23-1": 1, "N23-5": 1, "N23-2": 1},
    "N24": {"N24-4": 4, "N24-7": 3, "N24-6": 2, "N24-5": 2, "N24-2": 1, "N24-1": 1, "N24-3": 1},
    "C": {"C-6": 4, "C-1": 3, "C-4": 2, "C-2": 2, "C-3": 1, "C-5": 1},
    "M": {"M-1": 4, "M-2": 1},
}
OUTLETS = ("人民日报", "新华社", "光明日报", "经济日报")


def _int(rng: random.Random, lo: int, hi: int) -> int:
    """An integer in [lo, hi] from exactly one draw (``randint`` draws a
    varying number of times, so a date-dependent range would shift every
    later draw and the demo would differ from one day to the next)."""
    return lo + int(rng.random() * (hi - lo + 1))


def _weighted(rng: random.Random, weights: dict):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _pick_topics(rng: random.Random, district: District, n: int) -> list[Topic]:
    """``n`` different topics for one district, its own reform among the first."""
    topics = list(TOPICS)
    rng.shuffle(topics)
    local = LOCAL_TOPICS.get(district.name)
    if local is not None:
        topics.insert(_int(rng, 0, min(n, 3)), local)
    return topics[:n]


def _binomial(rng: random.Random, n: int, p: float) -> int:
    return sum(rng.random() < p for _ in range(n))


CURRENT_STATES = {APPROVED: 50, "pending_1": 13, "pending_2": 11, REJECTED: 9, DRAFT: 17}


# -- generators -----------------------------------------------------------------------

def generate_demands(ctx: DemoContext) -> list[DemoRecord]:
    """改革需求: more where a district is active; the current quarter holds
    every state, the earlier one closed records."""
    from app.records.demand.models import ReformDomain, ReformTrack

    rng = ctx.rng("demand")
    steps = len(get_type("demand").chain.steps)
    tracks = {name: (domain_id, track_id) for track_id, domain_id, name in ctx.session.execute(
        select(ReformTrack.id, ReformTrack.domain_id, ReformTrack.name)
        .join(ReformDomain, ReformDomain.id == ReformTrack.domain_id))}
    records = []
    for d in ctx.districts:
        plans: list[tuple[Quarter, str]] = []
        for quarter, momentum in zip(ctx.quarters, d.momentum, strict=True):
            level = d.activity * momentum
            if quarter.current:
                n = round(level * 8 + rng.uniform(0, 2))
                plans += [(quarter, _weighted(rng, CURRENT_STATES)) for _ in range(n)]
            else:
                n = round(level * 6 + rng.uniform(0, 2))
                plans += [(quarter, REJECTED if rng.random() < 0.1 else APPROVED)
                          for _ in range(n)]
        if d.name in ("万州区", "渝中区"):  # the demo reviewers and 改革办 have work waiting
            plans += [(ctx.current, s) for s in ("pending_1", "pending_1", "pending_2",
                                                 REJECTED, DRAFT)]
        topics = _pick_topics(rng, d, len(plans))
        for (quarter, state), topic in zip(plans, topics, strict=False):
            channel = _weighted(rng, CHANNEL_WEIGHTS)
            path = ctx.path(rng, steps, state, DEMAND_REASONS)
            created, acts = ctx.plan(rng, quarter, path, recent=state != APPROVED)
            domain_id, track_id = tracks.get(topic.track, (None, None))
            records.append(DemoRecord(d.unit_id, {
                "title": topic.title, "description": demand_description(topic, channel),
                "channel": channel, "domain_id": domain_id, "track_id": track_id,
            }, created, acts))
    return records


def generate_recognitions(ctx: DemoContext) -> list[DemoRecord]:
    """改革成效: approved ones over both quarters (what the district schemes
    rank), and in the current quarter some waiting, rejected and drafts."""
    from app.records.demand.models import Demand
    from app.records.recognition.models import CITY, MEDIA, NATIONAL

    rng = ctx.rng("recognition")
    steps = len(get_type("recognition").chain.steps)
    demands: dict[int, list[tuple]] = {}
    for row in ctx.session.execute(
            select(Demand.id, Demand.unit_id, Demand.title, Demand.approved_on)
            .where(Demand.state == APPROVED).order_by(Demand.id)):
        demands.setdefault(row.unit_id, []).append(row)
    category_weights = {CITY: 6, NATIONAL: 3, MEDIA: 1}
    records = []
    for d in ctx.districts:
        plans: list[tuple[Quarter, str, str]] = []
        for quarter, momentum in zip(ctx.quarters, d.momentum, strict=True):
            level = min(d.activity * momentum, 1.4)
            for category, n, p in ((NATIONAL, 2, 0.32), (CITY, 4, 0.42), (MEDIA, 2, 0.16)):
                plans += [(quarter, category, APPROVED)
                          for _ in range(_binomial(rng, n, p * level))]
            open_states = {"pending_1": 3, "pending_2": 3, REJECTED: 2, DRAFT: 2}
            if quarter.current:
                plans += [(quarter, _weighted(rng, category_weights), _weighted(rng, open_states))
                          for _ in range(_binomial(rng, 3, 0.4 * level))]
            else:
                # rejected and left (counted against the unit) — but a previous
                # year's quarter keeps no open recognition: a clerk editing it
                # could not get its date past clean() any more
                left = [(quarter, _weighted(rng, category_weights), REJECTED)
                        for _ in range(_binomial(rng, 1, 0.25 * level))]
                if quarter.year == ctx.eval_year:
                    plans += left
        if d.name in ("万州区", "渝中区"):
            plans += [(ctx.current, CITY, s) for s in ("pending_1", "pending_2", REJECTED, DRAFT)]
        topics = iter(_pick_topics(rng, d, len(plans)))
        used: set[str] = set()
        for quarter, category, state in plans:
            path = ctx.path(rng, steps, state, RECOGNITION_REASONS)
            created, acts = ctx.plan(rng, quarter, path, recent=state != APPROVED)
            if category == NATIONAL:
                family = "N23" if quarter.year <= 2023 else "N24"
            else:
                family = "C" if category == CITY else "M"
            criterion = _weighted(rng, CRITERION_WEIGHTS[family])
            date = _event_date(rng, quarter.start, created.date())
            phrase = CRITERION_PHRASES[criterion].format(outlet=rng.choice(OUTLETS))
            # often the reform one of the unit's approved demands asked for
            asked = [r for r in demands.get(d.unit_id, ())
                     if r.approved_on < created and r.title in TOPIC_BY_TITLE
                     and r.title not in used]
            roll, pick = rng.random(), rng.random()  # drawn always: the stream stays in step
            linked = asked[int(pick * len(asked))] if asked and roll < 0.4 else None
            topic = TOPIC_BY_TITLE[linked.title] if linked else next(
                (t for t in topics if t.title not in used), None)
            if topic is None:
                continue
            used.add(topic.title)
            records.append(DemoRecord(d.unit_id, {
                "item": topic.title,
                "problem": _numbered(topic.problem.split("；")),
                "result": _numbered(list(topic.measures) + [topic.effect])
                + f"\n{date.month}月{date.day}日，该项改革经验{phrase}。",
                "category": category, "criterion": criterion, "date": date,
                "demand_id": linked.id if linked else None,
            }, created, acts))
    return records


def _event_date(rng: random.Random, earliest: dt.date, filed: dt.date) -> dt.date:
    """The working day a recognition happened: up to 40 days before it was
    filed, not before ``earliest`` (its quarter's first day)."""
    span = (filed - earliest).days
    day = filed - dt.timedelta(days=_int(rng, min(1, span), min(40, span)))
    while day.weekday() >= 5 and day - dt.timedelta(days=1) >= earliest:
        day -= dt.timedelta(days=1)
    return day


Generator = Callable[[DemoContext], "list[DemoRecord] | dict[str, int]"]
GENERATORS: dict[str, Generator] = {
    "demand": generate_demands,
    "recognition": generate_recognitions,
}


def register_generator(record_type: str):
    """Decorator: ``fn`` makes the demo records of ``record_type``."""

    def deco(fn: Generator) -> Generator:
        GENERATORS[record_type] = fn
        return fn

    return deco


# -- writing ------------------------------------------------------------------------------

def _replay(chain, record: DemoRecord, actors: Actors, record_type: str) -> tuple[dict, list]:
    """The workflow columns and history rows of one planned record, checking
    that each transition is one the chain allows, by someone allowed."""
    values = dict(record.values, unit_id=record.unit_id)
    filer = actors.find(chain.filer, values)
    state = DRAFT
    submitted_by = submitted_on = approved_on = None
    history = []
    for act in record.acts:
        if act.action == "submit":
            if state not in (DRAFT, REJECTED):
                raise ValueError(f"{record_type}: cannot submit from {state}")
            actor, to = filer, chain.pending(1)
            submitted_by, submitted_on, approved_on = filer, act.at, None
        elif act.action == "withdraw":
            if state != chain.pending(1):
                raise ValueError(f"{record_type}: cannot withdraw from {state}")
            actor, to = filer, DRAFT
        else:
            step = chain.step_for(state)
            if step is None:
                raise ValueError(f"{record_type}: cannot {act.action} in {state}")
            actor = actors.find(step.actor, values, exclude=(filer, submitted_by))
            to = REJECTED if act.action == "reject" else chain.next_state(state)
            if to == APPROVED:
                approved_on = act.at
        history.append({"from_state": state, "to_state": to, "action": act.action,
                        "actor_id": actor, "actor_unit_id": actors.unit_of.get(actor),
                        "record_unit_id": record.unit_id, "reason": act.reason,
                        "created_on": act.at})
        state = to
    changed = record.acts[-1].at if record.acts else record.created_on
    row = dict(values, state=state, version=len(record.acts) + 1, filed_by_id=filer,
               submitted_by_id=submitted_by, submitted_on=submitted_on, approved_on=approved_on,
               created_on=record.created_on, changed_on=changed)
    return row, history


def _already_loaded(session, model, records: list[DemoRecord]) -> bool:
    title = model.__title_field__
    column = getattr(model, title)
    wanted = {(r.unit_id, r.values[title]) for r in records}
    titles = sorted({t for _, t in wanted})
    for start in range(0, len(titles), 500):
        rows = session.execute(select(model.unit_id, column).where(
            column.in_(titles[start:start + 500])))
        if any((u, t) in wanted for u, t in rows):
            return True
    return False


def write_records(ctx: DemoContext, record_type: str, records: list[DemoRecord],
                  actors: Actors) -> dict[str, int]:
    """Insert ``records`` and their history (Core, a few statements);
    returns {state: count}, or {} when the type's demo records are there."""
    rt = get_type(record_type)
    model, chain = rt.model, rt.chain
    session = ctx.session
    if not records or _already_loaded(session, model, records):
        return {}
    replayed = [_replay(chain, r, actors, record_type) for r in records]
    table = model.__table__
    rows = [row for row, _ in replayed]
    ids = session.execute(
        insert(table).returning(table.c.id, sort_by_parameter_order=True), rows
    ).scalars().all()
    history = [dict(h, record_type=record_type, record_id=record_id)
               for record_id, (_, hs) in zip(ids, replayed, strict=True) for h in hs]
    for start in range(0, len(history), HISTORY_CHUNK):
        session.execute(insert(WorkflowHistory.__table__), history[start:start + HISTORY_CHUNK])
    return dict(Counter(row["state"] for row in rows))


# -- the entry point ------------------------------------------------------------------

def _districts(session, seed: int) -> list[District]:
    """The 41 districts with a fixed activity level (more where a district is
    active, little in some) and a per-quarter momentum, from ``seed`` only."""
    rng = random.Random(f"{seed}:activity")
    ids = {name: uid for uid, name in session.execute(
        select(Unit.id, Unit.name).where(Unit.kind == UnitKind.DISTRICT.value))}
    missing = [name for _, name, _ in U.DISTRICTS if name not in ids]
    if missing:
        raise RuntimeError("请先载入单位（flask units load）：缺少 " + "、".join(missing[:3]))
    tiers = [1.1] * 6 + [0.75] * 13 + [0.5] * 12 + [0.25] * 10
    rng.shuffle(tiers)
    out = []
    for (_code, name, region), tier in zip(U.DISTRICTS, tiers, strict=True):
        if name in ("万州区", "渝中区"):
            tier = max(tier, 0.85)  # the districts a visitor logs into have plenty to see
        activity = round(tier * rng.uniform(0.85, 1.15), 3)
        momentum = (round(rng.uniform(0.75, 1.25), 3), round(rng.uniform(0.75, 1.25), 3))
        out.append(District(ids[name], name, region, activity, momentum))
    return out


def demo_context(session=None, today: dt.date | None = None, seed: int = 2026) -> DemoContext:
    """What the generators work from: the quarters, the districts with their
    activity, the moment nothing may be later than."""
    from app.records.recognition.models import evaluation_year

    session = session or db.session
    today = today or dt.date.today()
    now = dt.datetime.combine(today, LIMIT)  # nothing happens later than this
    current = Quarter.of(today, current=True)
    return DemoContext(session=session, seed=seed, today=today, now=now, current=current,
                       earlier=current.previous(), districts=_districts(session, seed),
                       eval_year=evaluation_year())


def load_demo_quarter(session=None, today: dt.date | None = None, seed: int = 2026,
                      password: str | None = None) -> dict[str, dict[str, int]]:
    """Load the demo quarter (and the one before it); returns the records
    added, {record type: {state: count}} — empty for a type already loaded.
    ``password``: of the district accounts made here (default DEMO_PASSWORD)."""
    session = session or db.session
    started = _time.perf_counter()
    try:
        ensure_district_accounts(session, password)
        ctx = demo_context(session, today, seed)
        actors = Actors(session)
        counts = {}
        for record_type, generate in GENERATORS.items():
            if get_type(record_type) is None:  # a type this installation does not have
                continue
            made = generate(ctx)
            counts[record_type] = (dict(made) if isinstance(made, dict)  # wrote them itself
                                   else write_records(ctx, record_type, made, actors))
        session.commit()
    except Exception:
        session.rollback()
        raise
    current_app.logger.info("演示季度已载入（%.2f 秒）：%s", _time.perf_counter() - started, counts)
    return counts

