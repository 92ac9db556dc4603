"""The JSON API (/api/v1): parse, authenticate, call one use case, return JSON."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, current_app, g, jsonify, request

from engine.clock import as_utc
from engine.errors import BadRequest, Forbidden, Unauthenticated
from engine.services import accounts, cases, catalog, places, reports, tasks
from engine.services.accounts import ANONYMOUS, Actor
from engine.services.deps import Deps

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def deps() -> Deps:
    return current_app.extensions["szcg"]


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
    public = {"api.token", "api.create_report", "api.categories"}
    g.actor = bearer_actor(required=request.endpoint not in public)


def actor() -> Actor:
    return g.actor


@bp.post("/auth/token")
def token():  # type: ignore[no-untyped-def]
    """Exchange a username and password for a bearer token."""
    body = json_body()
    username, password = body.get("username"), body.get("password")
    if not isinstance(username, str) or not isinstance(password, str):
        raise BadRequest("username and password are required strings",
                         fields={k: "required" for k in ("username", "password") if not isinstance(body.get(k), str)})
    who = accounts.verify_login(deps(), username, password)
    value, expires = accounts.issue_token(deps(), who)
    return jsonify(token=value, expires_at=expires, user=_user_json(who))


@bp.delete("/auth/token")
def revoke():  # type: ignore[no-untyped-def]
    """Revoke the token this request carries."""
    accounts.revoke_token(deps(), request.headers["Authorization"].partition(" ")[2].strip())
    return "", 204


def _user_json(who: Actor) -> dict[str, Any]:
    return {"username": who.username, "display_name": who.display_name, "roles": who.roles(),
            "scopes": [{"role": gr.role, "district_code": gr.district_code, "department_code": gr.department_code}
                       for gr in who.grants]}


@bp.post("/reports")
def create_report():  # type: ignore[no-untyped-def]
    """Report a problem; an ``Idempotency-Key`` header makes retries safe."""
    report = reports.parse_report(json_body())
    key = request.headers.get("Idempotency-Key")
    if key is not None and not (0 < len(key) <= 100):
        raise BadRequest("Idempotency-Key must have 1–100 characters", fields={"Idempotency-Key": "length"})
    result = reports.report_case(deps(), actor(), report, key)
    body = {"case_no": result.case_no, "status": result.status, "grid_code": result.grid_code,
            "district_code": result.district_code, "tracking_code": result.tracking_code}
    return jsonify(body), 201 if result.created else 200


@bp.get("/cases/<case_no>")
def get_case(case_no: str):  # type: ignore[no-untyped-def]
    return jsonify(cases.get_case(deps(), actor(), case_no))


@bp.get("/cases")
def list_cases():  # type: ignore[no-untyped-def]
    args = request.args
    flt = cases.CaseFilter(status=args.get("status") or None, district_code=args.get("district_code") or None,
                           department_code=args.get("department_code") or None,
                           date_from=_date_arg("from"), date_to=_date_arg("to"))
    page = _int_arg("page", 1, 1, 100000)
    per_page = _int_arg("per_page", deps().settings.page_size, 1, 200)
    return jsonify(cases.list_cases(deps(), actor(), flt, page=page, per_page=per_page))


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise BadRequest(f"'{name}' must be a whole number from {low} to {high}", fields={name: "invalid"})
    return int(raw)


def _date_arg(name: str) -> datetime | None:
    raw = request.args.get(name)
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise BadRequest(f"'{name}' must be an ISO 8601 date or time", fields={name: "invalid"}) from None
    if value.tzinfo is None:
        from engine.clock import BEIJING

        value = value.replace(tzinfo=BEIJING)
    return as_utc(value)


@bp.get("/tasks")
def list_tasks():  # type: ignore[no-untyped-def]
    limit = _int_arg("limit", 50, 1, 200)
    items = tasks.list_tasks(deps(), actor(), stage=request.args.get("stage") or None, limit=limit)
    return jsonify(items=[t.to_dict() for t in items])


@bp.get("/tasks/<task_id>")
def get_task(task_id: str):  # type: ignore[no-untyped-def]
    return jsonify(tasks.get_task(deps(), actor(), task_id))


@bp.post("/tasks/<task_id>/complete")
def complete_task(task_id: str):  # type: ignore[no-untyped-def]
    result = tasks.complete_task(deps(), actor(), task_id, json_body())
    return jsonify(case_no=result.case_no, status=result.status)


@bp.get("/categories")
def categories():  # type: ignore[no-untyped-def]
    return jsonify(items=catalog.list_categories(deps(), request.args.get("standard") or None))


@bp.get("/departments")
def departments():  # type: ignore[no-untyped-def]
    return jsonify(items=catalog.list_departments(deps()))


@bp.get("/users")
def users():  # type: ignore[no-untyped-def]
    if not actor().is_admin:
        raise Forbidden("only administrators may list users")
    return jsonify(items=accounts.list_users(deps()))


@bp.get("/grids")
def grids():  # type: ignore[no-untyped-def]
    """Unit grids as GeoJSON; ``bbox=minlon,minlat,maxlon,maxlat`` and ``district_code`` filter."""
    bbox = None
    if request.args.get("bbox"):
        try:
            parts = tuple(float(x) for x in request.args["bbox"].split(","))
        except ValueError:
            parts = ()
        if len(parts) != 4:
            raise BadRequest("bbox must be minlon,minlat,maxlon,maxlat", fields={"bbox": "invalid"})
        bbox = parts
    limit = _int_arg("limit", 5000, 1, 50000)
    return jsonify(places.grids_geojson(deps(), bbox=bbox, district_code=request.args.get("district_code") or None,
                                        limit=limit))
