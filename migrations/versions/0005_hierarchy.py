"""Hierarchy and special paths: the case's handling clock (suspension, extension), dispatch
channel and escalation, urge counts, task priority

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25

A migration must work with the code of the previous release still running (deploys are
rolling): add before you use, drop only after nothing reads it. Write both directions.
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
def _case_columns() -> list[sa.Column]:
    return [
        sa.Column("deadline_warn_at", TS, nullable=True),
        sa.Column("clock_limit", sa.Float(), nullable=True),
        sa.Column("clock_unit", sa.String(length=24), nullable=True),
        sa.Column("suspended_at", TS, nullable=True),
        sa.Column("suspended_seconds", sa.Float(), nullable=False, server_default="0"),
        sa.Column("channel", sa.String(length=16), nullable=True),
        sa.Column("escalated_at", TS, nullable=True),
        sa.Column("extension_count", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("suspension_count", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("urge_count", sa.Integer(), nullable=False, server_default="0"),
    ]


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        for column in _case_columns():
            batch.add_column(column)
    with op.batch_alter_table("tasks") as batch:
        batch.add_column(sa.Column("priority", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("tasks") as batch:
        batch.drop_column("priority")
    with op.batch_alter_table("cases") as batch:
        for column in reversed(_case_columns()):
            batch.drop_column(column.name)
