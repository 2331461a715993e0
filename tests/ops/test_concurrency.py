"""Concurrency through real workers: the app under gunicorn (4 sync worker
processes) on the session's database — PostgreSQL, or SQLite in WAL mode — and
requests fired at the same moment from many threads:

* 50 approvals of one record: one transition, one history row, 49 answers
  409 "该记录已被他人处理…";
* 20 creations of a pilot with the same 部署文件文号: one pilot, 19 clear
  refusals;
* 200 clerks' records created at once, then 200 submissions at once: all
  saved, none lost, no 5xx, never ``database is locked``.

The structured request log of the workers is read back as well (JSON lines
with user id and duration), and /healthz answers under gunicorn."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from app.extensions import db
from tests.pilot.util import CLERK_WZ, GZW, WANZHOU, YUZHONG, unit, user

ROOT = Path(__file__).resolve().parents[2]
PORTS = range(8161, 8170)
PASSWORD = "Gaige@2026"
CLERKS = [f"139000016{i:02d}" for i in range(0, 50)]  # 13900001600 … 649
REVIEWERS = [f"139000016{i:02d}" for i in range(50, 100)]  # 万州区 reviewers, 650 … 699
DOC_NO = "国发〔2030〕88号"


def _free_port() -> int:
    for port in PORTS:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 8161–8169")


def _accounts(app) -> None:
    """50 clerks over ten districts and ten 万州区 reviewers (ids in the
    helper's range), with the demo password, no forced change."""
    from app.security.models import ReformUser
    from app.units.models import Unit

    with app.app_context():
        sm = app.appbuilder.sm
        clerk_role, reviewer_role = sm.find_role("录入员"), sm.find_role("审核员")
        districts = db.session.scalars(select(Unit).where(Unit.kind == "district")
                                       .order_by(Unit.sort_order, Unit.id).limit(10)).all()
        hashed = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
        wanzhou = unit(WANZHOU)
        for i, mobile in enumerate(CLERKS + REVIEWERS):
            if user(mobile) is not None:
                continue
            is_clerk = mobile in CLERKS
            db.session.add(ReformUser(
                first_name=f"并发{'录入员' if is_clerk else '审核员'}{i}", last_name="",
                mobile=mobile, username=mobile, email=f"{mobile}@users.invalid",
                unit_id=(districts[i % len(districts)] if is_clerk else wanzhou).id,
                password=hashed, active=True, must_change_password=False,
                roles=[clerk_role if is_clerk else reviewer_role]))
        db.session.commit()
        db.session.remove()


class Server:
    def __init__(self, app, tmp_path: Path):
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        instance = Path("/tmp/ops") / f"gunicorn-{os.getpid()}-{self.port}"
        instance.mkdir(parents=True, exist_ok=True)
        self.log_file = instance / "requests.log"
        env = dict(os.environ)
        env.update({
            "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
            "INSTANCE_PATH": str(instance),
            "SECRET_KEY": "concurrency-test-secret",
            "UPLOAD_FOLDER": str(tmp_path / "gunicorn-uploads"),
            "HUEY_SQLITE_PATH": str(instance / "huey.db"),
            "REQUEST_LOG_FILE": str(self.log_file),
            "RATELIMIT_STORAGE_URI": "memory://",
        })
        env.pop("TEST_DATABASE_URL", None)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", "4", "-b", f"127.0.0.1:{self.port}",
             "--timeout", "120", "--backlog", "512", "app:create_app()"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=open(instance / "err", "w"),
            start_new_session=True)
        self.err = instance / "err"
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("gunicorn stopped: " + self.err.read_text()[-3000:])
            try:
                r = requests.get(f"{self.base}/healthz", timeout=5)
                if r.status_code == 200:
                    assert r.json() == {"status": "ok", "database": "ok", "queue": "ok"}
                    # every worker ready: a few more answers
                    for _ in range(8):
                        requests.get(f"{self.base}/healthz", timeout=10)
                    return
            except requests.RequestException:
                pass
            time.sleep(0.5)
        self.stop()
        raise RuntimeError("gunicorn did not answer: " + self.err.read_text()[-3000:])

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)


def _token(base, mobile) -> str:
    r = requests.post(f"{base}/api/v1/security/login", json={
        "username": mobile, "password": PASSWORD, "provider": "db"}, timeout=60)
    assert r.status_code == 200, r.text
    return r.json()["access_token"]


def _fire(calls) -> list[tuple[int, dict | str]]:
    """Run ``calls`` (functions returning a response) in threads released at
    the same moment; [(status, body)]."""
    barrier = threading.Barrier(len(calls))
    out: list = [None] * len(calls)

    def run(i, call):
        barrier.wait()
        try:
            r = call()
            try:
                body = r.json()
            except ValueError:
                body = r.text
            out[i] = (r.status_code, body)
        except requests.RequestException as exc:
            out[i] = (0, str(exc))

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    return out


def _no_lock_leak(results):
    for status, body in results:
        assert status and status < 500, (status, body)
        assert "database is locked" not in json.dumps(body, ensure_ascii=False)


@pytest.fixture
def server(app, tmp_path):
    _accounts(app)
    srv = Server(app, tmp_path)
    yield srv
    srv.stop()


