"""Data exchange, second part: department systems' keys (exchange_keys)

Revision ID: 0017_exchange2
Revises: 0013
Create Date: 2026-12-07

Additive only: one new table, nothing the previous release reads changes.
"""

import sqlalchemy as sa
from alembic import op

revision = "0017_exchange2"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "exchange_keys",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_exchange_keys"),
        sa.UniqueConstraint("key_hash", name="uq_exchange_keys_key_hash"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_exchange_keys_user_id_users", ondelete="CASCADE"),
    )
    op.create_index("ix_exchange_keys_user_id", "exchange_keys", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_exchange_keys_user_id", table_name="exchange_keys")
    op.drop_table("exchange_keys")
