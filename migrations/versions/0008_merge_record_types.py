"""Merge the record-type branches of 0007 into one head.

The filing modules, the audit trail and the 待办 index were written in
parallel, each as a branch from 0006; they touch separate tables, so their
order does not matter. From here on there is one head again.

Revision ID: 0008
Revises: 0007_assign, 0007_audit, 0007_district, 0007_major, 0007_meeting,
         0007_selfeval, 0007_soe, 0007_todo_index
"""

revision = '0008'
down_revision = ('0007_assign', '0007_audit', '0007_district', '0007_major', '0007_meeting',
                 '0007_selfeval', '0007_soe', '0007_todo_index')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
