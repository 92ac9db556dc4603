"""The camera registry (视频监控): imported from CSV or GeoJSON like components, all or nothing.

A camera is located like a report — its point must lie in a unit grid — and its stream URL
(RTSP/HLS/FLV) is stored and shown as a link: szcg is not a video server.
"""

from __future__ import annotations

import csv
import io
import math
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from engine.deps import Deps
from engine.people import audit
from engine.people.accounts import Actor
from engine.places.grids import geocoder
from engine.places.place_import import Problems
from engine.store.command_models import CAMERA_STATES, Camera

STREAM_SCHEMES = ("rtsp://", "rtmp://", "http://", "https://")
Row = tuple[str, dict[str, Any]]


def rows_from_csv(text: str) -> list[Row]:
    """CSV lines with a header (code,name,lon,lat,owner,stream_url,state), numbered as the file's lines."""
    reader = csv.DictReader(io.StringIO(text))
    return [(f"line {n}", dict(raw)) for n, raw in enumerate(reader, start=2)]


def rows_from_geojson(collection: Any) -> list[Row]:
    """Point features whose properties carry the CSV's columns (lon and lat from the geometry)."""
    features = collection.get("features") if isinstance(collection, dict) else None
    rows: list[Row] = []
    for n, feature in enumerate(features if isinstance(features, list) else [], start=1):
        props = dict((feature or {}).get("properties") or {})
        geometry = (feature or {}).get("geometry") or {}
        coords = geometry.get("coordinates") if geometry.get("type") == "Point" else None
        if isinstance(coords, list) and len(coords) >= 2:
            props["lon"], props["lat"] = coords[0], coords[1]
        rows.append((f"feature {n}", props))
    return rows


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _parse(where: str, raw: dict[str, Any], problems: Problems) -> dict[str, Any] | None:
    code = str(raw.get("code") or "").strip()
    name = str(raw.get("name") or "").strip()
    lon, lat = _number(raw.get("lon")), _number(raw.get("lat"))
    stream = str(raw.get("stream_url") or "").strip() or None
    state = str(raw.get("state") or "active").strip()
    before = len(problems.items)
    if not code or len(code) > 32:
        problems.add(where, code or None, "code is required (at most 32 characters)")
    if not name:
        problems.add(where, code or None, "name is required")
    if lon is None or lat is None or not (-180 <= lon <= 180 and -90 <= lat <= 90):
        problems.add(where, code or None, "lon and lat must be WGS84 degrees")
    if stream and not stream.lower().startswith(STREAM_SCHEMES):
        problems.add(where, code or None, "stream_url must be an rtsp://, rtmp://, http:// or https:// address")
    if state not in CAMERA_STATES:
        problems.add(where, code or None, f"state must be one of {', '.join(CAMERA_STATES)}")
    if len(problems.items) > before:
        return None
    return {"code": code, "name": name, "lon": lon, "lat": lat, "owner": str(raw.get("owner") or "").strip() or None,
            "stream_url": stream, "state": state}


def import_cameras(deps: Deps, actor: Actor, rows: list[Row], *, file: str = "file", replace: bool = False) -> int:
    """Check every camera, then store all (upsert by code); return how many were stored.

    :raises ImportRefused: naming every bad line or feature; nothing is stored.
    """
    audit.require_admin(actor)
    problems = Problems(file)
    parsed: list[tuple[str, dict[str, Any]]] = []
    seen: set[str] = set()
    for where, raw in rows:
        row = _parse(where, raw, problems)
        if row is not None and row["code"] in seen:
            problems.add(where, row["code"], "duplicate code: appears earlier in the file")
        elif row is not None:
            seen.add(row["code"])
            parsed.append((where, row))
    if not rows:
        problems.add("file", None, "the file has no cameras")
    now = deps.clock.now()
    with deps.uow(write=True) as uow:
        _locate(deps, uow.session, parsed, problems)
        problems.raise_if_any()
        if replace:
            uow.session.execute(delete(Camera))
        for _, row in parsed:
            uow.session.merge(Camera(**row, updated_at=now))
        audit.record(uow.session, actor, now, "cameras_imported", "cameras", file, {"count": len(parsed)})
        uow.commit()
    return len(parsed)


def _locate(deps: Deps, session: Session, parsed: list[tuple[str, dict[str, Any]]], problems: Problems) -> None:
    index = geocoder(deps, session)
    for where, row in parsed:
        hit = index.locate(row["lon"], row["lat"])
        if hit is None:
            problems.add(where, row["code"], "the point is outside the managed area (no unit grid contains it)")
        else:
            row["grid_code"], row["district_code"] = hit.grid_code, hit.grid_code[:6]


def camera_view(c: Camera) -> dict[str, Any]:
    return {"code": c.code, "name": c.name, "lon": c.lon, "lat": c.lat, "grid_code": c.grid_code,
            "district_code": c.district_code, "owner": c.owner, "stream_url": c.stream_url, "state": c.state}


def cameras_near(deps: Deps, lon: float, lat: float, radius_m: float = 500) -> list[dict[str, Any]]:
    """The cameras within ``radius_m`` of a point (a case's), nearest first: the case page's layer."""
    dlat = radius_m / 111_320
    dlon = dlat / max(math.cos(math.radians(lat)), 0.01)
    with deps.uow() as uow:
        rows = uow.session.scalars(select(Camera).where(Camera.lon.between(lon - dlon, lon + dlon),
                                                        Camera.lat.between(lat - dlat, lat + dlat))).all()
    return sorted((camera_view(c) for c in rows), key=lambda c: (c["lon"] - lon) ** 2 + (c["lat"] - lat) ** 2)
