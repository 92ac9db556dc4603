"""Reference data: classes, departments, grids."""

from __future__ import annotations

from flask import request

from engine.errors import BadRequest
from engine.places import grids
from engine.processes import catalog as processes
from engine.standards import catalog
from web.api.common import after_arg, bp, deps, int_arg, list_json, paged, public


@bp.get("/categories")
@public
def categories():  # type: ignore[no-untyped-def]
    return list_json(catalog.list_categories(deps(), request.args.get("standard") or None), "code",
                     limit_default=1000)


@bp.get("/processes")
def processes_list():  # type: ignore[no-untyped-def]
    """The processes a report may start, each as its diagram declares it (names, start roles, stages)."""
    return list_json(processes.list_processes(deps()), "key")


@bp.get("/departments")
def departments():  # type: ignore[no-untyped-def]
    return list_json(catalog.list_departments(deps()), "code")


@bp.get("/grids", endpoint="grids")
def grids_geojson():  # type: ignore[no-untyped-def]
    """Unit grids as GeoJSON, a page by code; ``bbox=minlon,minlat,maxlon,maxlat`` and ``district_code`` filter."""
    bbox = None
    if request.args.get("bbox"):
        try:
            parts = tuple(float(x) for x in request.args["bbox"].split(","))
        except ValueError:
            parts = ()
        if len(parts) != 4:
            raise BadRequest("bbox must be minlon,minlat,maxlon,maxlat", fields={"bbox": "invalid"})
        bbox = parts
    body = grids.grids_geojson(deps(), bbox=bbox, district_code=request.args.get("district_code") or None,
                               limit=int_arg("limit", 1000, 1, 5000), after=after_arg())
    return paged(body, body["next"])
