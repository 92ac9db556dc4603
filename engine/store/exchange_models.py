"""Tables of data exchange: webhook subscriptions, the events outbox and one delivery row per receiver.

A step that changes a case writes its events (``webhook_events``) and their deliveries
(``webhook_deliveries``, one per matching subscription) in its own transaction: a rolled-back
step leaves neither, a committed one always leaves both. Schedulers then claim due deliveries by
index and send them; a delivery row is the log of its attempts (count, last status, last error).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engine.store.base import Base, IntPK, OptTimestamp, Timestamp

EVENT_TYPES = ("case_created", "stage_changed", "answered", "overdue", "closed", "voided", "evaluated", "sms")
DELIVERY_STATES = ("pending", "delivered", "failed")


class WebhookSubscription(Base):
    """A receiver: where to send, which events of which scope, and the secret they are signed with."""

    __tablename__ = "webhook_subscriptions"
    __table_args__ = (Index("ix_webhook_subscriptions_active", "active"),)

    id: Mapped[IntPK]
    name: Mapped[str] = mapped_column(String(100))
    url: Mapped[str] = mapped_column(String(500))
    event_types: Mapped[list[Any]]
    district_code: Mapped[str | None] = mapped_column(String(6))   # None: every district
    process_key: Mapped[str | None] = mapped_column(String(64))    # None: every process
    secret: Mapped[str] = mapped_column(String(120))                # whsec_ + base64, Standard Webhooks
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    disabled_reason: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[Timestamp]
    created_by: Mapped[str] = mapped_column(String(64))


class WebhookEvent(Base):
    """One thing that happened to a case, as receivers see it (``{type, timestamp, data}``)."""

    __tablename__ = "webhook_events"
    __table_args__ = (Index("ix_webhook_events_case", "case_id", "id"),)

    id: Mapped[IntPK]
    type: Mapped[str] = mapped_column(String(32))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))  # None: an SMS
    payload: Mapped[dict[str, Any]]
    created_at: Mapped[Timestamp]


class WebhookDelivery(Base):
    """An event on its way to one subscription; ``msg_id`` is the ``webhook-id`` receivers deduplicate by."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        Index("ix_webhook_deliveries_due", "state", "next_attempt_at", "id"),
        Index("ix_webhook_deliveries_subscription", "subscription_id", "id"),
    )

    id: Mapped[IntPK]
    msg_id: Mapped[str] = mapped_column(String(40), unique=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("webhook_subscriptions.id", ondelete="CASCADE"))
    event_id: Mapped[int] = mapped_column(ForeignKey("webhook_events.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[Timestamp]
    claimed_at: Mapped[OptTimestamp]
    delivered_at: Mapped[OptTimestamp]
    last_attempt_at: Mapped[OptTimestamp]
    last_status: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[Timestamp]


class Open311Client(Base):
    """An Open311 client (an app, FixMyStreet): its API key, kept as SHA-256, and the district it may report in."""

    __tablename__ = "open311_clients"

    id: Mapped[IntPK]
    name: Mapped[str] = mapped_column(String(100))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    district_code: Mapped[str | None] = mapped_column(String(6))  # None: the whole city
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[Timestamp]


class Open311Request(Base):
    """A case reported through Open311, with what the reporter sent: their own point and address.

    Open311 answers show this point, never the case's (an inspector may move it onto someone's door).
    """

    __tablename__ = "open311_requests"
    __table_args__ = (Index("ix_open311_requests_requested", "requested_at", "id"),)

    id: Mapped[IntPK]
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), unique=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("open311_clients.id", ondelete="CASCADE"))
    service_code: Mapped[str] = mapped_column(String(16))
    lat: Mapped[float | None] = mapped_column(Float)
    long: Mapped[float | None] = mapped_column(Float)
    address_string: Mapped[str | None] = mapped_column(String(255))
    media_url: Mapped[str | None] = mapped_column(String(500))
    attributes: Mapped[dict[str, Any] | None]
    requested_at: Mapped[Timestamp]


class ExchangeKey(Base):
    """A department system's key (数据交换密钥): it reads, as its department's account, the exports and
    reference lists only; kept as SHA-256, revoked rather than deleted so the audit trail names it."""

    __tablename__ = "exchange_keys"

    id: Mapped[IntPK]
    name: Mapped[str] = mapped_column(String(100))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[Timestamp]
    created_by: Mapped[str] = mapped_column(String(64))
    revoked_at: Mapped[OptTimestamp]
