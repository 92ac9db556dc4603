"""Own case lists: index cases by reporter, and tasks by department and by assignee

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25

A migration must work with the code of the previous release still running (deploys are
rolling): add before you use, drop only after nothing reads it. Write both directions.
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(op.f("ix_cases_reporter_id"), "cases", ["reporter_id"])
    op.create_index("ix_tasks_department_case", "tasks", ["department_code", "case_id"])
    op.create_index("ix_tasks_assignee_case", "tasks", ["assignee_id", "case_id"])


def downgrade() -> None:
    op.drop_index("ix_tasks_assignee_case", table_name="tasks")
    op.drop_index("ix_tasks_department_case", table_name="tasks")
    op.drop_index(op.f("ix_cases_reporter_id"), table_name="cases")
