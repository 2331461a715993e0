"""Long work runs on the task queue: a real huey consumer (threads) inside
the test process picks the jobs up; the job page polls a JSON status and
offers the result; files are served only to the user who asked, in scope."""

from __future__ import annotations

import io
import re
import time

from pypdf import PdfReader
from sqlalchemy import select

from app.extensions import db
from app.reports import service
from app.reports.models import ReportJob, ReportSnapshot
from tests.helpers import csrf_token
from tests.reports.util import (
    CITY_LEADER,
    OFFICE,
    PERIOD,
    SCHEME,
    add_period,
    quarter_data,
    user,
)


def _wait(client, job_id, timeout=60) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = client.get(f"/reports/jobs/{job_id}/status").get_json()
        if status["status"] in ("done", "failed"):
            return status
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} still {status}")


def test_generate_runs_as_a_job_with_progress(app, login_as, worker):
    with app.app_context():
        quarter_data()
        add_period()
    client = login_as(OFFICE)
    token = csrf_token(client, "/reports/")
    r = client.post("/reports/generate", data={"scheme": SCHEME, "period": PERIOD,
                                               "csrf_token": token})
    assert r.status_code == 302
    job_url = r.headers["Location"]
    job_id = int(re.search(r"/jobs/(\d+)", job_url).group(1))
    page = client.get(job_url).get_data(as_text=True)
    assert 'class="progress-bar"' in page and f"/reports/jobs/{job_id}/status" in page
    status = _wait(client, job_id)
    assert status["status"] == "done" and status["progress"] == 100, status
    assert status["status_label"] == "已完成" and status["link_label"] == "查看报表"
    with app.app_context():
        job = db.session.get(ReportJob, job_id)
        snap = db.session.get(ReportSnapshot, job.snapshot_id)
        assert snap.generated_by.mobile == OFFICE and snap.status == "draft"
        assert job.started_at and job.finished_at
    assert status["url"] == f"/reports/{snap.id}"
    assert client.get(status["url"]).status_code == 200
    # another user cannot follow someone else's job
    other = login_as(CITY_LEADER)
    assert other.get(f"/reports/jobs/{job_id}/status").status_code == 404
    assert other.get(job_url).status_code == 404


def test_a_failing_job_says_why(app, login_as):
    """Without a worker: a queued job whose period is removed fails with the
    service's own Chinese message when a worker finally runs it."""
    from app.reports.models import ReportPeriod
    from app.reports.tasks import queue_generate, start_consumer_thread, stop_consumer

    with app.app_context():
        add_period()
        job_id = queue_generate(app, SCHEME, PERIOD, user(OFFICE)).id
        db.session.query(ReportPeriod).delete()
        db.session.commit()
    consumer = start_consumer_thread(app)
    try:
        status = _wait(login_as(OFFICE), job_id)
    finally:
        stop_consumer(consumer)
    assert status["status"] == "failed"
    assert "尚未设置期间" in status["message"]


def test_unit_sheets_pdf_as_a_job(app, login_as, worker):
    with app.app_context():
        quarter_data()
        add_period()
        snap = service.generate(SCHEME, PERIOD, user(OFFICE))
        service.publish(snap.id, user(OFFICE))
        sid = snap.id
    client = login_as(CITY_LEADER)
    token = csrf_token(client, f"/reports/{sid}")
    r = client.post(f"/reports/{sid}/unit-sheets", data={"csrf_token": token})
    assert r.status_code == 302
    job_id = int(re.search(r"/jobs/(\d+)", r.headers["Location"]).group(1))
    status = _wait(client, job_id)
    assert status["status"] == "done", status
    assert status["link_label"] == "下载文件"
    resp = client.get(status["url"])
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    assert "filename*=UTF-8''" in resp.headers["Content-Disposition"]
    reader = PdfReader(io.BytesIO(resp.data))
    text = "\n".join(p.extract_text() for p in reader.pages)
    assert text.count("区县改革报表计分表") == 41
    # the file is the asker's: another user (even the reform office) gets 404
    assert login_as(OFFICE).get(status["url"]).status_code == 404
    with app.app_context():
        assert db.session.scalars(select(ReportJob.kind)).all() == ["unit_sheets"]
