"""``szcg demo``: the demo Urumqi — places, classes, filing standards, departments and their
classes, accounts, components and a month of cases — loaded idempotently.

The geometry is generated (demo.places) from simplified district outlines whose
licence is unclear: it is demo data only, labelled as such, never an authoritative boundary.
Components are generated along the demo roads (demo.components); cases are made
by driving the real engine with a moved clock (demo.cases), with a few planted in the last month
that ended so that every integrity signal has evidence to show (demo.signals).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import shapely
from sqlalchemy import func, insert, select

from demo import cases as demo_cases
from demo import command as demo_command
from demo import components, organisation, places
from demo import signals as demo_signals
from demo.organisation import DEMO_PASSWORD
from engine.deps import Deps
from engine.places.grids import bump_revision, geocoder
from engine.standards import catalog, filing
from engine.store.models import Case, Department, Place
from engine.store.places_models import Component, DepartmentResponsibility, FilingCondition

Progress = Callable[[str], None]
Box = tuple[float, float, float, float]


@dataclass
class DemoSummary:
    places: int = 0
    grids: int = 0
    components: int = 0
    cases_created: int = 0
    cases: int = 0
    signals_period: str | None = None  # where the planted integrity signals fire
    signal_cases: int = 0  # the cases planted for them (made now)
    accounts: organisation.DemoAccounts = field(default_factory=organisation.DemoAccounts)

    def render(self) -> str:
        centre = [r for r in self.accounts.rows if r[2] == "centre"]
        handlers = [r for r in self.accounts.rows if r[1] == "handler"]
        inspectors = [r for r in self.accounts.rows if r[1] == "inspector"]
        lines = [f"demo city: {self.grids} unit grids ({self.places} places added now), {self.components} "
                 f"components, {self.cases} cases ({self.cases_created + self.signal_cases} made now); password of every "
                 f"account: {DEMO_PASSWORD}"]
        if self.signals_period:
            lines.append(f"integrity signals planted in {self.signals_period}: "
                         f"/evaluation/integrity?period={self.signals_period}")
        lines += ["", "centre accounts:"]
        lines += [f"  {u:<16} {roles}" for u, roles, _ in centre]
        lines += ["", f"department handlers ({len(handlers)}; username = department code):"]
        lines += [f"  {u:<22} {note}" for u, _, note in handlers]
        lines += ["", f"inspectors ({len(inspectors)}, one per beat), e.g.:"]
        lines += [f"  {u:<28} {note}" for u, _, note in inspectors[:5]]
        return "\n".join(lines)


def load_places(deps: Deps, progress: Progress, built_up: Box | None = None) -> int:
    """Insert the generated demo places unless places exist already (a city's own import wins)."""
    with deps.uow(write=True) as uow:
        if uow.session.scalar(select(func.count(Place.code))):
            return 0
        progress("generating the demo city (unit grids of about 10,000 m²)…")
        city = places.generate(built_up=built_up) if built_up else places.generate()
        beat_of = city.beat_of
        rows = []
        for place in city.places():
            minx, miny, maxx, maxy = place.geometry.bounds
            rows.append({
                "code": place.code, "level": place.level, "name": place.name, "parent_code": place.parent_code,
                "district_code": place.code[:6], "geometry": shapely.to_wkb(place.geometry), "minx": minx,
                "miny": miny, "maxx": maxx, "maxy": maxy, "area_m2": place.area_m2,
                "area_class": place.area_class, "beat_code": beat_of.get(place.code),
            })
        for level in ("district", "street", "community", "grid"):
            batch = [r for r in rows if r["level"] == level]
            progress(f"storing {len(batch)} {level} places…")
            for start in range(0, len(batch), 2000):
                uow.session.execute(insert(Place), batch[start:start + 2000])
        bump_revision(uow.session)
        uow.commit()
        return len(rows)


def load_components(deps: Deps, progress: Progress) -> int:
    """Generate the demo registry once (never over a city's own components)."""
    with deps.uow(write=True) as uow:
        session = uow.session
        if session.scalar(select(Component.code).limit(1)) is not None:
            return 0
        progress("placing demo components along the roads…")
        owners: dict[str, dict[str | None, str]] = {}
        for category, department, district in session.execute(
                select(DepartmentResponsibility.category_code, DepartmentResponsibility.department_code,
                       Department.district_code)
                .join(Department, Department.code == DepartmentResponsibility.department_code)):
            owners.setdefault(category, {})[district] = department
        now = deps.clock.now()
        rows = []
        for c in components.generate(geocoder(deps, session)):
            category = catalog.category_code("component", c.minor)
            options = owners.get(category, {})
            rows.append({"code": c.code, "standard": "CJT214-2007", "category_code": category, "name": c.name,
                         "lon": c.lon, "lat": c.lat, "grid_code": c.grid_code, "district_code": c.code[:6],
                         "owner_department_code": options.get(c.code[:6]) or options.get(None), "state": c.state,
                         "updated_at": now})
        for start in range(0, len(rows), 2000):
            session.execute(insert(Component), rows[start:start + 2000])
        uow.commit()
        return len(rows)


def load_demo(deps: Deps, progress: Progress = lambda _msg: None, *, cases: int = demo_cases.DEMO_CASES,
              built_up: Box | None = None) -> DemoSummary:
    """Load everything the demo needs; running it again adds nothing.

    ``built_up`` (west, south, east, north) shrinks the generated city, for tests.
    """
    summary = DemoSummary()
    summary.places = load_places(deps, progress, built_up)
    with deps.uow(write=True) as uow:
        catalog.load_shipped_categories(uow.session)
        if uow.session.scalar(select(FilingCondition.code).limit(1)) is None:  # never over the city's own
            filing.load_shipped_conditions(uow.session)
        org = organisation.load_org_file()
        organisation.seed_departments(uow.session, org)
        organisation.seed_responsibilities(uow.session, org)
        progress("creating demo accounts…")
        summary.accounts = organisation.seed_accounts(uow.session, org, deps.clock.now())
        summary.grids = uow.session.scalar(select(func.count(Place.code)).where(Place.level == "grid")) or 0
        uow.commit()
    load_components(deps, progress)
    progress(f"making demo cases: {cases} reports driven through the process over the past 30 days…")
    summary.cases_created = demo_cases.generate(deps, cases)
    if cases:  # the benchmark (cases=0) makes its own
        progress("planting cases that make each integrity signal fire in the last month that ended…")
        planted = demo_signals.generate(deps)
        summary.signal_cases = planted.cases
        summary.signals_period = planted.period
    progress("placing demo cameras and this morning's patrols…")
    demo_command.load_cameras(deps)
    demo_command.load_patrols(deps)
    with deps.uow() as uow:
        summary.components = uow.session.scalar(select(func.count(Component.code))) or 0
        summary.cases = uow.session.scalar(select(func.count(Case.id))) or 0
    return summary
