"""城管通: the inspector's phone pages — report with GPS and camera, verify and check on site.

Laid out for one hand on a 390×844 screen. Reports carry an idempotency key made when the
form is drawn, so the page's retries over a slow connection (static/js/submit.js) and a
double tap both land on the same case.
"""

from __future__ import annotations

import secrets

from flask import Blueprint, flash, jsonify, render_template, request, url_for
from flask_babel import gettext as _

from engine.cases import attachments, reports, views
from engine.cases.inbox import InboxFilter, inbox
from engine.command import patrols
from engine.errors import BadRequest, Invalid, SzcgError
from web.pages import tasks as task_pages
from web.pages.common import actor, client_address, deps, finish, login_required, uploads
from web.pages.forms import photo_message, report_messages, report_payload

bp = Blueprint("mobile", __name__, url_prefix="/m")


@bp.get("/")
@login_required("inspector")
def home():  # type: ignore[no-untyped-def]
    """My verify and check tasks, most urgent first, and the big report button."""
    page = inbox(deps(), actor(), InboxFilter(lane="inspector"), limit=50)
    return render_template("mobile/home.html", page=page)


def _report_page(typed: dict[str, str] | None = None, errors: dict[str, str] | None = None,
                 key: str | None = None, status: int = 200):  # type: ignore[no-untyped-def]
    return render_template("mobile/report.html", values=typed or {}, errors=errors or {},
                           key=key or secrets.token_urlsafe(16), reference=views.reference(deps())), status


@bp.get("/report")
@login_required("inspector")
def report_form():  # type: ignore[no-untyped-def]
    return _report_page()


@bp.post("/report")
@login_required("inspector")
def report():  # type: ignore[no-untyped-def]
    """Report from the street: GPS point, class, description and at least one photo.

    自处理: a problem the inspector fixed on the spot is reported with ``self_handled`` and needs
    a photo after handling as well; the operator confirms it and the case closes.
    """
    payload, typed = report_payload(request.form, "inspector")
    self_handled = request.form.get("self_handled") == "true"
    if self_handled:
        payload["self_handled"], typed["self_handled"] = True, "true"
    key = (request.form.get("idempotency_key") or "")[:100] or None
    try:
        made = attachments.report_with_photos(deps(), actor(), reports.parse_report(payload), key,
                                              uploads("photos"), photo_required=True,
                                              after_photos=uploads("after_photos") if self_handled else None)
    except Invalid as exc:
        errors = report_messages(exc)
        if "after_photos" in exc.fields:
            code = (exc.details.get("codes") or {}).get("after_photos", "")
            errors["after_photos"] = (_("A self-handled report needs a photo taken after handling.")
                                      if code == "required" else photo_message(code))
        return _report_page(typed, errors, key, 422)
    flash(_("Reported: case %(no)s.", no=made.case_no), "ok")
    return finish(url_for("mobile.home"))


@bp.get("/tasks/<task_id>")
@login_required("inspector")
def task(task_id: str):  # type: ignore[no-untyped-def]
    return task_pages.render_task(views.task_detail(deps(), actor(), task_id, seen_from=client_address()), template="mobile/task.html")


@bp.post("/tasks/<task_id>")
@login_required("inspector")
def complete(task_id: str):  # type: ignore[no-untyped-def]
    """Verify or check on site, with photos from the camera; back to my tasks."""
    return task_pages.submit(task_id, "mobile/task.html", "mobile.home")


@bp.post("/track")
@login_required("inspector")
def track():  # type: ignore[no-untyped-def]
    """A batch of the patrol's GPS fixes kept on the phone (static/js/patrol.js), ``{"points": [...]}``.

    Safe to resend: a fix is stored once per inspector and time, so a batch whose answer was lost
    on a bad connection is simply sent again.
    """
    body = request.get_json(silent=True)
    try:
        if not isinstance(body, dict):
            raise BadRequest("send a JSON object {\"points\": [{at, lon, lat}, …]}", fields={"points": "invalid"})
        return jsonify(patrols.upload_track(deps(), actor(), body.get("points")))
    except SzcgError as exc:  # the phone's script reads JSON, not an error page
        return jsonify(exc.to_dict()), exc.status
