"""The API blueprint and what every route module shares: authentication, arguments, the JSON body."""


from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask import Blueprint, current_app, g, request

from engine.deps import Deps
from engine.errors import BadRequest, Unauthenticated
from engine.people import accounts
from engine.people.accounts import ANONYMOUS, Actor
from engine.time.clock import BEIJING, as_utc

bp = Blueprint("api", __name__, url_prefix="/api/v1")
_PUBLIC: set[str] = set()


def public(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a view as callable without a token (the caller is then the anonymous citizen)."""
    _PUBLIC.add(f"api.{fn.__name__}")
    return fn


def deps() -> Deps:
    return current_app.extensions["szcg"]


def actor() -> Actor:
    return g.actor


def json_body() -> Any:
    data = request.get_json(silent=True)
    if data is None:
        raise BadRequest("the request body must be JSON (Content-Type: application/json)")
    return data


def bearer_actor(required: bool = True) -> Actor:
    """The actor of the request's bearer token; anonymous (citizen) if optional and absent."""
    header = request.headers.get("Authorization", "")
    if not header:
        if required:
            raise Unauthenticated("send 'Authorization: Bearer <token>' (POST /api/v1/auth/token)")
        return ANONYMOUS
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("malformed Authorization header; expected 'Bearer <token>'")
    return accounts.actor_for_token(deps(), token.strip())


@bp.before_request
def _authenticate() -> None:
    g.actor = bearer_actor(required=request.endpoint not in _PUBLIC)


def int_arg(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise BadRequest(f"'{name}' must be a whole number from {low} to {high}", fields={name: "invalid"})
    return int(raw)


def float_arg(name: str, *, required: bool = True) -> float | None:
    raw = request.args.get(name)
    if raw in (None, ""):
        if required:
            raise BadRequest(f"'{name}' is required", fields={name: "required"})
        return None
    try:
        return float(raw)
    except ValueError:
        raise BadRequest(f"'{name}' must be a number", fields={name: "invalid"}) from None


def date_arg(name: str) -> datetime | None:
    """An ISO date or time query argument; without an offset it is Beijing time."""
    raw = request.args.get(name)
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise BadRequest(f"'{name}' must be an ISO 8601 date or time", fields={name: "invalid"}) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=BEIJING)
    return as_utc(value)
