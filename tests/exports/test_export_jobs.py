"""Excel exports of record lists: small ones in the request, large ones
(more than ``EXPORT_SYNC_MAX_ROWS``) as a background job on the report task
queue, scoped to the user who asked, with the same rows as the filtered list;
job files are removed after the retention period."""

from __future__ import annotations

import datetime
import io
import re
import time
from pathlib import Path

from openpyxl import load_workbook
from sqlalchemy import select

from app.extensions import db
from app.records.demand.models import Demand
from app.reports.models import ReportJob
from app.units.models import Unit
from tests.workflow.util import CLERK_WZ, CLERK_YZ, OFFICE, make_demands

LIST = "/demandmodelview/list/"
EXPORT = "/demandmodelview/export/"


def _ids_of(xlsx: bytes) -> list[int]:
    ws = load_workbook(io.BytesIO(xlsx), read_only=True).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == "编号" and "填报单位" in rows[0]
    return [r[0] for r in rows[1:]]


def _listed_ids(client, query: str) -> list[int]:
    """Every id the list shows for ``query``, page by page, in its order."""
    out, page = [], 0
    while True:
        html = client.get(f"{LIST}?{query}&page_DemandModelView={page}&psize_DemandModelView=100"
                          ).get_data(as_text=True)
        found = []
        for m in re.finditer(r"/demandmodelview/show/(\d+)", html):
            if int(m.group(1)) not in found:
                found.append(int(m.group(1)))
        if not found:
            return out
        out += found
        page += 1


def _wait(client, url: str, timeout=60) -> dict:
    deadline = time.monotonic() + timeout
    status = None
    while time.monotonic() < deadline:
        status = client.get(url).get_json()
        if status["status"] in ("done", "failed"):
            return status
        time.sleep(0.2)
    raise AssertionError(f"export job still {status}")


def _data(app):
    with app.app_context():
        make_demands(70, state="pending_2")  # 万州区
        make_demands(30, state="pending_1")
        make_demands(50, mobile=CLERK_YZ, state="pending_2")  # 渝中区: not the 万州 clerk's


def test_small_export_is_streamed_in_the_request(app, login_as):
    with app.app_context():
        make_demands(12, state="pending_1")
    c = login_as(CLERK_WZ)
    query = "_flt_0_state=pending_1"
    r = c.get(f"{EXPORT}?{query}")
    assert r.status_code == 200 and r.data[:2] == b"PK"
    assert r.headers["Content-Disposition"].startswith("attachment")
    assert _ids_of(r.data) == _listed_ids(c, query)
    with app.app_context():
        assert db.session.scalar(select(ReportJob.id).where(ReportJob.kind == "export")) is None


def test_large_export_runs_as_a_job_with_the_lists_rows(app, login_as, worker):
    _data(app)
    c = login_as(CLERK_WZ)
    query = "_flt_0_state=pending_2&_oc_DemandModelView=id&_od_DemandModelView=asc"
    r = c.get(f"{EXPORT}?{query}")
    assert r.status_code == 302
    job_url = r.headers["Location"]
    assert re.search(r"/demandmodelview/export/jobs/\d+$", job_url), job_url
    page = c.get(job_url).get_data(as_text=True)
    status_url = job_url + "/status"
    assert 'class="progress-bar"' in page and status_url in page and "导出 Excel" in page
    assert "超过 40 条，已转为后台导出" in page
    status = _wait(c, status_url)
    assert status["status"] == "done" and status["progress"] == 100, status
    assert status["link_label"] == "下载文件" and "共 70 条" in status["message"]
    f = c.get(status["url"])
    assert f.status_code == 200 and f.data[:2] == b"PK"
    ids = _ids_of(f.data)
    listed = _listed_ids(c, query)
    assert ids == listed and len(ids) == 70  # same rows, same order as the list
    with app.app_context():
        units = set(db.session.scalars(select(Demand.unit_id).where(Demand.id.in_(ids))))
        wanzhou = db.session.scalar(select(Unit.id).where(Unit.name == "万州区"))
        assert units == {wanzhou}  # none of 渝中区's 50 waiting records
        job = db.session.scalar(select(ReportJob).where(ReportJob.kind == "export"))
        assert job.params["record_type"] == "demand" and job.file_name.endswith(".xlsx")

    # the job is its owner's only: another clerk, the 改革办, another list → 404
    for who in (CLERK_YZ, OFFICE):
        other = login_as(who)
        for url in (job_url, status_url, status["url"]):
            assert other.get(url).status_code == 404, (who, url)
    other_type = job_url.replace("/demandmodelview/", "/recognitionmodelview/")
    assert c.get(other_type).status_code == 404
    assert c.get(job_url.replace("/demandmodelview/export/jobs/", "/reports/jobs/")
                 ).status_code in (403, 404)  # not a report job (clerks have no reports)


