"""``flask backup create | verify | restore``: one archive holding the database,
the uploaded files and the generated report files, with a manifest of row
counts, per-table digests and sha256 checksums.

The database part, taken while the application runs:

* SQLite: a copy through SQLite's online backup API (one consistent step;
  writers are not stopped) — ``database/gaige.sqlite``;
* PostgreSQL with ``pg_dump`` on the PATH: ``pg_dump -Fc`` of the current
  schema in an exported snapshot, whose transaction also counts and digests
  every table, so that the manifest describes exactly what was dumped —
  ``database/gaige.pgdump``;
* otherwise (or ``--format json``): a logical dump through SQLAlchemy, one JSON
  line per row, in one repeatable-read transaction — ``database/tables/*.jsonl``;
  it restores into either database.

The files are copied after the database (a file a committed row names is
already on disk then; files written later are simply extra). Each table's
digest is the sha256 of its rows in a canonical form, sorted, so a restore can
prove that every row came back.

``restore`` refuses a target whose database holds rows (any table but
``alembic_version``) or whose upload or reports folder holds files, unless
``--force``, which empties them first.
"""

from __future__ import annotations

import datetime
import decimal
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import uuid
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    LargeBinary,
    MetaData,
    Numeric,
    create_engine,
    insert,
    select,
    text,
)

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SQLITE_MEMBER = "database/gaige.sqlite"
PGDUMP_MEMBER = "database/gaige.pgdump"
TABLES_DIR = "database/tables/"
FILE_ROOTS = ("uploads", "reports")


class BackupError(Exception):
    """A refusal or a failed check, with a Chinese message."""


# -- canonical rows ---------------------------------------------------------------------

def _canon(value):
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).hex()
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def _row_line(row) -> str:
    return json.dumps([_canon(v) for v in row], ensure_ascii=False, separators=(",", ":"))


def reflect(conn) -> MetaData:
    meta = MetaData()
    meta.reflect(bind=conn)
    return meta


def table_lines(conn, table) -> list[str]:
    """The rows of ``table`` in canonical form, sorted (the same on SQLite and
    PostgreSQL)."""
    return sorted(_row_line(r) for r in conn.execute(select(table)))


def describe(conn) -> dict:
    """{table: {"rows": n, "digest": sha256}} of every table."""
    out = {}
    for table in reflect(conn).sorted_tables:
        lines = table_lines(conn, table)
        digest = hashlib.sha256("\n".join(lines).encode()).hexdigest()
        out[table.name] = {"rows": len(lines), "digest": digest}
    return out


# -- helpers ---------------------------------------------------------------------------

def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _folders(app) -> dict[str, Path]:
    from app.reports.tasks import reports_folder

    return {"uploads": Path(app.config["UPLOAD_FOLDER"]), "reports": reports_folder(app)}


def _files_of(folder: Path):
    if not folder.is_dir():
        return
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.is_symlink() and not path.name.endswith(".part"):
            yield path


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(datetime.datetime.now().timestamp())
    info.mode = 0o600
    tar.addfile(info, io.BytesIO(data))


def _pg_env_and_url(engine) -> tuple[dict, str]:
    """libpq's connection string and environment (the password in PGPASSWORD,
    never on a command line)."""
    url = engine.url
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None, query={})
    return env, plain.render_as_string(hide_password=False)


def _heads(conn) -> list[str]:
    try:
        return sorted(conn.execute(text("SELECT version_num FROM alembic_version")).scalars())
    except Exception:  # noqa: BLE001 - no migrations table
        return []


# -- create ----------------------------------------------------------------------------

