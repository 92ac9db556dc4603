"""Import and export places (district, street, community, grid) as GeoJSON, all or nothing.

A city replaces the demo places with its own surveyed layers, one level at a time, top down.
Every feature is checked before anything is written — code (digits, length, parent prefix),
name, geometry (a valid polygon), duplicate code, known parent, and that it lies inside its
parent (within ``containment_tolerance_m``) — and a bad file is refused naming each feature
and reason. ``replace`` makes the file the whole level: places of that level missing from
the file are deleted, the others updated; existing places one level down must still find
their parent in the file and lie inside it (else refused), unless ``drop_lower`` deletes
every lower level first. A grid keeps its inspector and beat across a replace unless the
feature sets them. Cases and components keep their codes as plain strings; components'
grid codes are recomputed from their points after a grid import.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shapely
import shapely.geometry
from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from engine.deps import Deps
from engine.errors import ImportRefused, Invalid
from engine.people import audit
from engine.people.accounts import Actor
from engine.places.codes import LEVELS, CodeError, Level, validate_place_code
from engine.places.geocoder import Geocoder, metres_per_degree
from engine.places.grids import bump_revision, grid_properties
from engine.store.models import Place, User, UserRole
from engine.store.places_models import Component

Progress = Callable[[str, int, int], None]
AREA_CLASSES = ("A", "B", "C")
BATCH = 2000
MAX_PROBLEMS = 50


def _quiet(_label: str, _done: int, _total: int) -> None:
    return None


@dataclass
class Problems:
    """Collected refusals of one file; raised together so the author fixes them in one go."""

    file: str
    items: list[dict[str, str | None]] = field(default_factory=list)

    def add(self, where: str, code: str | None, reason: str) -> None:
        if len(self.items) < MAX_PROBLEMS:
            self.items.append({"where": where, "code": code, "reason": reason})

    def raise_if_any(self) -> None:
        if self.items:
            raise ImportRefused(self.file, self.items)


@dataclass
class NewPlace:
    where: str
    code: str
    name: str
    geometry: Any
    area_class: str | None = None
    beat_code: str | None = None
    inspector: str | None = None


@dataclass(frozen=True)
class PlacesImported:
    level: str
    inserted: int
    updated: int
    deleted: int
    dropped_lower: dict[str, int]
    components_relocated: int
    preview: bool = False


def read_geojson(path: Path) -> dict[str, Any]:
    """Parse a GeoJSON file. :raises ImportRefused: not JSON, naming the line."""
    try:
        return json.loads(path.read_text(encoding="utf-8-sig"))
    except json.JSONDecodeError as exc:
        raise ImportRefused(path.name, [{"where": f"line {exc.lineno}", "code": None,
                                         "reason": f"not valid JSON: {exc.msg}"}]) from None
    except UnicodeDecodeError:
        raise ImportRefused(path.name, [{"where": "file", "code": None, "reason": "not UTF-8 text"}]) from None


def parse_geojson_text(text: str, file: str) -> tuple[Any, list[int]]:
    """An uploaded GeoJSON text and the line each of its features starts on (to name refusals by line).

    :raises ImportRefused: not JSON, naming the line.
    """
    try:
        collection = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportRefused(file, [{"where": f"line {exc.lineno}", "code": None,
                                    "reason": f"not valid JSON: {exc.msg}"}]) from None
    return collection, feature_lines(text)


def feature_lines(text: str) -> list[int]:
    """The line on which each element of the top-level ``features`` array starts (valid JSON only)."""
    lines: list[int] = []
    stack: list[str] = []  # "{", "[", or "F" for the features array
    line, i, n, key, last_string = 1, 0, len(text), None, None
    while i < n:
        c = text[i]
        in_features = bool(stack) and stack[-1] == "F"
        if c == "\n":
            line += 1
        elif c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            if in_features:
                lines.append(line)
            last_string, i = text[i + 1:j], j
        elif c in "{[":
            if in_features:
                lines.append(line)
            top_object = len(stack) == 1 and stack[0] == "{"
            stack.append("F" if c == "[" and top_object and key == "features" else c)
        elif c in "}]":
            if stack:
                stack.pop()
        elif c == ":" and len(stack) == 1:
            key = last_string
        elif c == "," and len(stack) == 1:
            key = None
        elif in_features and not c.isspace() and c != ",":
            lines.append(line)  # a bare number, true, false or null
            while i + 1 < n and text[i + 1] not in ",]\n \t\r":
                i += 1
        i += 1
    return lines


def with_lines(problems: list[dict[str, Any]], lines: list[int]) -> list[dict[str, Any]]:
    """Refusals of a file with the line of the feature each names (``feature 3`` → ``line 17``)."""
    named = []
    for problem in problems:
        where = str(problem.get("where") or "")
        number = where.split(" ", 1)[1] if where.startswith("feature ") else ""
        line = lines[int(number) - 1] if number.isdigit() and 0 < int(number) <= len(lines) else None
        if where.startswith("line ") and where[5:].isdigit():  # the file itself is not JSON
            named.append({**problem, "where": "", "line": int(where[5:])})
        else:
            named.append({**problem, "line": line})
    return named


def features_of(collection: Any, file: str) -> list[Any]:
    if not isinstance(collection, dict) or collection.get("type") != "FeatureCollection" \
            or not isinstance(collection.get("features"), list):
        raise ImportRefused(file, [{"where": "file", "code": None,
                                    "reason": "not a GeoJSON FeatureCollection (type and features)"}])
    return collection["features"]


def _code_text(value: Any) -> str | None:
    """Codes as strings; whole numbers too, as GIS tools often export them."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    return value.strip() if isinstance(value, str) else None


