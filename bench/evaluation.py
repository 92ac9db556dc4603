"""Section 4: 综合评价 at a million cases — all scorecards of one month (every region level,
department and position) from the facts, then the reads a leader makes once they are computed:
a ranking and a drill-down list."""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime
from typing import Any

from bench.common import Progress, summary_ms
from bench.env import BenchDatabase, Cast
from engine.evaluation import facts as loading
from engine.evaluation import scorecards
from engine.evaluation.periods import parse_period
from engine.evaluation.plans import get_plan
from engine.evaluation.publication import compute_all
from engine.time.clock import BEIJING

DISTRICTS = ("650102", "650103", "650104", "650105")


def _last_months(n: int) -> list[str]:
    now = datetime.now(UTC).astimezone(BEIJING)
    y, m, out = now.year, now.month, []
    for _ in range(n):
        m -= 1
        if m == 0:
            y, m = y - 1, 12
        out.append(f"{y:04d}-{m:02d}")
    return out


def evaluation_section(db: BenchDatabase, cast: Cast, samples: int, progress: Progress,
                       seed: int = 13) -> dict[str, Any]:
    """Time all scorecards of a month (fresh, a few months), then the cached ranking and drill-down."""
    deps, rng = db.deps, random.Random(seed)
    leader = cast.centre.get("leader", cast.centre["dispatcher"])
    plan = get_plan(None)
    months = _last_months(3)
    full, cases = [], 0
    with progress.bar(f"[{db.backend}] evaluation", len(months) + 2) as advance:
        for month in months:
            start = time.perf_counter()
            with deps.uow() as uow:
                facts = loading.load(uow.session, parse_period(month), deps.clock.now())
            compute_all(facts, plan)
            full.append(time.perf_counter() - start)
            cases = max(cases, len(facts.cases))
            advance(1)
        month = months[0]
        scorecards.scorecard(deps, leader, "district", month)  # computed once: the reads below reuse it
        ranking = []
        for _ in range(samples):
            kind = rng.choice(("district", "street", "department", "dispatcher"))
            start = time.perf_counter()
            scorecards.scorecard(deps, leader, kind, month)
            ranking.append(time.perf_counter() - start)
        advance(1)
        drill = []
        for _ in range(samples):
            district = rng.choice(DISTRICTS)
            start = time.perf_counter()
            scorecards.drill(deps, leader, "district", district, "on_time_close_rate", month)
            drill.append(time.perf_counter() - start)
        advance(1)
    return {"months": months, "cases_in_month": cases, "all_scorecards": summary_ms(full),
            "all_scorecards_max_ms": round(max(full) * 1000, 1), "ranking_once_computed": summary_ms(ranking),
            "drill_once_computed": summary_ms(drill)}
