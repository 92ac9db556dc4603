"""Read paths at scale: indexes found by the benchmark (``szcg bench``, issue 7)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25

Measured at 1,000,000 closed and 20,000 open cases (7 million task rows):

* Inboxes read only *open* tasks, a few thousand among millions. The three inbox indexes led
  by ``state`` held every task ever created; they are replaced by two partial indexes over
  open tasks only (``WHERE state = 'open'``): one for tasks assigned to a person, one for the
  queues of a lane and scope (department, district, city). Smaller by three orders of
  magnitude, and cheaper for every step to maintain.
* Who may read a case is decided per case (``EXISTS`` a task of *that* case assigned to the
  inspector or the department, engine/people/authz.py), by ``ix_tasks_case_state``.
* The case list's default order (newest first, keyset by id) gets (reported_at, id).
* The monthly evaluation counts per district range over one time column each:
  (district_code, reported_at | filed_at | voided_at | deadline_at | closed_at), the last two
  covering the columns that decide "on time" and "overdue"; the covering closed_at index
  supersedes ``ix_cases_district_closed``.

A migration must work with the code of the previous release still running (deploys are
rolling): the old indexes served the same queries, which the new ones answer as well.
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def _where(text: str) -> dict[str, sa.TextClause]:
    clause = sa.text(text)
    return {"sqlite_where": clause, "postgresql_where": clause}


def upgrade() -> None:
    op.create_index("ix_tasks_inbox_assignee", "tasks", ["assignee_id", "created_at"], **_where("state = 'open'"))
    op.create_index("ix_tasks_inbox_queue", "tasks",
                    ["lane", "scope", "assignee_id", "department_code", "district_code", "created_at"],
                    **_where("state = 'open'"))
    op.drop_index("ix_tasks_open_lane", table_name="tasks")
    op.drop_index("ix_tasks_open_department", table_name="tasks")
    op.drop_index("ix_tasks_open_assignee", table_name="tasks")

    op.create_index("ix_cases_reported", "cases", ["reported_at", "id"])
    op.create_index("ix_cases_district_reported", "cases", ["district_code", "reported_at"])
    op.create_index("ix_cases_district_filed", "cases", ["district_code", "filed_at"])
    op.create_index("ix_cases_district_voided", "cases", ["district_code", "voided_at"],
                    **_where("voided_at IS NOT NULL"))
    op.create_index("ix_cases_district_deadline", "cases", ["district_code", "deadline_at", "handled_at", "voided_at"])
    op.create_index("ix_cases_district_closed_due", "cases", ["district_code", "closed_at", "deadline_at", "handled_at"])
    op.drop_index("ix_cases_district_closed", table_name="cases")


def downgrade() -> None:
    op.create_index("ix_cases_district_closed", "cases", ["district_code", "closed_at"])
    for name in ("ix_cases_district_closed_due", "ix_cases_district_deadline", "ix_cases_district_voided",
                 "ix_cases_district_filed", "ix_cases_district_reported", "ix_cases_reported"):
        op.drop_index(name, table_name="cases")
    op.create_index("ix_tasks_open_assignee", "tasks", ["state", "assignee_id", "created_at"])
    op.create_index("ix_tasks_open_department", "tasks", ["state", "department_code", "created_at"])
    op.create_index("ix_tasks_open_lane", "tasks", ["state", "lane", "scope", "district_code", "created_at"])
    for name in ("ix_tasks_inbox_queue", "ix_tasks_inbox_assignee"):
        op.drop_index(name, table_name="tasks")
