"""Helpers for the metric tests: indicator ids, values through REST, sheets."""

from __future__ import annotations

import io

from openpyxl import Workbook
from sqlalchemy import select

from app.extensions import db
from app.records.metric.models import MetricIndicator
from tests.attachments.files import pdf_bytes
from tests.risk.util import OFFICE, act, headers, unit_id

PERIOD = "2026Q3"


def indicator_id(app, key: str) -> int:
    with app.app_context():
        return db.session.scalar(select(MetricIndicator.id).where(MetricIndicator.key == key))


def post_value(client, app, mobile, key="d2_loss_reduction", district="万州区", period=PERIOD,
               **numbers):
    body = {"indicator": indicator_id(app, key), "district": unit_id(app, district),
            "period": period}
    body.update(numbers or {"numerator": 3.0, "denominator": 4.0})
    return client.post("/api/v1/metric_value/", json=body, headers=headers(client, mobile))


def upload(client, rid, mobile):
    return client.post(f"/api/v1/metric_value/{rid}/attachments", headers=headers(client, mobile),
                       data={"file": (io.BytesIO(pdf_bytes("evidence")), "佐证.pdf")},
                       content_type="multipart/form-data")


def approved_value(client, app, clerk, reviewer, **kw) -> int:
    resp = post_value(client, app, clerk, **kw)
    assert resp.status_code == 201, resp.get_json()
    rid = resp.get_json()["id"]
    assert upload(client, rid, clerk).status_code == 201
    for who, action in ((clerk, "submit"), (reviewer, "approve"), (OFFICE, "approve")):
        resp = act(client, "metric_value", rid, action, who)
        assert resp.status_code == 200, resp.get_json()
    return rid


def sheet(rows, header=None, path=None) -> bytes:
    """An .xlsx with ``header`` and ``rows`` (written with openpyxl)."""
    wb = Workbook()
    ws = wb.active
    ws.append(header or ["区县代码", "区县", "期间", "D2.1 国企止损减亏完成率（分子）",
                         "D2.1 国企止损减亏完成率（分母）", "D2.2 法人压减完成率（分子）",
                         "D2.2 法人压减完成率（分母）"])
    for row in rows:
        ws.append(list(row))
    buf = io.BytesIO()
    wb.save(buf)
    data = buf.getvalue()
    if path is not None:
        path.write_bytes(data)
    return data
