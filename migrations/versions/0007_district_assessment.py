"""city-to-district assessment inside a district (seed 002): the breakdown, the
督查激励 items and their two report types

Revision ID: 0007_district
Revises: 0006

Tables of app/records/district_assessment. Indexes through batch_alter_table,
as the earlier migrations do, so that the same file runs on SQLite and
PostgreSQL.
"""
from alembic import op
import sqlalchemy as sa


revision = '0007_district'
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


def _contact_columns():
    return [
        sa.Column('city_leader', sa.String(length=50), nullable=False),
        sa.Column('city_office', sa.String(length=100), nullable=False),
        sa.Column('city_phone', sa.String(length=30), nullable=False),
        sa.Column('lead', sa.String(length=50), nullable=False),
        sa.Column('contact', sa.String(length=50), nullable=False),
        sa.Column('contact_mobile', sa.String(length=11), nullable=False),
    ]


def _indexes(table, *columns):
    with op.batch_alter_table(table, schema=None) as batch_op:
        for column in columns:
            batch_op.create_index(batch_op.f(f'ix_{table}_{column}'), [column], unique=False)


def upgrade():
    op.create_table('assessment_indicator',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('group_name', sa.String(length=20), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('part', sa.Integer(), nullable=False),
    sa.Column('parts', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('weight', sa.Float(), nullable=True),
    sa.Column('content', sa.Text(), nullable=True),
    sa.Column('responsible', sa.String(length=500), nullable=False),
    sa.Column('open_to_all', sa.Boolean(), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['district_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('district_id', 'year', 'group_name', 'seq', 'part',
                        name='uq_assessment_indicator_row')
    )
    _indexes('assessment_indicator', 'district_id', 'year')

    op.create_table('assessment_indicator_unit',
    sa.Column('indicator_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['indicator_id'], ['assessment_indicator.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('indicator_id', 'unit_id')
    )
    _indexes('assessment_indicator_unit', 'unit_id')

    op.create_table('supervision_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('measure', sa.String(length=200), nullable=False),
    sa.Column('city_leads', sa.String(length=300), nullable=False),
    sa.Column('responsible', sa.String(length=300), nullable=False),
    sa.ForeignKeyConstraint(['district_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('district_id', 'year', 'seq', name='uq_supervision_item_row')
    )
    _indexes('supervision_item', 'district_id', 'year')

    op.create_table('supervision_item_unit',
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['supervision_item.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('item_id', 'unit_id')
    )
    _indexes('supervision_item_unit', 'unit_id')

    op.create_table('assessment_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('indicator_id', sa.Integer(), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=False),
    sa.Column('progress_basic', sa.Text(), nullable=False),
    sa.Column('progress_score', sa.Float(), nullable=True),
    sa.Column('progress_rank', sa.Integer(), nullable=True),
    sa.Column('progress_done', sa.String(length=2), nullable=True),
    sa.Column('annual_basic', sa.Text(), nullable=False),
    sa.Column('annual_score', sa.Float(), nullable=True),
    sa.Column('annual_rank', sa.Integer(), nullable=True),
    sa.Column('annual_done', sa.String(length=2), nullable=True),
    sa.Column('problems', sa.Text(), nullable=True),
    sa.Column('risk_points', sa.Text(), nullable=True),
    *_contact_columns(),
    *_workflow_columns(),
    sa.ForeignKeyConstraint(['indicator_id'], ['assessment_indicator.id'], ),
    sa.ForeignKeyConstraint(['district_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    _indexes('assessment_report', 'indicator_id', 'district_id', 'state', 'unit_id')

    op.create_table('supervision_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=False),
    sa.Column('policy', sa.Text(), nullable=False),
    sa.Column('annual_basic', sa.Text(), nullable=False),
    sa.Column('eligible', sa.String(length=2), nullable=False),
    sa.Column('expected', sa.Text(), nullable=False),
    sa.Column('problems', sa.Text(), nullable=True),
    *_contact_columns(),
    *_workflow_columns(),
    sa.ForeignKeyConstraint(['item_id'], ['supervision_item.id'], ),
    sa.ForeignKeyConstraint(['district_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    _indexes('supervision_report', 'item_id', 'district_id', 'state', 'unit_id')


def downgrade():
    for table in ('supervision_report', 'assessment_report', 'supervision_item_unit',
                  'supervision_item', 'assessment_indicator_unit', 'assessment_indicator'):
        op.drop_table(table)
