"""A few demo 领域 / 跑道 entries (the reform office maintains the real ones)."""

from __future__ import annotations

from sqlalchemy import select

from app.records.demand.models import ReformDomain, ReformTrack

DEMO_TAXONOMY = {
    "经济体制改革": ("营商环境", "国资国企", "要素市场化配置"),
    "民主法制领域改革": ("基层治理", "法治政府建设"),
    "社会体制改革": ("教育", "医药卫生"),
    "生态文明体制改革": ("生态环境保护", "绿色低碳"),
    "党的建设制度改革": ("干部人事制度",),
}


def load_taxonomy(session=None) -> None:
    """Add the demo entries that are missing (running it twice changes nothing)."""
    from app.extensions import db

    session = session or db.session
    for d_order, (d_name, tracks) in enumerate(DEMO_TAXONOMY.items(), start=1):
        domain = session.scalar(select(ReformDomain).where(ReformDomain.name == d_name))
        if domain is None:
            domain = ReformDomain(name=d_name, sort_order=d_order)
            session.add(domain)
            session.flush()
        for t_order, t_name in enumerate(tracks, start=1):
            exists = session.scalar(select(ReformTrack.id).where(
                ReformTrack.domain_id == domain.id, ReformTrack.name == t_name))
            if exists is None:
                session.add(ReformTrack(domain_id=domain.id, name=t_name, sort_order=t_order))
    session.commit()
