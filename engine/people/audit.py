"""The administrators' audit trail: every change to places, people and reference data.

Written in the same transaction as the change it records, so an audited change and its
audit row are stored together or not at all. Cases have their own timeline (``case_events``).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.deps import Deps
from engine.errors import Forbidden
from engine.people.accounts import Actor
from engine.store import paging
from engine.store.paging import Page
from engine.store.places_models import AdminEvent
from engine.time.clock import isoformat


def require_admin(actor: Actor) -> None:
    """:raises Forbidden: the actor is not an administrator."""
    if not actor.is_admin:
        raise Forbidden("only an administrator may change places, people and reference data")


def record(session: Session, actor: Actor, at: datetime, action: str, target_type: str, target: str,
           data: dict[str, Any] | None = None) -> None:
    """Add one audit row for a change made in this transaction."""
    session.add(AdminEvent(at=at, actor_id=actor.id, actor=actor.username[:64], action=action,
                           target_type=target_type, target=target[:64], data=data or None))


def list_events(deps: Deps, actor: Actor, *, target_type: str | None = None, target: str | None = None,
                limit: int = 100) -> list[dict[str, Any]]:
    """The newest audit rows first, optionally for one object."""
    require_admin(actor)
    query = select(AdminEvent)
    if target_type:
        query = query.where(AdminEvent.target_type == target_type)
    if target:
        query = query.where(AdminEvent.target == target)
    with deps.uow() as uow:
        rows = uow.session.scalars(query.order_by(AdminEvent.id.desc()).limit(limit))
        return [{"at": isoformat(e.at), "actor": e.actor, "action": e.action, "target_type": e.target_type,
                 "target": e.target, "data": e.data} for e in rows]


def event_page(deps: Deps, actor: Actor, *, target_type: str | None = None, target: str | None = None,
               after: str | None = None, limit: int = 100) -> Page:
    """The audit trail newest first, a keyset page by id (admin only)."""
    require_admin(actor)
    query = select(AdminEvent)
    if target_type:
        query = query.where(AdminEvent.target_type == target_type)
    if target:
        query = query.where(AdminEvent.target == target)
    with deps.uow() as uow:
        page = paging.keyset(uow.session, query, [AdminEvent.id], after=after, limit=limit, descending=True,
                             key_of=lambda row: [row[0].id])
    return replace(page, items=[{"id": e.id, "at": isoformat(e.at), "actor": e.actor, "action": e.action,
                                 "target_type": e.target_type, "target": e.target, "data": e.data}
                                for (e,) in page.items])
