"""No path changes an audit row: the ORM refuses, SQL triggers refuse (SQLite
and PostgreSQL), the web view has no add/edit/delete route or permission, and
on PostgreSQL the application's role holds INSERT and SELECT only. The search
screen: 改革办 and administrator only, searchable, exported to Excel with
every cell neutralised."""

from __future__ import annotations

import contextlib
import importlib.util
import io
import os
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DatabaseError

from app.audit import log, triggers
from app.audit.models import AuditIsAppendOnly, AuditLog
from app.extensions import db
from tests.helpers import csrf_token, login, new_client
from tests.pilot.util import ADMIN, CLERK_WZ, OFFICE, REVIEWER_WZ

ROOT = Path(__file__).resolve().parents[2]


def _a_row(app) -> int:
    with app.app_context():
        log("update", "demand", 1, label="测试", field="title", field_label="需求标题",
            old="旧", new="新")
        db.session.commit()
        return db.session.scalar(select(AuditLog.id).order_by(AuditLog.id.desc()).limit(1))


def test_orm_refuses_update_and_delete(app):
    rid = _a_row(app)
    with app.app_context():
        row = db.session.get(AuditLog, rid)
        row.new_value = "篡改"
        with pytest.raises(AuditIsAppendOnly):
            db.session.commit()
        db.session.rollback()
        row = db.session.get(AuditLog, rid)
        db.session.delete(row)
        with pytest.raises(AuditIsAppendOnly):
            db.session.commit()
        db.session.rollback()
        assert db.session.get(AuditLog, rid).new_value == "新"


@pytest.mark.parametrize("statement", [
    "UPDATE audit_log SET new_value = '篡改' WHERE id = :id",
    "DELETE FROM audit_log WHERE id = :id",
    "UPDATE audit_log SET actor_name = NULL",
    "DELETE FROM audit_log",
])
def test_sql_refuses_update_and_delete(app, statement):
    rid = _a_row(app)
    with app.app_context():
        with pytest.raises(DatabaseError, match="审计日志只能追加"):
            db.session.execute(text(statement), {"id": rid})
        db.session.rollback()
        assert db.session.get(AuditLog, rid).new_value == "新"


def test_truncate_refused_on_postgresql(app):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("PostgreSQL only")
        _a_row(app)
        with pytest.raises(DatabaseError, match="审计日志只能追加"):
            db.session.execute(text("TRUNCATE audit_log"))
        db.session.rollback()


