"""Places, classes and components: geocoding a point, a class's filing standard, the 部件 registry."""

from __future__ import annotations

from flask import jsonify, request

from engine.errors import BadRequest
from engine.places import components, grids
from engine.standards import filing
from web.api.common import after_arg, bp, deps, float_arg, int_arg, list_json, paged, public


def bbox_arg(required: bool = False) -> tuple[float, float, float, float] | None:
    """``bbox=minlon,minlat,maxlon,maxlat`` as four floats."""
    raw = request.args.get("bbox")
    if not raw:
        if required:
            raise BadRequest("bbox is required (minlon,minlat,maxlon,maxlat)", fields={"bbox": "required"})
        return None
    try:
        parts = tuple(float(x) for x in raw.split(","))
    except ValueError:
        parts = ()
    if len(parts) != 4 or parts[0] > parts[2] or parts[1] > parts[3]:
        raise BadRequest("bbox must be minlon,minlat,maxlon,maxlat", fields={"bbox": "invalid"})
    return parts  # type: ignore[return-value]


@bp.get("/places/locate")
def locate_place():  # type: ignore[no-untyped-def]
    """The grid, community, street and district of a point, its area class and inspector (422 outside)."""
    result = grids.locate_point(deps(), float_arg("lon"), float_arg("lat"), request.args.get("crs"))
    return jsonify(result)


@bp.get("/categories/<code>")
@public
def category(code: str):  # type: ignore[no-untyped-def]
    """A class of the configured standard with its filing conditions, time limits and departments."""
    return jsonify(filing.category_detail(deps(), code, request.args.get("standard") or None))


@bp.get("/components")
def list_components():  # type: ignore[no-untyped-def]
    """Components inside ``bbox`` as GeoJSON points; ``category_code`` filters by class."""
    body = components.components_geojson(deps(), bbox_arg(required=True),
                                         category_code=request.args.get("category_code") or None,
                                         limit=int_arg("limit", 1000, 1, 5000), after=after_arg())
    return paged(body, body["next"])


@bp.get("/components/nearby")
def nearby_components():  # type: ignore[no-untyped-def]
    """The components of one class nearest to a point, to attach the right identifier to a report."""
    category_code = request.args.get("category_code")
    if not category_code:
        raise BadRequest("category_code is required", fields={"category_code": "required"})
    radius = float_arg("radius_m", required=False)
    items = components.nearby(deps(), float_arg("lon"), float_arg("lat"), category_code,
                              radius_m=radius if radius is not None else 50.0, crs=request.args.get("crs"),
                              limit=components.NEARBY_MAX)
    return list_json(items, "distance_m", "code", limit_default=10, limit_max=100)
