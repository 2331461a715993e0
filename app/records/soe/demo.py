"""Demo 国企改革成效 and 改革典型案例 of the three 万州 enterprises, in every state,
some cases adopted by the 万州区国资委 (with the adoption log)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import insert, select

from app.demo.units import WANZHOU_ENTERPRISES
from app.records.demo_support import (
    DemoRow,
    ensure_accounts,
    limit_of,
    path_to,
    working_moment,
    write,
)
from app.records.soe.accounts import ENTERPRISE_MOBILES, SASAC_REVIEWER
from app.records.soe.models import (
    ADOPT,
    CITY,
    MEDIA,
    NATIONAL,
    SoeCase,
    SoeCaseAdoption,
    SoeRecognition,
)
from app.units.models import Unit
from app.workflow.chain import APPROVED, DRAFT, REJECTED

P1, P2 = "pending_1", "pending_2"

# (enterprise, category, item, title, outlet, days before today, state)
RECOGNITIONS = [
    (0, CITY, "C-8", "城建集团“片区综合开发+城市更新”模式获市委改革办工作简报刊载推广",
     "市委改革办《改革简报》", 40, APPROVED),
    (0, MEDIA, "M-1", "《经济日报》报道万州城建集团市场化转型经验", "《经济日报》第6版", 75, APPROVED),
    (0, CITY, "C-7", "市国资委发文推广城建集团资产盘活经验", "市国资委文件", 20, P2),
    (0, NATIONAL, "N-6", "国务院国资委《国企改革三年行动简报》刊发城建集团经验",
     "国务院国资委工作简报", 12, P1),
    (1, CITY, "C-2", "交投集团在全市国企改革推进会上作经验交流", "全市国企改革推进会", 95, APPROVED),
    (1, CITY, "C-4", "市政府办公厅文件点名推广交投集团“路衍经济”做法", "市政府办公厅文件", 60, APPROVED),
    (1, CITY, "C-1", "交投集团经理层契约化管理获市领导肯定性批示", "市领导批示", 30, APPROVED),
    (1, MEDIA, "M-3", "中央广播电视总台播报万州交投集团港口物流改革", "中央广播电视总台", 8, REJECTED),
    (2, NATIONAL, "N-7", "国家发展改革委文件肯定万州水务集团城乡供水一体化改革",
     "国家发展改革委文件", 110, APPROVED),
    (2, CITY, "C-5", "水务集团“厂网一体”改革列入市委“最佳实践”案例", "市委“最佳实践”案例", 25, P1),
    (2, MEDIA, "M-2", "《半月谈》刊载万州城乡供水一体化改革经验", "《半月谈》", 5, DRAFT),
]

# (enterprise, name, problem, measures, results, contact, state, adopted)
CASES = [
    (0, "推行国有企业经理层成员任期制和契约化管理",
     "一是经理层成员身份“能上不能下”，考核结果与任免脱节；二是薪酬分配“能增不能减”，绩效年薪与"
     "经营业绩关联度不高；三是考核指标偏重规模，对利润质量、资产周转等效益指标重视不够。",
     "一是全面签订“两书一协议”，集团及所属12户子企业经理层成员全部签订岗位聘任协议、年度和任期"
     "经营业绩责任书；二是科学设置考核指标，效益类指标权重不低于60%，设置“摸高”指标和否决指标；"
     "三是刚性兑现考核结果，年度考核结果为不合格或任期考核不达标的，中止任期、免去现职；四是"
     "差异化确定绩效年薪，拉开经理层成员之间的收入差距。",
     "一是经营业绩明显提升，集团利润总额同比增长18%；二是干部队伍活力增强，2名经理层成员因考核"
     "不达标退出岗位；三是形成《经理层成员任期制和契约化管理办法》等制度成果3项，获市国资委发文"
     "推广。", "王敏", APPROVED, True),
    (0, "建立国有存量资产分类盘活机制",
     "一是闲置厂房、门面等存量资产底数不清；二是资产处置审批链条长，盘活周期超过一年；三是低效"
     "资产长期占用资金，资产收益率偏低。",
     "一是建立资产台账“一张图”，逐项登记权属、面积和使用状况；二是按“出租、转让、合作开发、划转”"
     "四类分类施策；三是进场公开交易，压缩审批环节。",
     "一是盘活闲置资产3.2万平方米；二是资产处置周期缩短至4个月；三是年增租金收入1200万元。",
     "李强", P2, False),
    (1, "探索“交通+产业”路衍经济发展模式",
     "一是公路沿线土地、服务区等资源利用率低；二是交通项目投资回报周期长，企业造血能力不足。",
     "一是统筹沿线资源开发物流园和服务区综合体；二是引入社会资本合作经营；三是建立收益反哺交通"
     "建设的资金机制。",
     "一是新增经营性收入8600万元；二是带动沿线乡镇就业1500余人；三是经验获市政府办公厅文件点名"
     "推广。", "陈静", APPROVED, True),
    (1, "推进港口物流资源整合改革",
     "一是区内港口码头分散经营、同质竞争；二是多式联运衔接不畅，物流成本偏高。",
     "一是整合区属港口资产组建港务集团；二是开通铁水联运班列；三是建设智慧港口调度平台。",
     "一是港口吞吐量同比增长22%；二是综合物流成本下降12%。", "周涛", REJECTED, False),
    (2, "城乡供水“厂网一体化”改革",
     "一是城乡供水分属不同主体，水价、水质标准不一；二是农村小水厂规模小、管护弱，供水保障率低。",
     "一是由水务集团统一建设、统一运营、统一管护城乡供水设施；二是推行城乡同网同质同价；三是"
     "建立智慧水务监测系统。",
     "一是农村自来水普及率提高到96%；二是农村供水水质达标率由85%提高到99%；三是获国家发展改革委"
     "文件肯定。", "刘洋", APPROVED, False),
    (2, "污水处理厂网一体运营改革", "一是污水管网与处理厂分属不同单位，运行衔接差。",
     "一是实施厂网一体化运营；二是按效付费。", "一是污水收集率提高。", "刘洋", DRAFT, False),
]


def _adoption_moment(rng, approved_on: dt.datetime, limit: dt.datetime) -> dt.datetime:
    """In working hours on a day after the approval, before the limit (or,
    with no such day, halfway between the two)."""
    days = (limit.date() - approved_on.date()).days - 1
    if days >= 1:
        moment = working_moment(rng, approved_on.date() + dt.timedelta(
            days=rng.randint(1, min(days, 20))))
        if approved_on < moment <= limit:
            return moment
    return (approved_on + (limit - approved_on) / 2).replace(microsecond=0)


def _day(today: dt.date, days: int) -> dt.date:
    return today - dt.timedelta(days=days)


def generate(session, rng, today: dt.date) -> dict[str, int]:
    """Write the demo records; returns {state: count} ({} when already there)."""
    if session.scalar(select(SoeRecognition.id).where(
            SoeRecognition.title == RECOGNITIONS[0][3]).limit(1)) is not None:
        return {}
    accounts = ensure_accounts(session)
    units = dict(session.execute(select(Unit.name, Unit.id)).all())
    enterprises = [units.get(name) for _, name in WANZHOU_ENTERPRISES]
    sasac = accounts.get(SASAC_REVIEWER)
    people = [(accounts.get(c), accounts.get(r)) for c, r in ENTERPRISE_MOBILES]
    if None in enterprises or sasac is None or any(None in p for p in people):
        return {}
    limit = limit_of(today)

    def created(day: dt.date) -> dt.datetime:
        moment = working_moment(rng, day + dt.timedelta(days=1))
        return min(moment, limit - dt.timedelta(hours=6))

    rec_rows = []
    for ent, category, item, title, outlet, days, state in RECOGNITIONS:
        clerk, reviewer = people[ent]
        day = _day(today, days)
        rec_rows.append(DemoRow(
            values={"title": title, "category": category, "item": item, "date": day,
                    "outlet": outlet, "summary": None},
            unit_id=enterprises[ent], filer_id=clerk, created_on=created(day),
            acts=path_to(state, 2, [reviewer, sasac], clerk, rng,
                         reason="请补充报道原文或文件扫描件作为佐证材料")))
    counts, _ = write(session, SoeRecognition, "soe_recognition", rec_rows, limit, rng)

    case_rows = []
    for n, (ent, name, problem, measures, results, contact, state, _) in enumerate(CASES):
        clerk, reviewer = people[ent]
        case_rows.append(DemoRow(
            values={"name": name, "problem": problem, "measures": measures,
                    "results": results, "contact": contact, "phone": f"023-5812{3400 + n}",
                    "adopted": False, "adopted_on": None, "adopted_by_id": None},
            unit_id=enterprises[ent], filer_id=clerk,
            created_on=created(_day(today, 120 - 15 * n)),
            acts=path_to(state, 2, [reviewer, sasac], clerk, rng,
                         reason="改革成效请补充改革前后的对比数据")))
    case_counts, ids = write(session, SoeCase, "soe_case", case_rows, limit, rng)
    for state, n in case_counts.items():
        counts[state] = counts.get(state, 0) + n

    adopted = [rid for rid, case in zip(ids, CASES, strict=True) if case[7]]
    if adopted:
        approved = dict(session.execute(select(SoeCase.id, SoeCase.approved_on).where(
            SoeCase.id.in_(adopted), SoeCase.state == APPROVED)).all())
        sasac_unit = units.get("万州区国资委")
        for rid, approved_on in approved.items():
            when = _adoption_moment(rng, approved_on, limit)
            session.execute(SoeCase.__table__.update().where(SoeCase.id == rid).values(
                adopted=True, adopted_on=when, adopted_by_id=sasac, changed_on=when))
            session.execute(insert(SoeCaseAdoption.__table__).values(
                case_id=rid, action=ADOPT, reason=None, actor_id=sasac,
                actor_unit_id=sasac_unit, created_on=when))
    return counts
