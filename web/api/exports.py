"""Other departments' pulls: cases, grids, components and cameras as CSV, GeoJSON or JSON, keyset pages.

Cases have the filters, scope and pages of /cases; grids, components and cameras are reference data,
the same GeoJSON pages as /grids and /components (a CSV row has ``lon``/``lat`` for a point, the
GeoJSON ``geometry`` for a grid's polygon; JSON items are the features' properties with ``id`` and
``geometry``).

A department pulls with the bearer token of its own account (its "API key"): what it sees is what
that account may read (engine.people.authz), personal data only where its role may see it. Pages
are keyset like every list (``after`` = the previous page's ``next``, also in the ``Link`` header
of a CSV, which has no body member for it).
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from flask import Response, request

from engine.cases import queries
from engine.errors import NotFound
from engine.exchange import exports
from engine.places import components, grids
from web.api.common import actor, after_arg, bp, date_arg, deps, int_arg, next_url, paged
from web.api.places import bbox_arg

FORMATS = ("csv", "json", "geojson")
WORLD = (-180.0, -90.0, 180.0, 90.0)

COLUMNS = ("case_no", "status", "source", "category_code", "description", "address", "lon", "lat", "grid_code",
           "street_code", "district_code", "department_code", "urgency", "reported_at", "filed_at",
           "dispatched_at", "closed_at", "deadline_at", "overdue_count")


@bp.get("/exports/cases.<fmt>")
def export_cases(fmt: str):  # type: ignore[no-untyped-def]
    """Cases the caller may read, newest first: ``fmt`` csv, json or geojson."""
    _format(fmt)
    args = request.args
    flt = queries.CaseFilter(status=args.get("status") or None, district_code=args.get("district_code") or None,
                             department_code=args.get("department_code") or None, date_from=date_arg("from"),
                             date_to=date_arg("to"), category_code=args.get("category_code") or None)
    body = queries.list_cases(deps(), actor(), flt, per_page=int_arg("limit", 500, 1, 1000), after=after_arg())
    if fmt == "json":
        return paged(body, body["next"])
    if fmt == "geojson":
        response = paged({"type": "FeatureCollection", "features": [_feature(c) for c in body["items"]],
                          "next": body["next"], "total": body["total"], "total_exact": body["total_exact"]},
                         body["next"])
        response.mimetype = "application/geo+json"
        return response
    return _csv(body)


def _feature(case: dict[str, Any]) -> dict[str, Any]:
    point = {"type": "Point", "coordinates": [case["lon"], case["lat"]]} if case.get("lon") is not None else None
    return {"type": "Feature", "id": case["case_no"], "geometry": point,
            "properties": {k: case.get(k) for k in COLUMNS if k not in ("lon", "lat")}}


def _csv(body: dict[str, Any]) -> Response:
    out = io.StringIO()
    writer = csv.writer(out)
    columns = COLUMNS + (("reporter_name", "reporter_phone") if body["items"] and "reporter_name" in body["items"][0]
                         else ())
    writer.writerow(columns)
    for case in body["items"]:
        writer.writerow(["" if case.get(k) is None else case.get(k) for k in columns])
    return _csv_response(out.getvalue(), body)


def _csv_response(text: str, body: dict[str, Any]) -> Response:
    """A CSV page: the count in ``X-Total-Count``, the next page in the ``Link`` header."""
    response = Response("\ufeff" + text, mimetype="text/csv")  # BOM: Excel reads the Chinese
    response.headers["X-Total-Count"] = str(body["total"])
    response.headers["X-Total-Exact"] = "true" if body["total_exact"] else "false"
    link = next_url(body["next"])
    if link:
        response.headers["Link"] = f'<{link}>; rel="next"'
    return response


def _format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise NotFound(f"format '{fmt}' is not served; use csv, json or geojson")


@bp.get("/exports/grids.<fmt>")
def export_grids(fmt: str):  # type: ignore[no-untyped-def]
    """Unit grids (polygons) by code; ``district_code`` and ``bbox`` filter."""
    _format(fmt)
    return _features(fmt, grids.grids_geojson(deps(), bbox=bbox_arg(), district_code=request.args.get(
        "district_code") or None, limit=int_arg("limit", 1000, 1, 5000), after=after_arg()))


@bp.get("/exports/components.<fmt>")
def export_components(fmt: str):  # type: ignore[no-untyped-def]
    """Components (points) by code; ``bbox`` (default: everywhere) and ``category_code`` filter."""
    _format(fmt)
    return _features(fmt, components.components_geojson(
        deps(), bbox_arg() or WORLD, category_code=request.args.get("category_code") or None,
        limit=int_arg("limit", 1000, 1, 5000), after=after_arg()))


@bp.get("/exports/cameras.<fmt>")
def export_cameras(fmt: str):  # type: ignore[no-untyped-def]
    """Cameras (points, without their stream address) by code; ``district_code`` filters."""
    _format(fmt)
    return _features(fmt, exports.cameras_geojson(deps(), district_code=request.args.get("district_code") or None,
                                                  limit=int_arg("limit", 1000, 1, 5000), after=after_arg()))


def _features(fmt: str, collection: dict[str, Any]) -> Response:
    page = {k: collection[k] for k in ("next", "total", "total_exact")}
    if fmt == "geojson":
        response = paged(collection, collection["next"])
        response.mimetype = "application/geo+json"
        return response
    items = [{"id": f["id"], **f["properties"], "geometry": f["geometry"]} for f in collection["features"]]
    if fmt == "json":
        return paged({"items": items, **page}, collection["next"])
    columns: list[str] = ["id", *(k for k in (items[0] if items else {}) if k not in ("id", "geometry"))]
    points = all(f["geometry"] and f["geometry"]["type"] == "Point" for f in collection["features"])
    columns += ["lon", "lat"] if points else ["geometry"]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    for item in items:
        geometry = item["geometry"] or {}
        cells = {**item, "lon": (geometry.get("coordinates") or [None, None])[0] if points else None,
                 "lat": (geometry.get("coordinates") or [None, None])[1] if points else None,
                 "geometry": json.dumps(geometry, ensure_ascii=False, separators=(",", ":")) if not points else None}
        writer.writerow(["" if cells.get(k) is None else _cell(cells[k]) for k in columns])
    return _csv_response(out.getvalue(), page)


def _cell(value: Any) -> Any:
    return json.dumps(value, ensure_ascii=False) if isinstance(value, dict | list) else value
