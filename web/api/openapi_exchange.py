"""The OpenAPI operations of webhook subscriptions (web.api.exchange), and the event receivers get."""

from __future__ import annotations

from typing import Any

from web.api.openapi_schemas import BOOL, INT, N_INT, N_STR, STR, TIME, nullable, obj, page_of, ref

EVENT_TYPES = ["case_created", "stage_changed", "answered", "overdue", "closed", "voided", "evaluated"]

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
                    case_no=STR, state={"enum": ["pending", "delivered", "failed"]}, attempts=INT,
                    next_attempt_at=TIME, last_attempt_at=TIME, delivered_at=TIME, last_status=N_INT,
                    last_error=N_STR),
    "WebhookEvent": obj(("type", "timestamp", "data"), type={"enum": EVENT_TYPES}, timestamp=STR,
                        data=obj(("case_no", "status"), case_no=STR, status=STR, stage_from=N_STR, stage_to=N_STR,
                                 district_code=N_STR, process_key=N_STR, category_code=N_STR)),
}


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
        "/admin/webhooks/deliveries/{delivery_id}/redeliver": {"post": op(
            "Send a delivery again (same webhook-id)", ok=ref("Delivery"), **admin,
            params=[{"name": "delivery_id", "in": "path", "required": True,
                     "schema": {"type": "integer", "minimum": 0, "maximum": 2**31 - 1}}])},
    }
