"""Tokens and the current user."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request

from engine.errors import BadRequest, Forbidden
from engine.people import accounts
from engine.people.accounts import Actor
from web.api.common import actor, bp, deps, json_object, list_json, public


def user_json(who: Actor) -> dict[str, Any]:
    return {"username": who.username, "display_name": who.display_name, "roles": who.roles(),
            "scopes": [{"role": gr.role, "district_code": gr.district_code, "department_code": gr.department_code}
                       for gr in who.grants]}


@bp.post("/auth/token")
@public
def token():  # type: ignore[no-untyped-def]
    """Exchange a username and password for a bearer token."""
    body = json_object()
    username, password = body.get("username"), body.get("password")
    if not isinstance(username, str) or not isinstance(password, str):
        raise BadRequest("username and password are required strings",
                         fields={k: "required" for k in ("username", "password") if not isinstance(body.get(k), str)})
    who = accounts.verify_login(deps(), username, password)
    value, expires = accounts.issue_token(deps(), who)
    return jsonify(token=value, expires_at=expires, user=user_json(who))


@bp.delete("/auth/token")
def revoke():  # type: ignore[no-untyped-def]
    """Revoke the token this request carries."""
    accounts.revoke_token(deps(), request.headers["Authorization"].partition(" ")[2].strip())
    return "", 204


@bp.get("/me")
def me():  # type: ignore[no-untyped-def]
    return jsonify(user_json(actor()))


@bp.get("/users")
def users():  # type: ignore[no-untyped-def]
    if not actor().is_admin:
        raise Forbidden("only administrators may list users")
    return list_json(accounts.list_users(deps()), "username")
