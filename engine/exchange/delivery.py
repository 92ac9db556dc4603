"""Sending webhook deliveries, the scheduler's side (Standard Webhooks 1.0).

Each scheduler claims due deliveries in a short transaction (``FOR UPDATE SKIP LOCKED`` on
PostgreSQL, ``claimed_at`` on every database), so two schedulers never send the same delivery at
once; it posts outside any transaction (a slow receiver must not hold a lock) and then writes the
outcome. A claim left by a crashed scheduler is taken again after :data:`RECLAIM_AFTER`: a
delivery is sent at least once, and its ``webhook-id`` lets the receiver drop a repeat.

Outcomes: 2xx delivered; 410 disables the subscription; anything else (3xx, 4xx, 429, 5xx, a
timeout, a refused connection) is retried on :data:`BACKOFF` — about three days — honouring
``Retry-After``, and then marked failed with its last error for an administrator to redeliver.
"""

from __future__ import annotations

import json
import logging
import random
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from standardwebhooks.webhooks import Webhook

from engine.deps import Deps
from engine.errors import Invalid
from engine.exchange.addresses import check_url
from engine.exchange.outbox import REVISION
from engine.store import revisions
from engine.store.exchange_models import WebhookDelivery, WebhookEvent, WebhookSubscription

log = logging.getLogger("szcg.webhooks")
# Standard Webhooks' schedule after the first attempt: 5 s, 5 min, 30 min, 2, 5, 10, 14, 20 and 24 h.
BACKOFF = tuple(timedelta(seconds=s) for s in (5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400))
MAX_RETRY_AFTER = timedelta(hours=24)
RECLAIM_AFTER = timedelta(minutes=5)  # longer than any timeout: the claim of a crashed scheduler
DEFAULT_TIMEOUT = 15.0
BATCH = 50


@dataclass(frozen=True)
class Answer:
    """What the receiver said: an HTTP status (None when there was no answer) and a short error text."""

    status: int | None
    error: str | None = None
    retry_after: int | None = None


Sender = Callable[[str, bytes, dict[str, str], float], Answer]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A 3xx is a failure (Standard Webhooks): never follow it to another host."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def http_post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> Answer:
    """POST ``body`` to ``url``; any answer or failure becomes an :class:`Answer`."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            return Answer(response.status)
    except urllib.error.HTTPError as exc:
        retry = exc.headers.get("Retry-After", "") if exc.headers else ""
        return Answer(exc.code, f"HTTP {exc.code} {exc.reason}", int(retry) if retry.isdigit() else None)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        return Answer(None, f"{type(exc).__name__}: {getattr(exc, 'reason', exc)}"[:500])


def claim_due(deps: Deps, limit: int = BATCH) -> list[int]:
    """Claim up to ``limit`` due deliveries of active subscriptions for this scheduler."""
    now = deps.clock.now()
    with deps.uow(write=True) as uow:
        query = (select(WebhookDelivery.id)
                 .join(WebhookSubscription, WebhookSubscription.id == WebhookDelivery.subscription_id)
                 .where(WebhookDelivery.state == "pending", WebhookDelivery.next_attempt_at <= now,
                        WebhookSubscription.active.is_(True),
                        WebhookDelivery.claimed_at.is_(None) | (WebhookDelivery.claimed_at < now - RECLAIM_AFTER))
                 .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id).limit(limit)
                 .with_for_update(skip_locked=True, of=WebhookDelivery))
        ids = list(uow.session.scalars(query))
        if ids:
            uow.session.execute(update(WebhookDelivery).where(WebhookDelivery.id.in_(ids)).values(claimed_at=now))
        uow.commit()
        return ids


def signed_request(msg_id: str, secret: str, payload: dict[str, Any], at: datetime) -> tuple[bytes, dict[str, str]]:
    """The body and the Standard Webhooks headers of one message."""
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    headers = {"Content-Type": "application/json", "User-Agent": "szcg-webhooks/1",
               "webhook-id": msg_id, "webhook-timestamp": str(int(at.timestamp())),
               "webhook-signature": Webhook(secret).sign(msg_id, at, body)}
    return body, headers


def deliver(deps: Deps, delivery_id: int, send: Sender = http_post) -> str:
    """Send one claimed delivery and store the outcome; returns the delivery's new state."""
    with deps.uow() as uow:
        row = uow.session.execute(
            select(WebhookDelivery.msg_id, WebhookDelivery.attempts, WebhookDelivery.claimed_at,
                   WebhookEvent.payload, WebhookSubscription.url, WebhookSubscription.secret,
                   WebhookSubscription.id.label("subscription_id"))
            .join(WebhookEvent, WebhookEvent.id == WebhookDelivery.event_id)
            .join(WebhookSubscription, WebhookSubscription.id == WebhookDelivery.subscription_id)
            .where(WebhookDelivery.id == delivery_id)).first()
    if row is None:  # its subscription was deleted after the claim
        return "gone"
    now = deps.clock.now()
    settings = deps.settings.raw
    try:
        check_url(row.url, allow_private=bool(settings.get("webhook_allow_private_addresses", False)))
        body, headers = signed_request(row.msg_id, row.secret, row.payload, now)
        answer = send(row.url, body, headers, float(settings.get("webhook_timeout_seconds", DEFAULT_TIMEOUT)))
    except Invalid as exc:
        answer = Answer(None, f"refused: {exc.message}")
    return _store(deps, delivery_id, row.subscription_id, row.attempts + 1, answer, now)


def _store(deps: Deps, delivery_id: int, subscription_id: int, attempts: int, answer: Answer, now: datetime) -> str:
    values: dict[str, Any] = {"attempts": attempts, "last_attempt_at": now, "last_status": answer.status,
                              "claimed_at": None}
    if answer.status is not None and 200 <= answer.status < 300:
        values.update(state="delivered", delivered_at=now, last_error=None)
    elif answer.status == 410:
        values.update(state="failed", last_error="410 Gone: the receiver asked to stop; subscription disabled")
    elif attempts > len(BACKOFF):
        values.update(state="failed", last_error=answer.error or f"HTTP {answer.status}")
    else:
        wait = BACKOFF[attempts - 1] * random.uniform(1.0, 1.1)  # jitter spreads a receiver's comeback
        if answer.retry_after is not None:
            wait = max(wait, min(timedelta(seconds=answer.retry_after), MAX_RETRY_AFTER))
        values.update(next_attempt_at=now + wait, last_error=answer.error or f"HTTP {answer.status}")
    with deps.uow(write=True) as uow:
        uow.session.execute(update(WebhookDelivery).where(WebhookDelivery.id == delivery_id).values(**values))
        if answer.status == 410:
            uow.session.execute(update(WebhookSubscription).where(WebhookSubscription.id == subscription_id).values(
                active=False, disabled_reason=f"the receiver answered 410 Gone at {now.isoformat()}"))
            revisions.bump(uow.session, REVISION)
        uow.commit()
    if values.get("state") != "delivered":
        log.info("webhook delivery %s: %s", delivery_id, values.get("last_error"))
    return str(values.get("state", "pending"))


def deliver_due(deps: Deps, send: Sender = http_post) -> int:
    """Claim and send everything due now, in batches; returns how many were delivered."""
    delivered = 0
    while True:
        ids = claim_due(deps, BATCH)
        for delivery_id in ids:
            try:
                delivered += deliver(deps, delivery_id, send) == "delivered"
            except Exception:  # one broken row must not stop the others; its claim expires
                log.exception("webhook delivery %s failed; retried after %s", delivery_id, RECLAIM_AFTER)
        if len(ids) < BATCH:
            return delivered
