"""Rules and time: decision-table versions, calendar data, timers, notifications.

Decision tables live here rather than in the process definition so that an administrator's
new version applies to the *next* decision of every running case (SPIFFWORKFLOW_NOTES §4:
a DMN parsed into a BPMN spec is frozen into each running instance).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from engine.store.base import Base, IntPK, OptTimestamp, Timestamp


class DecisionTableVersion(Base):
    """One uploaded version of a decision table with its examples; at most one is active per key."""

    __tablename__ = "decision_tables"
    __table_args__ = (UniqueConstraint("key", "version"), Index("ix_decision_tables_key_status", "key", "status"))

    id: Mapped[IntPK]
    key: Mapped[str] = mapped_column(String(64))
    version: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    dmn_xml: Mapped[str] = mapped_column(Text)
    examples: Mapped[list[Any]]
    status: Mapped[str] = mapped_column(String(16))  # draft | active | retired
    note: Mapped[str | None] = mapped_column(Text)
    uploaded_at: Mapped[Timestamp]
    uploaded_by: Mapped[str] = mapped_column(String(64))
    activated_at: Mapped[OptTimestamp]
    activated_by: Mapped[str | None] = mapped_column(String(64))


class DecisionTableEvent(Base):
    """Audit of administrators' actions on decision tables: who did what, when."""

    __tablename__ = "decision_table_events"

    id: Mapped[IntPK]
    key: Mapped[str] = mapped_column(String(64), index=True)
    version: Mapped[int | None]
    action: Mapped[str] = mapped_column(String(32))  # upload | dry_run | activate | rollback
    actor: Mapped[str] = mapped_column(String(64))
    at: Mapped[Timestamp]
    detail: Mapped[dict[str, Any] | None] = mapped_column(nullable=True)


class CalendarDay(Base):
    """A day that differs from the holiday library: a loaded year's schedule or a local day."""

    __tablename__ = "calendar_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    source: Mapped[str] = mapped_column(String(16), primary_key=True)  # year | local
    working: Mapped[bool] = mapped_column(Boolean)
    name: Mapped[str] = mapped_column(String(64))


class CalendarYear(Base):
    """A year whose holiday schedule an administrator loaded (it replaces the library's)."""

    __tablename__ = "calendar_years"

    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    loaded_at: Mapped[Timestamp]
    loaded_by: Mapped[str] = mapped_column(String(64))


class Timer(Base):
    """A due time to act on: a task's warning or overdue, or a BPMN timer event's due time.

    The scheduler claims due rows by index (``FOR UPDATE SKIP LOCKED`` on PostgreSQL) and fires
    each once; ``fired_at`` is set in the same transaction as the effects.
    """

    __tablename__ = "timers"
    __table_args__ = (
        Index("ix_timers_pending", "due_at", postgresql_where=text("fired_at IS NULL"),
              sqlite_where=text("fired_at IS NULL")),
        Index("ix_timers_case", "case_id"),
        Index("ix_timers_task", "task_id"),
    )

    id: Mapped[IntPK]
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    task_id: Mapped[str | None] = mapped_column(String(36))
    kind: Mapped[str] = mapped_column(String(16))  # warning | overdue | bpmn
    due_at: Mapped[Timestamp]
    claimed_at: Mapped[OptTimestamp]
    fired_at: Mapped[OptTimestamp]
    created_at: Mapped[Timestamp]


class Notification(Base):
    """A message for one user about a case, shown in the UI until read."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_recipient", "recipient_id", "read_at", "id"),)

    id: Mapped[IntPK]
    recipient_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    task_id: Mapped[str | None] = mapped_column(String(36))
    kind: Mapped[str] = mapped_column(String(32))
    message: Mapped[str] = mapped_column(Text)
    created_at: Mapped[Timestamp]
    read_at: Mapped[OptTimestamp]


class OutboxMessage(Base):
    """A notification to send through an external channel (SMS, messaging); drained by a gateway."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_pending", "sent_at", "id"),)

    id: Mapped[IntPK]
    # None for a message to someone without an account (an answer to a citizen's phone).
    notification_id: Mapped[int | None] = mapped_column(ForeignKey("notifications.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(16))
    recipient: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]]
    created_at: Mapped[Timestamp]
    sent_at: Mapped[OptTimestamp]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
