"""The OpenAPI 3.1 document of ``/api/v1``, served at ``/api/v1/openapi.json`` with a Swagger UI page.

One table of operations below, one line of helpers each; the shapes are in
:mod:`web.api.openapi_schemas`. A test fails when a Flask route is missing here (or one here is
not a route), when an example does not validate, and schemathesis fuzzes the app against it.
"""

from __future__ import annotations

from typing import Any

from flask import jsonify, render_template

from web.api import openapi_exchange
from web.api.common import bp, public
from web.api.openapi_schemas import INT, NUM, OBJ, SCHEMAS, STR, obj, page_of, ref

VERSION = "1.0.0"
CURSOR = {"name": "after", "in": "query", "description": "the `next` of the previous page", "schema": STR}


def q(name: str, schema: dict[str, Any] | None = None, *, required: bool = False, doc: str = "") -> dict[str, Any]:
    return {"name": name, "in": "query", "required": required, "schema": schema or STR, "description": doc}


def limit(default: int, high: int) -> dict[str, Any]:
    return q("limit", {"type": "integer", "minimum": 1, "maximum": high, "default": default}, doc="page size")


def paged(*params: dict[str, Any], default: int = 50, high: int = 200) -> list[dict[str, Any]]:
    return [*params, limit(default, high), CURSOR]


ERRORS = {
    "400": "malformed request (a field named in `fields`)", "401": "no token, or a bad or expired one",
    "403": "not allowed for your role or scope", "404": "unknown", "409": "changed meanwhile (task no longer ready)",
    "413": "body too large", "422": "invalid (field by field in `fields`)", "429": "too many; see Retry-After",
}


def _error(code: str) -> dict[str, Any]:
    return {"description": ERRORS[code], "content": {"application/json": {"schema": ref("Error")}}}


def _json(schema: dict[str, Any], description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def op(summary: str, *, ok: dict[str, Any] | None, status: str = "200", params: list[dict[str, Any]] | None = None,
       body: dict[str, Any] | None = None, auth: bool = True, errors: str = "400 401 403 404 422",
       content_type: str = "application/json", tag: str = "cases") -> dict[str, Any]:
    """One operation: its parameters, body, success and error responses, and whether it needs a token."""
    responses: dict[str, Any] = {status: _json(ok) if ok else {"description": "done, no body"}}
    for code in errors.split():
        responses[code] = _error(code)
    operation: dict[str, Any] = {"summary": summary, "tags": [tag], "responses": responses,
                                 "parameters": params or []}
    if body is not None:
        operation["requestBody"] = {"required": True, "content": {content_type: {"schema": body}}}
    if not auth:
        operation["security"] = []
    return operation


def _replayed(operation: dict[str, Any]) -> dict[str, Any]:
    """A report sent again with the same ``Idempotency-Key`` answers 200 with the case made the first time."""
    operation["responses"]["200"] = {**operation["responses"]["201"], "description": "the same report again"}
    return operation


def _html(operation: dict[str, Any]) -> dict[str, Any]:
    operation["responses"]["200"] = {"description": "HTML page", "content": {"text/html": {"schema": STR}}}
    return operation


def path(name: str, doc: str = "") -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string", "minLength": 1},
            "description": doc}


def int_path(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "integer", "minimum": 0,
                                                                      "maximum": 2**31 - 1}}


BBOX = q("bbox", {"type": "string", "pattern": r"^-?[0-9.]+,-?[0-9.]+,-?[0-9.]+,-?[0-9.]+$"},
         doc="minlon,minlat,maxlon,maxlat (WGS84)")
LONLAT = [q("lon", {"type": "number"}, required=True), q("lat", {"type": "number"}, required=True),
          q("crs", {"enum": ["wgs84", "gcj02"]})]
CASE_NO, TASK_ID, KEY = path("case_no", "the case number"), path("task_id"), path("key", "a decision table key")
TEXT = {"type": "string", "examples": ["2027-01-01,holiday,元旦\n"]}


