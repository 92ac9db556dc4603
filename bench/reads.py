"""Section 3: the reads people make all day, at a million cases, through the use-case functions.

Each read is called with varying arguments (different inspectors, departments, districts,
months and cases), so the figures are not one cached page. The arguments are chosen before
timing; only the use-case call is timed.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select

from bench.common import Progress, summary_ms
from bench.env import BenchDatabase, Cast
from engine.cases import queries, tasks
from engine.deps import Deps
from engine.evaluation import monthly
from engine.store.models import Case, Place
from engine.time.clock import BEIJING

DISTRICTS = ("650102", "650103", "650104", "650105")


def _months(years: int) -> list[tuple[int, int]]:
    now = datetime.now(UTC).astimezone(BEIJING)
    out = []
    y, m = now.year, now.month
    for _ in range(years * 12):
        m -= 1
        if m == 0:
            y, m = y - 1, 12
        out.append((y, m))
    return out


def _sample_cases(deps: Deps, n: int, rng: random.Random) -> list[tuple[str, int | None]]:
    """Random case numbers, with the inspector of the grid of each closed one (who checked it)."""
    with deps.uow() as uow:
        top = uow.session.scalar(select(func.max(Case.id))) or 1
        ids = [rng.randint(1, top) for _ in range(n)]
        rows = uow.session.execute(select(Case.case_no, Case.status, Place.inspector_id)
                                   .join(Place, Place.code == Case.grid_code).where(Case.id.in_(ids))).all()
    return [(r.case_no, r.inspector_id if r.status == "closed" else None) for r in rows]


def _time(call: Callable[[], Any], samples: int, warm: int = 3) -> list[float]:
    for _ in range(warm):
        call()
    out = []
    for _ in range(samples):
        start = time.perf_counter()
        call()
        out.append(time.perf_counter() - start)
    return out


def reads_section(db: BenchDatabase, cast: Cast, samples: int, years: int, progress: Progress,
                  seed: int = 11) -> dict[str, Any]:
    """p50/p95 of each read, each over ``samples`` calls with varied arguments."""
    deps, rng = db.deps, random.Random(seed)
    leader = cast.centre.get("leader", cast.centre["dispatcher"])
    # District command sub-centres dispatch their districts' cases; else the city's dispatcher does.
    dispatchers = [a for (role, district, dep), a in cast.by_grant.items()
                   if role == "dispatcher" and district and dep is None] or [cast.centre["dispatcher"]]
    inspectors = cast.inspectors
    handlers = list(cast.handlers.values())
    months = _months(years)
    picked = _sample_cases(deps, samples * 2, rng)
    with_inspector = [(no, cast.by_user_id[i]) for no, i in picked if i in cast.by_user_id]

    def cycle(items: list[Any]) -> Callable[[], Any]:
        state = {"i": 0}

        def nxt() -> Any:
            state["i"] += 1
            return items[state["i"] % len(items)]
        return nxt

    next_inspector, next_handler = cycle(rng.sample(inspectors, len(inspectors))), cycle(handlers)
    next_dispatcher = cycle(dispatchers)
    next_case, next_inspected = cycle(picked), cycle(with_inspector)
    next_query = cycle([(rng.choice(DISTRICTS), rng.choice(months)) for _ in range(samples)])

    def search() -> Any:
        district, (y, m) = next_query()
        start, end = monthly.month_bounds(y, m)
        flt = queries.CaseFilter(status="closed", district_code=district, date_from=start, date_to=end)
        return queries.list_cases(deps, leader, flt, page=1, per_page=deps.settings.page_size)

    def month_counts() -> Any:
        district, (y, m) = next_query()
        return monthly.district_month_counts(deps, leader, district, y, m)

    def inspected_page() -> Any:
        case_no, inspector = next_inspected()
        return queries.get_case(deps, inspector, case_no)

    reads: dict[str, Callable[[], Any]] = {
        "inspector_inbox": lambda: tasks.list_tasks(deps, next_inspector(), limit=50),
        "dispatcher_inbox": lambda: tasks.list_tasks(deps, next_dispatcher(), limit=50),
        "department_inbox": lambda: tasks.list_tasks(deps, next_handler(), limit=50),
        "case_search_district_status_month": search,
        "case_page": lambda: queries.get_case(deps, leader, next_case()[0]),
        "case_page_as_inspector": inspected_page,
        "evaluation_month_counts": month_counts,
        "case_list_unfiltered": lambda: queries.list_cases(deps, leader, queries.CaseFilter(), page=1,
                                                         per_page=deps.settings.page_size),
    }
    # A person's own case list (not a centre role): known to scan the cases, so few samples.
    people = cycle([a for pair in zip(rng.sample(inspectors, 4), rng.sample(handlers, 4), strict=True) for a in pair])
    slow = {"case_list_as_inspector_or_handler": lambda: queries.list_cases(deps, people(), queries.CaseFilter(), page=1,
                                                                           per_page=deps.settings.page_size)}
    result: dict[str, Any] = {}
    with progress.bar(f"[{db.backend}] reads", len(reads) + len(slow)) as advance:
        for name, call in reads.items():
            result[name] = summary_ms(_time(call, samples))
            advance(1)
        for name, call in slow.items():
            result[name] = summary_ms(_time(call, min(samples, 6), warm=1))
            advance(1)
    return result
