"""Background jobs on huey: generating a report, the PDF of every unit's
sheet and large Excel exports of a record list run in a worker, never in a
web request.

Storage: ``HUEY_REDIS_URL`` (setting or environment) → RedisHuey, shared by
every web and worker process; otherwise SqliteHuey in ``HUEY_SQLITE_PATH``
(default ``instance/huey.db``), which needs no extra service. Each job has a
:class:`ReportJob` row: status, progress (0–100), message, and the file it
produced under ``REPORTS_FOLDER`` (default ``instance/reports``). Files of
jobs finished more than ``JOB_FILE_RETENTION_DAYS`` (default 7) days ago are
removed by ``flask report cleanup-jobs`` and, in passing, whenever a worker
finishes a job.

Workers: ``flask report worker`` (production, one or more processes), or
:func:`start_consumer_thread` inside the web process (``python run.py``, tests).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from pathlib import Path

from sqlalchemy import select, update

from config import setting  # noqa: F401 - also used as app.reports.tasks.setting

from app.errors import UserError
from app.extensions import db
from app.reports.models import (
    JOB_DONE,
    JOB_FAILED,
    JOB_QUEUED,
    JOB_RUNNING,
    ReportJob,
)

log = logging.getLogger(__name__)
_lock = threading.Lock()
_export_lock = threading.Lock()
QUEUE_NAME = "gaige-reports"




def reports_folder(app) -> Path:
    folder = Path(setting(app, "REPORTS_FOLDER", Path(app.instance_path) / "reports"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def huey_for(app):
    """The app's huey instance, with the report tasks registered (made once)."""
    with _lock:
        huey = app.extensions.get("reports_huey")
        if huey is None:
            # imported here: huey's storage module loads redis and psycopg (about
            # 17 MiB), which a web worker needs only when it queues a job
            from huey import RedisHuey, SqliteHuey

            url = setting(app, "HUEY_REDIS_URL")
            if url:
                huey = RedisHuey(QUEUE_NAME, url=url, results=False)
            else:
                path = Path(setting(app, "HUEY_SQLITE_PATH", Path(app.instance_path) / "huey.db"))
                path.parent.mkdir(parents=True, exist_ok=True)
                huey = SqliteHuey(QUEUE_NAME, filename=str(path), results=False)
            app.extensions["reports_tasks"] = _register_tasks(huey, app)
            app.extensions["reports_huey"] = huey
        return huey


def _register_tasks(huey, app) -> dict:
    @huey.task(name="report_generate")
    def report_generate(job_id):
        _run_job(app, job_id, _generate)

    @huey.task(name="report_unit_sheets")
    def report_unit_sheets(job_id):
        _run_job(app, job_id, _unit_sheets)

    @huey.task(name="record_export")
    def record_export(job_id):
        _run_job(app, job_id, _export)

    return {"generate": report_generate, "unit_sheets": report_unit_sheets,
            "export": record_export}


def _task(app, kind: str):
    huey_for(app)
    return app.extensions["reports_tasks"][kind]


# -- queueing (called in a request, after the checks) ------------------------------

def _queue(app, kind: str, params: dict, user, snapshot_id=None, unit_id=None) -> ReportJob:
    job = ReportJob(kind=kind, status=JOB_QUEUED, progress=0, message="排队中",
                    params=params, snapshot_id=snapshot_id, unit_id=unit_id,
                    created_by_id=getattr(user, "id", None))
    db.session.add(job)
    db.session.commit()
    _task(app, kind)(job.id)
    return job


def queue_generate(app, scheme_code: str, period_code: str, user) -> ReportJob:
    """Check now what can be checked (role, scheme, period), then queue."""
    from app.reports.service import check_generate

    row, period, _ = check_generate(scheme_code, period_code, user)
    return _queue(app, "generate", {"scheme": row.code, "version": row.version,
                                    "period": period.code}, user)


def queue_unit_sheets(app, snapshot, user) -> ReportJob:
    return _queue(app, "unit_sheets", {}, user, snapshot_id=snapshot.id)


def queue_export(app, record_type: str, args: list, user, rows: int) -> ReportJob:
    """An Excel export of a record list too large for one request. The job
    keeps the list's query arguments (filters, order) and who asked; the
    worker applies them again with that user's scope as it is then."""
    return _queue(app, "export", {"record_type": record_type, "args": args, "rows": rows},
                  user)


# -- running (in a worker) -----------------------------------------------------------

def _set(job_id: int, **values) -> None:
    db.session.execute(update(ReportJob).where(ReportJob.id == job_id).values(**values))
    db.session.commit()


def _run_job(app, job_id: int, work) -> None:
    with app.app_context():
        try:
            started = db.session.execute(
                update(ReportJob).where(ReportJob.id == job_id, ReportJob.status == JOB_QUEUED)
                .values(status=JOB_RUNNING, started_at=dt.datetime.now(), progress=1,
                        message="开始处理"))
            db.session.commit()
            if started.rowcount != 1:
                return  # unknown, or already taken by another worker
            job = db.session.get(ReportJob, job_id)

            def progress(percent: int, message: str) -> None:
                _set(job_id, progress=max(1, min(99, int(percent))), message=message)

            values = {"message": "已完成", **(work(app, job, progress) or {})}
            _set(job_id, status=JOB_DONE, progress=100, finished_at=dt.datetime.now(),
                 **values)
        except UserError as exc:
            db.session.rollback()
            _set(job_id, status=JOB_FAILED, message=exc.message, finished_at=dt.datetime.now())
        except Exception:
            log.exception("report job %s failed", job_id)
            db.session.rollback()
            _set(job_id, status=JOB_FAILED, message="处理失败：系统内部错误，已记录日志",
                 finished_at=dt.datetime.now())
        finally:
            db.session.remove()
        try:
            cleanup_jobs(app)  # old files go in passing
        except Exception:  # noqa: BLE001 - never fails the job that just finished
            log.exception("cleaning up old job files failed")
        finally:
            db.session.remove()


