"""Where a case is: a WGS84 point → grid → community → street → district.

The lookup goes through a :class:`Geocoder` kept per process (``deps.extras``) and
rebuilt when the places change, so a report never scans the places table. "Changed" is
one primary-key read: every import and administrator's edit bumps the ``places`` revision.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any

import shapely
import shapely.geometry
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.deps import Deps
from engine.errors import Invalid, NotFound, OutsideManagedArea
from engine.places.gcj02 import gcj02_to_wgs84
from engine.places.geocoder import Geocoder, GridHit
from engine.store import paging, revisions
from engine.store.models import Place, User

PLACES_REVISION = "places"
CRS = ("wgs84", "gcj02")
_lock = threading.Lock()


def revision(session: Session) -> int:
    """The places revision (moves with every import or edit of places)."""
    return revisions.current(session).get(PLACES_REVISION, 0)


def bump_revision(session: Session, name: str = PLACES_REVISION) -> None:
    """Tell every process that its cached grid index is stale (in the caller's transaction)."""
    revisions.bump(session, name)


def geocoder(deps: Deps, session: Session) -> Geocoder:
    """The process's grid index (STRtree), rebuilt only when the places revision moved."""

    def build() -> Geocoder:
        rows = session.execute(select(Place.code, Place.geometry).where(Place.level == "grid")).all()
        return Geocoder.build(((r.code, shapely.from_wkb(r.geometry)) for r in rows),
                              near_boundary_m=deps.settings.near_boundary_m)

    return revisions.cached(deps, session, PLACES_REVISION, build)


def to_wgs84(lon: float, lat: float, crs: str | None) -> tuple[float, float]:
    """Convert a point given in ``crs`` (wgs84, the default, or gcj02 from Chinese map apps).

    :raises Invalid: an unknown ``crs``.
    """
    crs = (crs or "wgs84").lower()
    if crs not in CRS:
        raise Invalid(f"crs '{crs}' is not one of {', '.join(CRS)}", fields={"crs": "unknown coordinate system"})
    return gcj02_to_wgs84(lon, lat) if crs == "gcj02" else (lon, lat)


def locate(deps: Deps, session: Session, lon: float, lat: float) -> GridHit:
    """Locate a WGS84 point.

    :raises OutsideManagedArea: the point lies in no unit grid.
    """
    found = geocoder(deps, session).locate(lon, lat)
    if found is None:
        raise OutsideManagedArea("the point is outside the managed area (no unit grid contains it)",
                                 fields={"lon": "outside the managed area", "lat": "outside the managed area"})
    return found


def locate_point(deps: Deps, lon: float, lat: float, crs: str | None = None) -> dict[str, Any]:
    """The grid of a point with its chain of names, area class and responsible inspector.

    :raises OutsideManagedArea: (422) the point lies in no unit grid.
    """
    wlon, wlat = to_wgs84(lon, lat, crs)
    with deps.uow() as uow:
        hit = locate(deps, uow.session, wlon, wlat)
        grid = uow.session.get(Place, hit.grid_code)
        props = grid_properties(uow.session, [grid])[grid.code]
    return {"lon": wlon, "lat": wlat, "input": {"lon": lon, "lat": lat, "crs": (crs or "wgs84").lower()},
            **props, "near_boundary": hit.near_boundary,
            "boundary_distance_m": round(hit.boundary_distance_m, 2),
            "chain": [{"level": level, "code": props[f"{level}_code"], "name": props[f"{level}_name"]}
                      for level in ("grid", "community", "street", "district")]}


def grid_properties(session: Session, grids: Iterable[Place]) -> dict[str, dict[str, Any]]:
    """Codes and names up the chain, area class, beat and inspector username of each grid.

    Two queries whatever the number of grids: the ancestors' names, the inspectors' names.
    """
    grids = list(grids)
    ancestors = {code for g in grids for code in (g.code[:12], g.code[:9], g.code[:6])}
    names = dict(session.execute(select(Place.code, Place.name).where(Place.code.in_(ancestors))).all()) \
        if ancestors else {}
    inspector_ids = {g.inspector_id for g in grids if g.inspector_id is not None}
    usernames = dict(session.execute(select(User.id, User.username).where(User.id.in_(inspector_ids)))
                     .all()) if inspector_ids else {}
    return {g.code: {
        "grid_code": g.code, "grid_name": g.name,
        "community_code": g.code[:12], "community_name": names.get(g.code[:12]),
        "street_code": g.code[:9], "street_name": names.get(g.code[:9]),
        "district_code": g.code[:6], "district_name": names.get(g.code[:6]),
        "area_class": g.area_class, "beat_code": g.beat_code,
        "inspector": usernames.get(g.inspector_id) if g.inspector_id else None,
    } for g in grids}


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
                  district_code: str | None = None, limit: int = 5000, after: str | None = None) -> dict[str, Any]:
    """Unit grids as a GeoJSON FeatureCollection (properties as :func:`locate_point`), a keyset page by code.

    The demo city has 19,300 grids: the collection carries ``next`` (the cursor of the next page),
    ``total`` and ``total_exact`` as GeoJSON foreign members, so a client knows it has not got them all.
    """
    query = select(Place).where(Place.level == "grid")
    if district_code:
        query = query.where(Place.district_code == district_code)
    if bbox:
        minx, miny, maxx, maxy = bbox
        query = query.where(Place.maxx >= minx, Place.minx <= maxx, Place.maxy >= miny, Place.miny <= maxy)
    with deps.uow() as uow:
        page = paging.keyset(uow.session, query, [Place.code], after=after, limit=limit,
                             key_of=lambda row: [row[0].code])
        rows = [p for (p,) in page.items]
        props = grid_properties(uow.session, rows)
        features = [
            {"type": "Feature", "id": p.code,
             "geometry": shapely.geometry.mapping(shapely.from_wkb(p.geometry)),
             "properties": {**props[p.code], "name": p.name}}
            for p in rows
        ]
        return {"type": "FeatureCollection", "features": features, "next": page.next, "total": page.total,
                "total_exact": page.total_exact}


def grid_view(deps: Deps, grid_code: str) -> dict[str, Any]:
    """One grid as :func:`locate_point` describes it (names up the chain, area class, beat, inspector).

    :raises NotFound: no grid with that code.
    """
    with deps.uow() as uow:
        grid = uow.session.get(Place, grid_code)
        if grid is None or grid.level != "grid":
            raise NotFound(f"no grid {grid_code}")
        return {**grid_properties(uow.session, [grid])[grid_code], "name": grid.name,
                "bounds": [grid.minx, grid.miny, grid.maxx, grid.maxy]}