def create_backup(out_dir: str | Path | None = None, fmt: str = "auto", app=None) -> Path:
    """Write the archive; returns its path."""
    from app.extensions import db

    app = app or current_app._get_current_object()
    out = Path(out_dir or Path(app.instance_path) / "backups")
    out.mkdir(parents=True, exist_ok=True)
    engine = db.engine
    dialect = engine.dialect.name
    if fmt == "auto":
        fmt = "sqlite" if dialect == "sqlite" else (
            "pgdump" if dialect == "postgresql" and shutil.which("pg_dump") else "json")
    if fmt == "sqlite" and dialect != "sqlite":
        raise BackupError("只有 SQLite 数据库可以用 sqlite 格式备份")
    if fmt == "pgdump" and (dialect != "postgresql" or not shutil.which("pg_dump")):
        raise BackupError("pg_dump 格式需要 PostgreSQL 数据库和 pg_dump 程序")
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    final = out / f"gaige-backup-{stamp}-{uuid.uuid4().hex[:6]}.tar.gz"
    partial = final.with_name(final.name + ".part")
    manifest = {"format_version": FORMAT_VERSION, "app": "改革报表",
                "created_at": datetime.datetime.now().isoformat(timespec="seconds"),
                "dialect": dialect, "database_format": fmt, "members": {}, "files": {}}
    with tempfile.TemporaryDirectory(prefix="gaige-backup-") as tmp, \
            tarfile.open(partial, "w:gz") as tar:
        tmp = Path(tmp)
        members = {}
        if fmt == "sqlite":
            copy = tmp / "gaige.sqlite"
            _sqlite_copy(engine, copy)
            copy_engine = create_engine(f"sqlite:///{copy}")
            with copy_engine.connect() as conn:
                manifest["tables"] = describe(conn)
                manifest["alembic_heads"] = _heads(conn)
            copy_engine.dispose()
            tar.add(copy, SQLITE_MEMBER)
            members[SQLITE_MEMBER] = _sha256_file(copy)
        elif fmt == "pgdump":
            dump = tmp / "gaige.pgdump"
            manifest["tables"], manifest["alembic_heads"] = _pg_dump(engine, dump)
            tar.add(dump, PGDUMP_MEMBER)
            members[PGDUMP_MEMBER] = _sha256_file(dump)
        else:
            manifest["tables"], manifest["alembic_heads"] = _json_dump(engine, tar, members)
        manifest["members"] = members
        for root, folder in _folders(app).items():
            for path in _files_of(folder):
                data = path.read_bytes()
                rel = f"{root}/{path.relative_to(folder).as_posix()}"
                _add_bytes(tar, f"files/{rel}", data)
                manifest["files"][rel] = {"sha256": hashlib.sha256(data).hexdigest(),
                                          "size": len(data)}
        _add_bytes(tar, MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1,
                                             sort_keys=True).encode())
    os.replace(partial, final)
    return final


def _sqlite_copy(engine, target: Path) -> None:
    """SQLite's online backup API, in one step: a consistent copy while the
    application keeps writing (WAL: writers are not stopped)."""
    raw = engine.raw_connection()
    try:
        source = raw.driver_connection
        dest = sqlite3.connect(target)
        try:
            source.backup(dest)
        finally:
            dest.close()
    finally:
        raw.close()


def _snapshot_conn(engine):
    conn = engine.connect().execution_options(isolation_level="REPEATABLE READ")
    conn.begin()
    return conn


def _pg_dump(engine, target: Path):
    env, url = _pg_env_and_url(engine)
    with _snapshot_conn(engine) as conn:
        snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar()
        schema = conn.execute(text("SELECT current_schema()")).scalar()
        tables = describe(conn)
        heads = _heads(conn)
        done = subprocess.run(
            ["pg_dump", "--format=custom", f"--snapshot={snapshot}", f"--schema={schema}",
             "--no-owner", "--no-privileges", f"--file={target}", f"--dbname={url}"],
            env=env, capture_output=True, text=True)
        conn.rollback()
    if done.returncode != 0:
        raise BackupError(f"pg_dump 失败：{done.stderr.strip()[:500]}")
    return tables, heads


def _json_dump(engine, tar, members):
    opts = {"isolation_level": "REPEATABLE READ"} if engine.dialect.name == "postgresql" \
        else {}
    tables = {}
    with engine.connect().execution_options(**opts) as conn:
        with conn.begin():
            heads = _heads(conn)
            for table in reflect(conn).sorted_tables:
                lines = table_lines(conn, table)
                body = "\n".join(lines).encode()
                name = f"{TABLES_DIR}{table.name}.jsonl"
                header = json.dumps([c.name for c in table.columns]).encode()
                _add_bytes(tar, name, header + b"\n" + body)
                members[name] = hashlib.sha256(header + b"\n" + body).hexdigest()
                tables[table.name] = {"rows": len(lines),
                                      "digest": hashlib.sha256(body).hexdigest()}
    return tables, heads