def _parse_feature(number: int, feature: Any, level: Level, problems: Problems) -> NewPlace | None:
    where = f"feature {number}"
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        problems.add(where, None, "not a GeoJSON Feature")
        return None
    props = feature.get("properties") or {}
    code = _code_text(props.get("code"))
    if not code:
        problems.add(where, None, "property 'code' is missing")
        return None
    try:
        validate_place_code(code, level)
    except CodeError as exc:
        problems.add(where, code, str(exc))
        return None
    name = props.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > 128:
        problems.add(where, code, "property 'name' must be a non-empty string of at most 128 characters")
        return None
    parent = _code_text(props.get("parent_code"))
    expected = code[: {"street": 6, "community": 9, "grid": 12}.get(level, 0)] or None
    if parent is not None and parent != expected:
        problems.add(where, code, f"parent_code {parent} is not the prefix of the code ({expected})")
        return None
    geometry = _geometry(feature.get("geometry"), where, code, problems)
    if geometry is None:
        return None
    place = NewPlace(where, code, name.strip(), geometry)
    if level == "grid":
        return _grid_attributes(place, props, problems)
    return place


def _geometry(raw: Any, where: str, code: str, problems: Problems) -> Any:
    if not raw:
        problems.add(where, code, "geometry is missing")
        return None
    try:
        geometry = shapely.geometry.shape(raw)
    except Exception as exc:  # shapely raises several types for malformed GeoJSON
        problems.add(where, code, f"geometry is not readable GeoJSON ({exc.__class__.__name__})")
        return None
    if geometry.geom_type not in ("Polygon", "MultiPolygon"):
        problems.add(where, code, f"geometry must be a Polygon or MultiPolygon, not {geometry.geom_type}")
        return None
    if geometry.is_empty or not geometry.is_valid:
        problems.add(where, code, f"invalid geometry: {shapely.is_valid_reason(geometry)}")
        return None
    lon, lat = geometry.bounds[0], geometry.bounds[1]
    if not (-180 <= lon <= 180 and -90 <= lat <= 90 and geometry.bounds[2] <= 180 and geometry.bounds[3] <= 90):
        problems.add(where, code, "coordinates are not WGS84 longitude/latitude degrees")
        return None
    return geometry


def _grid_attributes(place: NewPlace, props: dict[str, Any], problems: Problems) -> NewPlace | None:
    area_class = props.get("area_class")
    if area_class not in (None, "", *AREA_CLASSES):
        problems.add(place.where, place.code, f"area_class must be one of {', '.join(AREA_CLASSES)}")
        return None
    beat = props.get("beat_code")
    if beat is not None and (not isinstance(beat, str) or not 0 < len(beat) <= 32):
        problems.add(place.where, place.code, "beat_code must be a string of 1-32 characters")
        return None
    inspector = props.get("inspector")
    if inspector is not None and not isinstance(inspector, str):
        problems.add(place.where, place.code, "inspector must be a username")
        return None
    place.area_class, place.beat_code, place.inspector = area_class or None, beat, inspector or None
    return place


def _buffered(geometry: Any, tolerance_m: float) -> Any:
    """The parent widened by the tolerance (in degrees at its latitude), prepared for tests."""
    kx, ky = metres_per_degree((geometry.bounds[1] + geometry.bounds[3]) / 2)
    grown = geometry.buffer(tolerance_m / min(kx, ky)) if tolerance_m > 0 else geometry
    shapely.prepare(grown)
    return grown


