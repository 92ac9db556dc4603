"""The SMS outbox drains through the webhook mechanism: an SMS gateway subscribes to ``sms`` events.

Steps and notifications keep writing ``outbox`` rows in their own transactions (engine.people.notify,
engine.cases.notices). When an active subscription takes ``sms``, the scheduler hands each unsent
row over as an ``sms`` event — signed, retried, logged and redeliverable like every webhook — and
marks the row sent, so the older pull API (``pending_outbox``) never sends it a second time. With no
such subscription the rows stay for that pull API, as before. Claimed with SKIP LOCKED on PostgreSQL,
so two schedulers never hand one message over twice.
"""

from __future__ import annotations

import uuid

from sqlalchemy import insert, select, update

from engine.deps import Deps
from engine.store.exchange_models import WebhookDelivery, WebhookEvent, WebhookSubscription
from engine.store.models import Case
from engine.store.rules_models import OutboxMessage
from engine.time.clock import isoformat

BATCH = 200


def hand_over_all(deps: Deps) -> int:
    """Hand over every unsent SMS row some subscription takes, batch by batch; returns how many."""
    handed, after = 0, 0
    while True:
        count, last, examined = hand_over(deps, after=after)
        handed += count
        if examined < BATCH:
            return handed
        after = last


def hand_over(deps: Deps, *, after: int = 0, limit: int = BATCH) -> tuple[int, int, int]:
    """Turn unsent SMS rows (ids above ``after``) into ``sms`` deliveries.

    Returns (handed over, last id examined, rows examined). A row no subscription's scope takes
    stays unsent, for the pull API.
    """
    now = deps.clock.now()
    with deps.uow(write=True) as uow:
        session = uow.session
        subscriptions = [s for s in session.scalars(select(WebhookSubscription)
                                                    .where(WebhookSubscription.active.is_(True)))
                         if "sms" in s.event_types]
        if not subscriptions:
            return 0, after, 0
        rows = list(session.scalars(select(OutboxMessage).where(OutboxMessage.sent_at.is_(None),
                                                                OutboxMessage.channel == "sms",
                                                                OutboxMessage.id > after)
                                    .order_by(OutboxMessage.id).limit(limit).with_for_update(skip_locked=True)))
        numbers = {r.payload.get("case_no") for r in rows if isinstance(r.payload, dict)}
        cases = {c.case_no: c for c in session.scalars(select(Case).where(Case.case_no.in_(numbers)))} \
            if numbers else {}
        handed: list[int] = []
        for row in rows:
            case = cases.get((row.payload or {}).get("case_no"))
            wanting = [s.id for s in subscriptions
                       if (s.district_code is None or (case is not None and s.district_code == case.district_code))
                       and (s.process_key is None or (case is not None and s.process_key == case.process_key))]
            if wanting:
                payload = {"type": "sms", "timestamp": isoformat(now),
                           "data": {"outbox_id": row.id, "recipient": row.recipient, **(row.payload or {})}}
                event_id = session.execute(insert(WebhookEvent).returning(WebhookEvent.id), {
                    "type": "sms", "case_id": case.id if case else None, "payload": payload,
                    "created_at": now}).scalar_one()
                session.execute(insert(WebhookDelivery), [
                    {"msg_id": f"msg_{uuid.uuid4().hex}", "subscription_id": sub, "event_id": event_id,
                     "state": "pending", "attempts": 0, "next_attempt_at": now, "created_at": now}
                    for sub in wanting])
                handed.append(row.id)
        if handed:
            session.execute(update(OutboxMessage).where(OutboxMessage.id.in_(handed))
                            .values(sent_at=now, attempts=OutboxMessage.attempts + 1))
        uow.commit()
        return len(handed), rows[-1].id if rows else after, len(rows)
