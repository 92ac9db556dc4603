"""Other departments' pulls: cases as CSV, GeoJSON or JSON, the same filters, scope and pages as /cases.

A department pulls with the bearer token of its own account (its "API key"): what it sees is what
that account may read (engine.people.authz), personal data only where its role may see it. Pages
are keyset like every list (``after`` = the previous page's ``next``, also in the ``Link`` header
of a CSV, which has no body member for it).
"""

from __future__ import annotations

import csv
import io
from typing import Any

from flask import Response, request

from engine.cases import queries
from engine.errors import NotFound
from web.api.common import actor, after_arg, bp, date_arg, deps, int_arg, next_url, paged

COLUMNS = ("case_no", "status", "source", "category_code", "description", "address", "lon", "lat", "grid_code",
           "street_code", "district_code", "department_code", "urgency", "reported_at", "filed_at",
           "dispatched_at", "closed_at", "deadline_at", "overdue_count")


@bp.get("/exports/cases.<fmt>")
def export_cases(fmt: str):  # type: ignore[no-untyped-def]
    """Cases the caller may read, newest first: ``fmt`` csv, json or geojson."""
    if fmt not in ("csv", "json", "geojson"):
        raise NotFound(f"format '{fmt}' is not served; use csv, json or geojson")
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
    response = Response("\ufeff" + out.getvalue(), mimetype="text/csv")  # BOM: Excel reads the Chinese
    response.headers["X-Total-Count"] = str(body["total"])
    response.headers["X-Total-Exact"] = "true" if body["total_exact"] else "false"
    link = next_url(body["next"])
    if link:
        response.headers["Link"] = f'<{link}>; rel="next"'
    return response
