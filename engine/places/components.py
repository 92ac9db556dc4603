"""The component (部件) registry: map layer, nearest components of a class, import.

A component report names the facility by its 16-digit identifier (district 6 + major 2 +
minor 2 + sequence 6, CJ/T 214), so the department knows exactly which manhole cover or
lamp to fix. The operator finds it with :func:`nearby`: the components of the report's
class around the point, nearest first. Identifiers follow the classic 4-digit classes
(``standard`` CJT214-2007); the 2026 standard's identifier rule was not available.

Import files are GeoJSON (Point features) or CSV (columns code, lon, lat and optional
category_code, name, owner_department, state); both go through the same checks.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from engine.deps import Deps
from engine.errors import ImportRefused, Invalid
from engine.people import audit
from engine.people.accounts import Actor
from engine.places.codes import CodeError, validate_component_code
from engine.places.gcj02 import gcj02_to_wgs84_array
from engine.places.geocoder import metres_per_degree
from engine.places.grids import geocoder, to_wgs84
from engine.places.place_import import Problems, features_of, read_geojson
from engine.standards.catalog import category_code as make_category_code
from engine.store import paging
from engine.store.models import Category, Department
from engine.store.places_models import Component

STANDARD = "CJT214-2007"
STATES = ("good", "damaged", "lost", "occupied", "removed")  # 完好 破损 丢失 占用 废弃
MAX_RADIUS_M = 1000.0
NEARBY_MAX = 10_000  # the most components one nearby search reads (a 1 km radius holds a few hundred)
BATCH = 2000
Progress = Callable[[str, int, int], None]


def _view(c: Component, distance_m: float | None = None) -> dict[str, Any]:
    body = {"code": c.code, "category_code": c.category_code, "name": c.name, "lon": c.lon, "lat": c.lat,
            "grid_code": c.grid_code, "owner_department_code": c.owner_department_code, "state": c.state}
    if distance_m is not None:
        body["distance_m"] = round(distance_m, 1)
    return body


def components_geojson(deps: Deps, bbox: tuple[float, float, float, float], *, category_code: str | None = None,
                       limit: int = 5000, after: str | None = None) -> dict[str, Any]:
    """Components inside a lon/lat box as GeoJSON points (a map layer), a keyset page by code.

    The FeatureCollection carries the page as foreign members: ``next``, ``total``, ``total_exact``.
    """
    minx, miny, maxx, maxy = bbox
    query = select(Component).where(Component.lon.between(minx, maxx), Component.lat.between(miny, maxy))
    if category_code:
        query = query.where(Component.category_code == category_code)
    with deps.uow() as uow:
        page = paging.keyset(uow.session, query, [Component.code], after=after, limit=limit,
                             key_of=lambda row: [row[0].code])
        return {"type": "FeatureCollection", "features": [
            {"type": "Feature", "id": c.code, "geometry": {"type": "Point", "coordinates": [c.lon, c.lat]},
             "properties": _view(c)} for (c,) in page.items],
                "next": page.next, "total": page.total, "total_exact": page.total_exact}


def nearby(deps: Deps, lon: float, lat: float, category_code: str, *, radius_m: float = 50.0,
           crs: str | None = None, limit: int = 10) -> list[dict[str, Any]]:
    """The components of one class within ``radius_m`` of a point, nearest first."""
    if not 0 < radius_m <= MAX_RADIUS_M:
        raise Invalid(f"radius_m must be above 0 and at most {MAX_RADIUS_M:g}", fields={"radius_m": "out of range"})
    lon, lat = to_wgs84(lon, lat, crs)
    kx, ky = metres_per_degree(lat)
    dlon, dlat = radius_m / kx, radius_m / ky
    query = select(Component).where(Component.category_code == category_code,
                                    Component.lon.between(lon - dlon, lon + dlon),
                                    Component.lat.between(lat - dlat, lat + dlat))
    with deps.uow() as uow:
        found = []
        for c in uow.session.scalars(query):
            distance = float(np.hypot((c.lon - lon) * kx, (c.lat - lat) * ky))
            if distance <= radius_m:
                found.append((distance, c.code, c))
        found.sort(key=lambda row: (row[0], row[1]))
        return [_view(c, d) for d, _, c in found[:limit]]


def check_component(session: Session, code: str, category_code: str) -> None:
    """A report's ``component_code`` must name a registered component of the report's class.

    :raises Invalid: field-level, naming ``component_code``.
    """
    component = session.get(Component, code)
    if component is None:
        raise Invalid(f"no component '{code}' in the registry", fields={"component_code": "unknown component"})
    if component.category_code != category_code:
        raise Invalid(f"component {code} is of class {component.category_code}, not {category_code}",
                      fields={"component_code": f"a component of class {component.category_code}"})


# --- import ------------------------------------------------------------------------------

@dataclass(frozen=True)
class ComponentsImported:
    inserted: int
    updated: int
    deleted: int


def read_components_file(path: Path) -> list[tuple[str, dict[str, Any]]]:
    """(where, fields) per component of a GeoJSON or CSV file; the format follows the suffix."""
    if path.suffix.lower() == ".csv":
        text = path.read_text(encoding="utf-8-sig")
        reader = csv.DictReader(io.StringIO(text))
        if not {"code", "lon", "lat"} <= set(reader.fieldnames or []):
            raise ImportRefused(path.name, [{"where": "line 1", "code": None,
                                             "reason": "columns code, lon and lat are required"}])
        return [(f"line {n}", {k: (v.strip() if isinstance(v, str) else v) for k, v in row.items() if k})
                for n, row in enumerate(reader, start=2)]
    rows = []
    for n, feature in enumerate(features_of(read_geojson(path), path.name), start=1):
        props = dict((feature or {}).get("properties") or {}) if isinstance(feature, dict) else {}
        geometry = feature.get("geometry") if isinstance(feature, dict) else None
        if isinstance(geometry, dict) and geometry.get("type") == "Point" and len(geometry.get("coordinates") or []) >= 2:
            props["lon"], props["lat"] = geometry["coordinates"][:2]
        else:
            props["lon"] = props["lat"] = None
        rows.append((f"feature {n}", props))
    return rows


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if np.isfinite(number) else None


def _parse_row(where: str, raw: dict[str, Any], problems: Problems, categories: set[str],
               departments: set[str]) -> dict[str, Any] | None:
    """One component line or feature as a row to store, or ``None`` with its first problem recorded."""
    code = str(raw.get("code") or "").strip()
    try:
        parts = validate_component_code(code)
    except CodeError as exc:
        problems.add(where, code or None, str(exc))
        return None
    category = make_category_code("component", parts.category)
    lon, lat = _number(raw.get("lon")), _number(raw.get("lat"))
    owner = str(raw.get("owner_department") or raw.get("owner_department_code") or "").strip() or None
    state = str(raw.get("state") or "good").strip()
    problem = (_class_problem(str(raw.get("category_code") or "").strip(), category, parts.category, categories)
               or _point_problem(lon, lat) or _attribute_problem(owner, state, departments))
    if problem:
        problems.add(where, code, problem)
        return None
    name = str(raw.get("name") or "").strip()[:128] or None
    return {"code": code, "standard": STANDARD, "category_code": category, "name": name, "lon": lon, "lat": lat,
            "district_code": parts.district, "owner_department_code": owner, "state": state}


def _class_problem(given: str, category: str, minor: str, categories: set[str]) -> str | None:
    """The class is the identifier's (major + minor); a ``category_code`` column, if any, must agree."""
    if given and given != category:
        return f"category_code {given} does not match the identifier's class {category}"
    if category not in categories:
        return f"unknown component class {minor} in {STANDARD}"
    return None


