"""``szcg demo`` on a slice of the demo city: its invariants, its cases, and that it is idempotent."""

from __future__ import annotations

import shapely
from sqlalchemy import delete, func, select

from demo import city
from engine.places import place_import
from engine.places.codes import LEVELS
from engine.store.models import Case, Place, Task, User
from engine.store.places_models import Component, DepartmentResponsibility

SLICE = (87.60, 43.80, 87.625, 43.82)  # about 2 km x 2 km of central Urumqi: a few hundred grids
CASES = 16


def load_slice(deps):
    with deps.uow(write=True) as uow:  # the test city's places make way for the generated ones
        for level in reversed(LEVELS):
            uow.session.execute(delete(Place).where(Place.level == level))
        uow.commit()
    return city.load_demo(deps, cases=CASES, built_up=SLICE)


def test_every_grid_has_an_inspector_and_lies_in_its_community(deps):
    summary = load_slice(deps)
    assert summary.grids > 200
    with deps.uow() as uow:
        s = uow.session
        assert s.scalar(select(func.count()).where(Place.level == "grid", Place.inspector_id.is_(None))) == 0
        beats = s.execute(select(Place.beat_code, func.count(func.distinct(Place.inspector_id)))
                          .where(Place.level == "grid").group_by(Place.beat_code)).all()
        assert beats and all(n == 1 for _, n in beats)  # one inspector per beat
        for child, parent in (("grid", "community"), ("community", "street"), ("street", "district")):
            problems = place_import.Problems("demo")
            children = [(code, code, geom) for code, geom in place_import._geometries(s, child).items()]
            place_import.check_containment(children, place_import._geometries(s, parent), 1.0, problems, parent)
            assert problems.items == [], (child, problems.items[:3])


def test_components_lie_in_their_grid_and_district_with_an_owner(deps):
    load_slice(deps)
    with deps.uow() as uow:
        s = uow.session
        rows = s.execute(select(Component, Place.geometry).join(Place, Place.code == Component.grid_code)).all()
        total = s.scalar(select(func.count(Component.code)))
        assert len(rows) == total > 50
        assert {c.category_code for c, _ in rows} >= {"10118", "10101", "10305"}
        for component, wkb in rows:
            assert shapely.intersects(shapely.from_wkb(wkb), shapely.Point(component.lon, component.lat))
            assert component.code[:6] == component.grid_code[:6] and len(component.code) == 16
            assert component.owner_department_code is not None
        assert s.scalar(select(func.count()).select_from(DepartmentResponsibility)) > 100


def test_demo_cases_are_made_by_the_engine_in_many_stages_and_only_once(deps):
    first = load_slice(deps)
    assert first.cases_created == CASES and first.cases == CASES + first.signal_cases
    with deps.uow() as uow:
        s = uow.session
        statuses = set(s.scalars(select(Case.status)))
        assert {"register", "file", "dispatch", "handle", "check", "close"} <= statuses
        assert s.scalar(select(func.count()).where(Case.component_code.is_not(None))) >= 1
        open_inspector_tasks = s.execute(select(Task, Case.grid_code).join(Case, Case.id == Task.case_id)
                                         .where(Task.state == "open", Task.scope == "grid")).all()
        for task, grid in open_inspector_tasks:  # on-site tasks went to the grid's own inspector
            assert task.assignee_id == s.scalar(select(Place.inspector_id).where(Place.code == grid))
        oldest = s.scalar(select(func.min(Case.reported_at)))
        assert (deps.clock.now() - oldest).days >= 2
        users = s.scalar(select(func.count(User.id)))
    again = city.load_demo(deps, cases=CASES, built_up=SLICE)
    assert (again.places, again.cases_created, again.signal_cases, again.cases) == (0, 0, 0, first.cases)
    with deps.uow() as uow:
        assert uow.session.scalar(select(func.count(User.id))) == users


def test_the_demo_has_cameras_and_patrols_on_the_big_screen(deps):
    from sqlalchemy import func, select

    load_slice(deps)

    from engine.command import screen
    from engine.store.command_models import Camera, PatrolPoint
    from tests.factories import actor

    with deps.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(Camera)) > 0
        assert uow.session.scalar(select(func.count()).select_from(PatrolPoint)) > 0
    snap = screen.screen_snapshot(deps, actor(deps, "dispatcher"), None)
    assert snap["cameras"] and snap["panels"]["inspectors"] and snap["points"]