def check_containment(children: list[tuple[str, str, Any]], parents: dict[str, Any], tolerance_m: float,
                      problems: Problems, parent_level: str) -> None:
    """Each (where, code, geometry) must have its parent in ``parents`` and lie inside it."""
    grown: dict[str, Any] = {}
    for where, code, geometry in children:
        parent_code = code[: {"district": 6, "street": 9, "community": 12}[parent_level]]
        parent = parents.get(parent_code)
        if parent is None:
            problems.add(where, code, f"unknown parent: no {parent_level} {parent_code}")
            continue
        if parent_code not in grown:
            grown[parent_code] = _buffered(parent, tolerance_m)
        if not shapely.covered_by(geometry, grown[parent_code]):
            outside = shapely.area(shapely.difference(geometry, parent)) / max(shapely.area(geometry), 1e-18)
            problems.add(where, code, f"lies outside its parent {parent_level} {parent_code} "
                                      f"({outside:.1%} of its area)")


def _geometries(session: Session, level: str) -> dict[str, Any]:
    rows = session.execute(select(Place.code, Place.geometry).where(Place.level == level)).all()
    return {r.code: shapely.from_wkb(r.geometry) for r in rows}


def _inspectors(session: Session, places: list[NewPlace], problems: Problems) -> dict[str, int]:
    names = {p.inspector for p in places if p.inspector}
    if not names:
        return {}
    found = dict(session.execute(
        select(User.username, User.id).join(UserRole, UserRole.user_id == User.id)
        .where(User.username.in_(names), UserRole.role == "inspector")).all())
    for p in places:
        if p.inspector and p.inspector not in found:
            problems.add(p.where, p.code, f"inspector '{p.inspector}' is not a user with the inspector role")
    return found


def import_places(deps: Deps, actor: Actor, collection: Any, level: str, *, replace: bool = False,
                  drop_lower: bool = False, file: str = "file", progress: Progress = _quiet,
                  preview: bool = False) -> PlacesImported:
    """Check a GeoJSON FeatureCollection of one level and store it, or refuse all of it.

    With ``preview`` every check and write runs in a transaction that is rolled back: the counts say what
    the import would change, and nothing changes (no audit line either).

    :raises ImportRefused: with every bad feature (up to 50) and its reason; nothing is stored.
    """
    audit.require_admin(actor)
    if level not in LEVELS:
        raise Invalid(f"level must be one of {', '.join(LEVELS)}", fields={"level": "unknown level"})
    features = features_of(collection, file)
    problems = Problems(file)
    places = _parse_features(features, level, problems, progress)
    with deps.uow(write=True) as uow:
        session = uow.session
        inspectors = _inspectors(session, places, problems)
        existing = set(session.scalars(select(Place.code).where(Place.level == level)))
        _check_against_database(session, level, places, existing, problems, replace=replace,
                                drop_lower=drop_lower, tolerance=deps.settings.containment_tolerance_m)
        lower = LEVELS[LEVELS.index(level) + 1:]
        problems.raise_if_any()
        dropped = _drop_levels(session, lower) if replace and drop_lower else {}
        result = _write(session, level, places, inspectors, existing, replace, progress)
        relocated = relocate_components(deps, session) if level == "grid" or dropped.get("grid") else 0
        if preview:
            return PlacesImported(level, *result, dropped, relocated, preview=True)  # rolled back on leaving
        bump_revision(session)
        audit.record(session, actor, deps.clock.now(), "import_places", "places", level,
                     {"file": file, "inserted": result[0], "updated": result[1], "deleted": result[2],
                      "replace": replace, "dropped_lower": dropped})
        uow.commit()
    return PlacesImported(level, *result, dropped, relocated)


def _parse_features(features: list[Any], level: str, problems: Problems, progress: Progress) -> list[NewPlace]:
    """Every feature checked on its own (code, name, geometry, attributes) and against the file's others."""
    places: list[NewPlace] = []
    seen: set[str] = set()
    for number, feature in enumerate(features, start=1):
        place = _parse_feature(number, feature, level, problems)  # type: ignore[arg-type]
        if place is not None and place.code in seen:
            problems.add(place.where, place.code, "duplicate code: appears earlier in the file")
        elif place is not None:
            seen.add(place.code)
            places.append(place)
        if number % 500 == 0 or number == len(features):
            progress("checking features", number, len(features))
    if not features:
        problems.add("file", None, "the collection has no features")
    return places


def _check_against_database(session: Session, level: str, places: list[NewPlace], existing: set[str],
                            problems: Problems, *, replace: bool, drop_lower: bool, tolerance: float) -> None:
    """Codes already stored, each place inside its parent, and (on replace) the children kept inside it."""
    if not replace:
        for p in places:
            if p.code in existing:
                problems.add(p.where, p.code, "duplicate code: already in the database (use --replace)")
    index = LEVELS.index(level)
    if index > 0:
        parent_level = LEVELS[index - 1]
        check_containment([(p.where, p.code, p.geometry) for p in places], _geometries(session, parent_level),
                          tolerance, problems, parent_level)
    lower = LEVELS[index + 1:]
    if replace and lower and not drop_lower:
        _check_kept_children(session, level, lower[0], {p.code: p.geometry for p in places}, tolerance, problems)