def _point_problem(lon: float | None, lat: float | None) -> str | None:
    if lon is None or lat is None or not (-180 <= lon <= 180 and -90 <= lat <= 90):
        return "lon/lat must be WGS84 (or --crs) degrees; a GeoJSON feature must be a Point"
    return None


def _attribute_problem(owner: str | None, state: str, departments: set[str]) -> str | None:
    if owner is not None and owner not in departments:
        return f"unknown owner department '{owner}'"
    if state not in STATES:
        return f"state must be one of {', '.join(STATES)}"
    return None


def import_components(deps: Deps, actor: Actor, rows: list[tuple[str, dict[str, Any]]], *, file: str = "file",
                      replace: bool = False, crs: str | None = None,
                      progress: Progress = lambda *_: None) -> ComponentsImported:
    """Check every component, then store all (upsert by code; ``replace`` empties the registry first).

    Each point must lie in a unit grid of the identifier's district.
    :raises ImportRefused: with every bad line or feature; nothing is stored.
    """
    audit.require_admin(actor)
    to_wgs84(0.0, 0.0, crs)  # refuses an unknown crs before any work
    problems = Problems(file)
    with deps.uow(write=True) as uow:
        session = uow.session
        categories = set(session.scalars(select(Category.code).where(Category.standard == STANDARD,
                                                                     Category.kind == "component")))
        departments = set(session.scalars(select(Department.code)))
        parsed: list[tuple[str, dict[str, Any]]] = []
        seen: set[str] = set()
        for n, (where, raw) in enumerate(rows, start=1):
            row = _parse_row(where, raw, problems, categories, departments)
            if row is not None and row["code"] in seen:
                problems.add(where, row["code"], "duplicate code: appears earlier in the file")
            elif row is not None:
                seen.add(row["code"])
                parsed.append((where, row))
            if n % 1000 == 0 or n == len(rows):
                progress("checking components", n, len(rows))
        if not rows:
            problems.add("file", None, "the file has no components")
        _locate_rows(deps, session, parsed, crs, problems)
        problems.raise_if_any()
        result = _store(deps, session, [row for _, row in parsed], replace, progress)
        audit.record(session, actor, deps.clock.now(), "import_components", "components", file,
                     {"inserted": result.inserted, "updated": result.updated, "deleted": result.deleted,
                      "replace": replace})
        uow.commit()
        return result


