"""深改委会议 and 工作动态 (the 改革办's own records)

Revision ID: 0007_meeting
Revises: 0006

Tables of app/records/office. Indexes through batch_alter_table, as the earlier
migrations do, so that the same file runs on SQLite and PostgreSQL.
"""
from alembic import op
import sqlalchemy as sa


revision = '0007_meeting'
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
    op.create_table('reform_meeting',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('term', sa.String(length=50), nullable=False),
    sa.Column('topics', sa.Text(), nullable=False),
    sa.Column('decisions', sa.Text(), nullable=False),
    *_workflow_columns(),
    sa.PrimaryKeyConstraint('id')
    )
    _indexes('reform_meeting', 'held_on', 'state', 'unit_id')

    op.create_table('reform_news',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('published_on', sa.Date(), nullable=False),
    sa.Column('about_unit_id', sa.Integer(), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    *_workflow_columns(),
    sa.ForeignKeyConstraint(['about_unit_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    _indexes('reform_news', 'about_unit_id', 'published_on', 'state', 'unit_id')


def downgrade():
    _drop_indexes('reform_news', 'about_unit_id', 'published_on', 'state', 'unit_id')
    op.drop_table('reform_news')
    _drop_indexes('reform_meeting', 'held_on', 'state', 'unit_id')
    op.drop_table('reform_meeting')
