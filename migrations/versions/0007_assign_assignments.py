"""assigned items: 交办事项 (需求清单交办, 堵点卡点), their units and progress reports

Revision ID: 0007_assign
Revises: 0006

Tables of app/records/assignment. Indexes are created through
batch_alter_table, as the earlier migrations do, so that the same file runs on
SQLite and PostgreSQL.
"""
from alembic import op
import sqlalchemy as sa


revision = '0007_assign'
down_revision = '0006'
branch_labels = None
depends_on = None

REPORT_TABLES = ('demand_task_report', 'bottleneck_report')


def _workflow_columns():
    """The columns of app.workflow.models.WorkflowMixin."""
    return [
        sa.Column('state', sa.String(length=20), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('created_on', sa.DateTime(), nullable=False),
        sa.Column('changed_on', sa.DateTime(), nullable=False),
        sa.Column('submitted_on', sa.DateTime(), nullable=True),
        sa.Column('approved_on', sa.DateTime(), nullable=True),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('filed_by_id', sa.Integer(), nullable=False),
        sa.Column('submitted_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['filed_by_id'], ['ab_user.id'], ),
        sa.ForeignKeyConstraint(['submitted_by_id'], ['ab_user.id'], ),
        sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ),
    ]


def upgrade():
    op.create_table('assignment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('demand_id', sa.Integer(), nullable=True),
    sa.Column('deadline', sa.Date(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_on', sa.DateTime(), nullable=False),
    sa.Column('changed_on', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['ab_user.id'], ),
    sa.ForeignKeyConstraint(['demand_id'], ['demand.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('assignment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assignment_deadline'), ['deadline'], unique=False)
        batch_op.create_index(batch_op.f('ix_assignment_demand_id'), ['demand_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assignment_kind'), ['kind'], unique=False)

    op.create_table('assignment_unit',
    sa.Column('assignment_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('assigned_on', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['assignment_id'], ['assignment.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('assignment_id', 'unit_id')
    )
    with op.batch_alter_table('assignment_unit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assignment_unit_unit_id'), ['unit_id'], unique=False)

    for table in REPORT_TABLES:
        op.create_table(table,
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('work_done', sa.Text(), nullable=False),
        sa.Column('problems', sa.Text(), nullable=False),
        sa.Column('progress', sa.String(length=10), nullable=False),
        sa.Column('assignment_id', sa.Integer(), nullable=False),
        *_workflow_columns(),
        sa.ForeignKeyConstraint(['assignment_id'], ['assignment.id'], ),
        sa.PrimaryKeyConstraint('id')
        )
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in ('assignment_id', 'state', 'unit_id'):
                batch_op.create_index(batch_op.f(f'ix_{table}_{column}'), [column], unique=False)


def downgrade():
    for table in reversed(REPORT_TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in ('unit_id', 'state', 'assignment_id'):
                batch_op.drop_index(batch_op.f(f'ix_{table}_{column}'))
        op.drop_table(table)
    with op.batch_alter_table('assignment_unit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assignment_unit_unit_id'))
    op.drop_table('assignment_unit')
    with op.batch_alter_table('assignment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assignment_kind'))
        batch_op.drop_index(batch_op.f('ix_assignment_demand_id'))
        batch_op.drop_index(batch_op.f('ix_assignment_deadline'))
    op.drop_table('assignment')
