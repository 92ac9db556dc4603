"""The demo's command room: cameras over the city and this morning's patrols of a few inspectors.

Made through the engine's use cases (camera import, track upload) like any client, once: a
second run finds them and adds nothing.
"""

from __future__ import annotations

from datetime import timedelta

import shapely
from sqlalchemy import select

from engine.command import cameras, patrols
from engine.deps import Deps
from engine.people.accounts import actor_of
from engine.store.command_models import Camera, PatrolPoint
from engine.store.models import Place, User

CAMERA_EVERY = 25       # one camera per this many unit grids
PATROLLING = 10         # inspectors whose morning is on the map
FIX_SECONDS = 10
PATROL_MINUTES = 60


def _admin(deps: Deps):  # type: ignore[no-untyped-def]
    with deps.uow() as uow:
        user = uow.session.scalar(select(User).where(User.username == "admin"))
        return actor_of(uow.session, user) if user is not None else None


def load_cameras(deps: Deps) -> int:
    """A camera at every CAMERA_EVERY-th grid's inner point (never over a city's own registry)."""
    admin = _admin(deps)
    with deps.uow() as uow:
        if admin is None or uow.session.scalar(select(Camera.code).limit(1)) is not None:
            return 0
        grids = uow.session.execute(select(Place.code, Place.name, Place.geometry)
                                    .where(Place.level == "grid").order_by(Place.code)).all()[::CAMERA_EVERY]
    rows = []
    for n, (code, name, wkb) in enumerate(grids, start=1):
        point = shapely.from_wkb(wkb).representative_point()
        rows.append((f"demo {n}", {"code": f"CAM-{code}", "name": f"{name}监控点", "lon": point.x, "lat": point.y,
                                   "owner": "城管局", "stream_url": f"rtsp://video.example/{code}", "state": "active"}))
    return cameras.import_cameras(deps, admin, rows, file="demo cameras") if rows else 0


def load_patrols(deps: Deps) -> int:
    """The last hour's track of a few inspectors, walking from grid to grid of their beat."""
    with deps.uow() as uow:
        if uow.session.scalar(select(PatrolPoint.id).limit(1)) is not None:
            return 0
        users = uow.session.scalars(select(User).join(Place, Place.inspector_id == User.id)
                                    .distinct().order_by(User.username).limit(PATROLLING)).all()
        walkers = []
        for user in users:
            beat = uow.session.scalars(select(Place.geometry).where(Place.inspector_id == user.id,
                                                                     Place.level == "grid").order_by(Place.code))
            stops = [shapely.from_wkb(wkb).representative_point() for wkb in beat]
            walkers.append((actor_of(uow.session, user), stops[: max(1, len(stops) * 2 // 3)]))  # not all of it
    start = deps.clock.now() - timedelta(minutes=PATROL_MINUTES)
    fixes = PATROL_MINUTES * 60 // FIX_SECONDS
    stored = 0
    for who, stops in walkers:
        line = shapely.LineString([(p.x, p.y) for p in stops]) if len(stops) > 1 else None
        points = []
        for i in range(fixes):
            p = line.interpolate(i / (fixes - 1), normalized=True) if line is not None else stops[0]
            points.append({"at": (start + timedelta(seconds=i * FIX_SECONDS)).isoformat(), "lon": p.x, "lat": p.y})
        stored += patrols.upload_track(deps, who, points)["stored"]
    return stored
