"""公众上报 and 进度查询: the citizen's pages, open to anyone, rate limited per address."""

from __future__ import annotations

import secrets

from flask import Blueprint, jsonify, redirect, render_template, request, send_file, url_for

from engine.cases import attachments, public, reports, views
from engine.errors import BadRequest, Invalid, NotFound
from engine.places import grids
from web.pages.common import client_address, deps, finish, uploads
from web.pages.forms import report_messages, report_payload

bp = Blueprint("public", __name__)
MAX_BBOX_DEGREES = 0.25  # the map asks for grids only when zoomed in


def _report_page(typed: dict[str, str] | None = None, errors: dict[str, str] | None = None,
                 key: str | None = None, status: int = 200):  # type: ignore[no-untyped-def]
    return render_template("public/report.html", values=typed or {}, errors=errors or {},
                           key=key or secrets.token_urlsafe(16), reference=views.reference(deps())), status


@bp.get("/report")
def report():  # type: ignore[no-untyped-def]
    return _report_page()


@bp.post("/report")
def submit_report():  # type: ignore[no-untyped-def]
    """A citizen's report → its tracking code (the page to follow it)."""
    payload, typed = report_payload(request.form, "citizen")
    key = (request.form.get("idempotency_key") or "")[:100] or None
    try:
        made = public.citizen_report(deps(), client_address(), reports.parse_report(payload), key,
                                     uploads("photos"))
    except Invalid as exc:
        return _report_page(typed, report_messages(exc), key, 422)
    return finish(url_for("public.track", code=made.tracking_code, new=1))


@bp.get("/track")
def track_form():  # type: ignore[no-untyped-def]
    code = (request.args.get("code") or "").strip().upper()
    if code:
        return redirect(url_for("public.track", code=code[:16]))
    return render_template("public/track_form.html")


@bp.get("/track/<code>")
def track(code: str):  # type: ignore[no-untyped-def]
    """Status and public timeline of a report: no names, phones, comments or exact position."""
    try:
        case = public.track(deps(), client_address(), code)
    except NotFound:
        return render_template("public/track_form.html", not_found=code), 404
    return render_template("public/track.html", case=case, new=request.args.get("new") == "1")


@bp.get("/track/<code>/photos/<int:attachment_id>/<variant>")
def track_photo(code: str, attachment_id: int, variant: str):  # type: ignore[no-untyped-def]
    """A photo of the tracked case, re-encoded without metadata (never the original)."""
    ref = attachments.public_attachment_file(deps(), code, attachment_id, variant)
    if not ref.path.exists():
        raise NotFound("the file is missing")
    response = send_file(ref.path, mimetype=ref.content_type, max_age=3600)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.get("/map/grids.json", endpoint="grids")
def grids_json():  # type: ignore[no-untyped-def]
    """Unit grid outlines inside a small bounding box, for the maps (public information)."""
    try:
        minx, miny, maxx, maxy = (float(x) for x in request.args.get("bbox", "").split(","))
    except ValueError:
        raise BadRequest("bbox must be minlon,minlat,maxlon,maxlat", fields={"bbox": "invalid"}) from None
    if not (0 <= maxx - minx <= MAX_BBOX_DEGREES and 0 <= maxy - miny <= MAX_BBOX_DEGREES):
        raise BadRequest("the box is too large; zoom in", fields={"bbox": "too large"})
    return jsonify(grids.grids_geojson(deps(), bbox=(minx, miny, maxx, maxy), limit=2000))
