"""Own case lists on PostgreSQL: the department's case ids from an index alone

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26

Counting a handler's cases built the set of the department's case ids from the heap (240 ms of
a 490 ms count at a million cases, `szcg bench`); with (department_code, id) it is an
index-only scan (7 ms). A migration must work with the code of the previous release still
running (deploys are rolling): add before you use, drop only after nothing reads it.
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_cases_department_id", "cases", ["department_code", "id"])


def downgrade() -> None:
    op.drop_index("ix_cases_department_id", table_name="cases")