# -- verify ------------------------------------------------------------------------------

def _read_manifest(tar) -> dict:
    try:
        member = tar.getmember(MANIFEST)
    except KeyError:
        raise BackupError("备份文件中没有 manifest.json，不是本系统的备份") from None
    return json.loads(tar.extractfile(member).read())


def verify_backup(path: str | Path) -> tuple[dict, list[str]]:
    """(manifest, problems): every member's checksum, every table's row count
    and digest where the format allows reading them without a database."""
    problems = []
    try:
        tar = tarfile.open(path, "r:gz")
    except (OSError, tarfile.TarError) as exc:
        raise BackupError(f"无法读取备份文件：{exc}") from None
    with tar, tempfile.TemporaryDirectory(prefix="gaige-verify-") as tmp:
        manifest = _read_manifest(tar)
        expected = {**manifest.get("members", {}),
                    **{f"files/{k}": v["sha256"] for k, v in manifest.get("files", {}).items()}}
        seen = set()
        for member in tar.getmembers():
            if member.name == MANIFEST:
                continue
            if not member.isfile() or member.name.startswith("/") or ".." in member.name:
                problems.append(f"备份中有不应出现的条目：{member.name}")
                continue
            seen.add(member.name)
            if member.name not in expected:
                problems.append(f"清单中没有该文件：{member.name}")
                continue
            h = hashlib.sha256()
            fh = tar.extractfile(member)
            local = Path(tmp) / "db" if member.name == SQLITE_MEMBER else None
            out = open(local, "wb") if local else None
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
                if out:
                    out.write(chunk)
            if out:
                out.close()
            if h.hexdigest() != expected[member.name]:
                problems.append(f"校验和不符：{member.name}")
            if member.name.startswith(TABLES_DIR):
                name = member.name[len(TABLES_DIR):-len(".jsonl")]
                data = tar.extractfile(member).read()
                body = data.split(b"\n", 1)[1] if b"\n" in data else b""
                rows = 0 if not body else body.count(b"\n") + 1
                want = manifest["tables"].get(name, {})
                if rows != want.get("rows") or \
                        hashlib.sha256(body).hexdigest() != want.get("digest"):
                    problems.append(f"数据表 {name} 的行数或摘要与清单不符")
            if local is not None:
                eng = create_engine(f"sqlite:///{local}")
                with eng.connect() as conn:
                    found = describe(conn)
                eng.dispose()
                problems += _compare_tables(manifest["tables"], found)
        for name in sorted(set(expected) - seen):
            problems.append(f"备份中缺少文件：{name}")
        if manifest.get("database_format") == "pgdump" and PGDUMP_MEMBER in seen \
                and shutil.which("pg_restore"):
            problems += _pgdump_counts(tar, manifest, Path(tmp))
    return manifest, problems


def _pgdump_counts(tar, manifest, tmp: Path) -> list[str]:
    """Rows per table in the dump's COPY blocks, against the manifest."""
    dump = tmp / "dump"
    with open(dump, "wb") as out:
        shutil.copyfileobj(tar.extractfile(PGDUMP_MEMBER), out)
    done = subprocess.run(["pg_restore", "--data-only", "-f", "-", str(dump)],
                          capture_output=True)
    if done.returncode != 0:
        return [f"pg_restore 无法读取数据库转储：{done.stderr.decode(errors='replace')[:300]}"]
    counts, current = {}, None
    for line in done.stdout.split(b"\n"):
        if current is None:
            if line.startswith(b"COPY "):
                name = line.split(b" ")[1].decode().split(".")[-1].strip('"')
                current, counts[name] = name, 0
        elif line == b"\\.":
            current = None
        else:
            counts[current] += 1
    problems = []
    for name, want in manifest["tables"].items():
        if counts.get(name, 0) != want["rows"]:
            problems.append(f"数据表 {name}：转储中 {counts.get(name, 0)} 行，清单为 "
                            f"{want['rows']} 行")
    return problems


