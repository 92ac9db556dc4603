"""Where a case is: a WGS84 point → grid → community → street → district.

The lookup goes through a :class:`Geocoder` kept per process (``deps.extras``) and
rebuilt when the places change, so a report never scans the places table.
"""

from __future__ import annotations

import threading
from typing import Any

import shapely
import shapely.geometry
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.errors import OutsideManagedArea
from engine.places.geocoder import Geocoder, GridHit
from engine.services.deps import Deps
from engine.store.models import Place

_lock = threading.Lock()


def _stamp(session: Session) -> tuple[int, str | None]:
    count, last = session.execute(select(func.count(Place.code), func.max(Place.code))
                                  .where(Place.level == "grid")).one()
    return int(count), last


def geocoder(deps: Deps, session: Session) -> Geocoder:
    """The process's grid index (STRtree), rebuilt only when the grids changed since it was built."""
    stamp = _stamp(session)
    cached = deps.extras.get("geocoder")
    if cached is not None and cached[0] == stamp:
        return cached[1]
    with _lock:
        rows = session.execute(select(Place.code, Place.geometry).where(Place.level == "grid")).all()
        index = Geocoder.build(((r.code, shapely.from_wkb(r.geometry)) for r in rows),
                               near_boundary_m=deps.settings.near_boundary_m)
        deps.extras["geocoder"] = (stamp, index)
    return index


def locate(deps: Deps, session: Session, lon: float, lat: float) -> GridHit:
    """Locate a WGS84 point.

    :raises OutsideManagedArea: the point lies in no unit grid.
    """
    found = geocoder(deps, session).locate(lon, lat)
    if found is None:
        raise OutsideManagedArea("the point is outside the managed area (no unit grid contains it)",
                                 fields={"lon": "outside the managed area", "lat": "outside the managed area"})
    return found


def add_place(session: Session, *, code: str, level: str, name: str, parent_code: str | None, geometry: Any,
              area_class: str | None = None, beat_code: str | None = None) -> Place:
    """Insert one place with its geometry stored as WKB and its bounding box as plain columns."""
    minx, miny, maxx, maxy = geometry.bounds
    place = Place(code=code, level=level, name=name, parent_code=parent_code, district_code=code[:6],
                  geometry=shapely.to_wkb(geometry), minx=minx, miny=miny, maxx=maxx, maxy=maxy,
                  area_class=area_class, beat_code=beat_code)
    session.add(place)
    return place


def grids_geojson(deps: Deps, *, bbox: tuple[float, float, float, float] | None = None,
                  district_code: str | None = None, limit: int = 5000) -> dict[str, Any]:
    """Unit grids as a GeoJSON FeatureCollection, filtered by bounding box and district."""
    query = select(Place).where(Place.level == "grid")
    if district_code:
        query = query.where(Place.district_code == district_code)
    if bbox:
        minx, miny, maxx, maxy = bbox
        query = query.where(Place.maxx >= minx, Place.minx <= maxx, Place.maxy >= miny, Place.miny <= maxy)
    with deps.uow() as uow:
        rows = uow.session.scalars(query.order_by(Place.code).limit(limit)).all()
        features = [
            {"type": "Feature", "id": p.code,
             "geometry": shapely.geometry.mapping(shapely.from_wkb(p.geometry)),
             "properties": {"grid_code": p.code, "name": p.name, "community_code": p.code[:12],
                            "street_code": p.code[:9], "district_code": p.code[:6], "area_class": p.area_class}}
            for p in rows
        ]
        return {"type": "FeatureCollection", "features": features}
