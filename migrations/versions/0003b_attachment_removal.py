"""attachments: removal kept in history (removed_on, removed_by_id)

Revision ID: 0003b
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = '0003b'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('attachment') as batch:
        batch.add_column(sa.Column('removed_on', sa.DateTime(), nullable=True))
        batch.add_column(sa.Column('removed_by_id', sa.Integer(), nullable=True))
        batch.create_foreign_key('fk_attachment_removed_by', 'ab_user', ['removed_by_id'], ['id'])


def downgrade():
    with op.batch_alter_table('attachment') as batch:
        batch.drop_constraint('fk_attachment_removed_by', type_='foreignkey')
        batch.drop_column('removed_by_id')
        batch.drop_column('removed_on')
