"""pilots: 改革试点 (涉及区县, de-duplicated 文号), 试点推进状态更新, 试点成果,
quarterly update tasks, requests to join a pilot

Revision ID: 0005
Revises: 0004

Batch mode for the indexes, so the same script runs on SQLite and PostgreSQL.
``uq_pilot_doc_no_key`` holds the canonical 部署文件文号 (app/records/pilot/docno.py):
two districts creating the same pilot at the same moment give one row.
``uq_pilot_join_pending`` is partial (one open join request per pilot and
district); both SQLite and PostgreSQL support partial indexes.
"""
import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('pilot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('level', sa.String(length=10), nullable=False),
    sa.Column('deploy_kind', sa.String(length=30), nullable=True),
    sa.Column('doc_no', sa.String(length=100), nullable=False),
    sa.Column('doc_no_key', sa.String(length=100), nullable=False),
    sa.Column('authority', sa.String(length=100), nullable=False),
    sa.Column('deploy_date', sa.Date(), nullable=False),
    sa.Column('ongoing', sa.Boolean(), nullable=True),
    sa.Column('acceptance_deadline', sa.Date(), nullable=True),
    sa.Column('supervisor_id', sa.Integer(), nullable=False),
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
    sa.ForeignKeyConstraint(['supervisor_id'], ['unit.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('pilot', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pilot_deploy_date'), ['deploy_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_pilot_level'), ['level'], unique=False)
        batch_op.create_index(batch_op.f('ix_pilot_state'), ['state'], unique=False)
        batch_op.create_index(batch_op.f('ix_pilot_supervisor_id'), ['supervisor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pilot_unit_id'), ['unit_id'], unique=False)
        batch_op.create_index('uq_pilot_doc_no_key', ['doc_no_key'], unique=True)

    op.create_table('pilot_achievement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pilot_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('problem', sa.Text(), nullable=False),
    sa.Column('effect', sa.Text(), nullable=False),
    sa.Column('supervisor_id', sa.Integer(), nullable=False),
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
    sa.ForeignKeyConstraint(['pilot_id'], ['pilot.id'], ),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['ab_user.id'], ),
    sa.ForeignKeyConstraint(['supervisor_id'], ['unit.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('pilot_achievement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pilot_achievement_pilot_id'), ['pilot_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pilot_achievement_state'), ['state'], unique=False)
        batch_op.create_index(batch_op.f('ix_pilot_achievement_supervisor_id'), ['supervisor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pilot_achievement_unit_id'), ['unit_id'], unique=False)

    op.create_table('pilot_district',
    sa.Column('pilot_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('added_on', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['pilot_id'], ['pilot.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('pilot_id', 'unit_id')
    )
    with op.batch_alter_table('pilot_district', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pilot_district_unit_id'), ['unit_id'], unique=False)

    op.create_table('pilot_join_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pilot_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=False),
    sa.Column('created_on', sa.DateTime(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_on', sa.DateTime(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['decided_by_id'], ['ab_user.id'], ),
    sa.ForeignKeyConstraint(['pilot_id'], ['pilot.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['requested_by_id'], ['ab_user.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('pilot_join_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pilot_join_request_pilot_id'), ['pilot_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pilot_join_request_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_pilot_join_request_unit_id'), ['unit_id'], unique=False)
        batch_op.create_index('uq_pilot_join_pending', ['pilot_id', 'unit_id'], unique=True, postgresql_where=sa.text("status = 'pending'"), sqlite_where=sa.text("status = 'pending'"))

    op.create_table('pilot_task',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pilot_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('opened_on', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['pilot_id'], ['pilot.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('pilot_id', 'unit_id', 'period', name='uq_pilot_task')
    )
    with op.batch_alter_table('pilot_task', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pilot_task_period'), ['period'], unique=False)
        batch_op.create_index(batch_op.f('ix_pilot_task_pilot_id'), ['pilot_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pilot_task_unit_id'), ['unit_id'], unique=False)

    op.create_table('pilot_update',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pilot_id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('work_done', sa.Text(), nullable=False),
    sa.Column('problems', sa.Text(), nullable=False),
    sa.Column('progress', sa.String(length=10), nullable=False),
    sa.Column('accepted', sa.Boolean(), nullable=True),
    sa.Column('accepted_on', sa.Date(), nullable=True),
    sa.Column('supervisor_id', sa.Integer(), nullable=False),
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
    sa.ForeignKeyConstraint(['pilot_id'], ['pilot.id'], ),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['ab_user.id'], ),
    sa.ForeignKeyConstraint(['supervisor_id'], ['unit.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('pilot_id', 'unit_id', 'period', name='uq_pilot_update_period')
    )
    with op.batch_alter_table('pilot_update', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pilot_update_period'), ['period'], unique=False)
        batch_op.create_index(batch_op.f('ix_pilot_update_pilot_id'), ['pilot_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pilot_update_state'), ['state'], unique=False)
        batch_op.create_index(batch_op.f('ix_pilot_update_supervisor_id'), ['supervisor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pilot_update_unit_id'), ['unit_id'], unique=False)


def downgrade():
    with op.batch_alter_table('pilot_update', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pilot_update_unit_id'))
        batch_op.drop_index(batch_op.f('ix_pilot_update_supervisor_id'))
        batch_op.drop_index(batch_op.f('ix_pilot_update_state'))
        batch_op.drop_index(batch_op.f('ix_pilot_update_pilot_id'))
        batch_op.drop_index(batch_op.f('ix_pilot_update_period'))

    op.drop_table('pilot_update')
    with op.batch_alter_table('pilot_task', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pilot_task_unit_id'))
        batch_op.drop_index(batch_op.f('ix_pilot_task_pilot_id'))
        batch_op.drop_index(batch_op.f('ix_pilot_task_period'))

    op.drop_table('pilot_task')
    with op.batch_alter_table('pilot_join_request', schema=None) as batch_op:
        batch_op.drop_index('uq_pilot_join_pending', postgresql_where=sa.text("status = 'pending'"), sqlite_where=sa.text("status = 'pending'"))
        batch_op.drop_index(batch_op.f('ix_pilot_join_request_unit_id'))
        batch_op.drop_index(batch_op.f('ix_pilot_join_request_status'))
        batch_op.drop_index(batch_op.f('ix_pilot_join_request_pilot_id'))

    op.drop_table('pilot_join_request')
    with op.batch_alter_table('pilot_district', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pilot_district_unit_id'))

    op.drop_table('pilot_district')
    with op.batch_alter_table('pilot_achievement', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pilot_achievement_unit_id'))
        batch_op.drop_index(batch_op.f('ix_pilot_achievement_supervisor_id'))
        batch_op.drop_index(batch_op.f('ix_pilot_achievement_state'))
        batch_op.drop_index(batch_op.f('ix_pilot_achievement_pilot_id'))

    op.drop_table('pilot_achievement')
    with op.batch_alter_table('pilot', schema=None) as batch_op:
        batch_op.drop_index('uq_pilot_doc_no_key')
        batch_op.drop_index(batch_op.f('ix_pilot_unit_id'))
        batch_op.drop_index(batch_op.f('ix_pilot_supervisor_id'))
        batch_op.drop_index(batch_op.f('ix_pilot_state'))
        batch_op.drop_index(batch_op.f('ix_pilot_level'))
        batch_op.drop_index(batch_op.f('ix_pilot_deploy_date'))

    op.drop_table('pilot')
