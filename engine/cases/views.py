"""Read models for the pages: one case with everything its page shows, a task with its case,
the case search with names, and the reference lists the filters offer. Never runs the engine.

Each function issues a fixed number of queries whatever the size of the result (names are
fetched for all rows at once), so list pages cost the same with 2 rows or 200.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import shapely
import shapely.geometry
from sqlalchemy import select

from engine.cases import queries, tasks
from engine.deps import Deps
from engine.errors import Forbidden, NotFound
from engine.people.accounts import Actor
from engine.people.authz import case_clause, may_complete, may_see_personal_data
from engine.processes import catalog as process_catalog
from engine.store.models import Case, CaseEvent, Category, Department, Place, ProcessDefinition, Task, User
from engine.store.ui_models import Attachment
from engine.time.clock import isoformat
from engine.time.lights import light_of

NEIGHBOUR_MARGIN = 1.0   # neighbouring grids: those within one grid's width of the case's grid


@dataclass(frozen=True)
class Reference:
    """What filters and pickers offer: classes, departments, districts and streets."""

    categories: list[dict[str, str]]
    departments: list[dict[str, Any]]
    districts: list[tuple[str, str]]
    streets: list[tuple[str, str, str]]
    processes: list[dict[str, Any]] = field(default_factory=list)  # startable processes, as their diagrams say

    @property
    def department_names(self) -> dict[str, str]:
        return {d["code"]: d["name"] for d in self.departments}

    @property
    def category_names(self) -> dict[str, str]:
        return {c["code"]: c["minor_name"] for c in self.categories}

    @property
    def place_names(self) -> dict[str, str]:
        return {**dict(self.districts), **{code: name for code, name, _ in self.streets}}


def reference(deps: Deps) -> Reference:
    """Classes of the configured standard, active departments, districts and streets (3 queries)."""
    standard = deps.settings.classification_standard
    with deps.uow() as uow:
        session = uow.session
        categories = [
            {"code": c.code, "kind": c.kind, "major_code": c.major_code, "major_name": c.major_name,
             "minor_name": c.minor_name}
            for c in session.scalars(select(Category).where(Category.standard == standard).order_by(Category.code))
        ]
        departments = [
            {"code": d.code, "name": d.name, "level": d.level, "district_code": d.district_code,
             "group": d.district_code or ""}
            for d in session.scalars(select(Department).where(Department.active.is_(True))
                                     .order_by(Department.level, Department.district_code, Department.code))
        ]
        places = session.execute(select(Place.code, Place.name, Place.level, Place.district_code)
                                 .where(Place.level.in_(("district", "street"))).order_by(Place.code)).all()
    districts = [(p.code, p.name) for p in places if p.level == "district"]
    streets = [(p.code, p.name, p.district_code) for p in places if p.level == "street"]
    return Reference(categories, departments, districts, streets, process_catalog.list_processes(deps))


def _readable_case(session: Any, actor: Actor, case_no: str) -> Case:
    case = session.scalar(select(Case).where(Case.case_no == case_no))
    if case is None:
        raise NotFound(f"no case '{case_no}'")
    if session.scalar(select(Case.id).where(Case.id == case.id, case_clause(actor))) is None:
        raise Forbidden("you may not read this case")
    return case


def _grid_features(session: Any, grid_code: str) -> list[dict[str, Any]]:
    """The case's grid and the grids around it, as GeoJSON features (the case's one flagged)."""
    own = session.get(Place, grid_code)
    if own is None:
        return []
    dx, dy = (own.maxx - own.minx) * NEIGHBOUR_MARGIN, (own.maxy - own.miny) * NEIGHBOUR_MARGIN
    rows = session.scalars(select(Place).where(
        Place.level == "grid", Place.maxx >= own.minx - dx, Place.minx <= own.maxx + dx,
        Place.maxy >= own.miny - dy, Place.miny <= own.maxy + dy).order_by(Place.code).limit(200)).all()
    return [{"type": "Feature", "id": p.code, "geometry": shapely.geometry.mapping(shapely.from_wkb(p.geometry)),
             "properties": {"grid_code": p.code, "name": p.name, "own": p.code == grid_code}} for p in rows]


def case_detail(deps: Deps, actor: Actor, case_no: str) -> dict[str, Any]:
    """Everything the case page shows, if the actor may read the case.

    :raises NotFound: no such case. :raises Forbidden: the actor may not read it.
    """
    now = deps.clock.now()
    with deps.uow() as uow:
        session = uow.session
        case = _readable_case(session, actor, case_no)
        body = queries.case_summary(case, personal=may_see_personal_data(actor))
        body["id"] = case.id
        body["linked_case_no"] = queries.linked_case_no(session, case)
        body["process_version"] = queries.process_version(session, case)
        category = session.scalar(select(Category).where(Category.standard == case.standard,
                                                         Category.code == case.category_code))
        body["category_name"] = category.minor_name if category else None
        body["major_name"] = category.major_name if category else None
        codes = [case.grid_code, case.community_code, case.street_code, case.district_code]
        names = dict(session.execute(select(Place.code, Place.name).where(Place.code.in_(codes))).all())
        body["place_names"] = {level: names.get(code) for level, code in
                               zip(("grid", "community", "street", "district"), codes, strict=True)}
        body["department_name"] = session.scalar(select(Department.name).where(
            Department.code == case.department_code)) if case.department_code else None
        events = session.execute(
            select(CaseEvent, User.display_name).outerjoin(User, User.id == CaseEvent.actor_id)
            .where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)).all()
        body["timeline"] = [{**queries.event_view(e), "actor_name": name} for e, name in events]
        open_tasks = session.execute(
            select(Task, User.username).outerjoin(User, User.id == Task.assignee_id)
            .where(Task.case_id == case.id, Task.state == "open").order_by(Task.created_at)).all()
        body["tasks"] = [{"id": t.id, "stage": t.stage, "name": t.name, "lane": t.lane, "assignee": assignee,
                          "department_code": t.department_code, "district_code": t.district_code,
                          "scope": t.scope, "created_at": isoformat(t.created_at), "due_at": t.due_at,
                          "light": light_of(now, t.warn_at, t.due_at), "mine": may_complete(actor, t)}
                         for t, assignee in open_tasks]
        photos = session.scalars(select(Attachment).where(Attachment.case_id == case.id).order_by(Attachment.id))
        body["attachments"] = [
            {"id": a.id, "kind": a.kind, "stage": a.stage, "width": a.width, "height": a.height,
             "uploaded_by": a.uploaded_by, "uploaded_at": isoformat(a.uploaded_at), "exif_lon": a.exif_lon,
             "exif_lat": a.exif_lat, "exif_taken_at": a.exif_taken_at} for a in photos]
        body["duplicate_of"] = session.scalar(select(Case.case_no).where(Case.id == case.duplicate_of_id)) \
            if case.duplicate_of_id else None
        body["duplicates"] = [{"case_no": no, "status": status} for no, status in session.execute(
            select(Case.case_no, Case.status).where(Case.duplicate_of_id == case.id).order_by(Case.id))]
        body["grids"] = {"type": "FeatureCollection", "features": _grid_features(session, case.grid_code)}
        body["forms"] = session.scalar(select(ProcessDefinition.forms).where(
            ProcessDefinition.id == case.definition_id)) or {}
        body["deadline"] = case.deadline_at
        body["overdue"] = _overdue(now, case.status, case.deadline_at, case.closed_at)
        return body


def _overdue(now: datetime, status: str, deadline: datetime | None, closed_at: datetime | None) -> bool:
    if deadline is None:
        return False
    if closed_at is not None:
        return closed_at > deadline
    return status not in queries.FINISHED and now > deadline


def task_detail(deps: Deps, actor: Actor, task_id: str) -> dict[str, Any]:
    """A task with its form, its case as the case page shows it, and the departments to pick from.

    :raises NotFound: no such task. :raises Forbidden: not the actor's to take.
    """
    task = tasks.get_task(deps, actor, task_id)
    with deps.uow() as uow:
        row = uow.session.get(Task, task_id)
        task["warn_at"], task["due_at_dt"] = row.warn_at, row.due_at
        task["light"] = light_of(deps.clock.now(), row.warn_at, row.due_at)
        task["completed_by"] = uow.session.scalar(select(User.display_name).where(
            User.id == row.completed_by_id)) if row.completed_by_id else None
    return {"task": task, "case": case_detail(deps, actor, task["case_no"]), "reference": reference(deps)}


def search(deps: Deps, actor: Actor, flt: queries.CaseFilter, *, page: int, per_page: int) -> dict[str, Any]:
    """The case search: the filtered page of cases with class, place and department names."""
    result = queries.list_cases(deps, actor, flt, page=page, per_page=per_page)
    now = deps.clock.now()
    items = result["items"]
    category_codes = {i["category_code"] for i in items}
    place_codes = {i["district_code"] for i in items} | {i["street_code"] for i in items}
    department_codes = {i["department_code"] for i in items if i["department_code"]}
    standard = deps.settings.classification_standard
    with deps.uow() as uow:
        session = uow.session
        category_names = dict(session.execute(select(Category.code, Category.minor_name).where(
            Category.standard == standard, Category.code.in_(category_codes))).all()) if items else {}
        place_names = dict(session.execute(select(Place.code, Place.name).where(
            Place.code.in_(place_codes))).all()) if items else {}
        department_names = dict(session.execute(select(Department.code, Department.name).where(
            Department.code.in_(department_codes))).all()) if department_codes else {}
    for item in items:
        item["category_name"] = category_names.get(item["category_code"])
        item["district_name"] = place_names.get(item["district_code"])
        item["street_name"] = place_names.get(item["street_code"])
        item["department_name"] = department_names.get(item["department_code"] or "")
        deadline = datetime.fromisoformat(item["deadline_at"]) if item["deadline_at"] else None
        closed = datetime.fromisoformat(item["closed_at"]) if item["closed_at"] else None
        item["overdue"] = _overdue(now, item["status"], deadline, closed)
    result["pages"] = max(1, -(-int(result["total"] or 0) // per_page))
    return result


EXPORT_LIMIT = 10000


def export(deps: Deps, actor: Actor, flt: queries.CaseFilter) -> dict[str, Any]:
    """The search result for a spreadsheet: up to :data:`EXPORT_LIMIT` cases, newest first."""
    return search(deps, actor, flt, page=1, per_page=EXPORT_LIMIT)

