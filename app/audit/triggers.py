"""The SQL-level guard of the audit trail: triggers refusing UPDATE and DELETE
of any ``audit_log`` row (and TRUNCATE on PostgreSQL), and the grants of the
application's own database role. Migration 0007 creates them with a frozen copy
of this text; tests/audit/test_guard.py checks that the two agree."""

from __future__ import annotations

import re

MESSAGE = "审计日志只能追加，不能修改或删除"

POSTGRESQL_CREATE = [
    f"""
CREATE OR REPLACE FUNCTION audit_log_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '{MESSAGE}';
END
$$ LANGUAGE plpgsql
""",
    """
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change()
""",
    """
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change()
""",
]

POSTGRESQL_DROP = [
    "DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log",
    "DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log",
    "DROP FUNCTION IF EXISTS audit_log_refuse_change()",
]

SQLITE_CREATE = [
    f"""
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END
""",
    f"""
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END
""",
]

SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS audit_log_no_update",
    "DROP TRIGGER IF EXISTS audit_log_no_delete",
]

_ROLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")


def statements(dialect: str, create: bool = True) -> list[str]:
    if dialect == "postgresql":
        return POSTGRESQL_CREATE if create else POSTGRESQL_DROP
    if dialect == "sqlite":
        return SQLITE_CREATE if create else SQLITE_DROP
    raise RuntimeError(f"no audit triggers for the {dialect} dialect")


def grant_statements(role: str) -> list[str]:
    """PostgreSQL: the application's role may read and append to the audit
    trail, never change it (the owner of the tables is another role)."""
    if not _ROLE_NAME.match(role or ""):
        raise ValueError(f"AUDIT_APP_ROLE {role!r} is not a plain role name")
    return [
        f'REVOKE ALL ON TABLE audit_log FROM "{role}"',
        f'GRANT SELECT, INSERT ON TABLE audit_log TO "{role}"',
        f'GRANT USAGE, SELECT ON SEQUENCE audit_log_id_seq TO "{role}"',
    ]
