"""Benchmark of the 指标数据 Excel import (issue #10), in-process: the import
of a 10,000-row sheet — read, every row and column checked, the values and
their history written, one transaction — as a ratio to a bare openpyxl read
(read_only, values_only) of the same file, measured in the same run.

The sheet is 市国资委's template layout (区县代码, 区县, 期间 and the numerator
and denominator of its four 2024 indicators), one row per district; so that a
sheet can have 10,000 rows, the bench database gets 10,000 extra districts
(units of kind district) before the run. 10,000 rows × 4 ratios = 40,000
values, each with its history row.

    python bench/metric_import_bench.py                     # SQLite in a temp folder
    DATABASE_URL=postgresql://… python bench/metric_import_bench.py
    python bench/metric_import_bench.py --rows 10000 --repeat 5
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
CLERK = "13900000031"  # 市国资委录入员 (demo account)


def _median_ms(times) -> float:
    return statistics.median(times) * 1000


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()

    tmp = tempfile.mkdtemp(prefix="bench-metric-")
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{tmp}/bench.db"
    from flask_migrate import upgrade
    from openpyxl import Workbook, load_workbook
    from sqlalchemy import MetaData, delete, func, insert, select, text

    from app import create_app
    from app.demo.load import load_demo
    from app.extensions import db
    from app.records.metric.excel import check_rows, department_metrics, import_file, read_rows
    from app.records.metric.models import MetricImportBatch, MetricValue
    from app.records.source_links import quarter_code
    from app.scoring.periods import parse_period
    from app.security.models import ReformUser
    from app.units.models import Unit
    from app.workflow.models import WorkflowHistory

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench",
                      "UPLOAD_FOLDER": f"{tmp}/uploads", "RATELIMIT_ENABLED": False,
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
        # 10,000 more districts, so that one sheet can have 10,000 rows
        top = db.session.scalar(select(func.max(Unit.id)))
        db.session.execute(insert(Unit.__table__), [
            {"code": f"B{i:05d}", "name": f"测试区县{i:05d}", "kind": "district",
             "region": "主城都市区", "is_data_source": False, "path": f"/{top + 1 + i}/",
             "sort_order": 1000 + i, "parent_id": None}
            for i in range(args.rows)])
        db.session.commit()
        clerk = db.session.scalar(select(ReformUser).where(ReformUser.mobile == CLERK))
        unit = db.session.get(Unit, clerk.unit_id)
        today = dt.date.today()
        period = parse_period(quarter_code(today.replace(day=1) - dt.timedelta(days=92)))
        metrics = department_metrics(db.session, unit, period)
        names = [f"测试区县{i:05d}" for i in range(args.rows)]

        # the sheet, as a department would fill the template
        rnd = random.Random(2024)
        path = Path(tmp) / "sheet.xlsx"
        wb = Workbook(write_only=True)
        ws = wb.create_sheet("指标数据")
        header = ["区县代码", "区县", "期间"]
        for m in metrics:
            header += [f"{m.label}（分子）", f"{m.label}（分母）"]
        ws.append(header)
        for i, name in enumerate(names):
            row = [f"B{i:05d}", name, period.code]
            for _ in metrics:
                den = rnd.randint(1, 500)
                row += [rnd.randint(0, den), den]
            ws.append(row)
        wb.save(path)
        size_kb = path.stat().st_size / 1024

        def bare_read():
            t = time.perf_counter()
            book = load_workbook(path, read_only=True, data_only=True)
            rows = list(book.worksheets[0].iter_rows(values_only=True))
            book.close()
            return time.perf_counter() - t, len(rows)

        def check_only():
            t = time.perf_counter()
            rows = read_rows(path)
            plan = check_rows(db.session, unit, rows)
            return time.perf_counter() - t, len(plan.values)

        def clear():
            db.session.execute(delete(WorkflowHistory).where(
                WorkflowHistory.record_type == "metric_value"))
            db.session.execute(delete(MetricValue))
            db.session.execute(delete(MetricImportBatch))
            db.session.commit()

        def full_import():
            t = time.perf_counter()
            batch = import_file(db.session, clerk, path, "sheet.xlsx")
            return time.perf_counter() - t, batch.value_count

        # SQLite's history table is append-only through the ORM only; the bench
        # clears it with Core between runs
        bare_read(), check_only(), full_import()  # warm-up
        clear()
        bare_t, check_t, import_t = [], [], []
        for _ in range(args.repeat):  # interleaved, so noise hits all alike
            b, n_rows = bare_read()
            c, _ = check_only()
            i, n_values = full_import()
            clear()
            bare_t.append(b)
            check_t.append(c)
            import_t.append(i)
        dialect = db.engine.dialect.name

    print(f"指标数据导入基准（{dialect}，Python {platform.python_version()}，{platform.machine()}）")
    print(f"  表格：{args.rows} 行 × {len(metrics)} 个比率指标（{len(header)} 列），"
          f"{n_values} 个数值，文件 {size_kb:.0f} KB；重复 {args.repeat} 次取中位数")
    print(f"  openpyxl 直接读取（read_only, values_only，{n_rows} 行）：{_median_ms(bare_t):8.0f} ms")
    print(f"  读取 + 逐行逐列校验（不写入）：          {_median_ms(check_t):8.0f} ms  "
          f"（读取的 {statistics.median(check_t) / statistics.median(bare_t):.2f} 倍）")
    print(f"  完整导入（读取、校验、写入数值和审核记录、提交）：{_median_ms(import_t):8.0f} ms  "
          f"（读取的 {statistics.median(import_t) / statistics.median(bare_t):.2f} 倍）")


if __name__ == "__main__":
    main()
