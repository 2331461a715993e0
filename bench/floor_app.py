"""The floor for bench/pages_bench.py: a bare Flask app that runs the same
page queries as the measured pages, one statement each, into a plain Jinja
table. No login, no permissions, no menu, no ORM: what a page costs at least
on this machine, this database and this driver.

    FLOOR_DATABASE_URL=sqlite:///… gunicorn -w 2 --chdir bench "floor_app:create_app()"

Routes (``page`` is 0-based, ``size`` the page size of the measured view):

- ``/list?unit=ID&page=N&size=25``: demands in the scope of unit ``ID`` (the unit
  and the units below it, by the materialised path), newest first, joined to
  unit, 领域 and 跑道 — the clerk's list; without ``unit``: every demand (the
  改革办's list); with ``waiting=ID`` instead: the demands waiting at the
  改革办's step that ``ID`` neither filed nor submitted (the 改革办's list as
  it opens, with its default filter 待我审核);
- ``/todo?user=ID&page=N&size=50``: the demands waiting at the 改革办's step
  (``pending_2``) that ``ID`` neither filed nor submitted, oldest first, joined
  to unit — the 改革办's 待办 page.

As a script it is the floor of the Excel export: every demand, the columns of
the app's export, written by openpyxl in write-only mode or by XlsxWriter in
constant-memory mode (what the app uses), nothing else::

    python bench/floor_app.py export URL OUT.xlsx [openpyxl|xlsxwriter]   # JSON: seconds, rows, RSS
"""

from __future__ import annotations

import json
import os
import sys
import time

from flask import Flask, render_template_string, request
from sqlalchemy import create_engine, text

STATE_LABELS = {"draft": "草稿", "pending_1": "待本单位审核", "pending_2": "待市委改革办审核",
                "rejected": "已驳回", "approved": "已通过"}

LIST_SQL = """
SELECT d.id, d.title, d.channel, dm.name AS domain, tr.name AS track, d.created_on,
       u.name AS unit, d.state
FROM demand d
JOIN unit u ON u.id = d.unit_id
LEFT OUTER JOIN reform_domain dm ON dm.id = d.domain_id
LEFT OUTER JOIN reform_track tr ON tr.id = d.track_id
{where}
ORDER BY d.id DESC
LIMIT :size OFFSET :offset
"""

SCOPE_WHERE = """WHERE d.unit_id IN (
    SELECT s.id FROM unit s WHERE s.path LIKE (SELECT p.path FROM unit p WHERE p.id = :unit) || '%')
"""

WAITING_WHERE = """WHERE d.state = 'pending_2' AND d.filed_by_id != :user
  AND (d.submitted_by_id IS NULL OR d.submitted_by_id != :user)
"""

TODO_SQL = """
SELECT d.id, d.title, d.state, u.name AS unit, d.submitted_on, d.changed_on
FROM demand d
JOIN unit u ON u.id = d.unit_id
WHERE d.state = 'pending_2' AND d.filed_by_id != :user
  AND (d.submitted_by_id IS NULL OR d.submitted_by_id != :user)
ORDER BY d.submitted_on, d.id
LIMIT :size OFFSET :offset
"""

EXPORT_SQL = """
SELECT d.id, d.title, d.description, d.channel, dm.name, tr.name, u.name, d.state, d.created_on
FROM demand d
JOIN unit u ON u.id = d.unit_id
LEFT OUTER JOIN reform_domain dm ON dm.id = d.domain_id
LEFT OUTER JOIN reform_track tr ON tr.id = d.track_id
ORDER BY d.id DESC
"""

PAGE = """<!doctype html>
<html lang="zh"><head><meta charset="utf-8"><title>{{ title }}</title></head>
<body><h1>{{ title }}</h1>
<table>
<thead><tr>{% for h in header %}<th>{{ h }}</th>{% endfor %}</tr></thead>
<tbody>
{% for r in rows %}<tr>
<td><a href="/demandmodelview/show/{{ r.id }}">{{ r.title }}</a></td>
{% for c in r.cells %}<td>{{ c }}</td>{% endfor %}
</tr>{% endfor %}
</tbody></table>
<p>第 {{ page + 1 }} 页</p>
</body></html>
"""


def _fmt(value) -> str:
    if value is None:
        return ""
    if hasattr(value, "strftime"):
        return value.strftime("%Y-%m-%d %H:%M")
    return str(value)


