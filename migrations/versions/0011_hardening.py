"""Production hardening: the scheduler's heartbeat

Revision ID: 0011
Revises: 0009
Create Date: 2026-12-07

``heartbeats`` holds the last run of the timer scheduler, which ``/readyz`` checks. Additive only:
the previous release keeps running during a rolling deploy.
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "heartbeats",
        sa.Column("name", sa.String(32), nullable=False),
        sa.Column("beat_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("host", sa.String(128), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_heartbeats"),
    )


def downgrade() -> None:
    op.drop_table("heartbeats")
