"""Demo cases that make each integrity signal (数据真实性, ``engine/evaluation/integrity.py``) fire
in the last month that ended, so that the integrity page has evidence to show on the demo data.

Like every demo case they are reported and moved by the real engine under a moved clock
(:func:`demo.cases.drive`); nothing is written behind its back. The numbers are taken from the
configured thresholds (``decision_signals`` in config.yaml), so a city's other thresholds still
fire:

* ``photo_reused`` — one inspector attaches the same photo to two reports;
* ``quick_check`` — another inspector checks cases a few minutes after the department reported
  them handled (``quick_check_min_cases`` of them);
* ``report_swing`` and ``bunched_reports`` — a third inspector reported ``report_min_baseline``
  cases in each month of the baseline and then, in the last days of the month, more than
  ``report_surge_ratio`` times as many.

Planted once: when a case of theirs exists (idempotency key ``demo-signal-…``) nothing is added.
"""

from __future__ import annotations

import io
import math
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from PIL import Image, ImageDraw
from sqlalchemy import func, select

from demo import cases as demo_cases
from demo.cases import Plan
from engine.deps import Deps
from engine.evaluation.periods import Period, parse_period
from engine.evaluation.signals import thresholds
from engine.store.models import Case, User
from engine.time.clock import BEIJING

KEY = "demo-signal-"
SEED = 14


@dataclass(frozen=True)
class Planted:
    period: str  # where the signals fire: the last month that ended
    cases: int  # cases created now (0 when planted before)


def last_ended_month(now: datetime) -> Period:
    local = now.astimezone(BEIJING)
    return parse_period(f"{local.year:04d}-{local.month:02d}").previous()


def photo_bytes() -> bytes:
    """A small JPEG drawn the same way every time: the photo the inspector reuses."""
    image = Image.new("RGB", (160, 120), (90, 120, 90))
    draw = ImageDraw.Draw(image)
    draw.rectangle((30, 40, 130, 100), fill=(160, 150, 140))
    draw.ellipse((60, 10, 100, 40), fill=(230, 220, 120))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=80)
    return out.getvalue()


def _inspectors(world: demo_cases._World) -> dict[int, list[str]]:
    grids: dict[int, list[str]] = {}
    for grid, inspector in sorted(world.inspector_of.items()):
        if inspector:
            grids.setdefault(inspector, []).append(grid)
    return grids


def _reports(deps: Deps, inspector: int, start: datetime, end: datetime) -> list[datetime]:
    with deps.uow() as uow:
        return list(uow.session.scalars(select(Case.reported_at).where(
            Case.reporter_id == inspector, Case.source == "inspector", Case.reported_at >= start,
            Case.reported_at < end)))


def _point(world: demo_cases._World, grids: list[str], rng: random.Random) -> tuple[float, float]:
    for _ in range(50):
        grid = rng.choice(grids)
        minx, miny, maxx, maxy = world.index.geometry(world.position[grid]).bounds
        lon, lat = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        hit = world.index.locate(lon, lat)
        if hit is not None and hit.grid_code in grids:
            return lon, lat
    raise RuntimeError("could not place a demo case in the inspector's grids")


def _at(day: datetime, rng: random.Random) -> datetime:
    """Office hours of a Beijing day."""
    local = day.astimezone(BEIJING).replace(hour=10, minute=0, second=0, microsecond=0)
    return local + timedelta(minutes=rng.randint(0, 7 * 60))


def plan_signals(deps: Deps, world: demo_cases._World, month: Period) -> list[Plan]:
    """The cases of the four signals, from the thresholds and what the demo already holds."""
    config = thresholds(deps)
    rng = random.Random(SEED)
    # the demo's commonest incident class (a single handling stage, unlike 私搭乱建's phases)
    category = next(c for c, _ in sorted(demo_cases.INCIDENTS.items(), key=lambda kv: (-kv[1], kv[0]))
                    if c in world.names)
    inspectors = _inspectors(world)
    if not inspectors:
        return []
    baseline_months = [month]
    for _ in range(int(config["report_baseline_periods"])):
        baseline_months.insert(0, baseline_months[0].previous())
    baseline_months.pop()
    first = baseline_months[0].start
    # the inspectors with the fewest reports of their own: the planted figures stand out
    quiet = sorted(inspectors, key=lambda i: (len(_reports(deps, i, first, month.end)), i))
    swing, quick, photo = (quiet[n % len(quiet)] for n in range(3))
    plans: list[Plan] = []

    def add(name: str, at: datetime, inspector: int, source: str = "inspector", **more: object) -> None:
        lon, lat = _point(world, inspectors[inspector], rng)
        plans.append(Plan(f"{KEY}{name}", at, source, category, lon, lat, **more))  # type: ignore[arg-type]

    # report_swing (surge) and bunched_reports: a steady baseline, then a burst in the last days
    least = math.ceil(float(config["report_min_baseline"]))
    held = []
    for p in baseline_months:
        existing = len(_reports(deps, swing, p.start, p.end))
        for n in range(max(0, least - existing)):
            add(f"base-{p.name}-{n}", _at(p.start + timedelta(days=2 + 5 * n), rng), swing)
        held.append(max(least, existing))
    baseline = sum(held) / len(held)
    tail_days = int(config["bunch_last_days"])
    tail_start = month.end - timedelta(days=tail_days)
    now_in = _reports(deps, swing, month.start, month.end)
    in_tail = sum(1 for at in now_in if at >= tail_start)
    burst = 0
    while not (len(now_in) + burst > baseline * float(config["report_surge_ratio"])
               and len(now_in) + burst >= int(config["bunch_min_reports"])
               and (in_tail + burst) / (len(now_in) + burst) >= float(config["bunch_share"])):
        burst += 1
    for n in range(burst):
        add(f"burst-{n}", _at(tail_start + timedelta(days=n % tail_days), rng), swing)
    # quick_check: the grid's inspector checks minutes after the department reported it handled
    quick_minutes = float(config["quick_check_minutes"])
    for n in range(int(config["quick_check_min_cases"])):
        add(f"quick-{n}", _at(month.start + timedelta(days=1 + 4 * n), rng), quick, source="citizen",
            check_minutes=round(quick_minutes * (0.3 + 0.2 * n), 1))
    # photo_reused: the same photo on two reports of one inspector
    picture = photo_bytes()
    for n in range(2):
        add(f"photo-{n}", _at(month.start + timedelta(days=3 + 6 * n), rng), photo, photo=picture)
    return plans


def generate(deps: Deps, progress: demo_cases.Progress = lambda *_: None) -> Planted:
    """Plant the signals' cases in the last month that ended (once)."""
    month = last_ended_month(deps.clock.now())
    with deps.uow() as uow:
        planted = select(func.count(Case.id)).where(Case.idempotency_key.like(f"%:{KEY}%"))  # reporter:key
        if uow.session.scalar(planted):
            return Planted(month.name, 0)
        if uow.session.scalar(select(func.count(User.id))) == 0:
            return Planted(month.name, 0)
    world = demo_cases._World(deps)
    plans = plan_signals(deps, world, month)
    moved, clock = demo_cases.moved_clock(deps)
    made = demo_cases.drive(moved, clock, world, plans, deps.clock.now(), progress, "integrity signals")
    return Planted(month.name, made)
