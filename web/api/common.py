"""The API blueprint and what every route module shares: authentication, arguments, the JSON body."""


from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask import Blueprint, Response, current_app, g, jsonify, request, url_for

from engine.deps import Deps
from engine.errors import BadRequest, Forbidden, NotFound, Unauthenticated
from engine.exchange import keys
from engine.people import accounts
from engine.people.accounts import ANONYMOUS, Actor
from engine.store import paging
from engine.store.paging import Page
from engine.time.clock import BEIJING, as_utc

bp = Blueprint("api", __name__, url_prefix="/api/v1")
_PUBLIC: set[str] = set()
# What a department system's exchange key may call (GET only): the exports and the reference lists.
KEY_READS = frozenset({"api.export_cases", "api.export_grids", "api.export_components", "api.export_cameras",
                       "api.list_cases", "api.grids", "api.list_components", "api.categories", "api.departments",
                       "api.me"})
MAX_ID = 2**31 - 1  # the largest id or number a path may carry


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
    where = _nul_in(data, "")
    if where is not None:
        raise BadRequest(f"'{where or 'body'}' contains a NUL character", fields={where or "_": "contains NUL"})
    return data


def text_body() -> str:
    """A text body (CSV lines); a NUL character is refused like in JSON."""
    text = request.get_data(as_text=True)
    if "\x00" in text:
        raise BadRequest("the body contains a NUL character", fields={"_": "contains NUL"})
    return text


def _nul_in(value: Any, where: str) -> str | None:
    """The first place in a JSON value holding a NUL character (PostgreSQL text cannot store one)."""
    if isinstance(value, str):
        return where if "\x00" in value else None
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        if isinstance(key, str) and "\x00" in key:
            return where or "_"
        found = _nul_in(item, f"{where}.{key}" if where else str(key))
        if found is not None:
            return found
    return None


def json_object() -> dict[str, Any]:
    """The JSON body, which must be an object (a list or a number is a 400 naming the body)."""
    data = json_body()
    if not isinstance(data, dict):
        raise BadRequest("the body must be a JSON object", fields={"_": "not an object"})
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
    if keys.is_key(token.strip()):
        if request.method != "GET" or request.endpoint not in KEY_READS:
            raise Forbidden("an exchange key reads the exports and the reference lists only (GET /api/v1/exports/…, "
                            "/cases, /grids, /components, /categories, /departments, /me)")
        return keys.actor_for_key(deps(), token.strip())
    return accounts.actor_for_token(deps(), token.strip())


@bp.before_request
def _authenticate() -> None:
    g.actor = bearer_actor(required=request.endpoint not in _PUBLIC)
    for name, value in [*(request.view_args or {}).items(), *request.args.items(multi=True)]:
        if isinstance(value, str) and "\x00" in value:
            raise BadRequest(f"'{name}' contains a NUL character", fields={name: "contains NUL"})
        if isinstance(value, int) and value > MAX_ID:  # no row has it, and the databases' integers overflow
            raise NotFound(f"no such {name.replace('_', ' ')}: {value}")


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


def after_arg() -> str | None:
    """The ``after`` cursor of a list (the ``next`` of the previous page)."""
    raw = request.args.get("after")
    if raw is not None and not 0 < len(raw) <= 500:
        raise BadRequest("'after' must be the 'next' of the previous page", fields={"after": "invalid"})
    return raw or None


def next_url(cursor: str | None) -> str | None:
    """This request's URL with ``after`` set to ``cursor`` (the other arguments kept)."""
    if cursor is None:
        return None
    args = {k: v for k, v in request.args.items(multi=True) if k != "after"}
    return url_for(request.endpoint or "", **(request.view_args or {}), **args, after=cursor, _external=True)


def paged(body: dict[str, Any], cursor: str | None) -> Response:
    """A list's JSON with ``next_url`` and an RFC 8288 ``Link: <…>; rel="next"`` header."""
    link = next_url(cursor)
    response = jsonify({**body, "next_url": link})
    if link:
        response.headers["Link"] = f'<{link}>; rel="next"'
    return response


def page_json(page: Page, **extra: Any) -> Response:
    """The one shape of every list: ``items``, ``next``, ``next_url``, ``total``, ``total_exact``."""
    return paged({"items": page.items, "next": page.next, "total": page.total, "total_exact": page.total_exact,
                  **page.extra, **extra}, page.next)


def list_json(items: list[dict[str, Any]], *key: str, limit_default: int = 100, limit_max: int = 1000,
              extra: dict[str, Any] | None = None, descending: bool = False,
              sort_key: Callable[[dict[str, Any]], list[Any]] | None = None) -> Response:
    """Page a short list the engine returned whole (sorted by ``key``, or by ``sort_key``) in the same shape."""
    limit = int_arg("limit", limit_default, 1, limit_max)
    page = paging.in_memory(items, sort_key or (lambda item: [item[k] for k in key]), after=after_arg(),
                            limit=limit, descending=descending)
    return page_json(page, **(extra or {}))
