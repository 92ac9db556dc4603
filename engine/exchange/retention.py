"""Clearing what the exchange has finished with: old deliveries, their events and sent SMS rows.

Run hourly by the scheduler (engine.time.scheduler) with the ages of ``exchange_retention`` in
config.yaml: a delivered webhook delivery is kept ``delivered_days`` (its log answers "did they get
it?"), a failed one ``failed_days`` (for an administrator to redeliver), and a pending one always —
nothing still to send is ever deleted. An event goes when no delivery of it is left, an SMS
``outbox`` row once it was handed over or pulled (``sent_at``) longer ago than ``delivered_days``.
Deleted in batches, each its own short transaction, so a large backlog never holds a long lock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, exists, func, select

from engine.deps import Deps
from engine.store.exchange_models import WebhookDelivery, WebhookEvent
from engine.store.rules_models import OutboxMessage

DEFAULTS = {"delivered_days": 30, "failed_days": 90}
BATCH = 1000


@dataclass(frozen=True)
class Purged:
    deliveries: int
    events: int
    sms: int

    @property
    def total(self) -> int:
        return self.deliveries + self.events + self.sms


def ages(deps: Deps) -> dict[str, int]:
    """The retention ages in days (config.yaml's ``exchange_retention``, else the defaults)."""
    configured = deps.settings.raw.get("exchange_retention") or {}
    return {key: int(configured.get(key, default)) for key, default in DEFAULTS.items()}


def purge(deps: Deps, batch: int = BATCH) -> Purged:
    """Delete what is older than its retention; returns how many rows of each kind went."""
    now, days = deps.clock.now(), ages(deps)
    delivered_before = now - timedelta(days=days["delivered_days"])
    failed_before = now - timedelta(days=days["failed_days"])
    deliveries = _in_batches(deps, WebhookDelivery, select(WebhookDelivery.id).where(
        ((WebhookDelivery.state == "delivered") & (WebhookDelivery.delivered_at < delivered_before))
        | ((WebhookDelivery.state == "failed")
           & (func.coalesce(WebhookDelivery.last_attempt_at, WebhookDelivery.created_at) < failed_before))), batch)
    events = _in_batches(deps, WebhookEvent, select(WebhookEvent.id).where(
        WebhookEvent.created_at < delivered_before,
        ~exists().where(WebhookDelivery.event_id == WebhookEvent.id)), batch)
    sms = _in_batches(deps, OutboxMessage, select(OutboxMessage.id).where(
        OutboxMessage.sent_at.is_not(None), OutboxMessage.sent_at < delivered_before), batch)
    return Purged(deliveries, events, sms)


def _in_batches(deps: Deps, model: Any, ids: Any, batch: int) -> int:
    deleted = 0
    while True:
        with deps.uow(write=True) as uow:
            found = list(uow.session.scalars(ids.order_by(model.id).limit(batch)))
            if found:
                uow.session.execute(delete(model).where(model.id.in_(found)))
            uow.commit()
        deleted += len(found)
        if len(found) < batch:
            return deleted