def paths() -> dict[str, dict[str, Any]]:
    """Every ``/api/v1`` operation, keyed by OpenAPI path and method."""
    obj_body = ref("AnyObject")
    table = {
        "/auth/token": {
            "post": op("Exchange a username and password for a bearer token", ok=ref("Token"), auth=False,
                       body={**obj(("username", "password"), username=STR, password=STR),
                             "examples": [{"username": "operator", "password": "demo"}]},
                       errors="400 401 422 429", tag="auth"),
            "delete": op("Revoke the token this request carries", ok=None, status="204", errors="401", tag="auth")},
        "/me": {"get": op("The signed-in user, roles and scopes", ok=ref("Me"), errors="401", tag="auth")},
        "/users": {"get": op("Users (admin)", ok=page_of(ref("UserSummary")), params=paged(default=100, high=1000),
                             tag="admin")},
        "/reports": {"post": _replayed(op("Report a problem; `Idempotency-Key` makes retries safe",
                                          ok=ref("ReportCreated"), status="201", auth=False, body=ref("Report"),
                                          errors="400 401 403 413 422 429",
                                params=[{"name": "Idempotency-Key", "in": "header", "schema": {
                                    "type": "string", "minLength": 1, "maxLength": 100}}]))},
        "/cases": {"get": op("Cases you may read, newest first", ok=ref("CaseList"), params=paged(
            *(q(n) for n in ("status", "district_code", "street_code", "department_code", "category_code", "source")),
            q("from", doc="reported from (ISO 8601 date or time)"), q("to", doc="reported before"),
            q("page", {"type": "integer", "minimum": 1, "maximum": 100000}, doc="page number (prefer `after`)"),
            q("per_page", {"type": "integer", "minimum": 1, "maximum": 200}), default=20))},
        "/cases/{case_no}": {"get": op("A case with its open tasks and timeline", ok=ref("CaseDetail"),
                                       params=[CASE_NO])},
        "/cases/{case_no}/attachments": {
            "get": op("Photos of a case", ok=page_of(ref("Attachment")), params=[CASE_NO, *paged(default=100,
                                                                                               high=1000)]),
            "post": op("Attach images (multipart `file`, repeatable)", ok=obj(("items",), items={
                "type": "array", "items": ref("Attachment")}), status="201", params=[CASE_NO],
                content_type="multipart/form-data", errors="400 401 403 404 413 422",
                body=obj(("file",), file={"type": "string", "contentMediaType": "application/octet-stream"},
                         kind={"enum": ["before", "after", "evidence"]}))},
        "/cases/{case_no}/messages/{name}": {"post": op(
            "Send a message the case's process accepts (who may is in the BPMN)", ok=ref("StepResult"),
            params=[CASE_NO, path("name", "the BPMN message, e.g. urge")], body=obj_body,
            errors="400 401 403 404 409 422")},
        "/cases/{case_no}/urge": {"post": op("督办: urge the department handling the case", ok=ref("StepResult"),
                                             params=[CASE_NO], body=obj_body, errors="400 401 403 404 409 422")},
        "/cases/{case_no}/links": {"post": op(
            "Start a case of another process from this one; both are linked", status="201", params=[CASE_NO],
            ok=obj(("case_no", "linked_from", "process_key", "status"), case_no=STR, linked_from=STR,
                   process_key=STR, status=STR),
            body={**obj(("process", "reason"), process=STR, reason=STR, injuries=INT),
                  "examples": [{"process": "emergency", "reason": "有人受伤"}]}, errors="400 401 403 404 409 422")},
        "/tasks": {"get": op("Your open tasks, urgent first", ok=page_of(ref("Task")),
                             params=paged(q("stage"), q("case_no", doc="only this case's tasks")), tag="tasks")},
        "/tasks/{task_id}": {"get": op("A task with its form", ok=ref("TaskDetail"), params=[TASK_ID], tag="tasks")},
        "/tasks/{task_id}/complete": {"post": op("Complete a task with its form's data", ok=ref("StepResult"),
                                                 params=[TASK_ID], body=ref("FormData"), tag="tasks",
                                                 errors="400 401 403 404 409 422")},
        "/tasks/{task_id}/reassign": {"post": op("Give an open task to another holder of its role (supervisors)",
                                                 ok=ref("AnyObject"), params=[TASK_ID], body=ref("Username"),
                                                 tag="tasks", errors="400 401 403 404 409 422")},
        "/categories": {"get": op("Classes of the configured standard", ok=page_of(ref("Category")), auth=False,
                                  errors="400 401 422",
                                  params=paged(q("standard"), default=1000, high=1000), tag="reference")},
        "/categories/{code}": {"get": op("A class with its filing conditions and time limits", ok=ref("AnyObject"),
                                         auth=False, errors="400 401 404 422", params=[path("code"), q("standard")], tag="reference")},
        "/processes": {"get": op("The processes a report may start, as their diagrams declare them",
                                 ok=page_of(ref("AnyObject")), params=paged(default=100, high=1000), tag="reference")},
        "/departments": {"get": op("Active departments", ok=page_of(ref("Department")),
                                   params=paged(default=100, high=1000), tag="reference")},
        "/grids": {"get": op("Unit grids as GeoJSON, a page by code", ok=ref("FeatureCollection"), tag="places",
                             params=paged(BBOX, q("district_code"), default=1000, high=5000))},
        "/places/locate": {"get": op("The grid and places of a point", ok=ref("Location"), params=LONLAT,
                                     tag="places")},
        "/components": {"get": op("Components inside a box as GeoJSON points", ok=ref("FeatureCollection"),
                                  params=paged({**BBOX, "required": True}, q("category_code"), default=1000,
                                               high=5000), tag="places")},
        "/components/nearby": {"get": op("Components of a class nearest a point", ok=page_of(ref("Component")),
                                         params=paged(*LONLAT, q("category_code", required=True),
                                                      q("radius_m", {"type": "number"}), default=10, high=100),
                                         tag="places")},
        "/notifications": {"get": op("Your notifications, newest first", ok=page_of(ref("Notification")),
                                     params=paged(q("unread", {"enum": ["1", "true", "yes", "0", "false"]})),
                                     tag="people"),
                           },
        "/notifications/read": {"post": op("Mark one (`id`) or all notifications read", ok=obj(
            ("changed",), changed=INT), body={**obj(id=INT), "examples": [{}]}, tag="people")},
        **_admin_paths(obj_body),
        **openapi_exchange.operations(op, path, paged),
        "/openapi.json": {"get": op("This document", ok={"type": "object"}, auth=False, errors="401", tag="meta")},
        "/docs": {"get": _html(op("This document for people (Swagger UI)", ok=None, auth=False, errors="401",
                                    tag="meta"))},
    }
    return {f"/api/v1{key}": value for key, value in table.items()}