def _compare_tables(expected: dict, found: dict) -> list[str]:
    problems = []
    for name in sorted(set(expected) | set(found)):
        want, got = expected.get(name), found.get(name)
        if want is None:
            problems.append(f"多出数据表 {name}")
        elif got is None:
            problems.append(f"缺少数据表 {name}")
        elif want["rows"] != got["rows"]:
            problems.append(f"数据表 {name}：应有 {want['rows']} 行，实有 {got['rows']} 行")
        elif want["digest"] != got["digest"]:
            problems.append(f"数据表 {name} 的内容与备份清单不符")
    return problems


# -- restore ------------------------------------------------------------------------------

def target_contents(app=None) -> list[str]:
    """What the target already holds (empty list: it is empty)."""
    from app.extensions import db

    app = app or current_app._get_current_object()
    held = []
    with db.engine.connect() as conn:
        for table in reflect(conn).sorted_tables:
            if table.name == "alembic_version":
                continue
            n = conn.execute(select(text("count(*)")).select_from(table)).scalar()
            if n:
                held.append(f"数据表 {table.name} 有 {n} 行")
    for root, folder in _folders(app).items():
        n = sum(1 for _ in _files_of(folder))
        if n:
            held.append(f"{root} 文件夹有 {n} 个文件")
    return held


def _empty_database(engine) -> None:
    """Drop every table (and on PostgreSQL every sequence, function and view
    of the current schema): the restore brings the schema back."""
    if engine.dialect.name == "sqlite":
        with engine.begin() as conn:
            conn.exec_driver_sql("PRAGMA foreign_keys = OFF")
            rows = conn.exec_driver_sql(
                "SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' "
                "AND type IN ('table', 'view')").all()
            for kind, name in rows:
                conn.exec_driver_sql(f'DROP {kind.upper()} IF EXISTS "{name}"')
        return
    with engine.begin() as conn:
        schema = conn.execute(text("SELECT current_schema()")).scalar()
        for (name,) in conn.execute(text(
                "SELECT table_name FROM information_schema.views WHERE table_schema = :s"),
                {"s": schema}):
            conn.execute(text(f'DROP VIEW IF EXISTS "{name}" CASCADE'))
        for (name,) in conn.execute(text(
                "SELECT tablename FROM pg_tables WHERE schemaname = :s"), {"s": schema}):
            conn.execute(text(f'DROP TABLE IF EXISTS "{name}" CASCADE'))
        for (name,) in conn.execute(text(
                "SELECT sequence_name FROM information_schema.sequences "
                "WHERE sequence_schema = :s"), {"s": schema}):
            conn.execute(text(f'DROP SEQUENCE IF EXISTS "{name}" CASCADE'))
        for (sig,) in conn.execute(text(
                "SELECT p.oid::regprocedure::text FROM pg_proc p "
                "JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = :s "
                "AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid "
                "AND d.deptype = 'e')"), {"s": schema}):
            conn.execute(text(f"DROP FUNCTION IF EXISTS {sig} CASCADE"))


def _clear_folder(folder: Path) -> None:
    if folder.is_dir():
        for child in folder.iterdir():
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child)
            else:
                child.unlink()


