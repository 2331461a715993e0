"""Benchmark of the pages at 100,000 records (issue #8), each figure next to a
floor measured in the same run, reported as a ratio:

1. builds a fresh database with the project's migrations: the demo units and
   accounts, a clerk and a reviewer for every other district, then N 改革需求
   over the 41 districts in realistic states (about 70 % approved, 16 % waiting
   for the 改革办, 5 % at the district reviewer, 5 % drafts, 4 % rejected) with
   their workflow_history rows, inserted with SQLAlchemy Core in batches;
2. counts the SQL statements of every measured page in-process (Flask test
   client on the same database, a ``before_cursor_execute`` listener on the
   app's engine, counting only the measured request, after one warm request);
3. starts the app under gunicorn (2 sync workers) beside the bare-Flask floor
   (bench/floor_app.py, also gunicorn -w 2) on the same database, and a
   ``flask report worker`` (the task-queue consumer, as in production);
4. logs in as the 万州区 clerk (13900000011) and the 改革办 (13900000001) and
   times, sequentially and interleaved with the floor (so that noise from the
   rest of the machine hits both alike), the clerk's and the 改革办's whole list
   (``?_all=1``) page 1 and page 200, the 改革办's list as it opens (its
   default filter 待我审核) and the 改革办's 待办 page: p50, p95, req/s (200
   requests after 20 warm-up, fewer when a page has taken 50 s: see n=);
5. web worker RSS at start and at rest after every page (VmRSS of each
   gunicorn worker; the larger of the two);
6. the 改革办's Excel export of every row (more than EXPORT_SYNC_MAX_ROWS, so a
   background job): from the request to the file downloaded (the status polled
   every 0.1 s), the web request that queues it, and the job worker's peak RSS
   growth, against bare exports of the same rows and columns in a subprocess
   with XlsxWriter (constant_memory, what the app uses) and with openpyxl
   (write-only) (best of 2, interleaved);
7. bulk approval of 1,000 pending_2 records by the 改革办 through
   ``POST /api/v1/workflow/demand/bulk`` (JWT): wall time (median of 3) and
   statements (in-process), against a bare set-based
   ``UPDATE …; INSERT … SELECT`` of 1,000 other rows (state, version, history);
8. prints one table, and the plans of the 待办 counts; ``--markdown FILE``
   writes them with the machine for docs/performance.md.

    python bench/pages_bench.py                        # SQLite, 100,000 rows
    python bench/pages_bench.py --db postgresql        # a fresh database on 127.0.0.1:5432
    python bench/pages_bench.py --quick                # 10,000 rows, fewer requests
    python bench/pages_bench.py --app-root /tmp/bench_wt   # measure another checkout

The app runs with a worker timeout of 600 s so that a page slower than the
production timeout would be measured rather than killed.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import json
import math
import os
import platform
import pstats
import random
import re
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.client import HTTPConnection
from pathlib import Path

BENCH = Path(__file__).resolve().parent
PASSWORD = "Gaige@2026"
CLERK, OFFICE = "13900000011", "13900000001"
VIEW = "DemandModelView"
LIST = "/demandmodelview/list/"
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
STATES = (("approved", 0.70), ("pending_2", 0.16), ("pending_1", 0.05), ("draft", 0.05),
          ("rejected", 0.04))
GUNICORN_CONF = """
import pathlib

{base}

def post_worker_init(worker):
    pathlib.Path({ready!r}, f"ready.{{worker.pid}}").write_text("")
"""
# the app runs with the repository's gunicorn.conf.py (what production runs:
# preloaded, gc frozen before the fork); the floor with the same server settings
APP_CONF = "exec(compile(open({path!r}).read(), {path!r}, 'exec'))"
FLOOR_CONF = """import gc
preload_app = True
gc.disable()

def pre_fork(server, worker):
    gc.freeze()

def post_fork(server, worker):
    gc.enable()
