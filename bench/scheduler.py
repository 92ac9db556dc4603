"""Section 5: the scheduler finds and fires the due timers — as fast among 100,000 as among 100.

The due timers must belong to real running cases (firing one loads the case's workflow), so
the engine takes cases to the handle stage, where the time limit arms a warning and an overdue
timer; ``due`` of them are then moved into the past. Finding them is timed with
only those cases' timers in the table, then again after 100,000 future timers were added in
bulk; finally the scheduler's own ``fire_due`` claims and fires them.
"""

from __future__ import annotations

import statistics
import time
from datetime import timedelta
from typing import Any

import numpy as np
from sqlalchemy import func, insert, select, update

from bench.common import Progress
from bench.env import BenchDatabase, Cast
from bench.lifecycle import EngineChannel, answer, open_tasks
from engine.deps import Deps
from engine.store.models import Case


def timers_module() -> Any:
    """The scheduler's use cases, or None before the timers table exists."""
    try:
        from engine.store.rules_models import Timer  # noqa: F401
        from engine.time import timers
    except ImportError:
        return None
    return timers if hasattr(timers, "claim_due") and hasattr(timers, "fire_due") else None


def _to_handle(deps: Deps, cast: Cast, n: int, progress: Progress, backend: str) -> None:
    """Report ``n`` cases and take each to the handle stage (its time limit arms timers)."""
    channel = EngineChannel(deps)
    with progress.bar(f"[{backend}] cases waiting at handle", n) as advance:
        for i in range(n):
            lon, lat, district = cast.points[(40_000_000 + i) % len(cast.points)]
            case_no = channel.report(cast.centre["operator"], lon, lat, 40_000_000 + i)
            for _ in range(10):
                pending = open_tasks(deps, case_no)
                if not pending or pending[0].stage == "handle":
                    break
                t = pending[0]
                actor = cast.actor_for(t.lane, t.scope, t.assignee_id, t.department_code, t.district_code)
                channel.complete(actor, t.id, answer(t.stage, cast.department_of[district]))
            advance(1)


def _claim_ms(deps: Deps, timers: Any, Timer: Any, due: int, repeats: int) -> tuple[float, int]:
    """Median time of one claim of the due timers, releasing the claim after each."""
    times, found = [], 0
    for _ in range(repeats):
        start = time.perf_counter()
        ids = timers.claim_due(deps, limit=due)
        times.append(time.perf_counter() - start)
        found = len(ids)
        with deps.uow(write=True) as uow:
            uow.session.execute(update(Timer).where(Timer.id.in_(ids)).values(claimed_at=None))
            uow.commit()
    return round(statistics.median(times) * 1000, 3), found


def _add_future_timers(deps: Deps, Timer: Any, n: int, seed: int = 5) -> None:
    """``n`` timers due in the next 30 days, on random cases (one multi-row insert per 20,000)."""
    now = deps.clock.now()
    rng = np.random.default_rng(seed)
    with deps.uow() as uow:
        top = uow.session.scalar(select(func.max(Case.id))) or 1
    case_ids = rng.integers(1, top + 1, n).tolist()
    minutes = rng.integers(10, 30 * 24 * 60, n).tolist()
    rows = [{"case_id": c, "task_id": None, "kind": "overdue", "due_at": now + timedelta(minutes=m),
             "created_at": now} for c, m in zip(case_ids, minutes, strict=True)]
    with deps.engine.begin() as conn:
        for start in range(0, n, 20_000):
            conn.execute(insert(Timer.__table__), rows[start:start + 20_000])


def scheduler_section(db: BenchDatabase, cast: Cast, open_timers: int, due: int, progress: Progress,
                      repeats: int = 20) -> dict[str, Any]:
    timers = timers_module()
    if timers is None:
        return {"skipped": "engine/time/timers.py (claim_due, fire_due) is not there yet"}
    from engine.store.rules_models import Timer

    deps = db.deps
    # A case at handle has a warning and an overdue timer of its task: half as many cases suffice.
    # (Its BPMN timer row is rewritten by every step of the case, so it is not one of the due.)
    _to_handle(deps, cast, -(-due // 2), progress, db.backend)
    now = deps.clock.now()
    with deps.uow(write=True) as uow:
        s = uow.session
        ids = list(s.scalars(select(Timer.id).where(Timer.fired_at.is_(None), Timer.kind.in_(("warning", "overdue")))
                             .order_by(Timer.id.desc()).limit(due)))
        s.execute(update(Timer).where(Timer.id.in_(ids)).values(due_at=now - timedelta(minutes=1)))
        uow.commit()
        small = s.scalar(select(func.count()).select_from(Timer).where(Timer.fired_at.is_(None))) or 0
    small_ms, found_small = _claim_ms(deps, timers, Timer, due, repeats)
    _add_future_timers(deps, Timer, open_timers)
    with deps.uow() as uow:
        large = uow.session.scalar(select(func.count()).select_from(Timer).where(Timer.fired_at.is_(None))) or 0
    large_ms, found_large = _claim_ms(deps, timers, Timer, due, repeats)
    start = time.perf_counter()
    fired = timers.fire_due(deps, limit=due)
    fire_s = time.perf_counter() - start
    return {
        "due": due, "open_small": small, "claim_small_ms": small_ms, "open_large": large,
        "claim_large_ms": large_ms, "large_over_small": round(large_ms / small_ms, 2) if small_ms else 0.0,
        "found": [found_small, found_large], "fired": sum(1 for f in fired if f.effect == "fired"),
        "find_and_fire_ms": round(fire_s * 1000, 1),
        "per_timer_ms": round(fire_s * 1000 / max(1, len(fired)), 2),
    }
