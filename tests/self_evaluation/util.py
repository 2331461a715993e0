"""Shared by the self-evaluation tests: accounts, the seed's tables as a clerk
types them, and records made through the REST API."""

from __future__ import annotations

import json

from sqlalchemy import select

from app.extensions import db
from app.records.self_evaluation.seed003 import TABLES
from app.security.models import ReformUser
from tests.helpers import api_token, csrf_token, login, new_client

SEED_CLERK = "13900001401"  # 渝中区大数据应用发展管理局
SEED_REVIEWER = "13900001402"
FINANCE_REVIEWER = "13900000072"  # 市财政局
FINANCE_REVIEWER_2 = "13900001403"
FINANCE_CLERK = "13900000071"
HEALTH_CLERK = "13900000073"  # 市卫生健康委
HEALTH_REVIEWER = "13900000074"
YUZHONG_REVIEWER = "13900000022"  # 渝中区, the district above the seed's department
WANZHOU_CLERK = "13900000011"
WANZHOU_REVIEWER = "13900000012"
OFFICE = "13900000001"
CITY_LEADER = "13900000002"
ADMIN = "13900000099"


def add_accounts(app) -> None:
    """The accounts of the data-source units and of this package (the tests
    start without them)."""
    from app.records.demo_support import ensure_accounts

    with app.app_context():
        ensure_accounts(db.session)
        db.session.commit()


def user(mobile) -> ReformUser:
    return db.session.scalar(select(ReformUser).where(ReformUser.mobile == mobile))


def typed_funds(funds) -> list[dict]:
    """Budget rows as a clerk types them: 1,939.33 with the thousands comma."""
    return [{"kind": ("其中：" if f["kind"] == "财政拨款" else "") + f["kind"],
             **{k: f"{f[k]:,.2f}" for k in ("initial", "adjusted", "executed")}} for f in funds]


def typed_indicators(indicators) -> list[dict]:
    return [{k: str(v) for k, v in r.items()} for r in indicators]


def body(table: int = 1, **over) -> dict:
    """The REST / form body of seed 003's table ``table`` (1, 2 or 3)."""
    header, funds, indicators, _printed = TABLES[table - 1]
    out = {**{k: v for k, v in header.items() if v is not None},
           "contact_name": "谢辉", "contact_phone": "63768299",
           "budget_rows": json.dumps(typed_funds(funds), ensure_ascii=False),
           "indicator_rows": json.dumps(typed_indicators(indicators), ensure_ascii=False)}
    out.update(over)
    return out


def headers(client, mobile) -> dict:
    return {"Authorization": f"Bearer {api_token(client, mobile)}"}


def create(client, table=1, mobile=SEED_CLERK, **over) -> int:
    resp = client.post("/api/v1/self_evaluation/", json=body(table, **over),
                       headers=headers(client, mobile))
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()["id"]


def act(client, rid, action, mobile, reason=None):
    return client.post(f"/api/v1/workflow/self_evaluation/{rid}/{action}",
                       json={"reason": reason} if reason else None,
                       headers=headers(client, mobile))


def web(app, mobile):
    c = new_client(app)
    resp = login(c, mobile)
    assert resp.status_code == 302
    return c


def form_token(client, path="/selfevaluationmodelview/add") -> str:
    return csrf_token(client, path)