"""


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# -- the machine ---------------------------------------------------------------------

def machine(url: str) -> dict:
    cpu = ""
    with open("/proc/cpuinfo", encoding="utf-8") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem_kib = 0
    with open("/proc/meminfo", encoding="utf-8") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                mem_kib = int(line.split()[1])
    out = {"nproc": len(os.sched_getaffinity(0)), "cpu": cpu,
           "ram": f"{mem_kib / 1024 / 1024:.1f} GiB", "python": platform.python_version(),
           "sqlite": sqlite3.sqlite_version, "date": dt.date.today().isoformat()}
    if url.startswith("postgresql"):
        from sqlalchemy import create_engine, text

        engine = create_engine(url)
        with engine.connect() as conn:
            out["postgresql"] = conn.execute(text("SHOW server_version")).scalar().split()[0]
        engine.dispose()
    return out


def revision(root: Path) -> str:
    def git(*args):
        return subprocess.run(["git", "-C", str(root), *args], capture_output=True,
                              text=True).stdout.strip()

    head = git("rev-parse", "--short", "HEAD") or "?"
    dirty = [line for line in git("status", "--porcelain", "--", "app", "migrations",
                                  "config.py").splitlines() if line.strip()]
    return f"{head}" + (f" + {len(dirty)} uncommitted paths in app/, migrations/"
                        if dirty else " (clean)")


# -- the database ------------------------------------------------------------------------

def make_database(kind: str, tmp: Path) -> tuple[str, Callable[[], None]]:
    """A fresh empty database: its URL and a function that removes it."""
    if kind == "sqlite":
        return f"sqlite:///{tmp / 'bench.db'}", lambda: None
    import psycopg

    name = f"pages_bench_{os.getpid()}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop():
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}", drop


VERBS = ("建立", "健全", "完善", "深化", "探索", "推进", "优化", "创新")
TOPICS = ("营商环境", "国资国企", "要素市场化配置", "基层治理", "法治政府", "教育评价",
          "医药卫生", "生态环境保护", "绿色低碳", "干部人事", "数字政府", "城乡融合",
          "科技创新", "财政金融", "社会信用", "政务服务")
TAILS = ("闭环管理机制", "协同推进体系", "考核评价办法", "改革试点方案", "数据共享机制",
         "服务保障体系", "风险防控机制", "激励约束机制")


def build_dataset(app, n: int, seed: int = 20261122) -> dict:
    """Migrations, demo data, district accounts, ``n`` demands with history."""
    from flask_migrate import upgrade
    from sqlalchemy import func, select, text

    from app.demo.load import load_demo
    from app.extensions import db
    from app.records.demand.models import CHANNELS, Demand, ReformTrack
    from app.security.models import ReformUser
    from app.security.roles import ROLE_CLERK, ROLE_REVIEWER
    from app.units.models import Unit
    from app.workflow.models import WorkflowHistory

    rnd = random.Random(seed)
    with app.app_context():
        t0 = time.perf_counter()
        upgrade(revision="heads")
        load_demo(PASSWORD)
        t_schema = time.perf_counter() - t0
        session = db.session
        sm = app.appbuilder.sm
        districts = session.execute(select(Unit.id, Unit.name).where(Unit.kind == "district")
                                    .order_by(Unit.sort_order)).all()
        office = session.scalar(select(ReformUser).where(ReformUser.mobile == OFFICE))
        clerk = session.scalar(select(ReformUser).where(ReformUser.mobile == CLERK))
        pw_hash = clerk.password
        roles = {r: sm.find_role(r) for r in (ROLE_CLERK, ROLE_REVIEWER)}
        # every district gets a clerk and a reviewer (万州区 and 渝中区 have demo ones)
        people: dict[int, dict[str, int]] = {}
        existing = session.execute(select(ReformUser).where(ReformUser.unit_id.in_(
            [d.id for d in districts]))).scalars().all()
        for u in existing:
            for r in u.roles:
                if r.name in roles:
                    people.setdefault(u.unit_id, {}).setdefault(r.name, u.id)
        for i, (unit_id, name) in enumerate(districts, start=1):
            for role_name, digit in ((ROLE_CLERK, 1), (ROLE_REVIEWER, 2)):
                if role_name in people.get(unit_id, {}):
                    continue
                mobile = f"137{i:04d}000{digit}"
                u = ReformUser(first_name=f"{name}{role_name}", last_name="", username=mobile,
                               mobile=mobile, email=f"{mobile}@bench.invalid", active=True,
                               password=pw_hash, unit_id=unit_id, must_change_password=False,
                               roles=[roles[role_name]])
                session.add(u)
                session.flush()
                people.setdefault(unit_id, {})[role_name] = u.id
        session.commit()
        tracks = session.execute(select(ReformTrack.id, ReformTrack.domain_id)).all()

        # 万州区 (the measured clerk's) is a big district: 6 % of the rows, so that
        # its list has 200 pages at 100,000; the others share the rest unevenly
        wz = next(d.id for d in districts if d.name == "万州区")
        others = [d.id for d in districts if d.id != wz]
        weights = [0.5 + rnd.random() for _ in others]
        scale = 0.94 / sum(weights)
        unit_ids = [wz] + others
        unit_weights = [0.06] + [w * scale for w in weights]
        state_names = [s for s, _ in STATES]
        state_weights = [w for _, w in STATES]

        start_id = (session.scalar(select(func.max(Demand.id))) or 0) + 1
        now = dt.datetime.now().replace(microsecond=0)
        span = dt.timedelta(days=730).total_seconds()
        demand_t, history_t = Demand.__table__, WorkflowHistory.__table__
        t0 = time.perf_counter()
        demands, history = [], []
        n_history = 0
        counts = dict.fromkeys(state_names, 0)

        def flush():
            nonlocal demands, history
            if demands:
                session.execute(demand_t.insert(), demands)
            if history:
                session.execute(history_t.insert(), history)
            demands, history = [], []

        for k in range(n):
            rid = start_id + k
            unit_id = rnd.choices(unit_ids, unit_weights)[0]
            state = rnd.choices(state_names, state_weights)[0]
            counts[state] += 1
            filer = people[unit_id][ROLE_CLERK]
            reviewer = people[unit_id][ROLE_REVIEWER]
            created = now - dt.timedelta(seconds=span * (1 - k / n) + rnd.randrange(3600))
            track_id, domain_id = rnd.choice(tracks) if rnd.random() < 0.9 else (None, None)
            verb, topic, tail = rnd.choice(VERBS), rnd.choice(TOPICS), rnd.choice(TAILS)
            channel = rnd.choice(CHANNELS)
            row = {
                "id": rid, "title": f"{verb}{topic}{tail}", "channel": channel,
                "description": (f"{channel}：{topic}领域在实际工作中存在堵点，群众和企业反映较多，"
                                f"需要从制度层面加以解决。拟{verb}{topic}{tail}，明确责任分工、"
                                f"时间节点和评价标准，形成可复制可推广的经验。"),
                "domain_id": domain_id, "track_id": track_id, "unit_id": unit_id,
                "filed_by_id": filer, "state": state, "version": 1, "created_on": created,
                "changed_on": created, "submitted_on": None, "submitted_by_id": None,
                "approved_on": None,
            }
            steps = []  # (from, to, action, actor, actor unit, reason)
            if state != "draft":
                steps.append(("draft", "pending_1", "submit", filer, unit_id, None))
            if state in ("pending_2", "approved"):
                steps.append(("pending_1", "pending_2", "approve", reviewer, unit_id, None))
            if state == "approved":
                steps.append(("pending_2", "approved", "approve", office.id, office.unit_id,
                              None))
            if state == "rejected":
                if rnd.random() < 0.5:
                    steps.append(("pending_1", "rejected", "reject", reviewer, unit_id,
                                  "材料不完整，请补充具体举措"))
                else:
                    steps.append(("pending_1", "pending_2", "approve", reviewer, unit_id, None))
                    steps.append(("pending_2", "rejected", "reject", office.id, office.unit_id,
                                  "改革味不足，请重新凝练标题"))
            when = created
            for from_state, to_state, action, actor, actor_unit, reason in steps:
                when += dt.timedelta(hours=rnd.randrange(1, 72))
                history.append({
                    "record_type": "demand", "record_id": rid, "from_state": from_state,
                    "to_state": to_state, "action": action, "actor_id": actor,
                    "actor_unit_id": actor_unit, "record_unit_id": unit_id, "reason": reason,
                    "created_on": when})
                if action == "submit":
                    row["submitted_on"], row["submitted_by_id"] = when, filer
                if to_state == "approved":
                    row["approved_on"] = when
            row["version"] = 1 + len(steps)
            row["changed_on"] = when
            n_history += len(steps)
            demands.append(row)
            if len(demands) >= 5000:
                flush()
        flush()
        session.commit()
        if db.engine.dialect.name == "postgresql":
            session.execute(text("SELECT setval(pg_get_serial_sequence('demand', 'id'), "
                                 "(SELECT max(id) FROM demand))"))
            session.commit()
            session.commit()
            # as autovacuum would, soon after such a load: statistics, and the
            # visibility map that lets the 待办 count be an index-only scan
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE"))
        t_rows = time.perf_counter() - t0
        info = {
            "rows": n, "history": n_history, "states": counts,
            "wanzhou": session.scalar(select(func.count()).select_from(Demand)
                                      .where(Demand.unit_id == wz)),
            "schema_s": t_schema, "rows_s": t_rows, "clerk_unit": clerk.unit_id,
            "office_id": office.id, "office_unit": office.unit_id,
        }
        session.remove()
        return info


# -- in-process: statements per request ----------------------------------------------------

class StatementCounter:
    """Counts (and times) the statements the app's engine sends while ``on``."""

    def __init__(self, engine):
        from sqlalchemy import event

        self.on = False
        self.statements: list[str] = []
        self.times: list[float] = []
        self.sql_s = 0.0
        self._t = 0.0
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, conn, cursor, statement, parameters, context, executemany):
        if self.on:
            self.statements.append(statement)
            self._t = time.perf_counter()

    def _after(self, conn, cursor, statement, parameters, context, executemany):
        if self.on:
            self.times.append(time.perf_counter() - self._t)
            self.sql_s += self.times[-1]

    def start(self):
        self.statements, self.times, self.sql_s, self.on = [], [], 0.0, True

    def stop(self) -> int:
        self.on = False
        return len(self.statements)


CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def client_login(app, mobile: str):
    client = app.test_client()
    page = client.get("/login/").get_data(as_text=True)
    token = CSRF_RE.search(page).group(1)
    resp = client.post("/login/", data={"username": mobile, "password": PASSWORD,
                                        "csrf_token": token})
    assert resp.status_code == 302, f"login of {mobile} failed: {resp.status_code}"
    return client


@dataclass
class Page:
    what: str
    who: str
    path: str
    floor: str
    app_stmts: int = 0
    floor_stmts: int = 0
    inproc_ms: float = 0.0
    sql_ms: float = 0.0
    statements: list = field(default_factory=list)
    sql_times: list = field(default_factory=list)
    app_t: list = field(default_factory=list)
    floor_t: list = field(default_factory=list)


def count_pages(app, floor, pages: list[Page], show_sql: bool, profile: bool) -> None:
    from app.extensions import db

    with app.app_context():
        counter = StatementCounter(db.engine)
    floor_counter = StatementCounter(floor.config["FLOOR_ENGINE"])
    floor_client = floor.test_client()
    clients = {who: client_login(app, who) for who in {p.who for p in pages}}
    for p in pages:
        client = clients[p.who]
        assert client.get(p.path).status_code == 200, p.path  # warm
        counter.start()
        t = time.perf_counter()
        resp = client.get(p.path)
        times = [time.perf_counter() - t]
        p.app_stmts = counter.stop()
        p.sql_ms = counter.sql_s * 1000
        p.statements, p.sql_times = counter.statements, counter.times
        assert resp.status_code == 200, (p.path, resp.status_code)
        for _ in range(4):
            t = time.perf_counter()
            client.get(p.path)
            times.append(time.perf_counter() - t)
        p.inproc_ms = statistics.median(times) * 1000
        floor_client.get(p.floor)
        floor_counter.start()
        assert floor_client.get(p.floor).status_code == 200
        p.floor_stmts = floor_counter.stop()
        if show_sql:
            print(f"\n-- {p.what}: {p.app_stmts} statements", file=sys.stderr)
            for s, t in zip(p.statements, p.sql_times):
                print(f"   {t * 1000:7.1f} ms  " + " ".join(s.split())[:300], file=sys.stderr)
    if profile:
        p = next(p for p in pages if p.who == OFFICE)
        client = clients[p.who]
        prof = cProfile.Profile()
        for _ in range(3):
            client.get(p.path)
        prof.enable()
        for _ in range(10):
            client.get(p.path)
        prof.disable()
        print(f"\n-- profile: 10 × {p.what} in-process (cumulative)", file=sys.stderr)
        stats = pstats.Stats(prof, stream=sys.stderr)
        stats.sort_stats("cumulative").print_stats(45)
        stats.sort_stats("tottime").print_stats(25)


