"""department self-evaluation (部门绩效自评, seed 003)

Revision ID: 0007_selfeval
Revises: 0006

The table of app/records/self_evaluation: the header of seed 003's form, its
budget and indicator rows as JSON text, and the totals computed by the scoring
core on save. Indexes through batch_alter_table, as the earlier migrations
do, so that the same file runs on SQLite and PostgreSQL.
"""
from alembic import op
import sqlalchemy as sa


revision = '0007_selfeval'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('self_evaluation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('project_name', sa.String(length=200), nullable=False),
    sa.Column('project_code', sa.String(length=50), nullable=False),
    sa.Column('department', sa.String(length=200), nullable=True),
    sa.Column('finance_division', sa.String(length=100), nullable=True),
    sa.Column('contact_name', sa.String(length=50), nullable=False),
    sa.Column('contact_phone', sa.String(length=30), nullable=False),
    sa.Column('goal_initial', sa.Text(), nullable=False),
    sa.Column('goal_adjusted', sa.Text(), nullable=True),
    sa.Column('goal_actual', sa.Text(), nullable=False),
    sa.Column('budget_rows', sa.Text(), nullable=False),
    sa.Column('indicator_rows', sa.Text(), nullable=False),
    sa.Column('execution_rate', sa.Float(), nullable=True),
    sa.Column('execution_score', sa.Float(), nullable=True),
    sa.Column('total_score', sa.Float(), nullable=True),
    sa.Column('score_notes', sa.Text(), nullable=True),
    # app.workflow.models.WorkflowMixin
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
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('self_evaluation', schema=None) as batch_op:
        for column in ('year', 'state', 'unit_id'):
            batch_op.create_index(batch_op.f(f'ix_self_evaluation_{column}'), [column],
                                  unique=False)
        batch_op.create_index('uq_self_evaluation_unit_year_code',
                              ['unit_id', 'year', 'project_code'], unique=True)


def downgrade():
    with op.batch_alter_table('self_evaluation', schema=None) as batch_op:
        batch_op.drop_index('uq_self_evaluation_unit_year_code')
        for column in ('unit_id', 'state', 'year'):
            batch_op.drop_index(batch_op.f(f'ix_self_evaluation_{column}'))
    op.drop_table('self_evaluation')
