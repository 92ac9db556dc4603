"""The OpenAPI operations of webhook subscriptions (web.api.exchange), and the event receivers get."""

from __future__ import annotations

from typing import Any

from web.api.openapi_schemas import BOOL, INT, N_INT, N_STR, STR, TIME, nullable, obj, page_of, ref

EVENT_TYPES = ["case_created", "stage_changed", "answered", "overdue", "closed", "voided", "evaluated", "sms"]

SCHEMAS: dict[str, Any] = {
    "Subscription": obj(("id", "name", "url", "event_types", "active"), id=INT, name=STR, url=STR,
                        event_types={"type": "array", "items": {"enum": EVENT_TYPES}}, district_code=N_STR,
                        process_key=N_STR, active=BOOL, disabled_reason=N_STR, created_at=TIME, created_by=STR,
                        secret={**STR, "description": "whsec_…; only in the answer to POST"}),
    "SubscriptionInput": {**obj((), name={**STR, "minLength": 1, "maxLength": 100},
                                url={**STR, "format": "uri", "maxLength": 500},
                                event_types={"type": "array", "minItems": 1, "items": {"enum": EVENT_TYPES}},
                                district_code=nullable("string", pattern=r"^\d{6}$"),
                                process_key=nullable("string", maxLength=64),
                                secret={**STR, "pattern": "^whsec_"}, active=BOOL),
                          "additionalProperties": False,
                          "examples": [{"name": "12345 hotline", "url": "https://hotline.example.org/szcg",
                                        "event_types": ["answered", "closed"]}]},
    "Delivery": obj(("id", "msg_id", "event_type", "state", "attempts"), id=INT, msg_id=STR, event_type=STR,
                    case_no=N_STR, state={"enum": ["pending", "delivered", "failed"]}, attempts=INT,
                    next_attempt_at=TIME, last_attempt_at=TIME, delivered_at=TIME, last_status=N_INT,
                    last_error=N_STR),
    "HotlineOrder": {**obj(("order_no", "called_at", "appeal_type", "content", "category_code"),
                           order_no={**STR, "pattern": "^[0-9A-Za-z_-]{1,64}$", "description": "工单编号"},
                           called_at={**STR, "format": "date-time", "description": "来电时间"},
                           appeal_type={"enum": ["咨询", "求助", "投诉", "建议", "举报", "consultation", "help",
                                                 "complaint", "suggestion", "report"], "description": "诉求类型"},
                           content={**STR, "minLength": 1, "maxLength": 2000, "description": "内容"},
                           address={**STR, "maxLength": 255, "description": "地址; located by place names "
                                                                          "when there are no coordinates"},
                           category_code={**STR, "minLength": 1, "maxLength": 8,
                                          "description": "the szcg class; others are refused with a reason"},
                           lon={"type": "number"}, lat={"type": "number"}, crs={"enum": ["wgs84", "gcj02"]},
                           contact_name={**STR, "maxLength": 64, "description": "联系人"},
                           contact_phone={**STR, "maxLength": 32, "description": "电话"}),
                     "additionalProperties": False,
                     "examples": [{"order_no": "12345-20260310-0001", "called_at": "2026-03-10T09:30:00+08:00",
                                   "appeal_type": "投诉", "content": "小区门口垃圾三天没人清运",
                                   "address": "天山区第一社区", "category_code": "20102",
                                   "contact_name": "王女士", "contact_phone": "13900000000"}]},
    "Open311Client": obj(("id", "name", "active", "requests"), id=INT, name=STR, district_code=N_STR, active=BOOL,
                         created_at=TIME, requests={**INT, "minimum": 0}),
    "ExchangeKey": obj(("id", "name", "username", "active"), id=INT, name=STR, username=STR,
                       department_code=N_STR, created_at=TIME, created_by=STR, revoked_at=TIME, active=BOOL),
    "HotlineOrderTaken": obj(("order_no", "case_no", "status", "tracking_code", "created"), order_no=STR,
                             case_no=STR, status=STR, tracking_code=STR, created=BOOL),
    "WebhookEvent": obj(("type", "timestamp", "data"), type={"enum": EVENT_TYPES}, timestamp=STR,
                        data=obj(("case_no", "status"), case_no=STR, status=STR, stage_from=N_STR, stage_to=N_STR,
                                 district_code=N_STR, process_key=N_STR, category_code=N_STR)),
}


def _export(operation: dict[str, Any]) -> dict[str, Any]:
    operation["responses"]["200"] = {"description": "one page; the next in the Link header (and `next` in JSON)",
                                     "content": {"text/csv": {"schema": STR},
                                                 "application/json": {"schema": ref("CaseList")},
                                                 "application/geo+json": {"schema": ref("FeatureCollection")}}}
    return operation


def _place_export(operation: dict[str, Any]) -> dict[str, Any]:
    operation["responses"]["200"] = {"description": "one page; the next in the Link header (and `next` in JSON)",
                                     "content": {"text/csv": {"schema": STR},
                                                 "application/json": {"schema": page_of(ref("AnyObject"))},
                                                 "application/geo+json": {"schema": ref("FeatureCollection")}}}
    return operation


