"""The big screen's use cases: the whole picture once, then what changed since a cursor.

The cursor is ``case_events.id``: every step writes one timeline row per transition in the
same transaction as the case summary, so "events after N" is exactly "cases that moved", read
by the primary key. On PostgreSQL ids are taken at insert but become visible at commit, so a
lower id can appear after a higher one was read; each delta therefore re-reads a short
:data:`OVERLAP` of ids below the cursor (re-sending a point is harmless: the screen replaces it).
"""

from __future__ import annotations

from typing import Any

import shapely
import shapely.geometry
from sqlalchemy import func, select

from engine.command import panels, points
from engine.command.scope import screen_district
from engine.deps import Deps
from engine.errors import Forbidden, Invalid, NotFound
from engine.people.accounts import Actor
from engine.people.authz import may_complete
from engine.store.command_models import Camera
from engine.store.models import Case, CaseEvent, Category, Department, Place, Task
from engine.time.clock import isoformat
from engine.time.lights import light_of

OVERLAP = 64
DELTA_LIMIT = 2000  # more events than this since the cursor: the screen reloads the snapshot


def screen_layout(deps: Deps) -> dict[str, Any]:
    """The city's screen layout (``config.yaml`` ``screen:``), validated at start-up."""
    return dict(deps.settings.screen)


def screen_snapshot(deps: Deps, actor: Actor, district_code: str | None, *,
                    with_points: bool = True) -> dict[str, Any]:
    """Everything the screen shows at once: points of the open cases, the panels, the cursor."""
    district = screen_district(actor, district_code)
    now = deps.clock.now()
    with deps.uow() as uow:
        session = uow.session
        # The cursor first: a step committed after it reaches the screen through the delta.
        cursor = session.scalar(select(func.max(CaseEvent.id))) or 0
        body: dict[str, Any] = {"now": isoformat(now), "cursor": cursor, "district_code": district,
                                "district_name": _place_name(session, district) or deps.settings.city_name,
                                "lights": list(points.LIGHTS)}
        if with_points:
            body["points"] = points.open_points(session, now, district)
            body["cameras"] = _cameras(session, district)
        body["panels"] = {kind: panel(session, now, district) for kind, panel in panels.PANELS.items()
                          if kind in _layout_kinds(deps)}
        return body


def screen_delta(deps: Deps, actor: Actor, since_cursor: int, district_code: str | None = None) -> dict[str, Any]:
    """The open cases that moved after ``since_cursor`` (points to draw again, case numbers to take off).

    ``reset`` asks the screen to reload the snapshot: too much happened since the cursor.
    """
    if since_cursor < 0:
        raise Invalid("'after' must be a cursor of the screen (0 or more)", fields={"after": "invalid"})
    district = screen_district(actor, district_code)
    now = deps.clock.now()
    with deps.uow() as uow:
        session = uow.session
        rows = session.execute(select(CaseEvent.id, CaseEvent.case_id)
                               .where(CaseEvent.id > max(since_cursor - OVERLAP, 0))
                               .order_by(CaseEvent.id).limit(DELTA_LIMIT + 1)).all()
        if len(rows) > DELTA_LIMIT:
            return {"cursor": since_cursor, "reset": True, "upsert": [], "remove": [], "changed": True}
        cursor = max([since_cursor, *(r.id for r in rows)])
        changed_ids = {r.case_id for r in rows}
        new_ids = {r.case_id for r in rows if r.id > since_cursor}
        upsert, remove = points.points_of(session, now, district, changed_ids)
        return {"cursor": cursor, "reset": False, "upsert": upsert, "remove": remove,
                "changed": bool(new_ids), "now": isoformat(now)}


def case_card(deps: Deps, actor: Actor, case_no: str) -> dict[str, Any]:
    """What a click on a point shows: the case in one card, and the open task the actor may take."""
    own = screen_district(actor, None)
    now = deps.clock.now()
    with deps.uow() as uow:
        session = uow.session
        case = session.scalar(select(Case).where(Case.case_no == case_no))
        if case is None:
            raise NotFound(f"no case '{case_no}'")
        if own is not None and case.district_code != own:
            raise Forbidden("a district sub-centre sees its own district only")
        tasks = session.scalars(select(Task).where(Task.case_id == case.id, Task.state == "open")
                                .order_by(Task.priority.desc(), Task.created_at)).all()
        mine = next((t for t in tasks if may_complete(actor, t)), None)
        return {"case_no": case.case_no, "status": case.status, "process_key": case.process_key,
                "source": case.source, "urgency": case.urgency, "description": case.description,
                "address": case.address, "reported_at": isoformat(case.reported_at),
                "deadline_at": isoformat(case.deadline_at),
                "light": light_of(now, case.deadline_warn_at, case.deadline_at),
                "class": session.scalar(select(Category.minor_name).where(Category.code == case.category_code,
                                                                           Category.standard == case.standard)),
                "grid": _place_name(session, case.grid_code), "district": _place_name(session, case.district_code),
                "department": session.scalar(select(Department.name)
                                             .where(Department.code == case.department_code)),
                "tasks": [{"stage": t.stage, "name": t.name, "due_at": isoformat(t.due_at),
                           "light": light_of(now, t.warn_at, t.due_at)} for t in tasks],
                "task_id": mine.id if mine else None}


def _cameras(session: Any, district: str | None) -> list[list[Any]]:
    """The working cameras as ``[lon, lat, code, name]``: a map layer, as compact as the points."""
    query = select(Camera.lon, Camera.lat, Camera.code, Camera.name).where(Camera.state == "active")
    if district:
        query = query.where(Camera.district_code == district)
    return [[round(lon, 6), round(lat, 6), code, name] for lon, lat, code, name in session.execute(query)]


def _layout_kinds(deps: Deps) -> set[str]:
    return {p["kind"] for p in deps.settings.screen["panels"]}


def _place_name(session: Any, code: str | None) -> str | None:
    if not code:
        return None
    return session.scalar(select(Place.name).where(Place.code == code))


def districts_geojson(deps: Deps, actor: Actor, district_code: str | None) -> dict[str, Any]:
    """The outlines of the screen's districts, simplified to about 10 m: the map's frame, not a survey."""
    district = screen_district(actor, district_code)
    query = select(Place.code, Place.name, Place.geometry).where(Place.level == "district")
    if district:
        query = query.where(Place.code == district)
    with deps.uow() as uow:
        rows = uow.session.execute(query.order_by(Place.code)).all()
    features = [{"type": "Feature", "id": code,
                 "geometry": shapely.geometry.mapping(shapely.from_wkb(wkb).simplify(0.0001)),
                 "properties": {"code": code, "name": name}} for code, name, wkb in rows]
    return {"type": "FeatureCollection", "features": features}
