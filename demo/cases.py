"""Demo cases: a few hundred cases over the past 30 days, in every stage, made by the real engine.

Nothing is inserted behind the engine's back: each case is reported with
:func:`engine.cases.reports.report_case` and moved with
:func:`engine.cases.tasks.complete_task` by the account whose role and scope cover the
task (operator, the grid's inspector, shift leader, dispatcher, the department's handler),
under a :class:`FrozenClock` set to the moment each step happens. A case goes as far as its
plan allows before the real now, so recent cases wait in early stages and old ones are
closed; some are voided (at register, after verification, at filing, or as a duplicate of a
nearby case), some are returned by a department, some fail the check and are reworked.

Idempotent: every case has an idempotency key ``demo-NNNN``; a key already used is skipped,
so a second run adds nothing. The plan is deterministic (a seeded random generator).
"""

from __future__ import annotations

import copy
import random
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from engine.cases import attachments, reports, tasks
from engine.deps import Deps
from engine.errors import SzcgError
from engine.people.accounts import ANONYMOUS, Actor, actor_of, get_user
from engine.places.grids import geocoder
from engine.store.models import Case, Category, Department, Place, Task, User, UserRole
from engine.store.places_models import Component, DepartmentResponsibility
from engine.time.clock import BEIJING, FrozenClock

DEMO_CASES = 300
DAYS = 30
SEED = 2026
MAIN_STAGES = ("register", "verify", "file", "dispatch", "handle", "check", "close")
# How long each stage takes in the demo (minutes, min-max), before the step that ends it.
DELAYS = {"register": (5, 60), "verify": (30, 240), "file": (10, 60), "dispatch": (10, 90),
          "handle": (120, 1800), "check": (60, 480), "close": (10, 120)}
INCIDENTS = {"20102": 14, "20104": 8, "20501": 8, "20504": 6, "20505": 8, "20507": 6, "20201": 8, "20304": 3,
             "20407": 3, "20101": 3, "20404": 3}
COMPONENTS = {"10118": 7, "10101": 3, "10102": 3, "10103": 2, "10305": 5, "10203": 2, "10104": 2}
SOURCES = {"inspector": 55, "citizen": 18, "hotline": 15, "video": 6, "media": 3, "leader": 3}
MAX_STEPS = 40
HOTLINE_SERVICE_SHARE = 0.5  # of hotline reports, those that are 12345 service requests
HOTLINE_TYPES = ("consultation", "help", "complaint", "suggestion")
RECENT_SHARE = 0.3
FORCED = ("register", "verify", "file", "dispatch", "handle", "check", "close")
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class Plan:
    key: str
    at: datetime
    source: str
    category: str
    lon: float
    lat: float
    component_code: str | None = None
    stop: str | None = None  # wait at this stage
    void_at: str | None = None  # register | verify | file
    duplicate_of: int | None = None  # index of an earlier plan
    returned: bool = False
    rework: bool = False
    urgent: bool = False
    channel_type: str | None = None  # a 12345 order's 诉求类型: the process selection sends it to social services
    check_minutes: float | None = None  # the check this many minutes after handling (else DELAYS)
    photo: bytes | None = None  # the reporter attaches this photo to the report


class _World:
    """What planning and driving need to know, loaded once."""

    def __init__(self, deps: Deps) -> None:
        with deps.uow() as uow:
            s = uow.session
            self.index = geocoder(deps, s)
            self.position = {code: i for i, code in enumerate(self.index.codes)}
            self.inspector_of = dict(s.execute(select(Place.code, Place.inspector_id).where(Place.level == "grid")).all())
            self.area_class = dict(s.execute(select(Place.code, Place.area_class).where(Place.level == "grid")).all())
            self.names = dict(s.execute(select(Category.code, Category.minor_name)
                                        .where(Category.standard == deps.settings.classification_standard)).all())
            self.components: dict[str, list[tuple[str, float, float]]] = {}
            for code, cat, lon, lat in s.execute(select(Component.code, Component.category_code, Component.lon,
                                                        Component.lat).order_by(Component.code)):
                self.components.setdefault(cat, []).append((code, lon, lat))
            self.responsible: dict[str, list[tuple[str, str | None]]] = {}
            for cat, dep, district in s.execute(
                    select(DepartmentResponsibility.category_code, Department.code, Department.district_code)
                    .join(Department, Department.code == DepartmentResponsibility.department_code)
                    .where(Department.active.is_(True)).order_by(Department.code)):
                self.responsible.setdefault(cat, []).append((dep, district))
            self.departments = sorted(s.scalars(select(Department.code).where(Department.active.is_(True))))
        self.actors: dict[Any, Actor] = {}
        self.takers: dict[tuple[Any, ...], int] = {}

    def department_for(self, category: str, district: str) -> str:
        options = self.responsible.get(category) or []
        local = [d for d, dist in options if dist == district]
        city = [d for d, dist in options if dist is None]
        return (local or city or [f"municipal_{district}"])[0]


