"""audit trail: the append-only audit_log table, its triggers and grants

Revision ID: 0007_audit
Revises: 0006

The triggers refuse UPDATE and DELETE of any audit_log row (and TRUNCATE on
PostgreSQL). Their text is a frozen copy of app/audit/triggers.py
(tests/audit/test_guard.py checks that they agree).

On PostgreSQL, when the environment names the application's own database role
in AUDIT_APP_ROLE (a role that does not own the tables: the migrations run as
the owner), that role is granted SELECT and INSERT on audit_log only, and the
use of its id sequence. See README, "Production".
"""
import os
import re

from alembic import op
import sqlalchemy as sa


revision = '0007_audit'
down_revision = '0006'
branch_labels = None
depends_on = None

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


def _statements(create: bool) -> list[str]:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        return POSTGRESQL_CREATE if create else POSTGRESQL_DROP
    if dialect == "sqlite":
        return SQLITE_CREATE if create else SQLITE_DROP
    raise RuntimeError(f"no audit triggers for the {dialect} dialect")


def _grants(role: str) -> list[str]:
    if not _ROLE_NAME.match(role):
        raise RuntimeError(f"AUDIT_APP_ROLE {role!r} is not a plain role name")
    return [
        f'REVOKE ALL ON TABLE audit_log FROM "{role}"',
        f'GRANT SELECT, INSERT ON TABLE audit_log TO "{role}"',
        f'GRANT USAGE, SELECT ON SEQUENCE audit_log_id_seq TO "{role}"',
    ]


def upgrade():
    op.create_table(
        'audit_log',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('created_on', sa.DateTime(), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('actor_name', sa.String(length=100), nullable=True),
        sa.Column('actor_unit_id', sa.Integer(), nullable=True),
        sa.Column('actor_unit_name', sa.String(length=100), nullable=True),
        sa.Column('action', sa.String(length=30), nullable=False),
        sa.Column('object_type', sa.String(length=40), nullable=False),
        sa.Column('object_id', sa.Integer(), nullable=True),
        sa.Column('object_label', sa.String(length=200), nullable=True),
        sa.Column('object_unit_id', sa.Integer(), nullable=True),
        sa.Column('field', sa.String(length=80), nullable=True),
        sa.Column('field_label', sa.String(length=80), nullable=True),
        sa.Column('old_value', sa.Text(), nullable=True),
        sa.Column('new_value', sa.Text(), nullable=True),
        sa.Column('address', sa.String(length=64), nullable=True),
        sa.Column('user_agent', sa.String(length=300), nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index('ix_audit_log_object', ['object_type', 'object_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_log_created_on'), ['created_on'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_audit_log_actor_id'), ['actor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_log_actor_unit_id'), ['actor_unit_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_audit_log_action'), ['action'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_log_object_unit_id'), ['object_unit_id'],
                              unique=False)
    for statement in _statements(create=True):
        op.execute(statement)
    role = (os.environ.get('AUDIT_APP_ROLE') or '').strip()
    if role and op.get_bind().dialect.name == 'postgresql':
        for statement in _grants(role):
            op.execute(statement)


def downgrade():
    for statement in _statements(create=False):
        op.execute(statement)
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_log_object_unit_id'))
        batch_op.drop_index(batch_op.f('ix_audit_log_action'))
        batch_op.drop_index(batch_op.f('ix_audit_log_actor_unit_id'))
        batch_op.drop_index(batch_op.f('ix_audit_log_actor_id'))
        batch_op.drop_index(batch_op.f('ix_audit_log_created_on'))
        batch_op.drop_index('ix_audit_log_object')
    op.drop_table('audit_log')