def restore_backup(path: str | Path, force: bool = False, app=None) -> dict:
    """Restore the archive into the app's database and folders; returns the
    manifest. Raises BackupError (refused, or a check failed)."""
    from app.extensions import db

    app = app or current_app._get_current_object()
    manifest, problems = verify_backup(path)
    if problems:
        raise BackupError("备份文件校验未通过，未恢复：" + "；".join(problems[:10]))
    engine = db.engine
    fmt = manifest["database_format"]
    if fmt == "sqlite" and engine.dialect.name != "sqlite":
        raise BackupError("该备份来自 SQLite，只能恢复到 SQLite 数据库"
                          "（跨数据库请用 flask backup create --format json）")
    if fmt == "pgdump" and engine.dialect.name != "postgresql":
        raise BackupError("该备份是 PostgreSQL 转储，只能恢复到 PostgreSQL 数据库")
    if fmt == "pgdump" and not shutil.which("pg_restore"):
        raise BackupError("恢复 PostgreSQL 转储需要 pg_restore 程序")
    held = target_contents(app)
    if held and not force:
        raise BackupError("目标不是空的，未恢复（如确要覆盖，请加 --force）：" + "；".join(held[:10]))
    db.session.remove()
    engine.dispose()
    folders = _folders(app)
    for folder in folders.values():
        _clear_folder(folder)
    _empty_database(engine)
    with tarfile.open(path, "r:gz") as tar, \
            tempfile.TemporaryDirectory(prefix="gaige-restore-") as tmp:
        tmp = Path(tmp)
        if fmt == "sqlite":
            local = tmp / "db"
            with open(local, "wb") as out:
                shutil.copyfileobj(tar.extractfile(SQLITE_MEMBER), out)
            _sqlite_restore(engine, local)
        elif fmt == "pgdump":
            local = tmp / "dump"
            with open(local, "wb") as out:
                shutil.copyfileobj(tar.extractfile(PGDUMP_MEMBER), out)
            env, url = _pg_env_and_url(engine)
            # the target's schema exists already: leave out its CREATE SCHEMA
            listing = subprocess.run(["pg_restore", "--list", str(local)],
                                     capture_output=True, text=True)
            if listing.returncode != 0:
                raise BackupError(f"pg_restore 无法读取转储：{listing.stderr.strip()[:500]}")
            entries = tmp / "entries"
            entries.write_text("\n".join(
                line for line in listing.stdout.splitlines()
                if " SCHEMA - " not in line and "COMMENT - SCHEMA " not in line) + "\n")
            done = subprocess.run(
                ["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error",
                 "--single-transaction", f"--use-list={entries}", f"--dbname={url}",
                 str(local)],
                env=env, capture_output=True, text=True)
            if done.returncode != 0:
                raise BackupError(f"pg_restore 失败：{done.stderr.strip()[:500]}")
        else:
            _json_restore(app, engine, tar, manifest)
        for member in tar.getmembers():
            if not member.name.startswith("files/"):
                continue
            root, _, rel = member.name[len("files/"):].partition("/")
            if root not in folders or not rel:
                continue
            target = (folders[root] / rel).resolve()
            if not target.is_relative_to(folders[root].resolve()):
                raise BackupError(f"备份中的文件路径不安全：{member.name}")
            target.parent.mkdir(parents=True, exist_ok=True)
            with open(target, "wb") as out:
                shutil.copyfileobj(tar.extractfile(member), out)
    engine.dispose()
    if engine.dialect.name == "postgresql":
        _grant_audit_role(engine)
    with engine.connect() as conn:
        problems = _compare_tables(manifest["tables"], describe(conn))
    for rel, info in manifest["files"].items():
        root, _, name = rel.partition("/")
        path_ = folders[root] / name
        if not path_.is_file() or _sha256_file(path_) != info["sha256"]:
            problems.append(f"文件 {rel} 恢复后校验和不符")
    if problems:
        raise BackupError("恢复后核对不一致：" + "；".join(problems[:10]))
    return manifest


def _sqlite_restore(engine, source: Path) -> None:
    raw = engine.raw_connection()
    try:
        live = raw.driver_connection
        live.rollback()
        src = sqlite3.connect(source)
        try:
            src.backup(live)
        finally:
            src.close()
    finally:
        raw.close()
    engine.dispose()


def _grant_audit_role(engine) -> None:
    role = (os.environ.get("AUDIT_APP_ROLE") or "").strip()
    if not role:
        return
    from app.audit.triggers import grant_statements

    with engine.begin() as conn:
        for statement in grant_statements(role):
            conn.execute(text(statement))


def _to_python(column, value):
    if value is None:
        return None
    kind = column.type
    if isinstance(kind, DateTime) and isinstance(value, str):
        return datetime.datetime.fromisoformat(value)
    if isinstance(kind, Date) and isinstance(value, str):
        return datetime.date.fromisoformat(value)
    if isinstance(kind, JSON) and isinstance(value, str):
        return json.loads(value)
    if isinstance(kind, LargeBinary) and isinstance(value, str):
        return bytes.fromhex(value)
    if isinstance(kind, Numeric) and isinstance(value, str):
        return float(value) if not kind.asdecimal else decimal.Decimal(value)
    return value