def plan_cases(deps: Deps, world: _World, count: int, now: datetime) -> list[Plan]:
    """The deterministic plan of ``count`` cases ending before ``now``."""
    rng = random.Random(SEED)
    grid_codes = sorted(world.inspector_of)
    weights = [{"A": 3, "B": 2}.get(world.area_class.get(g) or "C", 1) for g in grid_codes]
    categories = {c: w for c, w in {**INCIDENTS, **COMPONENTS}.items()
                  if c in world.names and (c[0] == "2" or world.components.get(c))}
    plans: list[Plan] = []
    for n in range(count):
        key = f"demo-{n:04d}"
        forced = FORCED[n % len(FORCED)] if n < 2 * len(FORCED) else None
        recent = rng.random() < RECENT_SHARE  # inboxes need cases still in flight
        days_back = rng.uniform(3, 6) if forced else rng.uniform(0, 1.5) if recent else rng.uniform(0, DAYS)
        at = _office_time(now - timedelta(days=days_back), rng)
        if at > now - timedelta(minutes=20):
            at = now - timedelta(minutes=rng.uniform(20, 600))
        category = rng.choices(list(categories), weights=list(categories.values()))[0]
        source = rng.choices(list(SOURCES), weights=list(SOURCES.values()))[0]
        if forced == "verify":
            source = "citizen"
        plan = Plan(key, at, source, category, 0.0, 0.0, stop=forced, urgent=rng.random() < 0.08,
                    returned=rng.random() < 0.07, rework=rng.random() < 0.08)
        if source == "hotline" and not forced:  # its own generator: the rest of the plan stays as it was
            kind = random.Random(f"{key}-channel")
            if kind.random() < HOTLINE_SERVICE_SHARE:
                plan = replace(plan, channel_type=kind.choice(HOTLINE_TYPES))
        plan = _place(plan, world, rng, grid_codes, weights)
        roll = rng.random()
        if not forced and roll < 0.10:
            plan = replace(plan, void_at=rng.choice(["register", "verify", "file"]))
            if plan.void_at == "verify":
                plan = replace(plan, source="citizen")
        elif not forced and roll < 0.14 and plans:
            plan = _duplicate(plan, plans, rng, now, world)
        plans.append(plan)
    return plans


