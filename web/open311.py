"""Open311 GeoReport v2 at /open311/v2/: XML (required by the spec) and JSON, errors as the spec's list.

Thin like every route: parse the spec's arguments, call engine.exchange.open311, render. XML roots
carry no namespace, as the spec's examples; booleans are ``true``/``false``. ``jurisdiction_id`` is
accepted empty or as the city's code (real clients always send it); any other is a 404.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, Flask, Response, jsonify, request, url_for
from lxml import etree
from werkzeug.exceptions import HTTPException

from engine.deps import Deps
from engine.errors import BadRequest, NotFound, SzcgError
from engine.exchange import open311

bp = Blueprint("open311", __name__, url_prefix="/open311/v2")
FORMATS = ("xml", "json")
# The element name of one item of each list, as in the spec's XML.
ITEMS = {"services": "service", "service_requests": "request", "attributes": "attribute", "values": "value",
         "endpoints": "endpoint", "formats": "format", "errors": "error"}


def register(app: Flask) -> None:
    """Add the Open311 routes; clients post form data without a CSRF token, authenticated by api_key."""
    app.register_blueprint(bp)
    csrf = app.extensions.get("csrf")
    if csrf is not None:
        csrf.exempt(bp)


def _deps() -> Deps:
    from flask import current_app

    return current_app.extensions["szcg"]


def _xml(root: str, value: Any) -> bytes:
    element = etree.Element(root)
    _fill(element, value)
    return etree.tostring(element, xml_declaration=True, encoding="utf-8")


def _fill(element: Any, value: Any) -> None:
    if isinstance(value, list):
        for item in value:
            _fill(etree.SubElement(element, ITEMS.get(element.tag, "item")), item)
    elif isinstance(value, dict):
        for key, item in value.items():
            _fill(etree.SubElement(element, key), item)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = str(value)


def render(fmt: str, root: str, value: Any, status: int = 200) -> Response:
    response = jsonify(value) if fmt == "json" else Response(_xml(root, value), mimetype="text/xml")
    response.status_code = status
    return response


def _format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise NotFound(f"format '{fmt}' is not served; use .xml or .json")
    jurisdiction = request.values.get("jurisdiction_id", "")
    if jurisdiction not in ("", _deps().settings.city_code):
        raise NotFound(f"jurisdiction_id '{jurisdiction}' is not served here")
    return fmt


@bp.errorhandler(SzcgError)
def _domain_error(exc: SzcgError):  # type: ignore[no-untyped-def]
    status = 403 if exc.status in (401, 403) else 404 if exc.status == 404 else 500 if exc.status >= 500 else 400
    return _errors(status, exc.message)


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException):  # type: ignore[no-untyped-def]
    return _errors(exc.code or 500, exc.description or exc.name)


def _errors(status: int, description: str) -> Response:
    fmt = "json" if request.path.endswith(".json") else "xml"
    return render(fmt, "errors", [{"code": status, "description": description}], status)


@bp.get("/discovery.<fmt>")
def discovery(fmt: str):  # type: ignore[no-untyped-def]
    fmt = _format(fmt)
    base = url_for("open311.services", fmt="xml", _external=True).rsplit("/", 1)[0] + "/"
    return render(fmt, "discovery", {
        "changeset": "2026-12-07T00:00:00+08:00", "contact": _deps().settings.city_name, "key_service": "",
        "endpoints": [{"specification": "http://wiki.open311.org/GeoReport_v2", "url": base,
                       "changeset": "2026-12-07T00:00:00+08:00", "type": "production",
                       "formats": ["text/xml", "application/json"]}]})


@bp.get("/services.<fmt>")
def services(fmt: str):  # type: ignore[no-untyped-def]
    return render(_format(fmt), "services", open311.services(_deps()))


@bp.get("/services/<code>.<fmt>")
def service_definition(code: str, fmt: str):  # type: ignore[no-untyped-def]
    fmt = _format(fmt)
    return render(fmt, "service_definition", open311.service_definition(_deps(), code))


@bp.post("/requests.<fmt>")
def create_request(fmt: str):  # type: ignore[no-untyped-def]
    """POST a request (form-encoded; api_key in the query string or the form)."""
    fmt = _format(fmt)
    client = open311.client_for_key(_deps(), request.values.get("api_key"))
    form = {key: request.form.get(key) for key in request.form}
    return render(fmt, "service_requests", open311.submit(_deps(), client, form), 201)


@bp.get("/requests.<fmt>")
def list_requests(fmt: str):  # type: ignore[no-untyped-def]
    fmt = _format(fmt)
    args = request.args
    found = open311.find_requests(
        _deps(), ids=_list("service_request_id"), service_codes=_list("service_code"),
        start=_date(args.get("start_date"), "start_date"), end=_date(args.get("end_date"), "end_date"),
        statuses=_list("status"))
    return render(fmt, "service_requests", found)


@bp.get("/requests/<request_id>.<fmt>")
def get_request(request_id: str, fmt: str):  # type: ignore[no-untyped-def]
    fmt = _format(fmt)
    return render(fmt, "service_requests", open311.get_request(_deps(), request_id))


@bp.route("/<path:rest>", methods=["GET", "POST"])
def unknown(rest: str):  # type: ignore[no-untyped-def]
    raise NotFound(f"no Open311 resource '{rest}'")


def _list(name: str) -> list[str] | None:
    raw = request.args.get(name)
    return [part.strip() for part in raw.split(",") if part.strip()] if raw else None


def _date(raw: str | None, name: str) -> datetime | None:
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise BadRequest(f"{name} must be a W3C date and time (2026-03-10T00:00:00Z)", fields={name: "invalid"}) \
            from None
    if value.tzinfo is None:
        raise BadRequest(f"{name} needs a time zone (Z or +08:00)", fields={name: "invalid"})
    return value
