"""Department systems' keys (数据交换密钥): a key per department system, that reads only what it may.

A key stands for its department's account (an account holding a grant scoped to one department):
it sees exactly what that account may read — its own cases, personal data only where the role may
— and, the web layer sees to it, only reads the exports and the reference lists. Unlike a login
token it does not expire; an administrator issues it (shown once, kept as SHA-256) and revokes it,
and both are in the administrators' audit trail.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import replace
from typing import Any

from sqlalchemy import select

from engine.deps import Deps
from engine.errors import Invalid, NotFound, Unauthenticated
from engine.people import audit
from engine.people.accounts import Actor, actor_of
from engine.store import paging
from engine.store.exchange_models import ExchangeKey
from engine.store.models import User, UserRole
from engine.time.clock import isoformat

PREFIX = "szk_"  # tells a key from a login token in the Authorization header


def is_key(token: str) -> bool:
    return token.startswith(PREFIX)


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def issue_key(deps: Deps, actor: Actor, body: Any) -> dict[str, Any]:
    """Issue a key for ``username``, a department's account: ``{name, username}``; the key is shown once.

    :raises Invalid: (422) a field missing, an unknown account, or one not scoped to a department.
    """
    audit.require_admin(actor)
    if not isinstance(body, dict):
        raise Invalid("send {name, username}", fields={"_": "not an object"})
    name, username = body.get("name"), body.get("username")
    if not isinstance(name, str) or not 0 < len(name.strip()) <= 100:
        raise Invalid("'name' is required", fields={"name": "a text of 1 to 100 characters"})
    if not isinstance(username, str) or not username:
        raise Invalid("'username' is required: the department's account", fields={"username": "required"})
    key = PREFIX + secrets.token_urlsafe(32)
    now = deps.clock.now()
    with deps.uow(write=True) as uow:
        user = uow.session.scalar(select(User).where(User.username == username))
        if user is None or not user.active:
            raise Invalid(f"no active account '{username}'", fields={"username": "unknown"})
        department = _department_of(uow.session, user)
        if department is None:
            raise Invalid(f"'{username}' is not a department's account (no grant scoped to a department)",
                          fields={"username": "not a department's account"})
        row = ExchangeKey(name=name.strip(), key_hash=_hash(key), user_id=user.id, created_at=now,
                          created_by=actor.username[:64])
        uow.session.add(row)
        uow.session.flush()
        audit.record(uow.session, actor, now, "create_exchange_key", "exchange_key", str(row.id),
                     {"name": row.name, "username": username, "department_code": department})
        view = _view(row, user.username, department)
        uow.commit()
    return {**view, "api_key": key}


def _department_of(session: Any, user: User) -> str | None:
    return session.scalar(select(UserRole.department_code).where(UserRole.user_id == user.id,
                                                                 UserRole.department_code.is_not(None))
                          .order_by(UserRole.department_code).limit(1))


def _view(row: ExchangeKey, username: str, department: str | None) -> dict[str, Any]:
    return {"id": row.id, "name": row.name, "username": username, "department_code": department,
            "created_at": isoformat(row.created_at), "created_by": row.created_by,
            "revoked_at": isoformat(row.revoked_at) if row.revoked_at else None, "active": row.revoked_at is None}


def key_page(deps: Deps, actor: Actor, *, after: str | None = None, limit: int = 100) -> paging.Page:
    """The issued keys, oldest first (never the keys themselves)."""
    audit.require_admin(actor)
    with deps.uow() as uow:
        page = paging.keyset(uow.session, select(ExchangeKey, User).join(User, User.id == ExchangeKey.user_id),
                             [ExchangeKey.id], after=after, limit=limit, key_of=lambda row: [row[0].id])
        return replace(page, items=[_view(k, u.username, _department_of(uow.session, u)) for k, u in page.items])


def revoke_key(deps: Deps, actor: Actor, key_id: int) -> dict[str, Any]:
    """Revoke a key: from now on it is refused (401).  :raises NotFound: no such key."""
    audit.require_admin(actor)
    now = deps.clock.now()
    with deps.uow(write=True) as uow:
        found = uow.session.execute(select(ExchangeKey, User).join(User, User.id == ExchangeKey.user_id)
                                    .where(ExchangeKey.id == key_id)).first()
        if found is None:
            raise NotFound(f"no such exchange key: {key_id}")
        row, user = found
        if row.revoked_at is None:
            row.revoked_at = now
            audit.record(uow.session, actor, now, "revoke_exchange_key", "exchange_key", str(row.id),
                         {"name": row.name, "username": user.username})
        view = _view(row, user.username, _department_of(uow.session, user))
        uow.commit()
        return view


def actor_for_key(deps: Deps, key: str) -> Actor:
    """The department's account a key stands for.  :raises Unauthenticated: unknown or revoked key."""
    with deps.uow() as uow:
        found = uow.session.execute(select(ExchangeKey, User).join(User, User.id == ExchangeKey.user_id)
                                    .where(ExchangeKey.key_hash == _hash(key))).first()
        if found is None or found[0].revoked_at is not None or not found[1].active:
            raise Unauthenticated("unknown or revoked exchange key")
        return actor_of(uow.session, found[1])
