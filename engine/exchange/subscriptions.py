"""Webhook subscriptions, the administrators' side: receivers, their scope and secret, the delivery log.

Every change is audited and bumps the ``webhooks`` revision in its transaction, so each process's
cached routes (engine.exchange.outbox) follow on the next step. The secret is shown once, when the
subscription is made; afterwards only its receiver and szcg know it.
"""

from __future__ import annotations

import base64
import binascii
import re
import secrets
from dataclasses import replace
from typing import Any

from sqlalchemy import select, update

from engine.deps import Deps
from engine.errors import Invalid, NotFound
from engine.exchange.addresses import check_url
from engine.exchange.outbox import REVISION
from engine.people import audit
from engine.people.accounts import Actor
from engine.store import paging, revisions
from engine.store.exchange_models import EVENT_TYPES, WebhookDelivery, WebhookEvent, WebhookSubscription
from engine.store.models import Case
from engine.store.paging import Page
from engine.time.clock import isoformat

FIELDS = ("name", "url", "event_types", "district_code", "process_key", "secret", "active")


def new_secret() -> str:
    """A Standard Webhooks secret: ``whsec_`` and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def _clean(deps: Deps, body: Any, *, partial: bool) -> dict[str, Any]:
    """The subscription fields of ``body``, each checked; every problem is named by its field."""
    if not isinstance(body, dict):
        raise Invalid("the subscription must be a JSON object", fields={"_": "not an object"})
    problems: dict[str, str] = {key: "unknown field" for key in body if key not in FIELDS}
    values: dict[str, Any] = {}
    for key in FIELDS:
        if key not in body:
            if not partial and key in ("name", "url", "event_types"):
                problems[key] = "required"
            continue
        try:
            values[key] = _CHECKS[key](deps, body[key])
        except Invalid as exc:
            problems.update(exc.fields or {key: exc.message})
    if problems:
        raise Invalid("the subscription is not valid", fields=problems)
    return values


def _name(_deps: Deps, value: Any) -> str:
    if not isinstance(value, str) or not 0 < len(value.strip()) <= 100:
        raise Invalid("name", fields={"name": "a text of 1 to 100 characters"})
    return value.strip()


def _url(deps: Deps, value: Any) -> str:
    return check_url(value, allow_private=bool(deps.settings.raw.get("webhook_allow_private_addresses", False)))


def _types(_deps: Deps, value: Any) -> list[str]:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v in EVENT_TYPES for v in value):
        raise Invalid("event_types", fields={"event_types": f"a non-empty list of {', '.join(EVENT_TYPES)}"})
    return sorted(set(value))


def _district(_deps: Deps, value: Any) -> str | None:
    if value is not None and not (isinstance(value, str) and re.fullmatch(r"\d{6}", value)):
        raise Invalid("district_code", fields={"district_code": "a 6-digit district code or null"})
    return value


def _process(_deps: Deps, value: Any) -> str | None:
    if value is not None and not (isinstance(value, str) and 0 < len(value) <= 64):
        raise Invalid("process_key", fields={"process_key": "a process key or null"})
    return value


def _secret(_deps: Deps, value: Any) -> str:
    raw = value[6:] if isinstance(value, str) and value.startswith("whsec_") else None
    try:
        size = len(base64.b64decode(raw, validate=True)) if raw else 0
    except (binascii.Error, ValueError):
        size = 0
    if not 24 <= size <= 64:
        raise Invalid("secret", fields={"secret": "whsec_ followed by 24 to 64 bytes in base64"})
    return str(value)


def _active(_deps: Deps, value: Any) -> bool:
    if not isinstance(value, bool):
        raise Invalid("active", fields={"active": "true or false"})
    return value


_CHECKS = {"name": _name, "url": _url, "event_types": _types, "district_code": _district, "process_key": _process,
           "secret": _secret, "active": _active}


def view(sub: WebhookSubscription) -> dict[str, Any]:
    return {"id": sub.id, "name": sub.name, "url": sub.url, "event_types": list(sub.event_types),
            "district_code": sub.district_code, "process_key": sub.process_key, "active": sub.active,
            "disabled_reason": sub.disabled_reason, "created_at": isoformat(sub.created_at),
            "created_by": sub.created_by}


def create_subscription(deps: Deps, actor: Actor, body: Any) -> dict[str, Any]:
    """Add a receiver; the answer carries its ``secret`` (generated unless given), shown this once."""
    audit.require_admin(actor)
    values = _clean(deps, body, partial=False)
    now = deps.clock.now()
    with deps.uow(write=True) as uow:
        sub = WebhookSubscription(name=values["name"], url=values["url"], event_types=values["event_types"],
                                  district_code=values.get("district_code"), process_key=values.get("process_key"),
                                  secret=values.get("secret") or new_secret(), active=values.get("active", True),
                                  created_at=now, created_by=actor.username[:64])
        uow.session.add(sub)
        uow.session.flush()
        audit.record(uow.session, actor, now, "create_webhook", "webhook", str(sub.id),
                     {"url": sub.url, "event_types": sub.event_types})
        revisions.bump(uow.session, REVISION)
        uow.commit()
        return {**view(sub), "secret": sub.secret}


def _get(session: Any, subscription_id: int) -> WebhookSubscription:
    sub = session.get(WebhookSubscription, subscription_id)
    if sub is None:
        raise NotFound(f"no webhook subscription {subscription_id}")
    return sub


def get_subscription(deps: Deps, actor: Actor, subscription_id: int) -> dict[str, Any]:
    audit.require_admin(actor)
    with deps.uow() as uow:
        return view(_get(uow.session, subscription_id))


def update_subscription(deps: Deps, actor: Actor, subscription_id: int, body: Any) -> dict[str, Any]:
    """Change some fields; re-activating a subscription (after a 410) clears its reason."""
    audit.require_admin(actor)
    values = _clean(deps, body, partial=True)
    with deps.uow(write=True) as uow:
        sub = _get(uow.session, subscription_id)
        for key, value in values.items():
            setattr(sub, key, value)
        if values.get("active") is True:
            sub.disabled_reason = None
        audit.record(uow.session, actor, deps.clock.now(), "update_webhook", "webhook", str(sub.id),
                     {k: v for k, v in values.items() if k != "secret"})
        revisions.bump(uow.session, REVISION)
        uow.commit()
        return view(sub)


def delete_subscription(deps: Deps, actor: Actor, subscription_id: int) -> None:
    """Remove a receiver with its delivery log."""
    audit.require_admin(actor)
    with deps.uow(write=True) as uow:
        sub = _get(uow.session, subscription_id)
        uow.session.execute(WebhookDelivery.__table__.delete().where(WebhookDelivery.subscription_id == sub.id))
        uow.session.delete(sub)
        audit.record(uow.session, actor, deps.clock.now(), "delete_webhook", "webhook", str(subscription_id))
        revisions.bump(uow.session, REVISION)
        uow.commit()


def subscription_page(deps: Deps, actor: Actor, *, after: str | None = None, limit: int = 100) -> Page:
    audit.require_admin(actor)
    with deps.uow() as uow:
        page = paging.keyset(uow.session, select(WebhookSubscription), [WebhookSubscription.id], after=after,
                             limit=limit, key_of=lambda row: [row[0].id])
        return replace(page, items=[view(s) for (s,) in page.items])


def delivery_page(deps: Deps, actor: Actor, subscription_id: int, *, state: str | None = None,
                  after: str | None = None, limit: int = 100) -> Page:
    """The subscription's delivery log, newest first: state, attempts, last status and error."""
    audit.require_admin(actor)
    query = (select(WebhookDelivery, WebhookEvent.type, Case.case_no)
             .join(WebhookEvent, WebhookEvent.id == WebhookDelivery.event_id)
             .outerjoin(Case, Case.id == WebhookEvent.case_id)
             .where(WebhookDelivery.subscription_id == subscription_id))
    if state:
        query = query.where(WebhookDelivery.state == state)
    with deps.uow() as uow:
        _get(uow.session, subscription_id)
        page = paging.keyset(uow.session, query, [WebhookDelivery.id], after=after, limit=limit, descending=True,
                             key_of=lambda row: [row[0].id])
        return replace(page, items=[delivery_view(d, kind, case_no) for d, kind, case_no in page.items])