def _admin_paths(obj_body: dict[str, Any]) -> dict[str, Any]:
    admin = {"tag": "admin"}
    return {
        "/admin/departments": {
            "get": op("Every department (admin)", ok=page_of(ref("Department")), params=paged(default=100,
                                                                                            high=1000), **admin),
            "post": op("Create a department", ok=ref("Department"), status="201", errors="400 401 403 409 422",
                       body={**obj(("code", "name", "level"), code=STR, name=STR, level={"enum": ["city", "district"]},
                                   district_code=STR, category_codes={"type": "array", "items": STR}),
                             "examples": [{"code": "parks", "name": "园林", "level": "city"}]}, **admin)},
        "/admin/departments/{code}": {"patch": op("Change a department", ok=ref("Department"), params=[path("code")],
                                                  body=obj_body, **admin)},
        "/admin/users": {"post": op("Create a user", ok=obj(("username", "roles"), username=STR, display_name=STR,
                                                            roles={"type": "array", "items": OBJ}), status="201", errors="400 401 403 409 422",
                                    body={**obj(("username", "password"), username=STR, password=STR,
                                                display_name=STR, roles={"type": "array", "items": STR}),
                                          "examples": [{"username": "li", "password": "a-long-password",
                                                        "roles": ["operator"]}]}, **admin)},
        "/admin/users/{username}/roles": {
            "post": op("Grant a role", ok=None, status="204", params=[path("username")],
                       body={**obj(("role",), role=STR, district_code=STR, department_code=STR),
                             "examples": [{"role": "operator"}]}, **admin),
            "delete": op("Revoke a role (the exact grant)", ok=None, status="204", **admin,
                         params=[path("username"), q("role", required=True), q("district_code"),
                                 q("department_code")])},
        "/admin/grids/{grid_code}": {"patch": op("Change a grid's inspector, beat or area class", ok=ref("AnyObject"),
                                                 params=[path("grid_code")], body=obj_body, **admin)},
        "/admin/beats/{beat_code}/inspector": {"put": op("Make `username` the inspector of a beat",
                                                         ok=ref("AnyObject"), params=[path("beat_code")],
                                                         body=ref("Username"), **admin)},
        "/admin/events": {"get": op("The administrators' audit trail, newest first", ok=page_of(ref("AuditEvent")),
                                    params=paged(q("target_type"), q("target"), default=100, high=1000), **admin)},
        "/admin/tables/{key}": {"get": op("A decision table version (the active one by default)", ok=ref("AnyObject"),
                                          params=[KEY, q("version")], **admin)},
        "/admin/tables/{key}/versions": {
            "get": op("A decision table's versions and history", params=[KEY, *paged(default=100, high=1000)],
                      ok=page_of(ref("TableVersion"), also=("history",), history={"type": "array", "items": OBJ}),
                      **admin),
            "post": op("Upload a version (checked; stored as a draft)", ok=ref("AnyObject"), status="201",
                       params=[KEY], body=ref("TableUpload"), **admin)},
        "/admin/tables/{key}/dry-run": {"post": op("Check a table and show which recent cases it would change",
                                                   ok=ref("AnyObject"), body=ref("TableUpload"), **admin,
                                                   params=[KEY, q("days", {"type": "integer", "minimum": 1,
                                                                           "maximum": 3650})])},
        "/admin/tables/{key}/what-if": {"post": op(
            "Replay a candidate time-limits table over past stage tasks: on-time rates before → after",
            ok=ref("AnyObject"), body=ref("TableUpload"), **admin,
            params=[KEY, q("days", {"type": "integer", "minimum": 1, "maximum": 366})])},
        "/screen": {"get": op("The big screen: open cases as points, the panels, the cursor for the delta",
                              ok=ref("AnyObject"), params=[q("district"), q("points", {"enum": ["0", "1"]})],
                              tag="command")},
        "/screen/delta": {"get": op("What moved on the screen after the cursor `after`", ok=ref("AnyObject"),
                                    params=[q("after", {"type": "string", "pattern": "^[0-9]{1,18}$"}, required=True),
                                            q("district")], tag="command")},
        "/screen/cases/{case_no}": {"get": op("One case's card on the screen", ok=ref("AnyObject"), params=[CASE_NO],
                                              tag="command")},
        "/video/events": {"post": op(
            "A video-AI event (multipart, with its `snapshot` image), authorised by `X-Api-Key`", ok=ref("AnyObject"),
            status="201", auth=False, content_type="multipart/form-data", tag="command",
            params=[{"name": "X-Api-Key", "in": "header", "required": True, "schema": STR}],
            body=obj(("event_id", "camera_code", "class_code", "confidence", "at"), event_id=STR, camera_code=STR,
                     class_code=STR, confidence=NUM, at=STR, bbox=STR,
                     snapshot={"type": "string", "contentMediaType": "application/octet-stream"}))},
        "/admin/cameras": {"put": op("Import cameras from CSV or GeoJSON (all or nothing)", ok=ref("AnyObject"),
                                     params=[q("replace", {"enum": ["0", "1"]}), q("file")], body=TEXT,
                                     content_type="text/csv", tag="admin")},
        "/cameras/near": {"get": op("Cameras within 500 m of a point, nearest first", ok=page_of(ref("AnyObject")),
                                    params=paged(q("lon", {**NUM, "minimum": -180, "maximum": 180}, required=True),
                                                 q("lat", {**NUM, "minimum": -90, "maximum": 90}, required=True),
                                                 default=100, high=1000),
                                    tag="command")},
        "/patrols/track": {"post": op("A batch of the signed-in inspector's GPS fixes; safe to resend",
                                      ok=ref("AnyObject"), tag="command",
                                      body={**obj(("points",), points={"type": "array", "items": obj(
                                          ("at", "lon", "lat"), at=STR, lon=NUM, lat=NUM)}),
                                          "examples": [{"points": [{"at": "2026-03-10T09:00:00+08:00",
                                                                     "lon": 87.6, "lat": 43.8}]}]})},
        "/patrols/{username}/{day}": {"get": op("One inspector's day: distance, time on patrol, beat coverage",
                                                ok=ref("AnyObject"), params=[path("username"), path("day")],
                                                tag="command")},
        "/evaluation/plans": {"get": op("The evaluation plans (key, version, name, digest)", tag="evaluation",
                                        ok=page_of(ref("AnyObject")), params=paged(default=100, high=1000))},
        "/evaluation/{object_type}": {"get": op(
            "Scorecards of one object type (grid … city, department, a position) for a period under a plan",
            ok=ref("AnyObject"), params=[path("object_type"), q("period", doc="2026-05, 2026-Q2, 2026-W21, …"),
                                         q("plan")], tag="evaluation")},
        "/evaluation/{object_type}/drill": {"get": op(
            "The cases one figure of one object counted, each with its reason (a page; `after` or `offset`)",
            ok=page_of(ref("AnyObject"), "cases"), tag="evaluation",
            params=[path("object_type"), q("code", required=True), q("figure", required=True), q("period"), q("plan"),
                    q("offset", {"type": "integer", "minimum": 0}), *paged(default=200, high=1000)])},
        "/evaluation/publications": {
            "get": op("Published periods, newest first", ok=page_of(ref("AnyObject")), tag="evaluation",
                      params=paged(default=100, high=1000)),
            "post": op("Publish (freeze) a period that has ended", ok=ref("AnyObject"), status="201",
                       body={**obj(("period",), period=STR, plan=STR), "examples": [{"period": "2026-02"}]},
                       errors="400 401 403 404 409 422", tag="evaluation")},
        "/evaluation/publications/{period}": {"get": op(
            "A published scorecard as frozen", ok=ref("AnyObject"), params=[path("period"), q("plan"),
                                                                           q("object_type")], tag="evaluation")},
        "/evaluation/publications/{period}/compare": {"get": op(
            "Recompute a publication: what changed since", ok=ref("AnyObject"), params=[path("period"), q("plan")],
            tag="evaluation")},
        "/evaluation/hotspots": {"get": op("Hot spots of the period", ok=ref("AnyObject"),
                                           params=[q("period"), q("level", {"enum": ["grid", "street"]})],
                                           tag="evaluation")},
        "/evaluation/recurrences": {"get": op("Recurrences at the same place, most cases first",
                                              ok=page_of(ref("AnyObject")), tag="evaluation",
                                              params=paged(q("period"), default=100, high=1000))},
        "/evaluation/integrity": {"get": op("Integrity signals with their evidence", ok=ref("AnyObject"),
                                            params=[q("period")], tag="evaluation")},
        "/evaluation/distribution": {"get": op("Cases by class, source and stage", ok=ref("AnyObject"),
                                               params=[q("period")], tag="evaluation")},
        "/evaluation/anomalies": {"get": op("Classes far outside their usual range, farthest first",
                                            ok=page_of(ref("AnyObject")), tag="evaluation",
                                            params=paged(q("period"), default=100, high=1000))},
        "/admin/personal-data-views": {"get": op(
            "Who viewed reporters' names and phones, newest first", ok=page_of(ref("AnyObject")),
            params=paged(q("viewer"), q("case_no"), q("field", {"enum": ["reporter_name", "reporter_phone"]}),
                         q("date_from", {"type": "string", "format": "date"}),
                         q("date_to", {"type": "string", "format": "date"}), default=50, high=500), **admin)},
        "/admin/processes/{key}/versions": {"get": op(
            "A process's versions, newest first, with their running cases", ok=page_of(ref("AnyObject")),
            params=[path("key", "a process key"), *paged(default=100, high=1000)], **admin)},
        "/admin/processes/{key}/migrations": {"post": op(
            "Dry-run (default) or run the migration of running cases to another version", ok=ref("AnyObject"),
            params=[path("key", "a process key")],
            body={**obj(("to_version",), to_version=INT, from_version=INT,
                        case_nos={"type": "array", "items": STR}, dry_run={"type": "boolean"}),
                  "examples": [{"to_version": 2, "dry_run": True}]}, **admin)},
        "/admin/tables/{key}/versions/{version}/activate": {"post": op(
            "Activate a version", ok=ref("AnyObject"), params=[KEY, int_path("version")], **admin)},
        "/admin/tables/{key}/versions/{version}/rollback": {"post": op(
            "Activate an older version again", ok=ref("AnyObject"), params=[KEY, int_path("version")], **admin)},
        "/admin/calendar": {"get": op("Loaded calendar years, local days, missing years", ok=ref("AnyObject"),
                                      **admin)},
        "/admin/calendar/years/{year}": {"put": op("Load a year: lines `date,kind,name`", ok=obj(
            ("year",), year=INT, holidays=INT, workdays=INT), params=[int_path("year")], body=TEXT,
            content_type="text/csv", **admin)},
        "/admin/calendar/local-days": {"post": op("Add local days: lines `date,kind,name`", ok=obj(
            ("loaded",), loaded=INT), body=TEXT, content_type="text/csv", **admin)},
    }


