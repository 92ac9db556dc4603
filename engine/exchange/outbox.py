"""A step's case events into the webhook outbox, in the step's own transaction.

Called once by :meth:`engine.cases.steps.Step.finish`: a step that rolls back leaves no event
and no delivery, a committed one always leaves both (the transactional outbox). Only events some
active subscription wants are written, with one delivery row per such subscription, so a city
without webhooks writes nothing more per step. The subscriptions are cached per process behind
the ``webhooks`` revision, which every change of a subscription bumps.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from engine.deps import Deps
from engine.processes.bpmn_helpers import StepEffects
from engine.store import revisions
from engine.store.exchange_models import WebhookDelivery, WebhookEvent, WebhookSubscription
from engine.store.models import Case
from engine.time.clock import isoformat

REVISION = "webhooks"
_INSERT_EVENT = insert(WebhookEvent).returning(WebhookEvent.id)
_INSERT_DELIVERIES = insert(WebhookDelivery)


class Step(Protocol):
    """What the outbox reads of the running step (engine.cases.steps.Step)."""

    deps: Deps
    session: Session
    case: Case
    now: datetime
    stage_before: str
    effects: StepEffects

    @property
    def known(self) -> dict[str, int]: ...

    @property
    def is_new_case(self) -> bool: ...

    def pending_actions(self) -> list[tuple[str, dict[str, Any] | None]]: ...


@dataclass(frozen=True)
class Route:
    """An active subscription as the hot path needs it."""

    id: int
    event_types: frozenset[str]
    district_code: str | None
    process_key: str | None

    def wants(self, event_type: str, case: Case) -> bool:
        return (event_type in self.event_types
                and self.district_code in (None, case.district_code)
                and self.process_key in (None, case.process_key))


def routes(deps: Deps, session: Session, known: dict[str, int]) -> tuple[Route, ...]:
    def build() -> tuple[Route, ...]:
        rows = session.execute(select(WebhookSubscription.id, WebhookSubscription.event_types,
                                      WebhookSubscription.district_code, WebhookSubscription.process_key)
                               .where(WebhookSubscription.active.is_(True)))
        return tuple(Route(r.id, frozenset(r.event_types), r.district_code, r.process_key) for r in rows)

    return revisions.cached(deps, session, REVISION, build, known)


def step_events(step: Step, end_status: str | None) -> list[tuple[str, dict[str, Any]]]:
    """The events of this step: (type, extra data), in the order they happened."""
    case, found = step.case, []
    if step.is_new_case:
        found.append(("case_created", {}))
    for action, data in step.pending_actions():
        if action == "overdue":
            found.append(("overdue", {"stage": (data or {}).get("stage"), "due_at": (data or {}).get("due_at")}))
    if step.effects.replies:
        found.append(("answered", {"answers": list(step.effects.replies)}))
    if case.status != step.stage_before and not step.is_new_case and end_status is None:
        found.append(("stage_changed", {}))
    if end_status == "closed":
        found.append(("closed", {}))
    elif end_status == "void":
        found.append(("voided", {}))
    if step.effects.evaluate:
        found.append(("evaluated", {}))
    return found


def record_step(step: Step, end_status: str | None) -> int:
    """Write the step's events that subscriptions want, with their deliveries; returns how many events."""
    active = routes(step.deps, step.session, step.known)
    if not active:
        return 0
    case, written = step.case, 0
    for event_type, extra in step_events(step, end_status):
        wanting = [r.id for r in active if r.wants(event_type, case)]
        if not wanting:
            continue
        payload = {"type": event_type, "timestamp": isoformat(step.now), "data": {**case_data(case, step), **extra}}
        connection = step.session.connection()
        event_id = connection.execute(_INSERT_EVENT, {"type": event_type, "case_id": case.id, "payload": payload,
                                                      "created_at": step.now}).scalar_one()
        connection.execute(_INSERT_DELIVERIES, [
            {"msg_id": f"msg_{uuid.uuid4().hex}", "subscription_id": sub, "event_id": event_id, "state": "pending",
             "attempts": 0, "next_attempt_at": step.now, "created_at": step.now} for sub in wanting])
        written += 1
    return written


def case_data(case: Case, step: Step) -> dict[str, Any]:
    """What every event says of its case: no reporter, no staff names, no exact point."""
    return {"case_no": case.case_no, "status": case.status, "stage_from": step.stage_before,
            "stage_to": case.status, "process_key": case.process_key, "source": case.source,
            "category_code": case.category_code, "district_code": case.district_code,
            "street_code": case.street_code, "grid_code": case.grid_code, "department_code": case.department_code,
            "channel_type": case.channel_type, "external_ref": case.external_ref, "reported_at": isoformat(case.reported_at),
            "deadline_at": isoformat(case.deadline_at), "closed_at": isoformat(case.closed_at)}