def _migration():
    path = ROOT / "migrations" / "versions" / "0007_audit.py"
    spec = importlib.util.spec_from_file_location("m0007_audit", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_migration_carries_the_same_trigger_text():
    m = _migration()
    assert m.POSTGRESQL_CREATE == triggers.POSTGRESQL_CREATE
    assert m.POSTGRESQL_DROP == triggers.POSTGRESQL_DROP
    assert m.SQLITE_CREATE == triggers.SQLITE_CREATE
    assert m.SQLITE_DROP == triggers.SQLITE_DROP
    assert m._grants("gaige_app") == triggers.grant_statements("gaige_app")
    with pytest.raises(ValueError):
        triggers.grant_statements('x"; DROP TABLE audit_log; --')


def test_view_is_read_only_and_for_office_and_admin(app):
    rid = _a_row(app)
    with app.app_context():
        from flask_appbuilder.security.sqla.models import PermissionView, ViewMenu

        perms = {pv.permission.name for pv in db.session.scalars(
            select(PermissionView).join(ViewMenu).where(ViewMenu.name == "AuditLogView"))}
    assert perms == {"can_list", "can_show", "can_export"}
    for mobile in (OFFICE, ADMIN):
        c = new_client(app)
        login(c, mobile)
        page = c.get("/auditlog/list/")
        assert page.status_code == 200, mobile
        body = page.get_data(as_text=True)
        assert "审计日志" in body and "需求标题" in body
        assert "/auditlog/export/" in body and "导出 Excel" in body
        assert c.get(f"/auditlog/show/{rid}").status_code == 200
        token = csrf_token(c, "/auditlog/list/")
        for path in ("/auditlog/add", f"/auditlog/edit/{rid}", f"/auditlog/delete/{rid}",
                     "/auditlog/action_post", f"/auditlog/action/x/{rid}"):
            assert c.get(path).status_code in (404, 405), path
            assert c.post(path, data={"csrf_token": token}).status_code in (404, 405), path
    for mobile in (CLERK_WZ, REVIEWER_WZ):
        c = new_client(app)
        login(c, mobile)
        assert c.get("/auditlog/list/").status_code == 403
        assert c.get("/auditlog/export/").status_code == 403
    with app.app_context():
        assert db.session.get(AuditLog, rid).new_value == "新"


def test_search_by_user_record_time_and_export_neutralised(app):
    with app.app_context():
        from tests.pilot.util import user

        log("update", "demand", 777, label="=HYPERLINK(\"http://x\",\"点我\")", field="title",
            field_label="需求标题", old="+1", new="@SUM(A1)", actor=user(REVIEWER_WZ))
        log("update", "demand", 778, label="另一条", field="title", field_label="需求标题",
            old="a", new="b", actor=user(CLERK_WZ))
        db.session.commit()
    c = new_client(app)
    login(c, OFFICE)
    # by user (contains), by record (type + id), by time
    body = c.get("/auditlog/list/?_flt_2_actor_name=万州审核员").get_data(as_text=True)
    assert "HYPERLINK" in body and "另一条" not in body
    body = c.get("/auditlog/list/?_flt_3_object_type=demand&_flt_0_object_id=778"
                 ).get_data(as_text=True)
    assert "另一条" in body and "HYPERLINK" not in body
    body = c.get("/auditlog/list/?_flt_1_created_on=2999-01-01+00:00:00").get_data(as_text=True)
    assert "另一条" not in body
    resp = c.get("/auditlog/export/?_flt_2_actor_name=万州审核员")
    assert resp.status_code == 200
    from openpyxl import load_workbook

    ws = load_workbook(io.BytesIO(resp.data)).active
    values = [[cell.value for cell in row] for row in ws.iter_rows()]
    assert values[0][:6] == ["编号", "时间", "操作人", "用户编号", "操作人单位", "操作"]
    found = [r for r in values[1:] if r[7] == 777]
    assert len(found) == 1
    assert found[0][8] == "'=HYPERLINK(\"http://x\",\"点我\")"
    assert found[0][10] == "'+1" and found[0][11] == "'@SUM(A1)"
    assert found[0][2] == "万州审核员" and found[0][5] == "修改"
    assert all(r[2] == "万州审核员" for r in values[1:])


APP_ROLE = "helper_ops_audit_app"


def test_postgresql_app_role_may_insert_and_read_only(app, tmp_path, request):
    """A fresh database migrated with AUDIT_APP_ROLE: that role appends and
    reads, and is refused UPDATE, DELETE and TRUNCATE by the grants."""
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("PostgreSQL only")
        base = db.engine.url
    from flask_migrate import upgrade
    from sqlalchemy import create_engine

    from tests.conftest import _drop_everything, make_app

    from tests.helpers import scratch_postgres

    stack = contextlib.ExitStack()
    request.addfinalizer(stack.close)  # the new database is dropped when the test ends
    target = stack.enter_context(scratch_postgres(base.render_as_string(hide_password=False)))
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.scalar(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": APP_ROLE}):
            conn.execute(text(f"CREATE ROLE {APP_ROLE} LOGIN PASSWORD 'audit-app-pw'"))
    admin.dispose()
    other = make_app(tmp_path, SQLALCHEMY_DATABASE_URI=target.render_as_string(False))
    os.environ["AUDIT_APP_ROLE"] = APP_ROLE
    try:
        with other.app_context():
            _drop_everything(db.engine)
            upgrade(revision="heads")
            db.session.remove()
            db.engine.dispose()
    finally:
        os.environ.pop("AUDIT_APP_ROLE", None)
    as_app = create_engine(target.set(username=APP_ROLE, password="audit-app-pw"))
    try:
        with as_app.begin() as conn:
            conn.execute(text("INSERT INTO audit_log (created_on, action, object_type) "
                              "VALUES (now(), 'login', 'session')"))
        with as_app.connect() as conn:
            assert conn.scalar(text("SELECT count(*) FROM audit_log")) == 1
        for statement in ("UPDATE audit_log SET action = 'x'", "DELETE FROM audit_log",
                          "TRUNCATE audit_log"):
            with as_app.begin() as conn, pytest.raises(DatabaseError,
                                                        match="permission denied"):
                conn.execute(text(statement))
    finally:
        as_app.dispose()
        with other.app_context():
            _drop_everything(db.engine)
            db.engine.dispose()
