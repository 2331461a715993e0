"""``flask backup``: a backup taken while another thread keeps filing records
(with evidence files) restores into a fresh database and folder with every
table's rows and every file's checksum; the archive verifies, a damaged one
does not; a non-empty target is refused unless --force.

Runs on the session's database: SQLite (online backup API, and the logical
JSON format) or PostgreSQL (pg_dump, and the logical JSON format), restoring
into a new SQLite file or a scratch PostgreSQL database made for the test."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import tarfile
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from app.extensions import db
from app.ops.backup import MANIFEST, describe, reflect, table_lines
from tests.attachments.files import pdf_bytes
from tests.helpers import csrf_token, login, new_client, scratch_postgres
from tests.pilot.util import CLERK_WZ, make_pilot



def _formats(app) -> list[str]:
    with app.app_context():
        return ["sqlite", "json"] if db.engine.dialect.name == "sqlite" else ["pgdump", "json"]


@pytest.fixture
def fresh_target(app, tmp_path):
    """An app on an empty database with empty folders: a new SQLite file, or
    a new PostgreSQL database beside the test database (dropped afterwards)."""
    with app.app_context():
        url = db.engine.url
    if url.get_backend_name() == "sqlite":
        yield from _target_app(f"sqlite:///{tmp_path / 'restored.db'}", tmp_path)
        return
    with scratch_postgres(url.render_as_string(hide_password=False)) as target:
        yield from _target_app(target.render_as_string(hide_password=False), tmp_path)


def _target_app(target_url, tmp_path):
    from tests.conftest import _drop_everything, make_app

    other = make_app(tmp_path / "restored-instance", SQLALCHEMY_DATABASE_URI=target_url,
                     UPLOAD_FOLDER=str(tmp_path / "restored-uploads"),
                     REPORTS_FOLDER=str(tmp_path / "restored-reports"))
    with other.app_context():
        _drop_everything(db.engine)
        db.engine.dispose()
    yield other
    with other.app_context():
        db.session.remove()
        _drop_everything(db.engine)
        db.engine.dispose()


def _seed_files(app):
    """Evidence files and a report file, so that both folders are backed up."""
    from app.reports.tasks import reports_folder

    with app.app_context():
        make_pilot(doc_no="国办发〔2030〕7号")
        folder = reports_folder(app)
        (folder / "sheets").mkdir(parents=True, exist_ok=True)
        (folder / "sheets" / "rank-test.pdf").write_bytes(pdf_bytes())


class Writer(threading.Thread):
    """A clerk filing 改革成效 with an evidence PDF through the web form, again
    and again, until told to stop; records when each save finished."""

    def __init__(self, app):
        super().__init__(daemon=True)
        self.app = app
        self.stop = threading.Event()
        self.saved: list[float] = []
        self.errors: list[str] = []

    def run(self):
        from app.records.recognition.models import evaluation_year

        client = new_client(self.app)
        login(client, CLERK_WZ)
        token = csrf_token(client, "/recognitionmodelview/add")
        n = 0
        while not self.stop.is_set() and n < 400:
            n += 1
            resp = client.post("/recognitionmodelview/add", data={
                "csrf_token": token, "item": f"备份期间填报的改革成效{n}", "problem": "问题",
                "result": "成效", "category": "全市推广", "criterion": "C-1",
                "date": dt.date(evaluation_year(), 1, 1).isoformat(),
                "evidence": (io.BytesIO(pdf_bytes() + str(n).encode()), f"佐证{n}.pdf"),
            }, content_type="multipart/form-data")
            if resp.status_code != 302:
                self.errors.append(f"{resp.status_code}: {resp.get_data(as_text=True)[-300:]}")
            else:
                self.saved.append(time.monotonic())


def _rows(engine) -> dict[str, list[str]]:
    with engine.connect() as conn:
        return {t.name: table_lines(conn, t) for t in reflect(conn).sorted_tables}


def _files(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in folder.rglob("*") if p.is_file()}


@pytest.mark.parametrize("fmt", ["native", "json"])
def test_round_trip_while_writing(app, tmp_path, fresh_target, fmt):
    fmt = _formats(app)[0 if fmt == "native" else 1]
    _seed_files(app)
    writer = Writer(app)
    writer.start()
    while len(writer.saved) < 3 and writer.is_alive():
        time.sleep(0.05)
    runner = app.test_cli_runner()
    started = time.monotonic()
    result = runner.invoke(args=["backup", "create", "--out", str(tmp_path / "out"),
                                 "--format", fmt])
    finished = time.monotonic()
    time.sleep(0.5)
    writer.stop.set()
    writer.join(60)
    assert result.exit_code == 0, result.output
    assert writer.errors == []
    during = [t for t in writer.saved if started <= t <= finished]
    after = [t for t in writer.saved if t > finished]
    assert after, "the writer went on after the backup"
    archive = next((tmp_path / "out").glob("gaige-backup-*.tar.gz"))
    verified = runner.invoke(args=["backup", "verify", str(archive)])
    assert verified.exit_code == 0, verified.output
    assert "备份完好" in verified.output

    with tarfile.open(archive) as tar:
        manifest = json.loads(tar.extractfile(MANIFEST).read())
    assert manifest["database_format"] == fmt
    # the demo and the seeded data: many tables hold rows, and the files are in
    filled = {name for name, t in manifest["tables"].items() if t["rows"]}
    for name in ("ab_user", "ab_role", "unit", "pilot", "pilot_district", "recognition",
                 "attachment", "audit_log", "scheme", "scheme_indicator", "alembic_version"):
        assert name in filled, name
    assert any(k.startswith("uploads/") for k in manifest["files"])
    assert "reports/sheets/rank-test.pdf" in manifest["files"]

    # restore into the fresh place
    target_runner = fresh_target.test_cli_runner()
    restored = target_runner.invoke(args=["backup", "restore", str(archive)])
    assert restored.exit_code == 0, restored.output
    assert "已恢复并核对" in restored.output

    with app.app_context():
        source_engine = db.engine
        source = _rows(source_engine)
    with fresh_target.app_context():
        target_engine = db.engine
        target = _rows(target_engine)
        with target_engine.connect() as conn:
            assert describe(conn) == manifest["tables"]  # every row came back
    assert set(target) == set(source)
    for name, rows in target.items():
        src = set(source[name])
        assert set(rows) <= src, f"{name}: restored rows that the source never had"
        # what the source holds beyond the backup was written after it: newer ids
        missing = src - set(rows)
        if missing and rows:
            cols = [c.name for c in reflect_table(source_engine, name).columns]
            if "id" in cols:
                i = cols.index("id")
                newest = max(json.loads(r)[i] for r in rows)
                assert all(json.loads(r)[i] > newest for r in missing), name
    recog = [json.loads(r) for r in target["recognition"]]
    assert any("备份期间填报" in str(r) for r in recog) or not during

    # files: every stored file back with its checksum; each attachment's file is there
    restored_uploads = Path(fresh_target.config["UPLOAD_FOLDER"])
    source_uploads = Path(app.config["UPLOAD_FOLDER"])
    got, had = _files(restored_uploads), _files(source_uploads)
    assert got and all(had[k] == v for k, v in got.items())
    from app.reports.tasks import reports_folder

    assert _files(reports_folder(fresh_target))["sheets/rank-test.pdf"] == _files(
        reports_folder(app))["sheets/rank-test.pdf"]
    with fresh_target.app_context():
        from app.attachments.models import Attachment

        for att in db.session.scalars(select(Attachment)):
            assert got.get(att.stored_name) == att.sha256, (
                att.id, att.stored_name, att.record_type, att.record_id, att.size,
                had.get(att.stored_name), len(got), len(had))
        db.session.remove()

    # a second restore into the now non-empty target is refused, --force works
    again = target_runner.invoke(args=["backup", "restore", str(archive)])
    assert again.exit_code == 1 and "目标不是空的" in again.output
    forced = target_runner.invoke(args=["backup", "restore", str(archive), "--force"])
    assert forced.exit_code == 0, forced.output


def reflect_table(engine, name):
    with engine.connect() as conn:
        return reflect(conn).tables[name]


def test_verify_finds_a_damaged_archive(app, tmp_path):
    _seed_files(app)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["backup", "create", "--out", str(tmp_path)]).exit_code == 0
    archive = next(tmp_path.glob("gaige-backup-*.tar.gz"))
    damaged = tmp_path / "damaged.tar.gz"
    with tarfile.open(archive) as src, tarfile.open(damaged, "w:gz") as dst:
        for member in src.getmembers():
            data = src.extractfile(member).read()
            if member.name.startswith("files/uploads/"):
                data = data[:-1] + bytes([data[-1] ^ 1])
            dst.addfile(member, io.BytesIO(data))
    result = runner.invoke(args=["backup", "verify", str(damaged)])
    assert result.exit_code == 1 and "校验和不符" in result.output
    not_ours = tmp_path / "other.tar.gz"
    with tarfile.open(not_ours, "w:gz") as dst:
        info = tarfile.TarInfo("x.txt")
        info.size = 1
        dst.addfile(info, io.BytesIO(b"x"))
    result = runner.invoke(args=["backup", "verify", str(not_ours)])
    assert result.exit_code == 1 and "不是本系统的备份" in result.output


def test_restore_refuses_a_non_empty_target(app, tmp_path):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["backup", "create", "--out", str(tmp_path)]).exit_code == 0
    archive = next(tmp_path.glob("gaige-backup-*.tar.gz"))
    result = runner.invoke(args=["backup", "restore", str(archive)])
    assert result.exit_code == 1
    assert "目标不是空的" in result.output and "ab_user" in result.output
    with app.app_context():  # nothing was touched
        from app.security.models import ReformUser

        assert db.session.scalar(select(ReformUser).limit(1)) is not None
        db.session.remove()
