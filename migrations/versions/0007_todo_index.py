"""待办 index: (state, unit_id, filed_by_id, submitted_by_id) on every record table

The "待办 (n)" label counts, on every page, the records waiting for the user,
rejected back to them and their drafts (app/workflow/engine.py todo_counts).
With only the ``state`` index the 改革办's count read every waiting row
(16,000 of 100,000) for filed_by_id / submitted_by_id: 80 ms on SQLite. This
index covers the count (an index-only range on ``state``; for a clerk or
reviewer ``state`` and ``unit_id``): 5 ms and 0.05 ms. See
docs/performance.md for the plans on SQLite and PostgreSQL.

Revision ID: 0007_todo_index
Revises: 0006
"""

from alembic import op

revision = '0007_todo_index'
down_revision = '0006'
branch_labels = None
depends_on = None

# the record tables at 0006 (app.workflow.models.TODO_INDEXED_TABLES)
TABLES = ('demand', 'recognition', 'pilot', 'pilot_update', 'pilot_achievement',
          'risk_incident', 'survey_result', 'metric_value')
COLUMNS = ['state', 'unit_id', 'filed_by_id', 'submitted_by_id']


def upgrade():
    for table in TABLES:
        op.create_index(f'ix_{table}_todo', table, COLUMNS, unique=False)


def downgrade():
    for table in TABLES:
        op.drop_index(f'ix_{table}_todo', table_name=table)
