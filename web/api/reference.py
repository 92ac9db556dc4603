"""Reference data: classes, departments, grids."""

from __future__ import annotations

from flask import jsonify, request

from engine.errors import BadRequest
from engine.places import grids
from engine.processes import catalog as processes
from engine.standards import catalog
from web.api.common import bp, deps, int_arg, public


@bp.get("/categories")
@public
def categories():  # type: ignore[no-untyped-def]
    return jsonify(items=catalog.list_categories(deps(), request.args.get("standard") or None))


@bp.get("/processes")
def processes_list():  # type: ignore[no-untyped-def]
    """The processes a report may start, each as its diagram declares it (names, start roles, stages)."""
    return jsonify(items=processes.list_processes(deps()))


@bp.get("/departments")
def departments():  # type: ignore[no-untyped-def]
    return jsonify(items=catalog.list_departments(deps()))


@bp.get("/grids", endpoint="grids")
def grids_geojson():  # type: ignore[no-untyped-def]
    """Unit grids as GeoJSON; ``bbox=minlon,minlat,maxlon,maxlat`` and ``district_code`` filter."""
    bbox = None
    if request.args.get("bbox"):
        try:
            parts = tuple(float(x) for x in request.args["bbox"].split(","))
        except ValueError:
            parts = ()
        if len(parts) != 4:
            raise BadRequest("bbox must be minlon,minlat,maxlon,maxlat", fields={"bbox": "invalid"})
        bbox = parts
    limit = int_arg("limit", 5000, 1, 50000)
    return jsonify(grids.grids_geojson(deps(), bbox=bbox, district_code=request.args.get("district_code") or None,
                                        limit=limit))
