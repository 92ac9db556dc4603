"""Rules and time: decision tables, calendar data, timers, notifications

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25

A migration must work with the code of the previous release still running (deploys are
rolling): add before you use, drop only after nothing reads it. Write both directions.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "decision_tables",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("dmn_xml", sa.Text(), nullable=False),
        sa.Column("examples", JSON, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("uploaded_at", TS, nullable=False),
        sa.Column("uploaded_by", sa.String(length=64), nullable=False),
        sa.Column("activated_at", TS, nullable=True),
        sa.Column("activated_by", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decision_tables")),
        sa.UniqueConstraint("key", "version", name=op.f("uq_decision_tables_key_version")),
    )
    op.create_index("ix_decision_tables_key_status", "decision_tables", ["key", "status"])
    op.create_table(
        "decision_table_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("detail", JSON, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decision_table_events")),
    )
    op.create_index(op.f("ix_decision_table_events_key"), "decision_table_events", ["key"])
    op.create_table(
        "calendar_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("working", sa.Boolean(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("day", "source", name=op.f("pk_calendar_days")),
    )
    op.create_table(
        "calendar_years",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("loaded_at", TS, nullable=False),
        sa.Column("loaded_by", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_calendar_years")),
    )
    op.create_table(
        "timers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.String(length=36), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("due_at", TS, nullable=False),
        sa.Column("claimed_at", TS, nullable=True),
        sa.Column("fired_at", TS, nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_timers_case_id_cases"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_timers")),
    )
    op.create_index("ix_timers_pending", "timers", ["due_at"], postgresql_where=sa.text("fired_at IS NULL"),
                    sqlite_where=sa.text("fired_at IS NULL"))
    op.create_index("ix_timers_case", "timers", ["case_id"])
    op.create_index("ix_timers_task", "timers", ["task_id"])
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recipient_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("task_id", sa.String(length=36), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("read_at", TS, nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_notifications_case_id_cases"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["recipient_id"], ["users.id"], name=op.f("fk_notifications_recipient_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
    )
    op.create_index("ix_notifications_recipient", "notifications", ["recipient_id", "read_at", "id"])
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("notification_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("recipient", sa.String(length=64), nullable=False),
        sa.Column("payload", JSON, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("sent_at", TS, nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["notification_id"], ["notifications.id"],
                                name=op.f("fk_outbox_notification_id_notifications"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
    )
    op.create_index("ix_outbox_pending", "outbox", ["sent_at", "id"])
    with op.batch_alter_table("departments") as batch:
        batch.add_column(sa.Column("head_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f("fk_departments_head_id_users"), "users", ["head_id"], ["id"])
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("area_class", sa.String(length=1), nullable=True))
        batch.add_column(sa.Column("filing_condition", sa.String(length=24), nullable=True))
        batch.add_column(sa.Column("level", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("deadline_provisional", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
        batch.add_column(sa.Column("overdue_count", sa.Integer(), nullable=False, server_default="0"))
    with op.batch_alter_table("tasks") as batch:
        batch.add_column(sa.Column("limit_value", sa.Float(), nullable=True))
        batch.add_column(sa.Column("limit_unit", sa.String(length=24), nullable=True))
        batch.add_column(sa.Column("provisional", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("warned_at", TS, nullable=True))
        batch.add_column(sa.Column("overdue_at", TS, nullable=True))
        batch.add_column(sa.Column("context", JSON, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tasks") as batch:
        for column in ("context", "overdue_at", "warned_at", "provisional", "limit_unit", "limit_value"):
            batch.drop_column(column)
    with op.batch_alter_table("cases") as batch:
        for column in ("overdue_count", "deadline_provisional", "level", "filing_condition", "area_class"):
            batch.drop_column(column)
    with op.batch_alter_table("departments") as batch:
        batch.drop_constraint(op.f("fk_departments_head_id_users"), type_="foreignkey")
        batch.drop_column("head_id")
    op.drop_table("outbox")
    op.drop_table("notifications")
    op.drop_table("timers")
    op.drop_table("calendar_years")
    op.drop_table("calendar_days")
    op.drop_table("decision_table_events")
    op.drop_table("decision_tables")
