"""What other departments pull besides cases: the camera registry, a keyset page of GeoJSON points.

Grids and components come from their own rooms (engine.places.grids.grids_geojson,
engine.places.components.components_geojson) in the same FeatureCollection page shape; the web
layer turns any of them into JSON items or CSV rows. A camera's stream address is not exported:
other departments get where a camera is and what state it is in, not the way into its video.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from engine.deps import Deps
from engine.store import paging
from engine.store.command_models import Camera


def cameras_geojson(deps: Deps, *, district_code: str | None = None, limit: int = 1000,
                    after: str | None = None) -> dict[str, Any]:
    """Cameras as GeoJSON points, a keyset page by code, with ``next``, ``total`` and ``total_exact``."""
    query = select(Camera)
    if district_code:
        query = query.where(Camera.district_code == district_code)
    with deps.uow() as uow:
        page = paging.keyset(uow.session, query, [Camera.code], after=after, limit=limit,
                             key_of=lambda row: [row[0].code])
        features = [{"type": "Feature", "id": c.code, "geometry": {"type": "Point", "coordinates": [c.lon, c.lat]},
                     "properties": {"code": c.code, "name": c.name, "grid_code": c.grid_code,
                                    "district_code": c.district_code, "owner": c.owner, "state": c.state}}
                    for (c,) in page.items]
    return {"type": "FeatureCollection", "features": features, "next": page.next, "total": page.total,
            "total_exact": page.total_exact}