def _place_exports(op: Any, paged: Any) -> dict[str, Any]:
    fmt = {"name": "fmt", "in": "path", "required": True, "schema": {"enum": ["csv", "json", "geojson"]}}
    bbox = {"name": "bbox", "in": "query", "description": "minlon,minlat,maxlon,maxlat (WGS84)",
            "schema": {"type": "string", "pattern": r"^-?[0-9.]+,-?[0-9.]+,-?[0-9.]+,-?[0-9.]+$"}}
    district = {"name": "district_code", "in": "query", "schema": STR}
    filters = {"grids": (district, bbox), "components": (bbox, {"name": "category_code", "in": "query",
                                                                "schema": STR}), "cameras": (district,)}
    summaries = {"grids": "Unit grids (polygons)", "components": "Components (points)",
                 "cameras": "Cameras (points, without their stream address)"}
    return {f"/exports/{kind}.{{fmt}}": {"get": _place_export(op(
        f"{summaries[kind]} as CSV, JSON or GeoJSON by code (a department's pull)", ok=None, tag="exchange",
        params=[fmt, *paged(*filters[kind], default=1000, high=5000)]))} for kind in ("grids", "components", "cameras")}


def _replayed(operation: dict[str, Any]) -> dict[str, Any]:
    operation["responses"]["200"] = {**operation["responses"]["201"], "description": "the same order again"}
    return operation


def operations(op: Any, path: Any, paged: Any) -> dict[str, Any]:
    """The subscription routes, built with web.api.openapi's helpers."""
    sub_id = {"name": "subscription_id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 0, "maximum": 2**31 - 1}}
    admin = {"tag": "webhooks"}
    return {
        "/admin/webhooks": {
            "get": op("Webhook subscriptions (admin)", ok=page_of(ref("Subscription")),
                      params=paged(default=100, high=1000), **admin),
            "post": op("Subscribe a receiver; the answer carries its secret, shown once", ok=ref("Subscription"),
                       status="201", body=ref("SubscriptionInput"), **admin)},
        "/admin/webhooks/{subscription_id}": {
            "get": op("A subscription", ok=ref("Subscription"), params=[sub_id], **admin),
            "patch": op("Change a subscription; `active: true` re-enables one a 410 disabled", ok=ref("Subscription"),
                        params=[sub_id], body=ref("SubscriptionInput"), **admin),
            "delete": op("Remove a subscription and its delivery log", ok=None, status="204", params=[sub_id],
                         **admin)},
        "/admin/webhooks/{subscription_id}/deliveries": {"get": op(
            "The delivery log, newest first", ok=page_of(ref("Delivery")), **admin,
            params=[sub_id, *paged({"name": "state", "in": "query", "schema": {
                "enum": ["pending", "delivered", "failed"]}}, default=100, high=1000)])},
        "/admin/exchange/keys": {
            "get": op("Department systems' exchange keys (never the keys)", ok=page_of(ref("ExchangeKey")),
                      params=paged(default=100, high=1000), **admin),
            "post": op("Issue an exchange key for a department's account; the answer carries it, shown once",
                       status="201", ok={"allOf": [ref("ExchangeKey"), obj(("api_key",), api_key=STR)]}, **admin,
                       body={**obj(("name", "username"), name={**STR, "minLength": 1, "maxLength": 100},
                                   username={**STR, "minLength": 1, "maxLength": 64}),
                             "examples": [{"name": "环卫系统", "username": "sanitation_650102"}]})},
        "/admin/exchange/keys/{key_id}": {"delete": op(
            "Revoke an exchange key (audited)", ok=ref("ExchangeKey"), **admin,
            params=[{"name": "key_id", "in": "path", "required": True,
                     "schema": {"type": "integer", "minimum": 0, "maximum": 2**31 - 1}}])},
        "/admin/open311/clients/{client_id}": {"delete": op(
            "Revoke an Open311 client's api_key (audited); its requests stay", ok=ref("Open311Client"),
            params=[{"name": "client_id", "in": "path", "required": True,
                     "schema": {"type": "integer", "minimum": 0, "maximum": 2**31 - 1}}], **admin)},
        "/admin/open311/clients": {
            "get": op("Open311 clients (never their keys), with their request counts", **admin,
                      ok=page_of(ref("Open311Client")), params=paged(default=100, high=1000)),
            "post": op(
            "Register an Open311 client; the answer carries its api_key, shown once", status="201", **admin,
            ok=obj(("id", "name", "api_key"), id=INT, name=STR, district_code=N_STR, api_key=STR),
            body={**obj(("name",), name={**STR, "minLength": 1, "maxLength": 100},
                        district_code=nullable("string", pattern=r"^\d{6}$")),
                  "examples": [{"name": "FixMyStreet", "district_code": "650102"}]}, errors="400 401 403 422")},
        "/exports/cases.{fmt}": {"get": _export(op(
            "Cases you may read as CSV, JSON or GeoJSON (a department's pull), newest first", ok=None, tag="exchange",
            params=[{"name": "fmt", "in": "path", "required": True, "schema": {"enum": ["csv", "json", "geojson"]}},
                    *paged(*({"name": n, "in": "query", "schema": STR} for n in (
                        "status", "district_code", "department_code", "category_code", "from", "to")),
                           default=500, high=1000)]))},
        **_place_exports(op, paged),
        "/hotline/orders": {"post": _replayed(op(
            "12345 work order in; the same order_no again answers 200 with the same case", ok=ref("HotlineOrderTaken"),
            status="201", body=ref("HotlineOrder"), tag="exchange", errors="400 401 403 409 422"))},
        "/admin/webhooks/deliveries/{delivery_id}/redeliver": {"post": op(
            "Send a delivery again (same webhook-id)", ok=ref("Delivery"), **admin,
            params=[{"name": "delivery_id", "in": "path", "required": True,
                     "schema": {"type": "integer", "minimum": 0, "maximum": 2**31 - 1}}])},
    }
