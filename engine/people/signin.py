"""Signing in to the pages: the same accounts, passwords, throttling and tokens as the API.

A page session holds an API token (in the signed session cookie) instead of a user id, so
logging out revokes it server-side, a deactivated user is out on the next request, and the
pages and the API share one notion of "who is this".
"""

from __future__ import annotations

from engine.deps import Deps
from engine.people import accounts
from engine.people.accounts import Actor


def sign_in(deps: Deps, username: str, password: str) -> tuple[Actor, str]:
    """Check the password (throttled per account) and open a session; return (actor, token).

    :raises Unauthenticated: wrong username or password.
    :raises TooManyRequests: the account is locked after repeated failures.
    """
    actor = accounts.verify_login(deps, username, password)
    token, _expires = accounts.issue_token(deps, actor)
    return actor, token


def session_actor(deps: Deps, token: str) -> Actor:
    """The actor of a page session. :raises Unauthenticated: expired, revoked or unknown."""
    return accounts.actor_for_token(deps, token)


def sign_out(deps: Deps, token: str) -> None:
    accounts.revoke_token(deps, token)