def explain_todo(app, mobiles: tuple[str, ...]) -> str:
    """The plan of each user's 待办 count of 改革需求 (waiting for them, rejected
    back to them, their drafts), as the database runs it, with its time."""
    from sqlalchemy import func, select, text

    from app.extensions import db
    from app.records.demand.models import Demand
    from app.security.models import ReformUser
    from app.workflow.engine import TODO_KINDS, _kind_clause

    out = []
    with app.app_context():
        pg = db.engine.dialect.name == "postgresql"
        for mobile in mobiles:
            user = db.session.scalar(select(ReformUser).where(ReformUser.mobile == mobile))
            for kind in TODO_KINDS:
                stmt = select(func.count()).select_from(Demand).where(
                    _kind_clause(kind, Demand, user))
                sql = str(stmt.compile(db.engine, compile_kwargs={"literal_binds": True}))
                t = time.perf_counter()
                n = db.session.execute(text(sql)).scalar()
                ms = (time.perf_counter() - t) * 1000
                plan = db.session.execute(text(
                    ("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) " if pg
                     else "EXPLAIN QUERY PLAN ") + sql)).all()
                lines = [r[0] for r in plan] if pg else [r[-1] for r in plan]
                out.append(f"{mobile} {kind}: {n:,} rows counted in {ms:.1f} ms\n    "
                           + " ".join(sql.split()) + "\n    " + "\n    ".join(lines))
        db.session.remove()
    return "\n".join(out)


# -- gunicorn ------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, name: str, target: str, cwd: Path, env: dict, tmp: Path,
                 workers: int = 2, timeout: int = 600, base_conf: str = ""):
        self.name, self.port = name, free_port()
        self.ready_dir = tmp / f"ready-{name}"
        self.ready_dir.mkdir()
        conf = tmp / f"gunicorn-{name}.conf.py"
        conf.write_text(GUNICORN_CONF.format(ready=str(self.ready_dir), base=base_conf),
                        encoding="utf-8")
        self.log_path = tmp / f"gunicorn-{name}.log"
        self.workers = workers
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(conf), "-w", str(workers),
             "-b", f"127.0.0.1:{self.port}", "--timeout", str(timeout), target],
            cwd=str(cwd), env={**os.environ, **env},
            stdout=subprocess.DEVNULL, stderr=open(self.log_path, "w", encoding="utf-8"))  # noqa: SIM115

    def wait_ready(self, limit: float = 300) -> float:
        t0 = time.perf_counter()
        while len(list(self.ready_dir.iterdir())) < self.workers:
            if self.proc.poll() is not None:
                tail = self.log_path.read_text(encoding="utf-8")[-3000:]
                raise SystemExit(f"{self.name} did not start:\n{tail}")
            if time.perf_counter() - t0 > limit:
                raise SystemExit(f"{self.name}: workers not ready after {limit} s")
            time.sleep(0.2)
        return time.perf_counter() - t0

    def worker_pids(self) -> list[int]:
        pid = self.proc.pid
        try:
            with open(f"/proc/{pid}/task/{pid}/children", encoding="ascii") as f:
                return [int(x) for x in f.read().split()]
        except OSError:
            out = []
            for d in os.listdir("/proc"):
                if d.isdigit():
                    try:
                        with open(f"/proc/{d}/stat", encoding="ascii") as f:
                            if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                                out.append(int(d))
                    except (OSError, ValueError, IndexError):
                        pass
            return out

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()


class Worker:
    """``flask report worker``: the task-queue consumer, as production runs it."""

    def __init__(self, root: Path, env: dict, tmp: Path):
        self.log_path = tmp / "worker.log"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "app:create_app()", "report", "worker",
             "--workers", "1"], cwd=str(root), env={**os.environ, **env},
            stdout=subprocess.DEVNULL, stderr=open(self.log_path, "w", encoding="utf-8"))  # noqa: SIM115

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def status_kib(pid: int, name: str = "VmRSS") -> int:
    with open(f"/proc/{pid}/status", encoding="ascii") as f:
        for line in f:
            if line.startswith(name + ":"):
                return int(line.split()[1])
    return 0


def memory_kib(pid: int) -> dict:
    """RSS, PSS (shared pages divided among the processes sharing them) and
    USS (pages of this process only: what one more worker costs)."""
    out = {"rss": 0, "pss": 0, "uss": 0}
    with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as f:
        for line in f:
            key, _, rest = line.partition(":")
            if key == "Rss":
                out["rss"] = int(rest.split()[0])
            elif key == "Pss":
                out["pss"] = int(rest.split()[0])
            elif key in ("Private_Clean", "Private_Dirty"):
                out["uss"] += int(rest.split()[0])
    return out


def memory_figure(kib: dict) -> str:
    return (f"{kib['rss'] / 1024:.0f} MiB (PSS {kib['pss'] / 1024:.0f}, "
            f"USS {kib['uss'] / 1024:.0f})")


