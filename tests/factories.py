"""A small synthetic city for tests, and helpers that read like the process.

Two districts (天山区 650102 and 沙依巴克区 650103), each one street, one community and a
2×2 block of unit grids of 0.01° squares, one inspector beat per district. Reference data
(classes, departments, demo accounts) are the real shipped ones; the process is the real
``workflows/`` deployment.
"""

from __future__ import annotations

from typing import Any

import shapely

from demo import organisation
from engine.cases import reports, tasks
from engine.deps import Deps
from engine.people.accounts import Actor, actor_of, get_user
from engine.places.grids import add_place
from engine.processes.definitions import deploy_dirs
from engine.standards import catalog, filing

DISTRICTS = {"650102": ("天山区", 87.60), "650103": ("沙依巴克区", 87.58)}
LAT0 = 43.80
STEP = 0.01
# A point inside grid 01 of 天山区 (its lower-left square, area class B), one in grid 04 (upper
# right, the core area class A) and one far outside the city.
INSIDE = (87.605, 43.805)
INSIDE_A = (87.615, 43.815)
INSIDE_650103 = (87.585, 43.805)
OUTSIDE = (100.0, 30.0)


def box(x0: float, y0: float, x1: float, y1: float) -> Any:
    return shapely.box(x0, y0, x1, y1)


def seed_places(session: Any) -> None:
    for district, (name, lon0) in DISTRICTS.items():
        street, community = district + "001", district + "001001"
        outline = box(lon0, LAT0, lon0 + 2 * STEP, LAT0 + 2 * STEP)
        add_place(session, code=district, level="district", name=name, parent_code=None, geometry=outline)
        add_place(session, code=street, level="street", name=f"{name}第一街道", parent_code=district, geometry=outline)
        add_place(session, code=community, level="community", name=f"{name}第一社区", parent_code=street,
                  geometry=outline)
        seq = 1
        for j in range(2):
            for i in range(2):
                cell = box(lon0 + i * STEP, LAT0 + j * STEP, lon0 + (i + 1) * STEP, LAT0 + (j + 1) * STEP)
                add_place(session, code=f"{community}{seq:02d}", level="grid", name=f"网格{seq:02d}",
                          parent_code=community, geometry=cell, area_class="A" if seq == 4 else "B",
                          beat_code=f"{district}_01")
                seq += 1
    session.flush()


def seed_test_city(deps: Deps) -> None:
    with deps.uow(write=True) as uow:
        catalog.load_shipped_categories(uow.session)
        seed_places(uow.session)
        org = organisation.load_org_file()
        organisation.seed_departments(uow.session, org)
        organisation.seed_accounts(uow.session, org, deps.clock.now())
        filing.load_shipped_conditions(uow.session)
        organisation.seed_responsibilities(uow.session, org)
        uow.commit()
    deploy_dirs(deps, actor="tests")


def actor(deps: Deps, username: str) -> Actor:
    with deps.uow() as uow:
        return actor_of(uow.session, get_user(uow.session, username))


INSPECTOR = "inspector_650102_01"
GARBAGE = "20102"  # incident 0102 暴露垃圾
MANHOLE = "10101"  # component 0101 上水井盖


def report(deps: Deps, *, source: str = "inspector", category: str = GARBAGE, where: tuple[float, float] = INSIDE,
           by: str | None = None, key: str | None = None) -> reports.ReportResult:
    who = actor(deps, by or (INSPECTOR if source == "inspector" else "operator"))
    payload = reports.ReportInput(source=source, category_code=category, description="路边有一堆垃圾",
                                  lon=where[0], lat=where[1], reporter_name="张三", reporter_phone="13800000000")
    return reports.report_case(deps, who, payload, key)


def open_task(deps: Deps, case_no: str) -> Any:
    """The single open task of a case (as the projection has it)."""
    from sqlalchemy import select

    from engine.store.models import Case, Task

    with deps.uow() as uow:
        rows = uow.session.scalars(select(Task).join(Case, Case.id == Task.case_id)
                                   .where(Case.case_no == case_no, Task.state == "open")).all()
        assert len(rows) == 1, f"expected one open task, got {[r.stage for r in rows]}"
        return rows[0]


def who_takes(task: Any) -> str:
    """The demo account that may take ``task``: by its lane and scope, as the inbox decides."""
    if task.scope == "grid":
        return INSPECTOR if task.grid_code and task.grid_code.startswith("650102") else "inspector_650103_01"
    if task.scope == "department":
        return task.department_code
    if task.scope == "district":
        return f"{task.lane}_{task.district_code}"
    return task.lane


def act(deps: Deps, case_no: str, stage: str, data: dict[str, Any], username: str | None = None) -> str:
    """Complete the case's open task, asserting it is at ``stage``; return the new status."""
    task = open_task(deps, case_no)
    assert task.stage == stage, f"case is at {task.stage}, not {stage}"
    return tasks.complete_task(deps, actor(deps, username or who_takes(task)), task.id, data).status


def straight_through(deps: Deps, case_no: str, department: str = "sanitation_650102", *,
                     after_register: bool = False) -> None:
    if not after_register:
        act(deps, case_no, "register", {"decision": "file"})
    act(deps, case_no, "file", {"decision": "file"})
    act(deps, case_no, "dispatch", {"department_code": department})
    act(deps, case_no, "handle", {"outcome": "done"})
    act(deps, case_no, "check", {"passed": True})
    act(deps, case_no, "close", {})


def taker(deps: Deps, task: Any) -> str:
    """A demo account that may complete ``task`` (routing and scopes are data: ask, don't assume)."""
    from engine.people.accounts import list_users
    from engine.people.authz import may_complete

    for user in list_users(deps):
        if may_complete(actor(deps, str(user["username"])), task):
            return str(user["username"])
    raise AssertionError(f"no account may take {task.stage} ({task.lane}/{task.scope})")