def _check_kept_children(session: Session, level: str, child_level: str, new_parents: dict[str, Any],
                         tolerance: float, problems: Problems) -> None:
    """On replace, the places one level down stay: each must still fit in its new parent."""
    children = [(f"{child_level} {code} (in the database)", code, geometry)
                for code, geometry in _geometries(session, child_level).items()]
    before = len(problems.items)
    check_containment(children, new_parents, tolerance, problems, level)
    if len(problems.items) > before:
        problems.add("file", None, f"the {child_level} places above would no longer fit; include their "
                                   f"{level}s in the file, or use --drop-lower to delete all lower levels")


def _drop_levels(session: Session, levels: tuple[Level, ...]) -> dict[str, int]:
    """Delete whole lower levels, bottom up (children reference their parents)."""
    counts = {}
    for level in reversed(levels):
        counts[level] = session.execute(delete(Place).where(Place.level == level)).rowcount or 0
    return counts


def _write(session: Session, level: str, places: list[NewPlace], inspectors: dict[str, int], existing: set[str],
           replace: bool, progress: Progress) -> tuple[int, int, int]:
    rows_new, rows_old = [], []
    for p in places:
        minx, miny, maxx, maxy = p.geometry.bounds
        row: dict[str, Any] = {
            "code": p.code, "level": level, "name": p.name, "district_code": p.code[:6],
            "parent_code": {"street": p.code[:6], "community": p.code[:9], "grid": p.code[:12]}.get(level),
            "geometry": shapely.to_wkb(p.geometry), "minx": minx, "miny": miny, "maxx": maxx, "maxy": maxy,
            "area_m2": _area_m2(p.geometry),
        }
        if level == "grid":
            row["area_class"] = p.area_class
            if p.beat_code is not None:
                row["beat_code"] = p.beat_code
            if p.inspector is not None:
                row["inspector_id"] = inspectors[p.inspector]
        (rows_old if p.code in existing else rows_new).append(row)
    stale = existing - {p.code for p in places} if replace else set()
    stale_list = sorted(stale)
    for start in range(0, len(stale_list), BATCH):
        session.execute(delete(Place).where(Place.code.in_(stale_list[start:start + BATCH])))
    done, total = 0, len(rows_new) + len(rows_old)
    for rows, statement in ((rows_new, insert(Place)), (rows_old, update(Place))):
        for start in range(0, len(rows), BATCH):
            session.execute(statement, rows[start:start + BATCH])
            done += len(rows[start:start + BATCH])
            progress("storing places", done, total)
    return len(rows_new), len(rows_old), len(stale)


def _area_m2(geometry: Any) -> float:
    kx, ky = metres_per_degree(geometry.centroid.y)
    return float(geometry.area * kx * ky)


def relocate_components(deps: Deps, session: Session) -> int:
    """Recompute every component's grid from its point against the grids now in the session."""
    session.flush()
    rows = session.execute(select(Component.code, Component.lon, Component.lat, Component.grid_code)).all()
    if not rows:
        return 0
    grids = session.execute(select(Place.code, Place.geometry).where(Place.level == "grid")).all()
    index = Geocoder.build([(g.code, shapely.from_wkb(g.geometry)) for g in grids])
    found = index.codes_at(index.locate_many(np.array([r.lon for r in rows]), np.array([r.lat for r in rows])))
    changed = [{"code": r.code, "grid_code": g if g and g[:6] == r.code[:6] else None}
               for r, g in zip(rows, found, strict=True) if r.grid_code != g]
    for start in range(0, len(changed), BATCH):
        session.execute(update(Component), changed[start:start + BATCH])
    return len(changed)


def export_places(deps: Deps, level: str) -> dict[str, Any]:
    """One level as a GeoJSON FeatureCollection that :func:`import_places` reads back."""
    if level not in LEVELS:
        raise Invalid(f"level must be one of {', '.join(LEVELS)}", fields={"level": "unknown level"})
    with deps.uow() as uow:
        rows = uow.session.scalars(select(Place).where(Place.level == level).order_by(Place.code)).all()
        extra = grid_properties(uow.session, rows) if level == "grid" else {}
        features = []
        for p in rows:
            props: dict[str, Any] = {"code": p.code, "name": p.name, "level": p.level, "parent_code": p.parent_code,
                                     "area_m2": round(p.area_m2, 1) if p.area_m2 is not None else None}
            if level == "grid":
                props.update(area_class=p.area_class, beat_code=p.beat_code, inspector=extra[p.code]["inspector"])
            features.append({"type": "Feature", "properties": props,
                             "geometry": shapely.geometry.mapping(shapely.from_wkb(p.geometry))})
    return {"type": "FeatureCollection", "name": f"szcg {level} places", "features": features}
