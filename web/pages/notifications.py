"""通知: the signed-in user's notifications (time warnings, overdue, urges), marked read one or all."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from engine.people import notify
from web.pages.common import actor, deps, login_required, safe_next

bp = Blueprint("notifications", __name__, url_prefix="/notifications")

LIMIT = 100
BADGE_CAP = 99


def unread_count(who) -> int:  # type: ignore[no-untyped-def]
    """The number on the bell (capped: the badge says 99+ beyond it)."""
    return len(notify.list_notifications(deps(), who, unread_only=True, limit=BADGE_CAP + 1))


@bp.get("/")
@login_required()
def index():  # type: ignore[no-untyped-def]
    """Newest first; unread ones marked."""
    unread = request.args.get("unread") == "1"
    items = notify.list_notifications(deps(), actor(), unread_only=unread, limit=LIMIT)
    return render_template("notifications/index.html", items=items, unread_only=unread)


@bp.post("/<int:notification_id>/read")
@login_required()
def read_one(notification_id: int):  # type: ignore[no-untyped-def]
    """Mark one read; go on to its case when asked (``next``), else back to the list."""
    notify.mark_read(deps(), actor(), notification_id)
    return redirect(safe_next(request.form.get("next")) or url_for("notifications.index"), code=303)


@bp.post("/read")
@login_required()
def read_all():  # type: ignore[no-untyped-def]
    changed = notify.mark_read(deps(), actor())
    flash(_("%(n)d notification(s) marked read.", n=changed), "ok")
    return redirect(url_for("notifications.index"), code=303)
