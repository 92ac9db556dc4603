"""Users, roles, passwords and API tokens.

Passwords are hashed with scrypt from the standard library (memory-hard, no extra
dependency); tokens are random and only their SHA-256 is stored.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from engine.deps import ROLES, Deps
from engine.errors import Invalid, NotFound, TooManyRequests, Unauthenticated
from engine.store.models import ApiToken, Department, User, UserRole

_SCRYPT = {"n": 2**14, "r": 8, "p": 1}


@dataclass(frozen=True)
class Grant:
    """A role held by a user, possibly limited to a district or a department."""

    role: str
    district_code: str | None = None
    department_code: str | None = None


@dataclass(frozen=True)
class Actor:
    """Who is acting: the user and the grants that decide what they may see and do."""

    id: int | None
    username: str
    display_name: str
    grants: tuple[Grant, ...]

    def has_role(self, *roles: str) -> bool:
        return any(g.role in roles for g in self.grants)

    def roles(self) -> list[str]:
        return sorted({g.role for g in self.grants})

    @property
    def is_admin(self) -> bool:
        return self.has_role("admin")


SYSTEM = Actor(id=None, username="system", display_name="系统", grants=())
ANONYMOUS = Actor(id=None, username="anonymous", display_name="公众", grants=(Grant("citizen"),))


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, **_SCRYPT)
    return f"scrypt${_SCRYPT['n']}${_SCRYPT['r']}${_SCRYPT['p']}${salt.hex()}${digest.hex()}"


def check_password(stored: str, password: str) -> bool:
    try:
        _, n, r, p, salt, digest = stored.split("$")
        got = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got.hex(), digest)


def actor_of(session: Session, user: User) -> Actor:
    rows = session.scalars(select(UserRole).where(UserRole.user_id == user.id)).all()
    grants = tuple(Grant(r.role, r.district_code, r.department_code) for r in rows)
    return Actor(id=user.id, username=user.username, display_name=user.display_name, grants=grants)


def verify_login(deps: Deps, username: str, password: str) -> Actor:
    """Check a username and password, throttling repeated failures per account.

    :raises Unauthenticated: wrong name or password (the same message for both).
    :raises TooManyRequests: the account is locked after too many failures.
    """
    now = deps.clock.now()
    with deps.uow(write=True) as uow:
        user = uow.session.scalar(select(User).where(User.username == username))
        if user is not None and user.locked_until is not None and user.locked_until > now:
            raise TooManyRequests("too many failed logins; try again later",
                                  retry_after=int((user.locked_until - now).total_seconds()))
        if user is None or not user.active or not check_password(user.password_hash, password):
            if user is not None:
                user.failed_logins += 1
                if user.failed_logins >= deps.settings.login_max_failures:
                    user.locked_until = now + timedelta(minutes=deps.settings.login_lockout_minutes)
                    user.failed_logins = 0
                uow.commit()
            raise Unauthenticated("wrong username or password")
        user.failed_logins = 0
        user.locked_until = None
        actor = actor_of(uow.session, user)
        uow.commit()
        return actor


def issue_token(deps: Deps, actor: Actor) -> tuple[str, str]:
    """Create a bearer token for ``actor``; return (token, expiry ISO text)."""
    token = secrets.token_urlsafe(32)
    now = deps.clock.now()
    expires = now + timedelta(hours=deps.settings.token_ttl_hours)
    with deps.uow(write=True) as uow:
        uow.session.add(ApiToken(token_hash=_token_hash(token), user_id=actor.id, created_at=now, expires_at=expires))
        uow.commit()
    return token, expires.isoformat()


def revoke_token(deps: Deps, token: str) -> None:
    with deps.uow(write=True) as uow:
        uow.session.execute(update(ApiToken).where(ApiToken.token_hash == _token_hash(token))
                            .values(revoked_at=deps.clock.now()))
        uow.commit()


def actor_for_token(deps: Deps, token: str) -> Actor:
    """The actor a bearer token stands for.

    :raises Unauthenticated: unknown, expired or revoked token, or inactive user.
    """
    with deps.uow() as uow:
        row = uow.session.execute(
            select(ApiToken, User).join(User, User.id == ApiToken.user_id)
            .where(ApiToken.token_hash == _token_hash(token))
        ).first()
        if row is None:
            raise Unauthenticated("unknown token")
        tok, user = row
        if tok.revoked_at is not None or tok.expires_at <= deps.clock.now() or not user.active:
            raise Unauthenticated("token expired or revoked")
        return actor_of(uow.session, user)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def parse_grant(text: str) -> Grant:
    """``role``, ``role@district:650102`` or ``role@department:water`` → Grant."""
    role, _, scope = text.partition("@")
    if role not in ROLES:
        raise Invalid(f"unknown role '{role}' (roles: {', '.join(ROLES)})", fields={"roles": f"unknown role '{role}'"})
    if not scope:
        return Grant(role)
    kind, _, value = scope.partition(":")
    if kind == "district" and value.isdigit() and len(value) == 6:
        return Grant(role, district_code=value)
    if kind == "department" and value:
        return Grant(role, department_code=value)
    raise Invalid(f"bad scope '{scope}': use district:<6 digits> or department:<code>", fields={"roles": scope})


def add_user(session: Session, username: str, password: str, display_name: str, grants: list[Grant],
             *, now_ts: object, password_hash: str | None = None) -> User:
    """Create a user with grants in the caller's transaction.

    ``password_hash`` (of ``password``) lets the demo hash its shared password once, not per account.
    :raises Invalid: the username is taken or malformed, or a department does not exist.
    """
    if not username or len(username) > 64 or not username.replace("_", "").replace("-", "").replace(".", "").isalnum():
        raise Invalid("username must be 1–64 letters, digits, '_', '-' or '.'", fields={"username": "invalid"})
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Invalid(f"username '{username}' is taken", fields={"username": "taken"})
    if len(password) < 4:
        raise Invalid("password must have at least 4 characters", fields={"password": "too short"})
    for g in grants:
        if g.department_code and session.get(Department, g.department_code) is None:
            raise Invalid(f"unknown department '{g.department_code}'", fields={"roles": g.department_code})
    user = User(username=username, display_name=display_name or username,
                password_hash=password_hash or hash_password(password),
                active=True, created_at=now_ts, failed_logins=0)
    session.add(user)
    session.flush()
    for g in grants:
        session.add(UserRole(user_id=user.id, role=g.role, district_code=g.district_code,
                             department_code=g.department_code))
    return user


def list_users(deps: Deps) -> list[dict[str, object]]:
    with deps.uow() as uow:
        users = uow.session.scalars(select(User).order_by(User.username)).all()
        roles = uow.session.scalars(select(UserRole)).all()
        by_user: dict[int, list[UserRole]] = {}
        for r in roles:
            by_user.setdefault(r.user_id, []).append(r)
        return [
            {
                "username": u.username,
                "display_name": u.display_name,
                "active": u.active,
                "roles": sorted({r.role for r in by_user.get(u.id, [])}),
                "scopes": [
                    {"role": r.role, "district_code": r.district_code, "department_code": r.department_code}
                    for r in by_user.get(u.id, [])
                ],
            }
            for u in users
        ]


def get_user(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"no user '{username}'")
    return user