def reset_peak(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/clear_refs", "w", encoding="ascii") as f:
            f.write("5")  # resets VmHWM to the current RSS
        return True
    except OSError:
        return False


def fetch(port: int, method: str, path: str, headers: dict | None = None,
         body: bytes | None = None) -> tuple[int, bytes, float, dict]:
    """One request on a fresh connection (gunicorn's sync workers close it anyway)."""
    t = time.perf_counter()
    conn = HTTPConnection("127.0.0.1", port, timeout=900)
    conn.request(method, path, body=body, headers=headers or {})
    resp = conn.getresponse()
    data = resp.read()
    conn.close()
    return resp.status, data, time.perf_counter() - t, dict(resp.getheaders())


def web_login(port: int, mobile: str) -> str:
    """The session cookie of ``mobile`` (the CSRF token from /login/ first)."""
    import requests

    s = requests.Session()
    base = f"http://127.0.0.1:{port}"
    token = CSRF_RE.search(s.get(f"{base}/login/").text).group(1)
    r = s.post(f"{base}/login/", data={"username": mobile, "password": PASSWORD,
                                       "csrf_token": token}, allow_redirects=False)
    assert r.status_code == 302, f"web login of {mobile}: {r.status_code}"
    return "; ".join(f"{c.name}={c.value}" for c in s.cookies)


def jwt_login(port: int, mobile: str) -> str:
    import requests

    r = requests.post(f"http://127.0.0.1:{port}/api/v1/security/login",
                      json={"username": mobile, "password": PASSWORD, "provider": "db",
                            "refresh": False})
    assert r.status_code == 200, r.text
    return r.json()["access_token"]


SHOW_RE = re.compile(rb"/demandmodelview/show/(\d+)")


def shown_ids(body: bytes) -> list[int]:
    out = []
    for m in SHOW_RE.finditer(body):
        i = int(m.group(1))
        if i not in out:
            out.append(i)
    return out


# -- figures ---------------------------------------------------------------------------

def pct(values, q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, max(0, math.ceil(q * len(s)) - 1))] * 1000


def fmt_ms(v: float | None) -> str:
    if v is None:
        return "—"
    return f"{v:,.0f} ms" if v >= 100 else f"{v:.1f} ms"


@dataclass
class Row:
    what: str
    p50: float | None = None  # ms
    p95: float | None = None
    rps: float | None = None
    stmts: int | str | None = None
    rss: str = ""
    ratio: str = ""


def render(rows: list[Row], markdown: bool) -> str:
    head = ("what", "p50", "p95", "req/s", "statements", "RSS", "ratio to floor")
    cells = [("↳ " + r.what.strip() if markdown and r.what.startswith("  ") else r.what,
              fmt_ms(r.p50), fmt_ms(r.p95),
              "—" if r.rps is None else f"{r.rps:.1f}",
              "—" if r.stmts is None else str(r.stmts), r.rss or "—", r.ratio or "—")
             for r in rows]
    if markdown:
        out = ["| " + " | ".join(head) + " |", "|---|" + "---:|" * (len(head) - 1)]
        out += ["| " + " | ".join(c) + " |" for c in cells]
        return "\n".join(out)

    def width(s: str) -> int:  # CJK characters take two columns in a terminal
        return sum(2 if ord(ch) > 0x2E80 else 1 for ch in s)

    widths = [max(width(row[i]) for row in [head, *cells]) for i in range(len(head))]

    def line(row):
        parts = []
        for i, c in enumerate(row):
            pad = " " * (widths[i] - width(c))
            parts.append(c + pad if i == 0 else pad + c)
        return "  ".join(parts)

    return "\n".join([line(head), line(tuple("-" * w for w in widths))]
                     + [line(c) for c in cells])


# -- the run ------------------------------------------------------------------------

