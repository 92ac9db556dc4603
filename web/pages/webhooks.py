"""推送订阅: the administrator's page of webhook subscriptions, their delivery log and redelivery.

The same use cases as the admin API (engine.exchange.subscriptions); a refused subscription is
shown field by field with what was typed kept, and a new subscription's secret is shown once.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from engine.errors import Invalid
from engine.exchange import subscriptions
from engine.store.exchange_models import EVENT_TYPES
from web.pages.common import actor, deps, login_required

bp = Blueprint("webhooks", __name__, url_prefix="/admin/webhooks")


def _page(*, errors: dict[str, Any] | None = None, values: dict[str, Any] | None = None, status: int = 200):  # type: ignore[no-untyped-def]
    found = subscriptions.subscription_page(deps(), actor(), limit=1000)
    return render_template("admin/webhooks.html", subscriptions=found.items, event_types=EVENT_TYPES,
                           errors=errors or {}, values=values or {}), status


@bp.get("/")
@login_required("admin")
def index():  # type: ignore[no-untyped-def]
    """The receivers and a form to subscribe one."""
    return _page()


@bp.post("/")
@login_required("admin")
def create():  # type: ignore[no-untyped-def]
    form = request.form
    body: dict[str, Any] = {"name": form.get("name", ""), "url": form.get("url", ""),
                            "event_types": form.getlist("event_types"),
                            "district_code": form.get("district_code") or None,
                            "process_key": form.get("process_key") or None}
    try:
        made = subscriptions.create_subscription(deps(), actor(), body)
    except Invalid as exc:
        return _page(errors=exc.fields or {"_": exc.message}, values=body, status=422)
    flash(_("The secret of %(name)s, shown this once: %(secret)s", name=made["name"], secret=made["secret"]), "ok")
    return redirect(url_for("webhooks.index"), code=303)


@bp.post("/<int:subscription_id>/active")
@login_required("admin")
def toggle(subscription_id: int):  # type: ignore[no-untyped-def]
    """Enable or disable a receiver (enabling clears the reason a 410 left)."""
    subscriptions.update_subscription(deps(), actor(), subscription_id, {"active": request.form.get("active") == "1"})
    return redirect(url_for("webhooks.index"), code=303)


@bp.get("/<int:subscription_id>")
@login_required("admin")
def deliveries(subscription_id: int):  # type: ignore[no-untyped-def]
    """The delivery log of one receiver, newest first."""
    sub = subscriptions.get_subscription(deps(), actor(), subscription_id)
    log = subscriptions.delivery_page(deps(), actor(), subscription_id, limit=200)
    return render_template("admin/webhook_deliveries.html", sub=sub, log=log)


@bp.post("/deliveries/<int:delivery_id>/redeliver")
@login_required("admin")
def redeliver(delivery_id: int):  # type: ignore[no-untyped-def]
    sent = subscriptions.redeliver(deps(), actor(), delivery_id)
    flash(_("Delivery %(id)s will be sent again.", id=sent["id"]), "ok")
    return redirect(request.referrer or url_for("webhooks.index"), code=303)
