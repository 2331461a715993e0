"""data sources: risk incidents, satisfaction surveys, metric values and their imports

Revision ID: 0006
Revises: 0005

Tables of app/records/risk, app/records/survey and app/records/metric. Indexes
are created through batch_alter_table, as the earlier migrations do, so that
the same file runs on SQLite and PostgreSQL.
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
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
    # -- 风险事件 -------------------------------------------------------------------
    op.create_table('risk_incident',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('occurred_on', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('project', sa.String(length=200), nullable=True),
    sa.Column('details', sa.Text(), nullable=False),
    *_workflow_columns(),
    sa.PrimaryKeyConstraint('id')
    )
    _indexes('risk_incident', 'kind', 'occurred_on', 'state', 'unit_id')

    op.create_table('risk_incident_district',
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['risk_incident.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('incident_id', 'unit_id')
    )
    _indexes('risk_incident_district', 'unit_id')

    # -- 满意度调查, 重大改革项目满意度 ------------------------------------------------
    op.create_table('survey_result',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=False),
    sa.Column('quarter', sa.String(length=6), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('conclusion', sa.Text(), nullable=False),
    *_workflow_columns(),
    sa.ForeignKeyConstraint(['district_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('district_id', 'quarter', name='uq_survey_result_district_quarter')
    )
    _indexes('survey_result', 'district_id', 'quarter', 'state', 'unit_id')

    op.create_table('project_satisfaction',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('project', sa.String(length=200), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('respondents', sa.Integer(), nullable=True),
    sa.Column('conclusion', sa.Text(), nullable=False),
    sa.Column('report', sa.Text(), nullable=True),
    sa.Column('entered_by_id', sa.Integer(), nullable=True),
    sa.Column('entered_on', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['entered_by_id'], ['ab_user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('year', 'project', name='uq_project_satisfaction_year_project')
    )
    _indexes('project_satisfaction', 'year')

    # -- 指标数据: the catalog of metrics, imported sheets, values -----------------------
    op.create_table('metric_indicator',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=60), nullable=False),
    sa.Column('code', sa.String(length=50), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('rule_text', sa.Text(), nullable=True),
    sa.Column('is_integer', sa.Boolean(), nullable=False),
    sa.Column('ratio_max', sa.Float(), nullable=True),
    sa.Column('full_score', sa.Float(), nullable=True),
    sa.Column('scheme_code', sa.String(length=50), nullable=True),
    sa.Column('year', sa.Integer(), nullable=True),
    sa.Column('period_kind', sa.String(length=20), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key')
    )
    _indexes('metric_indicator', 'active')

    op.create_table('metric_indicator_unit',
    sa.Column('indicator_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['indicator_id'], ['metric_indicator.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('indicator_id', 'unit_id')
    )
    _indexes('metric_indicator_unit', 'unit_id')

    op.create_table('metric_import_batch',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('filed_by_id', sa.Integer(), nullable=False),
    sa.Column('created_on', sa.DateTime(), nullable=False),
    sa.Column('file_name', sa.String(length=255), nullable=False),
    sa.Column('stored_name', sa.String(length=120), nullable=True),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('periods', sa.String(length=200), nullable=False),
    sa.Column('row_count', sa.Integer(), nullable=False),
    sa.Column('value_count', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['filed_by_id'], ['ab_user.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    _indexes('metric_import_batch', 'unit_id')

    op.create_table('metric_value',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('indicator_id', sa.Integer(), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=10), nullable=False),
    sa.Column('value', sa.Float(), nullable=True),
    sa.Column('numerator', sa.Float(), nullable=True),
    sa.Column('denominator', sa.Float(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    *_workflow_columns(),
    sa.ForeignKeyConstraint(['batch_id'], ['metric_import_batch.id'], ),
    sa.ForeignKeyConstraint(['district_id'], ['unit.id'], ),
    sa.ForeignKeyConstraint(['indicator_id'], ['metric_indicator.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    _indexes('metric_value', 'batch_id', 'district_id', 'indicator_id', 'period', 'state',
             'unit_id')
    with op.batch_alter_table('metric_value', schema=None) as batch_op:
        batch_op.create_index('ix_metric_value_key', ['indicator_id', 'district_id', 'period'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('metric_value', schema=None) as batch_op:
        batch_op.drop_index('ix_metric_value_key')
    _drop_indexes('metric_value', 'batch_id', 'district_id', 'indicator_id', 'period', 'state',
                  'unit_id')
    op.drop_table('metric_value')
    _drop_indexes('metric_import_batch', 'unit_id')
    op.drop_table('metric_import_batch')
    _drop_indexes('metric_indicator_unit', 'unit_id')
    op.drop_table('metric_indicator_unit')
    _drop_indexes('metric_indicator', 'active')
    op.drop_table('metric_indicator')
    _drop_indexes('project_satisfaction', 'year')
    op.drop_table('project_satisfaction')
    _drop_indexes('survey_result', 'district_id', 'quarter', 'state', 'unit_id')
    op.drop_table('survey_result')
    _drop_indexes('risk_incident_district', 'unit_id')
    op.drop_table('risk_incident_district')
    _drop_indexes('risk_incident', 'kind', 'occurred_on', 'state', 'unit_id')
    op.drop_table('risk_incident')
