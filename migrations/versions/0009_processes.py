"""Many processes on one platform: each case carries its process, intake type, link and figures

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07

``process_key`` (the BPMN process id of the case's definition) is copied onto the case so that the
case search filters by process with an index and the inbox, lists and the big screen never join the
definitions. ``channel_type`` is the intake's own type (a 12345 order's 诉求类型: consultation, help,
complaint, suggestion; an emergency button), an input of the process_selection table.
``linked_case_id`` links a case to the one it came from (a city-management case escalated to an
emergency). ``injuries`` (reported injured people) is an input of the selection and level tables;
``response_level`` (应急响应级别) and ``satisfaction`` (回访满意度) are mirrored from the
workflow like the department, for lists and evaluation. Additive only: the previous release keeps
running during a rolling deploy.
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("process_key", sa.String(64), nullable=False, server_default=""))
        batch.add_column(sa.Column("channel_type", sa.String(32), nullable=True))
        batch.add_column(sa.Column("linked_case_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("response_level", sa.String(8), nullable=True))
        batch.add_column(sa.Column("satisfaction", sa.String(24), nullable=True))
        batch.add_column(sa.Column("injuries", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_cases_linked_case", "cases", ["linked_case_id"], ["id"])
    op.execute("UPDATE cases SET process_key = (SELECT d.key FROM process_definitions d "
               "WHERE d.id = cases.definition_id)")
    op.create_index("ix_cases_process_reported", "cases", ["process_key", "reported_at", "id"])
    with op.batch_alter_table("outbox") as batch:  # an answer to a citizen's phone has no notification
        batch.alter_column("notification_id", existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    op.execute("DELETE FROM outbox WHERE notification_id IS NULL")
    with op.batch_alter_table("outbox") as batch:
        batch.alter_column("notification_id", existing_type=sa.Integer(), nullable=False)
    op.drop_index("ix_cases_process_reported", table_name="cases")
    with op.batch_alter_table("cases") as batch:
        batch.drop_constraint("fk_cases_linked_case", type_="foreignkey")
        for column in ("injuries", "satisfaction", "response_level", "linked_case_id", "channel_type", "process_key"):
            batch.drop_column(column)