def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    ap.add_argument("--rows", type=int)
    ap.add_argument("--quick", action="store_true",
                    help="10,000 rows, 50 requests per page, 5 warm-up")
    ap.add_argument("--requests", type=int, help="timed requests per page (default 200)")
    ap.add_argument("--warmup", type=int, help="warm-up requests per page (default 20)")
    ap.add_argument("--page-seconds", type=float, default=50,
                    help="stop timing a page after this long once it has 50 samples "
                    "(0: never; keeps a run on a loaded machine near 10 minutes)")
    ap.add_argument("--bulk", type=int, default=1000, help="records per bulk approval")
    ap.add_argument("--markdown", metavar="FILE", help="also write the table as Markdown")
    ap.add_argument("--app-root", type=Path, default=BENCH.parent,
                    help="the checkout whose app is measured (default: this one)")
    ap.add_argument("--show-sql", action="store_true", help="print each page's statements")
    ap.add_argument("--profile", action="store_true",
                    help="cProfile the 改革办's list page 1 in-process")
    ap.add_argument("--keep", action="store_true", help="keep the temp folder and database")
    args = ap.parse_args()
    n_rows = args.rows or (10_000 if args.quick else 100_000)
    n_req = args.requests or (50 if args.quick else 200)
    n_warm = args.warmup if args.warmup is not None else (5 if args.quick else 20)
    root = args.app_root.resolve()
    sys.path.insert(0, str(root))
    sys.path.insert(0, str(BENCH))

    tmp = Path(tempfile.mkdtemp(prefix="pages-bench-"))
    url, drop_db = make_database(args.db, tmp)
    env = {"DATABASE_URL": url, "SECRET_KEY": os.urandom(32).hex(),
           "INSTANCE_PATH": str(tmp / "instance"), "RATELIMIT_STORAGE_URI": "memory://",
           "UPLOAD_FOLDER": str(tmp / "instance" / "uploads"), "DEMO_PASSWORD": PASSWORD,
           # the task queue and its files of this run only (the defaults are under
           # the checkout's instance/, which other processes may be consuming)
           "HUEY_SQLITE_PATH": str(tmp / "instance" / "huey.db"),
           "REPORTS_FOLDER": str(tmp / "instance" / "reports")}
    os.environ.update(env)  # config.py reads them at import
    servers: list[Server] = []
    load_before = os.getloadavg()
    try:
        mach = machine(url)
        rev = revision(root)
        log(f"app: {root} at {rev}; database: {args.db} ({url})")
        from app import create_app

        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": env["SECRET_KEY"],
                          "UPLOAD_FOLDER": env["UPLOAD_FOLDER"]})
        log(f"building {n_rows:,} demands …")
        info = build_dataset(app, n_rows)
        log(f"schema + demo data {info['schema_s']:.1f} s; {n_rows:,} demands + "
            f"{info['history']:,} history rows in {info['rows_s']:.1f} s; states {info['states']};"
            f" 万州区 {info['wanzhou']:,}")

        import floor_app

        from app.workflow.views import PAGE_SIZE as TODO_SIZE

        view = next(v for v in app.appbuilder.baseviews if type(v).__name__ == VIEW)
        size = view.page_size
        clerk_p = min(199, max(0, math.ceil(info["wanzhou"] / size) - 1))
        office_p = min(199, max(0, math.ceil(n_rows / size) - 1))
        cu, ou = info["clerk_unit"], info["office_id"]
        # ?_all=1: the whole list in scope, without the role's default filter
        # (待我审核 for the 改革办, 本单位记录 for a clerk), which is measured apart
        pages = [
            Page("clerk list page 1", CLERK, f"{LIST}?_all=1",
                 f"/list?unit={cu}&page=0&size={size}"),
            Page(f"clerk list page {clerk_p + 1}", CLERK,
                 f"{LIST}?_all=1&page_{VIEW}={clerk_p}",
                 f"/list?unit={cu}&page={clerk_p}&size={size}"),
            Page("改革办 list page 1", OFFICE, f"{LIST}?_all=1", f"/list?page=0&size={size}"),
            Page(f"改革办 list page {office_p + 1}", OFFICE,
                 f"{LIST}?_all=1&page_{VIEW}={office_p}",
                 f"/list?page={office_p}&size={size}"),
            Page("改革办 list as it opens (待我审核)", OFFICE, LIST,
                 f"/list?waiting={ou}&page=0&size={size}"),
            Page("改革办 待办", OFFICE, "/todo/", f"/todo?user={ou}&page=0&size={TODO_SIZE}"),
        ]
        floor = floor_app.create_app(url)
        log("counting statements in-process …")
        count_pages(app, floor, pages, args.show_sql, args.profile)
        plans = explain_todo(app, (OFFICE, CLERK))
        log("the 待办 counts, as the database plans them:\n" + plans)

        log("starting gunicorn: app and floor, 2 workers each …")
        gun_env = {**env, "FLOOR_DATABASE_URL": url}
        app_srv = Server("app", "app:create_app()", root, gun_env, tmp,
                         base_conf=APP_CONF.format(path=str(root / "gunicorn.conf.py")))
        servers.append(app_srv)
        floor_srv = Server("floor", "floor_app:create_app()", BENCH, gun_env, tmp,
                           base_conf=FLOOR_CONF)
        servers.append(floor_srv)
        job_worker = Worker(root, gun_env, tmp)  # loaded long before the export
        servers.append(job_worker)
        log(f"app workers ready in {app_srv.wait_ready():.1f} s, "
            f"floor in {floor_srv.wait_ready():.1f} s")
        time.sleep(1)
        rss_start = {pid: memory_kib(pid) for pid in app_srv.worker_pids()}
        rss_floor_start = {pid: memory_kib(pid) for pid in floor_srv.worker_pids()}
        cookies = {who: web_login(app_srv.port, who) for who in (CLERK, OFFICE)}

        # the same rows on both sides
        for p in pages:
            s1, b1, _, _ = fetch(app_srv.port, "GET", p.path, {"Cookie": cookies[p.who]})
            s2, b2, _, _ = fetch(floor_srv.port, "GET", p.floor)
            assert s1 == 200 and s2 == 200, (p.what, s1, s2)
            a_ids, f_ids = shown_ids(b1), shown_ids(b2)
            if set(a_ids) != set(f_ids):
                log(f"WARNING {p.what}: app shows {len(a_ids)} records, floor {len(f_ids)}; "
                    f"first app {a_ids[:3]}, first floor {f_ids[:3]}")
        log(f"timing {len(pages)} pages: {n_warm} warm-up + {n_req} requests each, "
            "interleaved with the floor …")
        for p in pages:
            head = {"Cookie": cookies[p.who]}
            t_page = time.perf_counter()
            for i in range(n_warm + n_req):
                if (len(p.app_t) >= 50 and args.page_seconds
                        and time.perf_counter() - t_page > args.page_seconds):
                    break  # a loaded machine: enough samples for p50/p95
                s1, _, t1, _ = fetch(app_srv.port, "GET", p.path, head)
                s2, _, t2, _ = fetch(floor_srv.port, "GET", p.floor)
                assert s1 == 200 and s2 == 200, (p.what, s1, s2)
                if i >= n_warm:
                    p.app_t.append(t1)
                    p.floor_t.append(t2)
            log(f"  {p.what}: p50 {pct(p.app_t, .5):.1f} ms, floor {pct(p.floor_t, .5):.1f} ms")

        rss_app = {pid: memory_kib(pid) for pid in app_srv.worker_pids()}
        rss_floor = {pid: memory_kib(pid) for pid in floor_srv.worker_pids()}

        # -- the Excel export: a background job on the task queue ---------------------
        # more rows than EXPORT_SYNC_MAX_ROWS (5,000): the web request queues a job
        # and answers at once; a `flask report worker` process (as in production)
        # writes the file; the browser polls the job's status and downloads it
        export_rounds = 1 if args.quick else 2
        log(f"Excel export of {n_rows:,} rows by the 改革办 (background job), best of "
            f"{export_rounds}, interleaved with the bare exports …")
        export_times, queue_times, bare_exports = [], [], {"xlsxwriter": [], "openpyxl": []}
        export_peak = export_kept = 0.0
        peak_ok = True
        head = {"Cookie": cookies[OFFICE]}
        for _ in range(export_rounds):
            wpid = job_worker.proc.pid
            before = status_kib(wpid)
            peak_ok = reset_peak(wpid) and peak_ok
            t0 = time.perf_counter()
            st, _, t_queue, hdrs = fetch(app_srv.port, "GET",
                                         "/demandmodelview/export/?_all=1", head)
            assert st == 302, (st, hdrs)
            job_path = re.sub(r"^https?://[^/]+", "", hdrs["Location"])
            while True:
                st, data, _, _ = fetch(app_srv.port, "GET", job_path + "/status", head)
                status = json.loads(data)
                if status["status"] in ("done", "failed"):
                    break
                if time.perf_counter() - t0 > 1800:
                    raise SystemExit(f"export job still {status} after 30 minutes")
                time.sleep(0.1)
            assert status["status"] == "done", status
            st, body, _, _ = fetch(app_srv.port, "GET", status["url"], head)
            t = time.perf_counter() - t0
            assert st == 200 and body[:2] == b"PK", (st, body[:200])
            export_times.append(t)
            queue_times.append(t_queue)
            export_peak = max(export_peak, (status_kib(wpid, "VmHWM") - before) / 1024)
            export_kept = max(export_kept, (status_kib(wpid) - before) / 1024)
            line = f"  app {t:.1f} s ({len(body) / 1e6:.1f} MB; the web request {t_queue * 1000:.0f} ms)"
            for lib in ("xlsxwriter", "openpyxl"):
                res = subprocess.run([sys.executable, str(BENCH / "floor_app.py"), "export", url,
                                      str(tmp / f"floor-{lib}.xlsx"), lib],
                                     capture_output=True, text=True, check=True)
                bare = json.loads(res.stdout)
                assert bare["rows"] == n_rows, bare
                bare_exports[lib].append(bare)
                line += f", bare {lib} {bare['seconds']:.1f} s"
            log(line)
        export_s = min(export_times)
        floor_export = {lib: min(runs, key=lambda b: b["seconds"])
                        for lib, runs in bare_exports.items()}
        for lib, runs in bare_exports.items():
            floor_export[lib]["peak_kib"] = max(b["hwm_kib"] - b["rss_start_kib"] for b in runs)
        log(f"  job worker peak RSS growth +{export_peak:.0f} MiB")

        # -- bulk approval -----------------------------------------------------------
        from sqlalchemy import create_engine, func, literal, select

        from app.records.demand.models import Demand
        from app.workflow.models import WorkflowHistory

        bare_engine = create_engine(url)
        with bare_engine.connect() as conn:
            pending = conn.execute(select(Demand.id).where(Demand.state == "pending_2")
                                   .order_by(Demand.id)).scalars().all()
        rounds = 3
        bulk_n = min(args.bulk, len(pending) // (2 * rounds + 2))
        rnd = random.Random(7)
        rnd.shuffle(pending)
        batches = [pending[i * bulk_n:(i + 1) * bulk_n] for i in range(2 * rounds + 1)]
        warm_ids = pending[(2 * rounds + 1) * bulk_n:][:40]
        token = jwt_login(app_srv.port, OFFICE)
        api_head = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        bulk_path = "/api/v1/workflow/demand/bulk"

        def app_bulk(ids) -> float:
            payload = json.dumps({"action": "approve", "ids": ids}).encode()
            st, data, t, _ = fetch(app_srv.port, "POST", bulk_path, api_head, payload)
            assert st == 200, (st, data[:300])
            done = json.loads(data)["done_count"]
            assert done == len(ids), f"bulk approved {done} of {len(ids)}"
            return t

        d, h = Demand.__table__, WorkflowHistory.__table__
        office_id, office_unit = info["office_id"], info["office_unit"]

        def bare_bulk(ids) -> float:
            now = dt.datetime.now()
            t = time.perf_counter()
            with bare_engine.begin() as conn:
                updated = conn.execute(
                    d.update().where(d.c.id.in_(ids), d.c.state == "pending_2")
                    .values(state="approved", version=d.c.version + 1, changed_on=now,
                            approved_on=now)).rowcount
                conn.execute(h.insert().from_select(
                    ["record_type", "record_id", "from_state", "to_state", "action",
                     "actor_id", "actor_unit_id", "record_unit_id", "created_on"],
                    select(literal("demand"), d.c.id, literal("pending_2"),
                           literal("approved"), literal("approve"), literal(office_id),
                           literal(office_unit), d.c.unit_id, literal(now))
                    .where(d.c.id.in_(ids), d.c.state == "approved", d.c.approved_on == now)))
            assert updated == len(ids), updated
            return time.perf_counter() - t

        log(f"bulk approval: {rounds} × {bulk_n} records through the REST API and bare SQL …")
        app_bulk(warm_ids[:20])
        app_bulk(warm_ids[20:])
        app_bulk_t, bare_bulk_t = [], []
        for r in range(rounds):
            app_bulk_t.append(app_bulk(batches[2 * r]))
            bare_bulk_t.append(bare_bulk(batches[2 * r + 1]))
        with bare_engine.connect() as conn:
            hist = conn.execute(select(func.count()).select_from(h).where(
                h.c.record_id.in_(batches[1]), h.c.action == "approve",
                h.c.to_state == "approved")).scalar()
        assert hist == len(batches[1]), hist  # the bare path wrote its history rows too
        bare_engine.dispose()

        # statements of one bulk call, in-process
        from app.extensions import db

        with app.app_context():
            counter = StatementCounter(db.engine)
        client = app.test_client()
        r = client.post("/api/v1/security/login", json={
            "username": OFFICE, "password": PASSWORD, "provider": "db", "refresh": False})
        jwt = r.get_json()["access_token"]
        counter.start()
        t = time.perf_counter()
        r = client.post(bulk_path, json={"action": "approve", "ids": batches[-1]},
                        headers={"Authorization": f"Bearer {jwt}"})
        bulk_inproc_ms = (time.perf_counter() - t) * 1000
        bulk_stmts = counter.stop()
        assert r.status_code == 200 and r.get_json()["done_count"] == bulk_n, r.get_data()[:300]
        if args.show_sql:
            print(f"\n-- bulk approval: {bulk_stmts} statements", file=sys.stderr)
            for s, t in zip(counter.statements, counter.times):
                print(f"   {t * 1000:7.1f} ms  " + " ".join(s.split())[:200], file=sys.stderr)
    finally:
        for s in servers:
            s.stop()
        load_after = os.getloadavg()
        if not args.keep:
            try:
                from app.extensions import db

                with app.app_context():
                    db.engine.dispose()
            except Exception:  # noqa: BLE001 - the app may not have started
                pass
            drop_db()
            shutil.rmtree(tmp, ignore_errors=True)

    # -- the table -----------------------------------------------------------------------
    rows: list[Row] = []
    for p in pages:
        a50, f50 = pct(p.app_t, .5), pct(p.floor_t, .5)
        what = p.what if len(p.app_t) == n_req else f"{p.what} (n={len(p.app_t)})"
        rows.append(Row(what, a50, pct(p.app_t, .95), len(p.app_t) / sum(p.app_t),
                        p.app_stmts, ratio=f"{a50 / f50:.1f}×"))
        rows.append(Row("  floor", f50, pct(p.floor_t, .95), len(p.floor_t) / sum(p.floor_t),
                        p.floor_stmts, ratio="1×"))
    for label, mine, floors in (("at start", rss_start, rss_floor_start),
                                ("at rest after every page", rss_app, rss_floor)):
        a = max(mine.values(), key=lambda m: m["rss"])
        f = max(floors.values(), key=lambda m: m["rss"])
        rows.append(Row(f"web worker RSS {label} (larger of 2)", rss=memory_figure(a),
                        ratio=f"{a['rss'] / f['rss']:.1f}× (USS {a['uss'] / f['uss']:.1f}×)"))
        rows.append(Row("  floor", rss=memory_figure(f), ratio="1×"))
    best = f", best of {export_rounds}" if export_rounds > 1 else ""
    fx, fo = floor_export["xlsxwriter"], floor_export["openpyxl"]
    rows.append(Row(f"Excel export, {n_rows:,} rows (改革办), background job: request to file "
                    f"downloaded{best}", export_s * 1000,
                    rss=("+" if peak_ok else "≤ +") + f"{export_peak:.0f} MiB peak, "
                    f"+{export_kept:.0f} kept (job worker)",
                    ratio=f"{export_s / fx['seconds']:.2f}×"))
    rows.append(Row("  the web request that queues it (worker held)", min(queue_times) * 1000,
                    max(queue_times) * 1000))
    rows.append(Row(f"  bare XlsxWriter (constant_memory), same rows and columns{best}",
                    fx["seconds"] * 1000, rss=f"+{fx['peak_kib'] / 1024:.0f} MiB peak",
                    ratio="1×"))
    rows.append(Row(f"  bare openpyxl (write-only), same rows and columns{best}; app ÷ it "
                    f"{export_s / fo['seconds']:.2f}×", fo["seconds"] * 1000,
                    rss=f"+{fo['peak_kib'] / 1024:.0f} MiB peak",
                    ratio=f"{fo['seconds'] / fx['seconds']:.2f}×"))
    ab, bb = statistics.median(app_bulk_t), statistics.median(bare_bulk_t)
    rows.append(Row(f"bulk approval of {bulk_n:,} (REST, median of {rounds})", ab * 1000,
                    max(app_bulk_t) * 1000, stmts=bulk_stmts, ratio=f"{ab / bb:.1f}×"))
    rows.append(Row("  bare UPDATE …; INSERT … SELECT", bb * 1000, max(bare_bulk_t) * 1000,
                    stmts=2, ratio="1×"))

    db_name = ("SQLite " + mach["sqlite"]) if args.db == "sqlite" else \
        ("PostgreSQL " + mach.get("postgresql", "?") + " (local)")
    desc = (f"{mach['date']}; {db_name}; {n_rows:,} demands ({info['history']:,} history rows; "
            f"{info['states']['pending_2']:,} waiting for the 改革办; 万州区 "
            f"{info['wanzhou']:,}); app at {rev}; machine: {mach['nproc']} cores "
            f"({mach['cpu']}), {mach['ram']} RAM, Python {mach['python']}; gunicorn -w 2 "
            f"(sync) for app and floor; {n_req} timed requests per page (unless n= says "
            f"fewer) after {n_warm} warm-up, sequential, interleaved with the floor; load average "
            f"{load_before[0]:.1f} before, {load_after[0]:.1f} after")
    print()
    print(desc)
    print(render(rows, markdown=False))
    print("\nin-process (test client, median of 5 after a warm one; SQL of one): "
          + "; ".join(f"{p.what} {p.inproc_ms:.0f} ms of which SQL {p.sql_ms:.1f} ms"
                      for p in pages)
          + f"; bulk approval {bulk_inproc_ms:.0f} ms")
    if args.markdown:
        text = (f"{desc}\n\n{render(rows, markdown=True)}\n\n"
                "In-process (Flask test client, median of 5 requests after a warm one; SQL time of one): "
                + "; ".join(f"{p.what} {p.inproc_ms:.0f} ms (SQL {p.sql_ms:.1f} ms)"
                            for p in pages)
                + f"; bulk approval {bulk_inproc_ms:.0f} ms.\n\n"
                "The 待办 counts of 改革需求 (改革办, then the 万州区 clerk), as the database "
                "plans them:\n\n" + "\n".join("    " + ln for ln in plans.splitlines()) + "\n")
        Path(args.markdown).write_text(text, encoding="utf-8")
        log(f"wrote {args.markdown}")


if __name__ == "__main__":
    main()
