"""Benchmark of the reports (issue #11), in-process, each figure next to a
baseline measured in the same run:

1. generating a report (collect + the ids of every record behind each value +
   score + canonical JSON + hash + insert) from 100,000 approved records, as a
   ratio to the bare SQL aggregation of the same records;
2. the PDF rank sheet for 41 units (goal < 300 ms) and the 41 unit sheets as
   one PDF (goal < 5 s), the font registered once before;
3. the cockpit page: SQL statements and p50 through the test client, against
   a bare Flask route served by the same test client machinery (the floor).

    python bench/report_bench.py                      # SQLite in a temp folder
    DATABASE_URL=postgresql://… python bench/report_bench.py
    python bench/report_bench.py --records 100000 --repeat 7
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

PASSWORD = "Bench@2026x"


def _median_ms(times) -> float:
    return statistics.median(times) * 1000


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--scheme", default="district_2023")
    ap.add_argument("--period", default="2024Q1")
    args = ap.parse_args()

    tmp = tempfile.mkdtemp(prefix="bench-")
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{tmp}/bench.db"
    from flask import Flask
    from flask_migrate import upgrade
    from sqlalchemy import MetaData, event, func, select, text

    from app import create_app
    from app.demo.load import load_demo
    from app.extensions import db
    from app.records.recognition.models import CATEGORIES, Recognition
    from app.reports import pdf, service
    from app.reports.models import ReportSnapshot
    from app.security.models import ReformUser
    from app.units.models import Unit

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench",
                      "UPLOAD_FOLDER": f"{tmp}/uploads", "REPORTS_FOLDER": f"{tmp}/reports",
                      "HUEY_SQLITE_PATH": f"{tmp}/huey.db", "RATELIMIT_ENABLED": False,
                      "FAB_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    with app.app_context():
        meta = MetaData()
        meta.reflect(bind=db.engine)
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP TABLE IF EXISTS report_snapshot CASCADE"))
        meta.drop_all(bind=db.engine)
        upgrade(revision="heads")
        load_demo(PASSWORD)
        districts = db.session.scalars(select(Unit.id).where(Unit.kind == "district")).all()
        filer = db.session.scalar(select(ReformUser.id).limit(1))
        rnd = random.Random(20240101)
        criteria = {"全国性肯定评价": "N23-1", "全市推广": "C-1",
                    "5家中央媒体深度专题报道": "M-1"}
        now = dt.datetime.now() - dt.timedelta(days=1)
        t0 = time.perf_counter()
        batch = []
        for i in range(args.records):
            cat = CATEGORIES[rnd.randrange(3)]
            batch.append(dict(
                item=f"改革事项{i}", problem="", result="", category=cat,
                criterion=criteria[cat],
                date=dt.date(2024, 1, 1) + dt.timedelta(days=rnd.randrange(91)),
                unit_id=districts[int(rnd.paretovariate(1.2)) % len(districts)],
                filed_by_id=filer, state="approved", version=3, created_on=now,
                changed_on=now, approved_on=now))
            if len(batch) == 10_000:
                db.session.execute(Recognition.__table__.insert(), batch)
                batch = []
        if batch:
            db.session.execute(Recognition.__table__.insert(), batch)
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text("ANALYZE recognition"))
            db.session.commit()
        load_s = time.perf_counter() - t0
        n = db.session.scalar(select(func.count()).select_from(Recognition))
        service.add_period("区县改革报表", args.period, dt.date(2024, 4, 10))

        r = Recognition
        bare = (select(r.unit_id, r.category, func.count())
                .where(r.state == "approved", r.unit_id.in_(districts),
                       r.date >= dt.date(2024, 1, 1), r.date <= dt.date(2024, 3, 31),
                       r.approved_on <= dt.datetime.now())
                .group_by(r.unit_id, r.category))

        bare_ids = (select(r.unit_id, r.category, r.id, r.version)
                    .where(r.state == "approved", r.unit_id.in_(districts),
                           r.date >= dt.date(2024, 1, 1), r.date <= dt.date(2024, 3, 31),
                           r.approved_on <= dt.datetime.now()))
        ids_t: list[float] = []

        def time_bare():
            t = time.perf_counter()
            rows = db.session.execute(bare).all()
            middle = time.perf_counter()
            db.session.execute(bare_ids).all()
            ids_t.append(time.perf_counter() - middle)
            return middle - t, rows

        stages: dict[str, list[float]] = {}

        def time_generate():
            marks = []
            t = time.perf_counter()
            snap = service.generate(args.scheme, args.period,
                                    progress=lambda p, _m: marks.append(time.perf_counter()))
            marks.append(time.perf_counter())
            # stages between the progress marks 10, 50, 75, 90, 100
            for name, a, b in (("collect + score (run_scheme)", 0, 1),
                               ("record ids behind the values", 1, 2),
                               ("score the inputs + canonical JSON", 2, 3),
                               ("insert + commit", 3, 4)):
                stages.setdefault(name, []).append(marks[b] - marks[a])
            return time.perf_counter() - t, snap

        time_bare(), time_generate()  # warm-up
        bare_t, gen_t = [], []
        for _ in range(args.repeat):  # interleaved, so noise hits both alike
            b, rows = time_bare()
            g, snap = time_generate()
            bare_t.append(b)
            gen_t.append(g)
        counts = {(u, c): k for u, c, k in rows}
        behind = sum(len(grp["ids"]) for leaves in snap.input_data["records"].values()
                     for groups in leaves.values() for grp in groups)
        assert behind == sum(counts.values()), (behind, sum(counts.values()))
        assert service.verify(snap).ok
        service.publish(snap.id)
        snap = db.session.get(ReportSnapshot, snap.id)
        size_kb = (len(snap.inputs) + len(snap.result)) / 1024

        t = time.perf_counter()
        pdf.ensure_font()
        font_s = time.perf_counter() - t
        pdf.rank_sheet(snap), pdf.unit_sheets(snap, [snap.data["units"][0]["id"]])  # warm-up
        rank_t, sheets_t = [], []
        for _ in range(args.repeat):
            t = time.perf_counter()
            rank_bytes = pdf.rank_sheet(snap)
            rank_t.append(time.perf_counter() - t)
        for _ in range(3):
            t = time.perf_counter()
            sheets_bytes = pdf.unit_sheets(snap)
            sheets_t.append(time.perf_counter() - t)
        sid = snap.id
        dialect = db.engine.dialect.name

    # the cockpit page, signed in as the city leader, against a bare Flask route
    statements = []

    def count(*_a, **_k):
        statements.append(1)

    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "10.9.9.9"
    page = client.get("/login/").get_data(as_text=True)
    import re

    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    assert client.post("/login/", data={"username": "13900000002", "password": PASSWORD,
                                        "csrf_token": token}).status_code == 302
    bare_app = Flask("floor")
    bare_app.add_url_rule("/", "floor", lambda: "<html><body>floor</body></html>")
    floor = bare_app.test_client()
    t = time.perf_counter()
    assert client.get("/cockpit/").status_code == 200
    first_cockpit = time.perf_counter() - t  # counts the boards (then kept per snapshot)
    for _ in range(3):  # warm-up
        assert client.get("/cockpit/").status_code == 200
        floor.get("/")
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", count)
    cockpit_t, floor_t = [], []
    for _ in range(max(args.repeat, 15)):
        statements.clear()
        t = time.perf_counter()
        resp = client.get("/cockpit/")
        cockpit_t.append(time.perf_counter() - t)
        n_statements = len(statements)
        t = time.perf_counter()
        floor.get("/")
        floor_t.append(time.perf_counter() - t)
    assert resp.status_code == 200 and f"/reports/{sid}" in resp.get_data(as_text=True)
    with app.app_context():
        event.remove(db.engine, "before_cursor_execute", count)

    b, g = _median_ms(bare_t), _median_ms(gen_t)
    print(f"machine: {platform.node()} {platform.machine()} {os.cpu_count()} cores, "
          f"Python {platform.python_version()}, {dialect}")
    print(f"records: {n} approved recognitions over {len(districts)} districts "
          f"(loaded in {load_s:.1f} s); snapshot size {size_kb:.0f} KiB "
          f"({behind} record ids behind the values)")
    print(f"bare SQL aggregation: median {b:.1f} ms over {args.repeat} runs")
    i = _median_ms(ids_t)
    print(f"bare SQL fetch of the {behind} (unit, category, id, version) rows: median {i:.1f} ms")
    print(f"generate {args.scheme} {args.period}: median {g:.1f} ms; ratio {g / b:.2f} to the "
          f"aggregation, {g / (b + i):.2f} to aggregation + fetch of the ids")
    for name, times in stages.items():
        print(f"  {name}: median {_median_ms(times):.1f} ms")
    print(f"font registration (once per process): {font_s * 1000:.0f} ms")
    print(f"rank sheet PDF, 41 units: median {_median_ms(rank_t):.1f} ms "
          f"({len(rank_bytes) // 1024} KiB; goal < 300 ms)")
    print(f"41 unit sheets, one PDF: median {_median_ms(sheets_t):.0f} ms "
          f"({len(sheets_bytes) // 1024} KiB; goal < 5000 ms)")
    c, f = _median_ms(cockpit_t), _median_ms(floor_t)
    print(f"cockpit page: {n_statements} SQL statements, p50 {c:.1f} ms; bare Flask floor "
          f"p50 {f:.2f} ms; ratio {c / f:.0f}; first view (boards counted) "
          f"{first_cockpit * 1000:.0f} ms")


if __name__ == "__main__":
    main()
