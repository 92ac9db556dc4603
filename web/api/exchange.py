"""Data exchange (admin role): webhook subscriptions, their delivery log and redelivery; Open311 clients."""

from __future__ import annotations

from flask import jsonify, request

from engine.exchange import keys, open311, subscriptions
from web.api.common import actor, after_arg, bp, deps, int_arg, json_body, json_object, page_json


@bp.get("/admin/webhooks")
def webhooks():  # type: ignore[no-untyped-def]
    return page_json(subscriptions.subscription_page(deps(), actor(), after=after_arg(),
                                                     limit=int_arg("limit", 100, 1, 1000)))


@bp.post("/admin/webhooks")
def create_webhook():  # type: ignore[no-untyped-def]
    """Subscribe a receiver: name, url, event_types, district_code?, process_key?, secret? (shown once)."""
    return jsonify(subscriptions.create_subscription(deps(), actor(), json_body())), 201


@bp.get("/admin/webhooks/<int:subscription_id>")
def get_webhook(subscription_id: int):  # type: ignore[no-untyped-def]
    return jsonify(subscriptions.get_subscription(deps(), actor(), subscription_id))


@bp.patch("/admin/webhooks/<int:subscription_id>")
def update_webhook(subscription_id: int):  # type: ignore[no-untyped-def]
    """Change fields; ``active: true`` re-enables a subscription a 410 disabled."""
    return jsonify(subscriptions.update_subscription(deps(), actor(), subscription_id, json_body()))


@bp.delete("/admin/webhooks/<int:subscription_id>")
def delete_webhook(subscription_id: int):  # type: ignore[no-untyped-def]
    subscriptions.delete_subscription(deps(), actor(), subscription_id)
    return "", 204


@bp.get("/admin/webhooks/<int:subscription_id>/deliveries")
def webhook_deliveries(subscription_id: int):  # type: ignore[no-untyped-def]
    """The delivery log, newest first; ``state`` = pending|delivered|failed filters."""
    return page_json(subscriptions.delivery_page(deps(), actor(), subscription_id,
                                                 state=request.args.get("state") or None, after=after_arg(),
                                                 limit=int_arg("limit", 100, 1, 1000)))


@bp.post("/admin/open311/clients")
def create_open311_client():  # type: ignore[no-untyped-def]
    """Register an Open311 client: {name, district_code?}; the answer carries its api_key, shown once."""
    body = json_object()
    return jsonify(open311.create_client(deps(), actor(), body.get("name"), body.get("district_code"))), 201


@bp.get("/admin/open311/clients")
def open311_clients():  # type: ignore[no-untyped-def]
    """The Open311 clients (no keys), oldest first."""
    return page_json(open311.client_page(deps(), actor(), after=after_arg(), limit=int_arg("limit", 100, 1, 1000)))


@bp.delete("/admin/open311/clients/<int:client_id>")
def revoke_open311_client(client_id: int):  # type: ignore[no-untyped-def]
    """Revoke a client's api_key (audited); the requests it made stay."""
    return jsonify(open311.revoke_client(deps(), actor(), client_id))


@bp.get("/admin/exchange/keys")
def exchange_keys():  # type: ignore[no-untyped-def]
    """Department systems' keys (never the keys), oldest first."""
    return page_json(keys.key_page(deps(), actor(), after=after_arg(), limit=int_arg("limit", 100, 1, 1000)))


@bp.post("/admin/exchange/keys")
def create_exchange_key():  # type: ignore[no-untyped-def]
    """Issue a key for a department's account: {name, username}; the answer carries it, shown once."""
    return jsonify(keys.issue_key(deps(), actor(), json_object())), 201


@bp.delete("/admin/exchange/keys/<int:key_id>")
def revoke_exchange_key(key_id: int):  # type: ignore[no-untyped-def]
    """Revoke a key (audited); it is refused from now on."""
    return jsonify(keys.revoke_key(deps(), actor(), key_id))


@bp.post("/admin/webhooks/deliveries/<int:delivery_id>/redeliver")
def redeliver_webhook(delivery_id: int):  # type: ignore[no-untyped-def]
    """Send a delivery again with the same webhook-id, from the start of the retry schedule."""
    return jsonify(subscriptions.redeliver(deps(), actor(), delivery_id))