def _json_restore(app, engine, tar, manifest) -> None:
    """The schema from the migrations, then every table's rows."""
    from flask_migrate import upgrade

    from app.extensions import db

    with app.app_context():
        upgrade(revision="heads")
        db.session.remove()
    with engine.connect() as conn:
        heads = _heads(conn)
    if heads != manifest.get("alembic_heads"):
        raise BackupError(f"数据库结构版本不同（备份 {manifest.get('alembic_heads')}，"
                          f"本程序 {heads}），请用备份时的程序版本恢复")
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            try:
                with conn.begin_nested():
                    conn.execute(text("SET LOCAL session_replication_role = replica"))
            except Exception:  # noqa: BLE001 - not a superuser: keys are checked
                pass
        meta = reflect(conn)
        order = [t for t in meta.sorted_tables if t.name != "alembic_version"]
        for table in reversed(order):
            if conn.execute(select(text("count(*)")).select_from(table)).scalar():
                conn.execute(table.delete())
        for table in order:
            member = f"{TABLES_DIR}{table.name}.jsonl"
            try:
                data = tar.extractfile(member).read().decode()
            except KeyError:
                continue
            header, _, body = data.partition("\n")
            names = json.loads(header)
            columns = [table.c[n] for n in names]
            rows = [dict(zip(names, (_to_python(c, v) for c, v in zip(columns, json.loads(line)))))
                    for line in body.split("\n") if line]
            for i in range(0, len(rows), 1000):
                conn.execute(insert(table), rows[i:i + 1000])
        if engine.dialect.name == "postgresql":
            for table in order:
                if "id" in table.c and table.c.id.autoincrement is not False:
                    conn.execute(text(
                        f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
                        f"coalesce((SELECT max(id) FROM \"{table.name}\"), 0) + 1, false) "
                        f"WHERE pg_get_serial_sequence('\"{table.name}\"', 'id') IS NOT NULL"))


# -- the commands -----------------------------------------------------------------------------

backup_cli = AppGroup("backup", help="备份与恢复（数据库、上传文件、报表文件）")


@backup_cli.command("create")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default=None,
              help="备份文件存放目录（默认 instance/backups）")
@click.option("--format", "fmt", type=click.Choice(["auto", "sqlite", "pgdump", "json"]),
              default="auto", help="数据库部分的格式（默认：SQLite 用备份接口，"
              "PostgreSQL 有 pg_dump 时用 pg_dump，否则 json）")
@with_appcontext
def backup_create(out_dir, fmt):
    """生成一个备份文件（tar.gz）：数据库、上传文件、报表文件和清单。"""
    try:
        path = create_backup(out_dir, fmt)
    except BackupError as exc:
        click.echo(str(exc), err=True)
        raise SystemExit(1) from exc
    manifest, _ = verify_backup(path)
    rows = sum(t["rows"] for t in manifest["tables"].values())
    click.echo(f"已备份：{path}（{len(manifest['tables'])} 张表，{rows} 行，"
               f"{len(manifest['files'])} 个文件）")


@backup_cli.command("verify")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def backup_verify(path):
    """核对备份文件：每个文件的校验和、每张表的行数。有问题时退出码为 1。"""
    try:
        manifest, problems = verify_backup(path)
    except BackupError as exc:
        click.echo(str(exc), err=True)
        raise SystemExit(1) from exc
    for problem in problems:
        click.echo(problem, err=True)
    if problems:
        raise SystemExit(1)
    rows = sum(t["rows"] for t in manifest["tables"].values())
    click.echo(f"备份完好：{manifest['created_at']}，{manifest['database_format']} 格式，"
               f"{len(manifest['tables'])} 张表，{rows} 行，{len(manifest['files'])} 个文件")


@backup_cli.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--force", is_flag=True, default=False,
              help="目标数据库或文件夹不为空时，先清空再恢复")
@with_appcontext
def backup_restore(path, force):
    """把备份恢复到当前配置的数据库和文件夹（须为空，除非 --force），并核对每张表和每个文件。"""
    try:
        manifest = restore_backup(path, force=force)
    except BackupError as exc:
        click.echo(str(exc), err=True)
        raise SystemExit(1) from exc
    rows = sum(t["rows"] for t in manifest["tables"].values())
    click.echo(f"已恢复并核对：{len(manifest['tables'])} 张表，{rows} 行，"
               f"{len(manifest['files'])} 个文件")