def document() -> dict[str, Any]:
    """The whole OpenAPI 3.1 document."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "szcg API", "version": VERSION,
                 "description": "数字城管 JSON API. Errors are `{error, message, fields?}`; every list pages with "
                                "`limit` and `after` (the previous page's `next`)."},
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "paths": paths(),
        "webhooks": {"caseEvent": {"post": {
            "summary": "What a subscription receives: signed per Standard Webhooks (webhook-id, webhook-timestamp, "
                       "webhook-signature = v1,base64(HMAC-SHA256(secret, id.timestamp.body)))",
            "requestBody": {"content": {"application/json": {"schema": ref("WebhookEvent")}}},
            "responses": {"200": {"description": "any 2xx: delivered; 410: stop sending; else retried"}}}}},
        "components": {"schemas": {**SCHEMAS, **openapi_exchange.SCHEMAS}, "securitySchemes": {"bearer": {
            "type": "http", "scheme": "bearer",
            "description": "a token from POST /api/v1/auth/token, or a department system's exchange key (szk_…, "
                           "POST /api/v1/admin/exchange/keys), which reads the exports and reference lists only"}}},
    }


@bp.get("/openapi.json")
@public
def openapi_json():  # type: ignore[no-untyped-def]
    """This API's OpenAPI 3.1 document."""
    return jsonify(document())


@bp.get("/docs")
@public
def api_docs():  # type: ignore[no-untyped-def]
    """The readable documentation: the vendored Swagger UI reading /api/v1/openapi.json."""
    return render_template("api/docs.html")
