"""Data exchange: webhooks (subscriptions, events outbox, deliveries), Open311 clients and requests, external_ref

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07

A step writes its case's events and one delivery per matching subscription in its own transaction
(the transactional outbox); schedulers claim due deliveries by ``(state, next_attempt_at, id)``.
``cases.external_ref`` keeps the intake system's own number (a 12345 order's 工单编号). Additive only:
the previous release keeps running during a rolling deploy.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

JSONType = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
TS = sa.DateTime(timezone=True)

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:  # a 12345 order's 工单编号, sent back in webhook events
        batch.add_column(sa.Column("external_ref", sa.String(64), nullable=True))
    op.create_table(
        "webhook_subscriptions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("url", sa.String(500), nullable=False),
        sa.Column("event_types", JSONType, nullable=False),
        sa.Column("district_code", sa.String(6), nullable=True),
        sa.Column("process_key", sa.String(64), nullable=True),
        sa.Column("secret", sa.String(120), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("disabled_reason", sa.String(255), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_webhook_subscriptions"),
    )
    op.create_index("ix_webhook_subscriptions_active", "webhook_subscriptions", ["active"])
    op.create_table(
        "webhook_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("payload", JSONType, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_webhook_events"),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name="fk_webhook_events_case_id_cases",
                                ondelete="CASCADE"),
    )
    op.create_index("ix_webhook_events_case", "webhook_events", ["case_id", "id"])
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("msg_id", sa.String(40), nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", TS, nullable=False),
        sa.Column("claimed_at", TS, nullable=True),
        sa.Column("delivered_at", TS, nullable=True),
        sa.Column("last_attempt_at", TS, nullable=True),
        sa.Column("last_status", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_webhook_deliveries"),
        sa.UniqueConstraint("msg_id", name="uq_webhook_deliveries_msg_id"),
        sa.ForeignKeyConstraint(["subscription_id"], ["webhook_subscriptions.id"],
                                name="fk_webhook_deliveries_subscription_id_webhook_subscriptions",
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["event_id"], ["webhook_events.id"],
                                name="fk_webhook_deliveries_event_id_webhook_events", ondelete="CASCADE"),
    )
    op.create_index("ix_webhook_deliveries_due", "webhook_deliveries", ["state", "next_attempt_at", "id"])
    op.create_index("ix_webhook_deliveries_subscription", "webhook_deliveries", ["subscription_id", "id"])
    op.create_table(
        "open311_clients",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False),
        sa.Column("district_code", sa.String(6), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_open311_clients"),
        sa.UniqueConstraint("key_hash", name="uq_open311_clients_key_hash"),
    )
    op.create_table(
        "open311_requests",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("service_code", sa.String(16), nullable=False),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("long", sa.Float(), nullable=True),
        sa.Column("address_string", sa.String(255), nullable=True),
        sa.Column("media_url", sa.String(500), nullable=True),
        sa.Column("attributes", JSONType, nullable=True),
        sa.Column("requested_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_open311_requests"),
        sa.UniqueConstraint("case_id", name="uq_open311_requests_case_id"),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name="fk_open311_requests_case_id_cases",
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["client_id"], ["open311_clients.id"],
                                name="fk_open311_requests_client_id_open311_clients", ondelete="CASCADE"),
    )
    op.create_index("ix_open311_requests_requested", "open311_requests", ["requested_at", "id"])


def downgrade() -> None:
    op.drop_table("open311_requests")
    op.drop_table("open311_clients")
    op.drop_table("webhook_deliveries")
    op.drop_table("webhook_events")
    op.drop_table("webhook_subscriptions")
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("external_ref")
