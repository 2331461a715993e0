"""市级重大改革项目: projects, participating units, milestones, bimonthly progress
reports and their per-milestone rows

Revision ID: 0007_major
Revises: 0006

Tables of app/records/major_project. Indexes through batch_alter_table, as the
earlier migrations do, so that the same file runs on SQLite and PostgreSQL.
"""
from alembic import op
import sqlalchemy as sa


revision = '0007_major'
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
    op.create_table('major_project',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('lead_unit_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('created_on', sa.DateTime(), nullable=False),
    sa.Column('changed_on', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['ab_user.id'], ),
    sa.ForeignKeyConstraint(['lead_unit_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name')
    )
    _indexes('major_project', 'lead_unit_id', 'year')

    op.create_table('major_project_unit',
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['major_project.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('project_id', 'unit_id')
    )
    _indexes('major_project_unit', 'unit_id')

    op.create_table('major_project_milestone',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('planned_on', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['major_project.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    _indexes('major_project_milestone', 'planned_on', 'project_id')

    op.create_table('major_project_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=8), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('progress', sa.Text(), nullable=False),
    sa.Column('problems', sa.Text(), nullable=False),
    sa.Column('plan', sa.Text(), nullable=False),
    *_workflow_columns(),
    sa.ForeignKeyConstraint(['project_id'], ['major_project.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('project_id', 'period', name='uq_major_project_report_period')
    )
    _indexes('major_project_report', 'period', 'period_end', 'project_id', 'state', 'unit_id')

    op.create_table('major_project_report_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('milestone_id', sa.Integer(), nullable=False),
    sa.Column('completed', sa.Boolean(), nullable=False),
    sa.Column('completed_on', sa.Date(), nullable=True),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.ForeignKeyConstraint(['milestone_id'], ['major_project_milestone.id'],
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['report_id'], ['major_project_report.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('report_id', 'milestone_id', name='uq_major_project_report_item')
    )
    _indexes('major_project_report_item', 'milestone_id', 'report_id')


def downgrade():
    _drop_indexes('major_project_report_item', 'milestone_id', 'report_id')
    op.drop_table('major_project_report_item')
    _drop_indexes('major_project_report', 'period', 'period_end', 'project_id', 'state',
                  'unit_id')
    op.drop_table('major_project_report')
    _drop_indexes('major_project_milestone', 'planned_on', 'project_id')
    op.drop_table('major_project_milestone')
    _drop_indexes('major_project_unit', 'unit_id')
    op.drop_table('major_project_unit')
    _drop_indexes('major_project', 'lead_unit_id', 'year')
    op.drop_table('major_project')