def test_the_job_exports_the_list_as_it_opens(app, login_as, worker):
    """No arguments: the role's default filter (the 改革办's 待我审核) applies to
    the job's file exactly as to the list on screen."""
    _data(app)
    office = login_as(OFFICE)
    r = office.get(EXPORT)
    assert r.status_code == 302
    status = _wait(office, r.headers["Location"] + "/status")
    assert status["status"] == "done", status
    ids = _ids_of(office.get(status["url"]).data)
    assert ids == _listed_ids(office, "x=1") and len(ids) >= 120  # 70 + 50 waiting
    with app.app_context():
        states = set(db.session.scalars(select(Demand.state).where(Demand.id.in_(ids))))
    assert states == {"pending_2"}


def test_the_job_applies_the_users_scope_when_it_runs(app, login_as):
    """The 改革办 asks for everything; the worker runs it later as the user
    who asked: a job whose account was deactivated meanwhile fails with a
    Chinese message and writes no file."""
    from app.reports.tasks import job_file, start_consumer_thread, stop_consumer
    from app.security.models import ReformUser

    _data(app)
    office = login_as(OFFICE)
    r = office.get(f"{EXPORT}?_all=1")
    assert r.status_code == 302
    job_url = r.headers["Location"]
    with app.app_context():
        u = db.session.scalar(select(ReformUser).where(ReformUser.mobile == OFFICE))
        u.active = False
        db.session.commit()
    consumer = start_consumer_thread(app)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with app.app_context():
                job = db.session.scalar(select(ReportJob).where(ReportJob.kind == "export"))
                if job.status in ("done", "failed"):
                    break
            time.sleep(0.2)
    finally:
        stop_consumer(consumer)
    with app.app_context():
        assert job.status == "failed" and "停用" in job.message, job.message
        assert job_file(app, job) is None
    assert job_url.endswith(f"/{job.id}")


def test_cleanup_removes_old_job_files(app, runner, login_as, worker):
    from app.reports.tasks import job_path

    _data(app)
    c = login_as(CLERK_WZ)
    r = c.get(f"{EXPORT}?_flt_0_state=pending_2")
    status_url = r.headers["Location"] + "/status"
    status = _wait(c, status_url)
    assert status["status"] == "done"
    with app.app_context():
        new = db.session.scalar(select(ReportJob).where(ReportJob.kind == "export"))
        # an old finished job, with its file, and a leftover of an interrupted one
        old = ReportJob(kind="export", status="done", progress=100, params={
            "record_type": "demand", "args": []}, file_name="old.xlsx",
            created_by_id=new.created_by_id,
            finished_at=datetime.datetime.now() - datetime.timedelta(days=8))
        db.session.add(old)
        db.session.commit()
        old_path, new_path = job_path(app, old), job_path(app, new)
        old_path.write_bytes(b"PK old")
        part = Path(old_path.parent / "job-999999.part")
        part.write_bytes(b"partial")
        eight_days_ago = time.time() - 8 * 86400
        import os

        os.utime(part, (eight_days_ago, eight_days_ago))
        old_id = old.id
    assert new_path.is_file()
    result = runner.invoke(args=["report", "cleanup-jobs"])
    assert result.exit_code == 0, result.output
    assert "已删除 2 个过期文件" in result.output
    assert not old_path.exists() and not part.exists() and new_path.is_file()
    # the old job's page says the file is gone, in Chinese
    old_status = c.get(f"/demandmodelview/export/jobs/{old_id}/status").get_json()
    assert old_status["url"] is None and "已过保存期限" in old_status["message"]
    assert c.get(f"/demandmodelview/export/jobs/{old_id}/file").status_code == 404
    # a shorter retention removes the new one too
    result = runner.invoke(args=["report", "cleanup-jobs", "--days", "0"])
    assert "已删除 1 个过期文件" in result.output and not new_path.exists()