def create_app(url: str | None = None) -> Flask:
    app = Flask(__name__)
    engine = create_engine(url or os.environ["FLOOR_DATABASE_URL"])
    app.config["FLOOR_ENGINE"] = engine

    def page_args(default_size: int):
        page = max(0, request.args.get("page", 0, type=int))
        size = max(1, min(100, request.args.get("size", default_size, type=int)))
        return page, size

    @app.get("/list")
    def demand_list():
        page, size = page_args(25)
        unit = request.args.get("unit", type=int)
        waiting = request.args.get("waiting", type=int)
        params = {"size": size, "offset": page * size}
        where = ""
        if unit is not None:
            where, params["unit"] = SCOPE_WHERE, unit
        elif waiting is not None:
            where, params["user"] = WAITING_WHERE, waiting
        with engine.connect() as conn:
            rows = conn.execute(text(LIST_SQL.format(where=where)), params).all()
        out = [{"id": r.id, "title": r.title,
                "cells": [r.channel, r.domain or "", r.track or "", _fmt(r.created_on), r.unit,
                          STATE_LABELS.get(r.state, r.state)]} for r in rows]
        return render_template_string(
            PAGE, title="改革需求", page=page, rows=out,
            header=["需求标题", "来源渠道", "领域", "跑道", "创建时间", "填报单位", "状态"])

    @app.get("/todo")
    def todo():
        page, size = page_args(50)
        user = request.args.get("user", type=int)
        with engine.connect() as conn:
            rows = conn.execute(text(TODO_SQL), {"user": user, "size": size,
                                                  "offset": page * size}).all()
        out = [{"id": r.id, "title": r.title,
                "cells": [r.unit, STATE_LABELS.get(r.state, r.state),
                          _fmt(r.submitted_on or r.changed_on)]} for r in rows]
        return render_template_string(PAGE, title="待办", page=page, rows=out,
                                      header=["标题", "单位", "状态", "提交时间"])

    return app


def _rss_kib(field: str = "VmRSS") -> int:
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


HEADER = ["编号", "需求标题", "需求描述", "来源渠道", "领域", "跑道", "填报单位", "状态", "填报时间"]


def export(url: str, out: str, lib: str = "openpyxl") -> dict:
    """The bare export: one query, streamed, written by openpyxl (write-only)
    or XlsxWriter (constant_memory), saved to ``out``."""
    import openpyxl  # noqa: F401 - both imported before the clock starts
    import xlsxwriter

    engine = create_engine(url)
    with engine.connect() as conn:  # connect (and import the driver) before the clock starts
        conn.execute(text("SELECT 1"))
    rss0 = _rss_kib()
    t0 = time.perf_counter()
    n = 0
    if lib == "xlsxwriter":
        wb = xlsxwriter.Workbook(out, {"constant_memory": True, "strings_to_formulas": False,
                                       "strings_to_urls": False,
                                       "default_date_format": "yyyy-mm-dd hh:mm"})
        ws = wb.add_worksheet("改革需求")
        ws.write_row(0, 0, HEADER)
        with engine.connect() as conn:
            result = conn.execution_options(yield_per=2000).execute(text(EXPORT_SQL))
            for n, r in enumerate(result, start=1):
                ws.write_row(n, 0, (r[0], r[1], r[2], r[3], r[4], r[5], r[6],
                                    STATE_LABELS.get(r[7], r[7]), r[8]))
        wb.close()
    else:
        from openpyxl import Workbook

        wb = Workbook(write_only=True)
        ws = wb.create_sheet(title="改革需求")
        ws.append(HEADER)
        with engine.connect() as conn:
            result = conn.execution_options(yield_per=2000).execute(text(EXPORT_SQL))
            for r in result:
                ws.append([r[0], r[1], r[2], r[3], r[4], r[5], r[6],
                           STATE_LABELS.get(r[7], r[7]), r[8]])
                n += 1
        wb.save(out)
    seconds = time.perf_counter() - t0
    return {"seconds": seconds, "rows": n, "rss_start_kib": rss0,
            "rss_end_kib": _rss_kib(), "hwm_kib": _rss_kib("VmHWM"),
            "bytes": os.path.getsize(out)}


if __name__ == "__main__":
    if len(sys.argv) not in (4, 5) or sys.argv[1] != "export":
        sys.exit("usage: python bench/floor_app.py export DATABASE_URL OUT.xlsx "
                 "[openpyxl|xlsxwriter]")
    print(json.dumps(export(sys.argv[2], sys.argv[3], *sys.argv[4:])))
