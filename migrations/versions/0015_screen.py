"""The big screen at scale: indexes for its first load (issue 15)

Revision ID: 0015_screen
Revises: 0017_exchange2
Create Date: 2026-12-07

Measured with 20,000 open cases among 60,000 (``szcg bench``, and by hand with EXPLAIN QUERY PLAN):
the screen's points scanned every case and every task ever created (``SCAN cases``, ``SCAN tasks
USING INDEX ix_tasks_case_state``), the overdue list every case, and the stage counts and the
departments' on-time handling scanned a whole index or table per time column for "this month".

* ``ix_cases_open``: a partial index over the open cases only (``status NOT IN ('closed', 'void')``)
  led by the handling deadline and covering what the map's points and the overdue list read, so
  the points are one scan of the open cases' index and the overdue list a short range of it.
* ``ix_tasks_open_case`` (case_id, limits, priority) and ``ix_tasks_open_due`` over open tasks only:
  each open case's worst light and highest priority, and the overdue open tasks, oldest first.
* One range per stage time for the month's counts: registered_at, filed_at, dispatched_at,
  closed_at, and (handled_at, department_code, deadline_at) covering the on-time share.

Additive only: the previous release's queries are answered as before.
"""

import sqlalchemy as sa
from alembic import op

revision = "0015_screen"
down_revision = "0017_exchange2"
branch_labels = None
depends_on = None

OPEN_CASE = "status NOT IN ('closed', 'void')"
OPEN_TASK = "state = 'open'"


def _where(text: str) -> dict[str, sa.TextClause]:
    clause = sa.text(text)
    return {"sqlite_where": clause, "postgresql_where": clause}


def upgrade() -> None:
    op.create_index("ix_cases_open", "cases",
                    ["deadline_at", "id", "case_no", "lon", "lat", "deadline_warn_at", "response_level",
                     "district_code", "status", "department_code", "category_code"], **_where(OPEN_CASE))
    op.create_index("ix_tasks_open_case", "tasks", ["case_id", "due_at", "warn_at", "priority"],
                    **_where(OPEN_TASK))
    op.create_index("ix_tasks_open_due", "tasks", ["due_at"], **_where(OPEN_TASK))
    op.create_index("ix_cases_registered", "cases", ["registered_at"])
    op.create_index("ix_cases_filed", "cases", ["filed_at"])
    op.create_index("ix_cases_dispatched", "cases", ["dispatched_at"])
    op.create_index("ix_cases_handled_department", "cases", ["handled_at", "department_code", "deadline_at"])
    op.create_index("ix_cases_closed", "cases", ["closed_at"])


def downgrade() -> None:
    for name, table in (("ix_cases_closed", "cases"), ("ix_cases_handled_department", "cases"),
                        ("ix_cases_dispatched", "cases"), ("ix_cases_filed", "cases"),
                        ("ix_cases_registered", "cases"), ("ix_tasks_open_due", "tasks"),
                        ("ix_tasks_open_case", "tasks"), ("ix_cases_open", "cases")):
        op.drop_index(name, table)