def _office_time(day: datetime, rng: random.Random) -> datetime:
    local = day.astimezone(BEIJING)
    minutes = rng.randint(10 * 60, 20 * 60)
    return local.replace(hour=minutes // 60, minute=minutes % 60, second=rng.randint(0, 59), microsecond=0)


def _place(plan: Plan, world: _World, rng: random.Random, grids: list[str], weights: list[int]) -> Plan:
    """Components are reported at their own point; incidents anywhere in a grid."""
    if plan.category[0] == "1":
        code, lon, lat = rng.choice(world.components[plan.category])
        near = _inside(world, lon + rng.uniform(-2e-5, 2e-5), lat + rng.uniform(-2e-5, 2e-5), (lon, lat))
        return replace(plan, lon=near[0], lat=near[1], component_code=code)
    for _ in range(20):
        grid = rng.choices(grids, weights=weights)[0]
        minx, miny, maxx, maxy = world.index.geometry(world.position[grid]).bounds
        lon, lat = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        hit = world.index.locate(lon, lat)
        if hit is not None:
            return replace(plan, lon=lon, lat=lat)
    raise RuntimeError("could not place a demo case in any grid")


def _inside(world: _World, lon: float, lat: float, fallback: tuple[float, float]) -> tuple[float, float]:
    """A jittered point, or the fallback if the jitter left the managed area."""
    return (lon, lat) if world.index.locate(lon, lat) is not None else fallback


def _duplicate(plan: Plan, earlier: list[Plan], rng: random.Random, now: datetime, world: _World) -> Plan:
    """A second report of an earlier problem: same class, a few metres away, hours later."""
    original = rng.randrange(len(earlier))
    first = earlier[original]
    if first.void_at or first.duplicate_of is not None:
        return plan
    at = min(first.at + timedelta(hours=rng.uniform(1, 20)), now - timedelta(minutes=10))
    stop = "register" if rng.random() < 0.3 else None  # some wait for the operator to decide
    lon, lat = _inside(world, first.lon + rng.uniform(-1e-4, 1e-4), first.lat + rng.uniform(-7e-5, 7e-5),
                       (first.lon, first.lat))
    return replace(plan, at=at, category=first.category,
                   lon=lon, lat=lat, component_code=first.component_code, duplicate_of=original, void_at="register", stop=stop)


def generate(deps: Deps, count: int = DEMO_CASES, progress: Progress = lambda *_: None) -> int:
    """Create the demo cases that do not exist yet; return how many were created."""
    now = deps.clock.now()
    world = _World(deps)
    plans = plan_cases(deps, world, count, now)
    moved, clock = moved_clock(deps)
    return drive(moved, clock, world, plans, now, progress)


def moved_clock(deps: Deps) -> tuple[Deps, FrozenClock]:
    """The same database and caches under a clock the demo moves (SpiffWorkflow's timers too)."""
    clock = FrozenClock(deps.clock.now())
    runtime = copy.copy(deps.runtime)
    runtime.clock = clock
    return replace(deps, clock=clock, runtime=runtime), clock


def drive(deps: Deps, clock: FrozenClock, world: _World, plans: list[Plan], now: datetime,
          progress: Progress = lambda *_: None, label: str = "demo cases") -> int:
    """Report and move every planned case that does not exist yet; return how many were created."""
    numbers: dict[int, str] = {}
    created = 0
    for n, plan in enumerate(plans):
        numbers[n], new = _drive(deps, clock, world, plan, numbers, now)
        created += new
        progress(label, n + 1, len(plans))
    return created


def _actor(deps: Deps, world: _World, who: str | int) -> Actor:
    if who not in world.actors:
        with deps.uow() as uow:
            user = uow.session.get(User, who) if isinstance(who, int) else get_user(uow.session, who)
            world.actors[who] = actor_of(uow.session, user)
    return world.actors[who]


def _reporter(deps: Deps, world: _World, plan: Plan, grid: str) -> Actor:
    if plan.source == "citizen":
        return ANONYMOUS
    if plan.source == "inspector" and world.inspector_of.get(grid):
        return _actor(deps, world, world.inspector_of[grid])
    return _actor(deps, world, "leader" if plan.source == "leader" else "operator")


def _drive(deps: Deps, clock: FrozenClock, world: _World, plan: Plan, numbers: dict[int, str],
           now: datetime) -> tuple[str, bool]:
    """Report and move one case: (its number, whether it is new); an earlier run's case is left alone."""
    clock.set(plan.at)
    grid = world.index.locate(plan.lon, plan.lat)
    name = world.names.get(plan.category, "问题")
    report = reports.ReportInput(source=plan.source, category_code=plan.category, lon=plan.lon, lat=plan.lat,
                                 description=f"{name}：{'巡查发现' if plan.source == 'inspector' else '群众反映'}",
                                 component_code=plan.component_code, channel_type=plan.channel_type)
    reporter = _reporter(deps, world, plan, grid.grid_code if grid else "")
    made = reports.report_case(deps, reporter, report, plan.key)
    if not made.created:
        return made.case_no, False
    if plan.photo is not None:
        attachments.add_attachments(deps, reporter, made.case_no, [attachments.Upload(plan.photo, "demo.jpg")],
                                    "before")
    state = {"returned": False, "reworked": False}
    for _ in range(MAX_STEPS):
        task = _open_task(deps, made.case_no)
        if task is None or task.stage == plan.stop:
            break
        low, high = DELAYS.get(task.stage, (30, 240))
        minutes = random.Random(f"{plan.key}{task.stage}").uniform(low, high)
        if task.stage == "check" and plan.check_minutes is not None:
            minutes = plan.check_minutes
        at = clock.now() + timedelta(minutes=minutes)
        if at > now:
            break
        clock.set(at)
        taker = _taker(deps, world, task)
        if task.stage in MAIN_STAGES and task.form_key == task.stage:  # the lifecycle's own forms
            data = _decision(world, plan, task, made.district_code, numbers, state)
            tasks.complete_task(deps, taker, task.id, data)
            continue
        # A stage this module does not know (the process grows): fill its form with the first
        # choice of every option; if the process wants more, the case simply waits there.
        try:
            form = tasks.get_task(deps, taker, task.id)["form"]
            data = fill_form(form["schema"], world.department_for(plan.category, made.district_code))
            tasks.complete_task(deps, taker, task.id, data)
        except SzcgError:
            break
    return made.case_no, True


def _open_task(deps: Deps, case_no: str) -> Task | None:
    """The case's next task: a main-line stage first, else the oldest other open task."""
    with deps.uow() as uow:
        rows = uow.session.scalars(select(Task).join(Case, Case.id == Task.case_id)
                                   .where(Case.case_no == case_no, Task.state == "open")
                                   .order_by(Task.created_at, Task.id)).all()
    main = [t for t in rows if t.stage in MAIN_STAGES]
    return (main or rows or [None])[-1 if main else 0]


def fill_form(schema: dict[str, Any], department: str) -> dict[str, Any]:
    """Plausible data for a form: each option's first choice, the department, text where required."""
    data: dict[str, Any] = {}
    for key, prop in (schema.get("properties") or {}).items():
        choices = [option["const"] for option in prop.get("oneOf", []) if "const" in option]
        if choices:
            data[key] = choices[0]
        elif prop.get("format") == "department_code":
            data[key] = department
        elif key in schema.get("required", []):
            kind = prop.get("type")
            data[key] = True if kind == "boolean" else 1 if kind in ("integer", "number") else "演示：已办理"
    return data


def _taker(deps: Deps, world: _World, task: Task) -> Actor:
    """Someone whose role and scope cover the task: the grid's inspector, the department's
    handler, the district's or the city's holder of the lane's role (as authz decides)."""
    if task.scope == "grid":
        return _actor(deps, world, task.assignee_id or 0)
    key = (task.lane, task.scope, task.department_code, task.district_code)
    if key not in world.takers:
        query = select(User.id).join(UserRole, UserRole.user_id == User.id).where(
            UserRole.role == task.lane, User.active.is_(True))
        if task.scope == "department":
            query = query.where(UserRole.department_code == task.department_code)
        elif task.scope == "district":
            query = query.where(UserRole.district_code == task.district_code)
        else:
            query = query.where(UserRole.district_code.is_(None), UserRole.department_code.is_(None))
        with deps.uow() as uow:
            world.takers[key] = uow.session.scalar(query.order_by(User.username).limit(1)) or 0
    return _actor(deps, world, world.takers[key])


def _decision(world: _World, plan: Plan, task: Task, district: str, numbers: dict[int, str],
              state: dict[str, bool]) -> dict[str, Any]:
    """What the responsible person enters at this stage (nothing at close)."""
    decide = _DECISIONS.get(task.stage)
    return decide(_Moment(world, plan, district, numbers, state)) if decide else {}


@dataclass(frozen=True)
class _Moment:
    world: _World
    plan: Plan
    district: str
    numbers: dict[int, str]
    state: dict[str, bool]


def _register(m: _Moment) -> dict[str, Any]:
    if m.plan.void_at != "register":
        return {"decision": "file" if m.plan.source == "inspector" else "verify"}
    original = m.numbers.get(m.plan.duplicate_of) if m.plan.duplicate_of is not None else None
    if original:
        return {"decision": "void", "void_reason": "重复上报", "duplicate_of": original}
    return {"decision": "void", "void_reason": "不属于城管受理范围"}


def _verify(m: _Moment) -> dict[str, Any]:
    confirmed = m.plan.void_at != "verify"
    return {"confirmed": confirmed, **({} if confirmed else {"comment": "现场未发现问题"})}


def _file(m: _Moment) -> dict[str, Any]:
    if m.plan.void_at == "file":
        return {"decision": "void", "void_reason": "不属于城管职责"}
    return {"decision": "file", "urgency": "urgent" if m.plan.urgent else "normal"}


def _dispatch(m: _Moment) -> dict[str, Any]:
    right = m.world.department_for(m.plan.category, m.district)
    if m.plan.returned and not m.state["returned"]:  # first to a wrong department, which returns it
        return {"department_code": next(d for d in m.world.departments if d != right and d.endswith(m.district))}
    return {"department_code": right}


def _handle(m: _Moment) -> dict[str, Any]:
    if m.plan.returned and not m.state["returned"]:
        m.state["returned"] = True
        return {"outcome": "return", "return_reason": "不属本部门职责"}
    return {"outcome": "done", "comment": "已处置完毕"}


def _check(m: _Moment) -> dict[str, Any]:
    if m.plan.rework and not m.state["reworked"]:
        m.state["reworked"] = True
        return {"passed": False, "comment": "未处置到位，返工"}
    return {"passed": True}


_DECISIONS: dict[str, Callable[[_Moment], dict[str, Any]]] = {
    "register": _register, "verify": _verify, "file": _file, "dispatch": _dispatch, "handle": _handle,
    "check": _check,
}
