"""``szcg demo``: the demo Urumqi — places, classes, departments, accounts — loaded idempotently.

The geometry is generated (engine.places.demo_city) from simplified district outlines whose
licence is unclear: it is demo data only, labelled as such, never an authoritative boundary.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import shapely
from sqlalchemy import func, insert, select

from engine.places import demo_city
from engine.services import catalog, demo
from engine.services.demo import DEMO_PASSWORD
from engine.services.deps import Deps
from engine.store.models import Place

Progress = Callable[[str], None]


@dataclass
class DemoSummary:
    places: int = 0
    grids: int = 0
    accounts: demo.DemoAccounts = field(default_factory=demo.DemoAccounts)

    def render(self) -> str:
        centre = [r for r in self.accounts.rows if r[2] == "centre"]
        handlers = [r for r in self.accounts.rows if r[1] == "handler"]
        inspectors = [r for r in self.accounts.rows if r[1] == "inspector"]
        lines = [f"demo city: {self.grids} unit grids ({self.places} places added now); password of every "
                 f"account: {DEMO_PASSWORD}", "", "centre accounts:"]
        lines += [f"  {u:<16} {roles}" for u, roles, _ in centre]
        lines += ["", f"department handlers ({len(handlers)}; username = department code):"]
        lines += [f"  {u:<22} {note}" for u, _, note in handlers]
        lines += ["", f"inspectors ({len(inspectors)}, one per beat), e.g.:"]
        lines += [f"  {u:<28} {note}" for u, _, note in inspectors[:5]]
        return "\n".join(lines)


def load_places(deps: Deps, progress: Progress) -> int:
    """Insert the generated demo places unless places exist already (a city's own import wins)."""
    with deps.uow(write=True) as uow:
        if uow.session.scalar(select(func.count(Place.code))):
            return 0
        progress("generating the demo city (unit grids of about 10,000 m²)…")
        city = demo_city.generate()
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
        uow.commit()
        return len(rows)


def load_demo(deps: Deps, progress: Progress = lambda _msg: None) -> DemoSummary:
    """Load everything the demo needs; running it again changes nothing."""
    summary = DemoSummary()
    summary.places = load_places(deps, progress)
    with deps.uow(write=True) as uow:
        catalog.load_shipped_categories(uow.session)
        org = demo.load_org_file()
        demo.seed_departments(uow.session, org)
        progress("creating demo accounts…")
        summary.accounts = demo.seed_accounts(uow.session, org, deps.clock.now())
        summary.grids = uow.session.scalar(select(func.count(Place.code)).where(Place.level == "grid")) or 0
        uow.commit()
    return summary
