"""国企改革: enterprise recognitions, typical cases and their adoption log

Revision ID: 0007_soe
Revises: 0006

Tables of app/records/soe (seed 004). Indexes are created through
batch_alter_table, as the earlier migrations do, so that the same file runs on
SQLite and PostgreSQL.
"""
from alembic import op
import sqlalchemy as sa


revision = '0007_soe'
down_revision = '0006'
branch_labels = None
depends_on = None


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


def _indexes(table, *columns):
    with op.batch_alter_table(table, schema=None) as batch_op:
        for column in columns:
            batch_op.create_index(batch_op.f(f'ix_{table}_{column}'), [column], unique=False)


def _drop_indexes(table, *columns):
    with op.batch_alter_table(table, schema=None) as batch_op:
        for column in columns:
            batch_op.drop_index(batch_op.f(f'ix_{table}_{column}'))


def upgrade():
    op.create_table('soe_recognition',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('category', sa.String(length=30), nullable=False),
    sa.Column('item', sa.String(length=10), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('outlet', sa.String(length=200), nullable=True),
    sa.Column('summary', sa.Text(), nullable=True),
    *_workflow_columns(),
    sa.PrimaryKeyConstraint('id')
    )
    _indexes('soe_recognition', 'category', 'date', 'state', 'unit_id')

    op.create_table('soe_case',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('problem', sa.String(length=2000), nullable=False),
    sa.Column('measures', sa.String(length=4000), nullable=False),
    sa.Column('results', sa.String(length=2000), nullable=False),
    sa.Column('contact', sa.String(length=50), nullable=True),
    sa.Column('phone', sa.String(length=30), nullable=True),
    sa.Column('adopted', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('adopted_on', sa.DateTime(), nullable=True),
    sa.Column('adopted_by_id', sa.Integer(), nullable=True),
    *_workflow_columns(),
    sa.ForeignKeyConstraint(['adopted_by_id'], ['ab_user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    _indexes('soe_case', 'adopted', 'state', 'unit_id')

    op.create_table('soe_case_adoption',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=10), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('actor_id', sa.Integer(), nullable=False),
    sa.Column('actor_unit_id', sa.Integer(), nullable=True),
    sa.Column('created_on', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['ab_user.id'], ),
    sa.ForeignKeyConstraint(['actor_unit_id'], ['unit.id'], ),
    sa.ForeignKeyConstraint(['case_id'], ['soe_case.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    _indexes('soe_case_adoption', 'case_id')


def downgrade():
    _drop_indexes('soe_case_adoption', 'case_id')
    op.drop_table('soe_case_adoption')
    _drop_indexes('soe_case', 'adopted', 'state', 'unit_id')
    op.drop_table('soe_case')
    _drop_indexes('soe_recognition', 'category', 'date', 'state', 'unit_id')
    op.drop_table('soe_recognition')
