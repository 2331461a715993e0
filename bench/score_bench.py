"""Benchmark: score one quarter of the district scheme for 41 units from
100,000 approved records, against the bare SQL aggregation of the same
records, in the same run. Prints both times and their ratio (goal: < 3).

    python bench/score_bench.py                      # SQLite in a temp folder
    DATABASE_URL=postgresql://… python bench/score_bench.py
    python bench/score_bench.py --records 100000 --repeat 7
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


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--scheme", default="district_2023")
    ap.add_argument("--period", default="2024Q1")
    args = ap.parse_args()

    tmp = tempfile.mkdtemp(prefix="bench-")
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{tmp}/bench.db"
    from flask_migrate import upgrade
    from sqlalchemy import MetaData, func, select, text

    from app import create_app
    from app.demo.load import load_demo
    from app.extensions import db
    from app.records.recognition.models import CATEGORIES, Recognition
    from app.scoring.service import run_scheme
    from app.security.models import ReformUser
    from app.units.models import Unit

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench",
                      "UPLOAD_FOLDER": f"{tmp}/uploads",
                      "FAB_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    with app.app_context():
        meta = MetaData()
        meta.reflect(bind=db.engine)
        meta.drop_all(bind=db.engine)
        upgrade(revision="heads")
        load_demo("Bench@2026x")
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

        r = Recognition
        bare = (select(r.unit_id, r.category, func.count())
                .where(r.state == "approved", r.unit_id.in_(districts),
                       r.date >= dt.date(2024, 1, 1), r.date <= dt.date(2024, 3, 31),
                       r.approved_on <= dt.datetime.now())
                .group_by(r.unit_id, r.category))

        def time_bare():
            t = time.perf_counter()
            rows = db.session.execute(bare).all()
            return time.perf_counter() - t, rows

        def time_score():
            t = time.perf_counter()
            run = run_scheme(args.scheme, args.period)
            return time.perf_counter() - t, run

        time_bare(), time_score()  # warm-up (caches, imports)
        bare_t, score_t = [], []
        for _ in range(args.repeat):  # interleaved, so noise hits both alike
            b, rows = time_bare()
            s, run = time_score()
            bare_t.append(b)
            score_t.append(s)
        # the two agree on the counts
        counts = {}
        for unit_id, cat, c in rows:
            counts[(unit_id, cat)] = c
        name_of = {v: k for k, v in run.unit_ids.items()}
        for (unit, code), value in run.collection.values.set_index(
                ["unit", "indicator"])["value"].items():
            cat = {"PP1": "全国性肯定评价", "PP2": "全市推广",
                   "PP3": "5家中央媒体深度专题报道"}.get(code)
            if cat:
                assert value == counts.get((unit, cat), 0), (name_of[unit], code)
        b, s = statistics.median(bare_t), statistics.median(score_t)
        print(f"machine: {platform.node()} {platform.machine()} {os.cpu_count()} cores, "
              f"Python {platform.python_version()}, {db.engine.dialect.name}")
        print(f"records: {n} approved recognitions over {len(districts)} districts "
              f"(loaded in {load_s:.1f} s)")
        print(f"bare SQL aggregation: median {b * 1000:.1f} ms over {args.repeat} runs")
        print(f"collect + score {args.scheme} {args.period}: median {s * 1000:.1f} ms")
        print(f"ratio: {s / b:.2f} (goal < 3)")


if __name__ == "__main__":
    main()