def _generate(app, job, progress) -> dict:
    from app.reports.service import generate
    from app.security.models import ReformUser

    user = db.session.get(ReformUser, job.created_by_id) if job.created_by_id else None
    p = job.params
    snap = generate(p["scheme"], p["period"], user, scheme_version=p.get("version"),
                    progress=lambda pct, msg: progress(pct * 0.98, msg))
    return {"snapshot_id": snap.id}


def _unit_sheets(app, job, progress) -> dict:
    from app.reports import pdf
    from app.reports.service import get_snapshot

    snap = get_snapshot(job.snapshot_id)
    data = pdf.unit_sheets(snap, progress=progress)
    progress(90, "正在保存文件")
    path = job_path(app, job)
    tmp = path.with_suffix(".part")
    tmp.write_bytes(data)
    tmp.replace(path)
    return {"file_name": f"{snap.report_type}-{snap.period_code}-全部单位计分表-报表{snap.id}.pdf"}


def _export(app, job, progress) -> dict:
    """The record list's Excel file, written by the list's own export code
    inside a request context made of the stored query arguments, as the
    user who asked (their scope now, not when they asked)."""
    from flask import g

    from app.security.models import ReformUser

    p = job.params
    user = db.session.get(ReformUser, job.created_by_id) if job.created_by_id else None
    if user is None or not user.active:
        raise UserError("提交导出任务的账号不存在或已停用")
    view = next((v for v in app.appbuilder.baseviews
                 if getattr(v, "record_type", None) == p.get("record_type")
                 and hasattr(v, "export_workbook")), None)
    if view is None:
        raise UserError("未知的记录类型")
    # the permission too, as it is now (a role may have changed since the request)
    if not app.appbuilder.sm._has_view_access(user, "can_export", view.class_permission_name):
        raise UserError("您已没有导出此类记录的权限")
    path = job_path(app, job)
    tmp = path.with_suffix(".part")
    # one export at a time per process: FAB keeps a view's search filters on the
    # view object, which two worker threads would otherwise share
    with _export_lock, app.test_request_context(
            f"{view.route_base}/export/", query_string=[tuple(a) for a in p.get("args") or ()]):
        g.user = user
        name, rows = view.export_workbook(
            str(tmp), progress=lambda done, total: progress(
                98 * done / max(total, 1), f"已导出 {done:,} / {total:,} 条"))
    tmp.replace(path)
    return {"file_name": name, "message": f"已完成，共 {rows:,} 条"}


JOB_SUFFIX = {"unit_sheets": ".pdf", "export": ".xlsx"}


def job_path(app, job) -> Path:
    return reports_folder(app) / f"job-{job.id}{JOB_SUFFIX.get(job.kind, '.pdf')}"


def job_file(app, job) -> Path | None:
    path = job_path(app, job)
    return path if job.status == JOB_DONE and path.is_file() else None


def cleanup_jobs(app, days: float | None = None, now: dt.datetime | None = None) -> int:
    """Remove the files of jobs finished more than ``days`` ago (setting
    ``JOB_FILE_RETENTION_DAYS``, default 7) and leftovers of interrupted ones;
    the job rows stay (the page then says the file has expired). Returns the
    number of files removed."""
    if days is None:
        days = float(setting(app, "JOB_FILE_RETENTION_DAYS", 7))
    cutoff = (now or dt.datetime.now()) - dt.timedelta(days=days)
    folder = reports_folder(app)
    old = set(db.session.scalars(
        select(ReportJob.id).where(ReportJob.finished_at.is_not(None),
                                   ReportJob.finished_at < cutoff)))
    removed = 0
    for path in folder.glob("job-*"):
        stem = path.name.split(".", 1)[0].removeprefix("job-")
        if not stem.isdigit():
            continue
        stale_part = path.suffix == ".part" and dt.datetime.fromtimestamp(
            path.stat().st_mtime) < cutoff
        if int(stem) in old or stale_part:
            path.unlink(missing_ok=True)
            removed += 1
    return removed


# -- consumers ------------------------------------------------------------------------

def _thread_consumer(huey, **kwargs):
    """huey's consumer without signal handlers: it runs in a thread of
    another process (the development server, a test)."""
    from huey.consumer import Consumer

    class ThreadConsumer(Consumer):
        def _set_signal_handlers(self):
            return None

    return ThreadConsumer(huey, **kwargs)


def start_consumer_thread(app, workers: int = 1):
    """Start a consumer inside this process (daemon threads); returns it, so
    that ``stop_consumer`` can stop it."""
    consumer = _thread_consumer(huey_for(app), workers=workers, periodic=False,
                                worker_type="thread", max_delay=1.0,
                                check_worker_health=False)
    consumer.start()
    return consumer


def stop_consumer(consumer) -> None:
    consumer.stop(graceful=True)


def run_consumer(app, workers: int = 2) -> None:
    """Run a consumer in the foreground (``flask report worker``)."""
    from huey.consumer import Consumer

    # max_delay: how long an idle worker waits at most between two looks at an
    # SQLite queue (Redis answers at once): a job starts within half a second
    Consumer(huey_for(app), workers=workers, periodic=False, worker_type="thread",
             max_delay=0.5).run()
