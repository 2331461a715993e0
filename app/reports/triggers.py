"""The SQL-level guard of published snapshots: triggers that refuse UPDATE and
DELETE of a row whose status is ``published`` (and, on PostgreSQL, TRUNCATE
while any published row exists). Migration 0004 creates them with a frozen
copy of this text; a test checks that the two agree."""

from __future__ import annotations

MESSAGE = "已发布的报表不能修改或删除"

POSTGRESQL_CREATE = [
    f"""
CREATE OR REPLACE FUNCTION report_snapshot_refuse_change() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        IF EXISTS (SELECT 1 FROM report_snapshot WHERE status = 'published') THEN
            RAISE EXCEPTION '{MESSAGE}';
        END IF;
        RETURN NULL;
    END IF;
    IF OLD.status = 'published' THEN
        RAISE EXCEPTION '{MESSAGE}（报表 %）', OLD.id;
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql
""",
    """
CREATE TRIGGER report_snapshot_immutable BEFORE UPDATE OR DELETE ON report_snapshot
FOR EACH ROW EXECUTE FUNCTION report_snapshot_refuse_change()
""",
    """
CREATE TRIGGER report_snapshot_no_truncate BEFORE TRUNCATE ON report_snapshot
FOR EACH STATEMENT EXECUTE FUNCTION report_snapshot_refuse_change()
""",
]

POSTGRESQL_DROP = [
    "DROP TRIGGER IF EXISTS report_snapshot_no_truncate ON report_snapshot",
    "DROP TRIGGER IF EXISTS report_snapshot_immutable ON report_snapshot",
    "DROP FUNCTION IF EXISTS report_snapshot_refuse_change()",
]

SQLITE_CREATE = [
    f"""
CREATE TRIGGER report_snapshot_no_update BEFORE UPDATE ON report_snapshot
FOR EACH ROW WHEN OLD.status = 'published'
BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END
""",
    f"""
CREATE TRIGGER report_snapshot_no_delete BEFORE DELETE ON report_snapshot
FOR EACH ROW WHEN OLD.status = 'published'
BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END
""",
]

SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS report_snapshot_no_update",
    "DROP TRIGGER IF EXISTS report_snapshot_no_delete",
]


def statements(dialect: str, create: bool = True) -> list[str]:
    if dialect == "postgresql":
        return POSTGRESQL_CREATE if create else POSTGRESQL_DROP
    if dialect == "sqlite":
        return SQLITE_CREATE if create else SQLITE_DROP
    raise RuntimeError(f"no snapshot triggers for the {dialect} dialect")
