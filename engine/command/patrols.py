"""Inspectors' patrols (巡查): GPS tracks from 城管通, each day's distance, time and beat coverage.

城管通 records a fix every few seconds while the inspector is on duty and uploads them in batches;
a batch sent again (a retry over a bad connection) stores nothing twice, since a fix is unique by
inspector and time. Tracks are personal data: only the inspector, shift leaders (of the district
of the beat) and administrators see them, and they are deleted after ``patrol.retention_days``.
"""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from engine.deps import Deps
from engine.errors import Forbidden, Invalid, NotFound
from engine.people.accounts import Actor
from engine.places.grids import geocoder
from engine.store.command_models import PatrolPoint
from engine.store.models import Place, User
from engine.time.clock import BEIJING, as_utc, isoformat

MAX_BATCH = 5000
EARTH_M = 6_371_008.8


def _bad(index: int, name: str, message: str) -> Invalid:
    return Invalid(f"points[{index}].{name}: {message}", fields={f"points[{index}].{name}": message})


def parse_points(raw: Any) -> list[tuple[datetime, float, float]]:
    """``[{at, lon, lat}, …]`` → (UTC time, lon, lat); :raises Invalid: naming the first bad point's field."""
    if not isinstance(raw, list) or not 0 < len(raw) <= MAX_BATCH:
        raise Invalid(f"points must be a list of 1–{MAX_BATCH} fixes", fields={"points": "invalid"})
    parsed = []
    for i, point in enumerate(raw):
        if not isinstance(point, dict):
            raise _bad(i, "at", "each point is an object {at, lon, lat}")
        try:
            at = datetime.fromisoformat(str(point.get("at")))
        except ValueError:
            raise _bad(i, "at", "an ISO 8601 time with its offset") from None
        if at.tzinfo is None:
            raise _bad(i, "at", "an ISO 8601 time with its offset")
        for name, low, high in (("lon", -180, 180), ("lat", -90, 90)):
            value = point.get(name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
                raise _bad(i, name, f"WGS84 degrees from {low} to {high}")
        parsed.append((as_utc(at), float(point["lon"]), float(point["lat"])))
    return parsed


def upload_track(deps: Deps, actor: Actor, raw_points: Any) -> dict[str, int]:
    """Store a batch of the inspector's own fixes; fixes already stored are skipped."""
    if actor.id is None or not actor.has_role("inspector"):
        raise Forbidden("only an inspector uploads a patrol track")
    points = parse_points(raw_points)
    with deps.uow(write=True) as uow:
        session = uow.session
        times = [at for at, _, _ in points]
        known = set(session.scalars(select(PatrolPoint.at).where(
            PatrolPoint.user_id == actor.id, PatrolPoint.at.between(min(times), max(times)))))
        fresh = {at: (lon, lat) for at, lon, lat in points if at not in known}
        if fresh:
            session.execute(insert(PatrolPoint), [{"user_id": actor.id, "at": at, "lon": lon, "lat": lat}
                                                  for at, (lon, lat) in fresh.items()])
        uow.commit()
    return {"received": len(points), "stored": len(fresh)}


def _may_see(session: Session, actor: Actor, user_id: int) -> None:
    if actor.id == user_id or actor.is_admin:
        return
    districts = {g.district_code for g in actor.grants if g.role == "shift_leader"}
    if None in districts:
        return
    beat = set(session.scalars(select(Place.district_code).where(Place.inspector_id == user_id)))
    if districts & beat:
        return
    raise Forbidden("a patrol track is seen by the inspector, shift leaders and administrators only")


def _distance_m(lons: np.ndarray, lats: np.ndarray) -> np.ndarray:
    """Great-circle distance between consecutive fixes (haversine), metres."""
    lon, lat = np.radians(lons), np.radians(lats)
    a = np.sin(np.diff(lat) / 2) ** 2 + np.cos(lat[:-1]) * np.cos(lat[1:]) * np.sin(np.diff(lon) / 2) ** 2
    return 2 * EARTH_M * np.arcsin(np.sqrt(np.minimum(a, 1.0)))


def patrol_day(deps: Deps, actor: Actor, username: str, day: date) -> dict[str, Any]:
    """One inspector's day (Beijing date): track, distance, time on patrol, beat grids visited or not."""
    start = as_utc(datetime(day.year, day.month, day.day, tzinfo=BEIJING))
    gap = deps.settings.patrol["gap_minutes"] * 60
    with deps.uow() as uow:
        session = uow.session
        user_id = session.scalar(select(User.id).where(User.username == username))
        if user_id is None:
            raise NotFound(f"no user '{username}'")
        _may_see(session, actor, user_id)
        rows = session.execute(select(PatrolPoint.at, PatrolPoint.lon, PatrolPoint.lat)
                               .where(PatrolPoint.user_id == user_id, PatrolPoint.at >= start,
                                      PatrolPoint.at < start + timedelta(days=1))
                               .order_by(PatrolPoint.at)).all()
        beat = sorted(session.scalars(select(Place.code).where(Place.level == "grid", Place.inspector_id == user_id)))
        index = geocoder(deps, session)
        lons = np.array([r.lon for r in rows], dtype=float)
        lats = np.array([r.lat for r in rows], dtype=float)
        grids = set(index.codes_at(index.locate_many(lons, lats))) - {None} if rows else set()
    seconds = np.array([r.at.timestamp() for r in rows], dtype=float)
    steps = np.diff(seconds) if len(rows) > 1 else np.array([])
    moving = steps <= gap
    distance = float(_distance_m(lons, lats)[moving].sum()) if len(rows) > 1 else 0.0
    visited = [g for g in beat if g in grids]
    return {"username": username, "date": day.isoformat(), "points": len(rows),
            "distance_m": round(distance, 1), "patrol_seconds": int(steps[moving].sum()) if len(steps) else 0,
            "first_at": isoformat(rows[0].at) if rows else None, "last_at": isoformat(rows[-1].at) if rows else None,
            "beat": beat, "visited": visited, "not_visited": [g for g in beat if g not in grids],
            "coverage": round(len(visited) / len(beat), 4) if beat else None,
            "track": [[round(r.lon, 6), round(r.lat, 6)] for r in rows]}


def purge_tracks(deps: Deps) -> int:
    """Delete fixes older than the retention period; return how many (the scheduler calls it)."""
    cutoff = deps.clock.now() - timedelta(days=deps.settings.patrol["retention_days"])
    with deps.uow(write=True) as uow:
        deleted = uow.session.execute(delete(PatrolPoint).where(PatrolPoint.at < cutoff)).rowcount or 0
        uow.commit()
    return int(deleted)


def last_positions(session: Session, now: datetime, minutes: float, district_code: str | None) -> list[dict[str, Any]]:
    """Inspectors with a fix in the last ``minutes`` and where that fix was (the big screen's panel)."""
    since = now - timedelta(minutes=minutes)
    latest = (select(PatrolPoint.user_id, func.max(PatrolPoint.at).label("at"))
              .where(PatrolPoint.at >= since).group_by(PatrolPoint.user_id).subquery())
    rows = session.execute(select(User.display_name, User.username, PatrolPoint.lon, PatrolPoint.lat, PatrolPoint.at)
                           .join(latest, (latest.c.user_id == PatrolPoint.user_id) & (latest.c.at == PatrolPoint.at))
                           .join(User, User.id == PatrolPoint.user_id).order_by(User.username)).all()
    result = []
    for name, username, lon, lat, at in rows:
        if district_code and not _in_district(session, username, district_code):
            continue
        result.append({"name": name, "username": username, "lon": lon, "lat": lat, "at": isoformat(at),
                       "minutes_ago": math.floor((now - at).total_seconds() / 60)})
    return result


def _in_district(session: Session, username: str, district_code: str) -> bool:
    return session.scalar(select(func.count()).select_from(Place).join(User, User.id == Place.inspector_id)
                          .where(User.username == username, Place.district_code == district_code)) > 0


NEAR_RADIUS_M = 200
NEAR_HOURS = 2


def may_see_patrols_near(actor: Actor) -> bool:
    """Whether the actor sees who patrolled near a case (tracks are personal data)."""
    return actor.has_role("shift_leader", "admin")


def patrols_near(deps: Deps, actor: Actor, lon: float, lat: float, at: datetime, *, radius_m: float = NEAR_RADIUS_M,
                 hours: float = NEAR_HOURS) -> list[dict[str, Any]]:
    """Was anyone near? Inspectors with a fix within ``radius_m`` of a point within ``hours`` of ``at``.

    Each: the nearest fix (``at``, ``lon``, ``lat``, ``distance_m``) and ``track``, the inspector's fixes
    within the radius in that window as ``[lat, lon]`` (the case page's map draws them).
    Tracks are personal data: only shift leaders and administrators get an answer (others an empty list).
    """
    if not may_see_patrols_near(actor):
        return []
    dlat = radius_m / 111_320
    dlon = dlat / max(math.cos(math.radians(lat)), 0.01)
    with deps.uow() as uow:
        rows = uow.session.execute(
            select(User.username, User.display_name, PatrolPoint.at, PatrolPoint.lon, PatrolPoint.lat)
            .join(User, User.id == PatrolPoint.user_id)
            .where(PatrolPoint.at.between(at - timedelta(hours=hours), at + timedelta(hours=hours)),
                   PatrolPoint.lon.between(lon - dlon, lon + dlon), PatrolPoint.lat.between(lat - dlat, lat + dlat))
            .order_by(PatrolPoint.at)).all()
    nearest: dict[str, dict[str, Any]] = {}
    tracks: dict[str, list[list[float]]] = {}
    for username, name, when, plon, plat in rows:
        metres = float(_distance_m(np.array([lon, plon]), np.array([lat, plat]))[0])
        if metres > radius_m:
            continue
        tracks.setdefault(username, []).append([round(plat, 6), round(plon, 6)])
        if username not in nearest or metres < nearest[username]["distance_m"]:
            nearest[username] = {"username": username, "name": name, "at": isoformat(when),
                                 "lon": round(plon, 6), "lat": round(plat, 6), "distance_m": round(metres, 1)}
    return sorted(({**n, "track": tracks[n["username"]]} for n in nearest.values()), key=lambda n: n["distance_m"])