def test_fifty_approvals_twenty_pilots_two_hundred_submissions(app, server):
    from app.records.demand.models import Demand, ReformDomain
    from app.records.pilot.models import Pilot
    from app.workflow.engine import transition
    from app.workflow.models import WorkflowHistory

    base = server.base
    # -- 50 approvals of one submitted record ----------------------------------------
    with app.app_context():
        clerk = user(CLERK_WZ)
        domain = db.session.scalars(select(ReformDomain)).first()
        d = Demand(title="并发审核测试需求", description="五十人同时通过", channel="重庆发展有堵点",
                   domain_id=domain.id, unit_id=clerk.unit_id, filed_by_id=clerk.id,
                   state="draft", version=1)
        db.session.add(d)
        db.session.commit()
        transition("demand", d.id, "submit", clerk)
        did, domain_id = d.id, domain.id
        db.session.remove()
    tokens = {m: _token(base, m) for m in REVIEWERS}
    reviewers = list(tokens)  # fifty reviewers of 万州区, one request each
    calls = [
        (lambda t=tokens[reviewers[i]]: requests.post(
            f"{base}/api/v1/workflow/demand/{did}/approve",
            headers={"Authorization": f"Bearer {t}"}, timeout=120))
        for i in range(50)]
    results = _fire(calls)
    _no_lock_leak(results)
    statuses = sorted(s for s, _ in results)
    assert statuses.count(200) == 1 and statuses.count(409) == 49, statuses
    lost = [b["message"] for s, b in results if s == 409]
    assert all("该记录已被他人处理" in m for m in lost), set(lost)
    assert any("当前状态为“待市委改革办审核”" in m for m in lost), set(lost)
    with app.app_context():
        assert db.session.get(Demand, did).state == "pending_2"
        history = db.session.scalars(select(WorkflowHistory).where(
            WorkflowHistory.record_type == "demand", WorkflowHistory.record_id == did,
            WorkflowHistory.action == "approve")).all()
        assert len(history) == 1
        db.session.remove()

    # -- 20 creations of the same pilot document number ------------------------------
    clerk_tokens = {m: _token(base, m) for m in CLERKS + [CLERK_WZ]}
    with app.app_context():
        gzw, wz, yz = unit(GZW).id, unit(WANZHOU).id, unit(YUZHONG).id
        db.session.remove()
    pilot_clerks = CLERKS[:19] + [CLERK_WZ]

    def pilot_call(mobile, i):
        # the same number typed twenty ways (full-width digits, other brackets)
        doc = DOC_NO if i % 3 == 0 else ("国发[2030]88号" if i % 3 == 1 else "国发〔２０３０〕88")
        return lambda: requests.post(f"{base}/api/v1/pilot/", json={
            "name": "开展并发创建试点", "level": "市级", "doc_no": doc, "authority": "市政府",
            "deploy_date": "2023-05-01", "acceptance_deadline": "2026-12-31",
            "districts": [wz, yz], "supervisor": gzw},
            headers={"Authorization": f"Bearer {clerk_tokens[mobile]}"}, timeout=120)

    results = _fire([pilot_call(m, i) for i, m in enumerate(pilot_clerks)])
    _no_lock_leak(results)
    statuses = sorted(s for s, _ in results)
    assert statuses.count(201) == 1, results
    refused = [b for s, b in results if s != 201]
    # refused by the check before saving (422) or by the unique key (409), in Chinese
    assert all(s in (409, 422) for s, _ in results if s != 201), results
    assert all("试点已存在" in b["message"] for b in refused), refused
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Pilot).where(
            Pilot.name == "开展并发创建试点")) == 1
        db.session.remove()

    # -- 200 records created at once, then 200 submissions at once ---------------------
    def create_call(i):
        mobile = CLERKS[i % len(CLERKS)]
        return lambda: requests.post(f"{base}/api/v1/demand/", json={
            "title": f"季度末集中填报需求{i:03d}", "description": "最后一天提交",
            "channel": "群众企业基层有期盼", "domain": domain_id},
            headers={"Authorization": f"Bearer {clerk_tokens[mobile]}"}, timeout=180)

    results = _fire([create_call(i) for i in range(200)])
    _no_lock_leak(results)
    assert [s for s, _ in results].count(201) == 200, [r for r in results if r[0] != 201][:3]
    ids = {i: body["id"] for i, (_s, body) in enumerate(results)}

    def submit_call(i):
        mobile = CLERKS[i % len(CLERKS)]
        return lambda: requests.post(f"{base}/api/v1/workflow/demand/{ids[i]}/submit",
                                     headers={"Authorization": f"Bearer {clerk_tokens[mobile]}"},
                                     timeout=180)

    results = _fire([submit_call(i) for i in range(200)])
    _no_lock_leak(results)
    assert [s for s, _ in results].count(200) == 200, [r for r in results if r[0] != 200][:3]
    with app.app_context():
        rows = db.session.scalars(select(Demand).where(
            Demand.title.like("季度末集中填报需求%"))).all()
        assert len(rows) == 200 and {r.state for r in rows} == {"pending_1"}
        assert sorted(r.id for r in rows) == sorted(ids.values())
        assert db.session.scalar(select(func.count()).select_from(WorkflowHistory).where(
            WorkflowHistory.record_type == "demand", WorkflowHistory.action == "submit",
            WorkflowHistory.record_id.in_(list(ids.values())))) == 200
        from app.audit.models import AuditLog

        assert db.session.scalar(select(func.count()).select_from(AuditLog).where(
            AuditLog.object_type == "demand", AuditLog.action == "create",
            AuditLog.object_id.in_(list(ids.values())))) == 200
        db.session.remove()

    # -- the workers' request log: one JSON line per request -----------------------------
    server.stop()
    lines = [json.loads(line) for line in server.log_file.read_text().splitlines() if line]
    submits = [x for x in lines if x["path"].endswith("/submit")]
    assert len(submits) >= 200
    assert {x["method"] for x in submits} == {"POST"}
    assert all(x["status"] == 200 and isinstance(x["user_id"], int)
               and x["duration_ms"] >= 0 for x in submits[-200:])
    assert {"ts", "method", "path", "status", "user_id", "duration_ms"} <= set(lines[0])