def _locate_rows(deps: Deps, session: Session, parsed: list[tuple[str, dict[str, Any]]], crs: str | None,
                 problems: Problems) -> None:
    """Convert to WGS84 and find each point's grid (vectorised): it must be in the code's district."""
    if not parsed:
        return
    lons = np.array([row["lon"] for _, row in parsed])
    lats = np.array([row["lat"] for _, row in parsed])
    if (crs or "wgs84").lower() == "gcj02":
        lons, lats = gcj02_to_wgs84_array(lons, lats)
    index = geocoder(deps, session)
    grids = index.codes_at(index.locate_many(lons, lats))
    for (where, row), lon, lat, grid in zip(parsed, lons.tolist(), lats.tolist(), grids, strict=True):
        row["lon"], row["lat"], row["grid_code"] = lon, lat, grid
        if grid is None:
            problems.add(where, row["code"], "the point is outside the managed area (no unit grid contains it)")
        elif grid[:6] != row["district_code"]:
            problems.add(where, row["code"], f"the point lies in district {grid[:6]}, the identifier says "
                                             f"{row['district_code']}")


def _store(deps: Deps, session: Session, rows: list[dict[str, Any]], replace: bool,
           progress: Progress) -> ComponentsImported:
    now = deps.clock.now()
    deleted = session.execute(delete(Component)).rowcount or 0 if replace else 0
    existing = set() if replace else set(session.scalars(select(Component.code)))
    for row in rows:
        row["updated_at"] = now
    new = [r for r in rows if r["code"] not in existing]
    old = [r for r in rows if r["code"] in existing]
    done = 0
    for batch_rows, statement in ((new, insert(Component)), (old, update(Component))):
        for start in range(0, len(batch_rows), BATCH):
            session.execute(statement, batch_rows[start:start + BATCH])
            done += len(batch_rows[start:start + BATCH])
            progress("storing components", done, len(rows))
    return ComponentsImported(len(new), len(old), deleted)