def delivery_view(d: WebhookDelivery, event_type: str, case_no: str | None) -> dict[str, Any]:
    return {"id": d.id, "msg_id": d.msg_id, "event_type": event_type, "case_no": case_no, "state": d.state,
            "attempts": d.attempts, "next_attempt_at": isoformat(d.next_attempt_at),
            "last_attempt_at": isoformat(d.last_attempt_at), "delivered_at": isoformat(d.delivered_at),
            "last_status": d.last_status, "last_error": d.last_error}


def redeliver(deps: Deps, actor: Actor, delivery_id: int) -> dict[str, Any]:
    """Send a delivery again (with the same ``webhook-id``), from the start of the retry schedule."""
    audit.require_admin(actor)
    now = deps.clock.now()
    with deps.uow(write=True) as uow:
        row = uow.session.execute(select(WebhookDelivery, WebhookEvent.type, Case.case_no)
                                  .join(WebhookEvent, WebhookEvent.id == WebhookDelivery.event_id)
                                  .outerjoin(Case, Case.id == WebhookEvent.case_id)
                                  .where(WebhookDelivery.id == delivery_id)).first()
        if row is None:
            raise NotFound(f"no webhook delivery {delivery_id}")
        uow.session.execute(update(WebhookDelivery).where(WebhookDelivery.id == delivery_id).values(
            state="pending", attempts=0, next_attempt_at=now, claimed_at=None))
        audit.record(uow.session, actor, now, "redeliver_webhook", "webhook", str(row[0].subscription_id),
                     {"delivery": delivery_id, "msg_id": row[0].msg_id})
        uow.session.refresh(row[0])
        view_ = delivery_view(row[0], row[1], row[2])
        uow.commit()
        return view_
