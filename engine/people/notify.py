"""Notifications: rows a user sees in the UI, and an outbox an SMS or messaging gateway drains."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy import and_, select, update
from sqlalchemy.orm import Session

from engine.deps import Deps
from engine.errors import NotFound
from engine.people.accounts import Actor
from engine.store import paging
from engine.store.models import Case, Department, Task, User, UserRole
from engine.store.paging import Page
from engine.store.rules_models import Notification, OutboxMessage
from engine.time.clock import isoformat


def candidates(session: Session, task: Task) -> list[int]:
    """Users who may take ``task`` (the same rules as authz.grant_covers_task)."""
    if task.scope == "grid":
        return [task.assignee_id] if task.assignee_id else []
    query = select(UserRole.user_id).join(User, User.id == UserRole.user_id).where(
        User.active.is_(True), UserRole.role == task.lane)
    if task.scope == "department":
        query = query.where(UserRole.department_code == task.department_code)
    elif task.scope == "district":
        query = query.where(UserRole.district_code == task.district_code)
    else:
        query = query.where(and_(UserRole.district_code.is_(None), UserRole.department_code.is_(None)))
    return sorted(set(session.scalars(query)))


def department_head(session: Session, department_code: str | None) -> int | None:
    if not department_code:
        return None
    return session.scalar(select(Department.head_id).where(Department.code == department_code))


def notify(session: Session, recipients: list[int], *, case: Case, task: Task | None, kind: str, message: str,
           now: Any) -> int:
    """Write one notification per recipient and queue each for the SMS gateway."""
    count = 0
    for user_id in dict.fromkeys(r for r in recipients if r):
        row = Notification(recipient_id=user_id, case_id=case.id, task_id=task.id if task else None, kind=kind,
                           message=message, created_at=now)
        session.add(row)
        session.flush()
        username = session.scalar(select(User.username).where(User.id == user_id))
        session.add(OutboxMessage(notification_id=row.id, channel="sms", recipient=username or str(user_id),
                                  payload={"case_no": case.case_no, "kind": kind, "text": message},
                                  created_at=now, attempts=0))
        count += 1
    return count


def list_notifications(deps: Deps, actor: Actor, *, unread_only: bool = False, limit: int = 50) -> list[dict[str, Any]]:
    query = (select(Notification, Case.case_no).outerjoin(Case, Case.id == Notification.case_id)
             .where(Notification.recipient_id == actor.id))
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    with deps.uow() as uow:
        rows = uow.session.execute(query.order_by(Notification.id.desc()).limit(limit)).all()
        return [{"id": n.id, "case_no": case_no, "kind": n.kind, "message": n.message,
                 "created_at": isoformat(n.created_at), "read_at": isoformat(n.read_at)} for n, case_no in rows]


def notification_page(deps: Deps, actor: Actor, *, unread_only: bool = False, after: str | None = None,
                      limit: int = 50) -> Page:
    """The actor's notifications newest first, a keyset page by id."""
    query = (select(Notification, Case.case_no).outerjoin(Case, Case.id == Notification.case_id)
             .where(Notification.recipient_id == actor.id))
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    with deps.uow() as uow:
        page = paging.keyset(uow.session, query, [Notification.id], after=after, limit=limit, descending=True,
                             key_of=lambda row: [row[0].id])
    items = [{"id": n.id, "case_no": case_no, "kind": n.kind, "message": n.message,
              "created_at": isoformat(n.created_at), "read_at": isoformat(n.read_at)} for n, case_no in page.items]
    return replace(page, items=items)


def mark_read(deps: Deps, actor: Actor, notification_id: int | None = None) -> int:
    """Mark one (or all) of the actor's notifications read; returns how many changed."""
    with deps.uow(write=True) as uow:
        query = update(Notification).where(Notification.recipient_id == actor.id, Notification.read_at.is_(None))
        if notification_id is not None:
            query = query.where(Notification.id == notification_id)
        changed = uow.session.execute(query.values(read_at=deps.clock.now())).rowcount
        if notification_id is not None and not changed:
            exists = uow.session.scalar(select(Notification.id).where(
                Notification.id == notification_id, Notification.recipient_id == actor.id))
            if exists is None:
                raise NotFound(f"no notification {notification_id}")
        uow.commit()
        return changed


def pending_outbox(deps: Deps, limit: int = 100) -> list[dict[str, Any]]:
    """Messages a gateway should send (oldest first)."""
    with deps.uow() as uow:
        rows = uow.session.scalars(select(OutboxMessage).where(OutboxMessage.sent_at.is_(None))
                                   .order_by(OutboxMessage.id).limit(limit))
        return [{"id": m.id, "channel": m.channel, "recipient": m.recipient, "payload": m.payload} for m in rows]


def mark_sent(deps: Deps, ids: list[int]) -> None:
    with deps.uow(write=True) as uow:
        uow.session.execute(update(OutboxMessage).where(OutboxMessage.id.in_(ids))
                            .values(sent_at=deps.clock.now(), attempts=OutboxMessage.attempts + 1))
        uow.commit()

