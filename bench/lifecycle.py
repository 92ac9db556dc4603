"""Section 1 (and the driver of section 2): cases taken through the whole process.

A case is reported by the operator as a citizen's report (so it goes through verify) and then
every open task is completed by whoever may take it, with the answers of the happy path, until
the case has no open task. The path is followed, not assumed: if the process skips a task
(automatic dispatch) or adds one, the driver follows what the projection shows.

Only the use-case calls are timed. Looking up the open task between two steps is the
benchmark's bookkeeping (a user would have it from the inbox already) and is not counted.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import select

from bench.common import Progress, peak_rss_mb, summary_ms, tenths
from bench.env import Cast
from engine.cases import reports, tasks
from engine.deps import Deps
from engine.people.accounts import Actor
from engine.store.models import Case, Task

CATEGORY = "20102"  # 暴露垃圾, an incident every district handles
# The answer each stage gets on the happy path (dispatch gets the district's department).
ANSWERS: dict[str, dict[str, Any]] = {
    "register": {"decision": "file"}, "verify": {"confirmed": True}, "file": {"decision": "file"},
    "handle": {"outcome": "done"}, "check": {"passed": True}, "close": {}, "urge": {"comment": "请尽快处置"},
}
MAX_STEPS = 20


def answer(stage: str, department_code: str) -> dict[str, Any]:
    if stage == "dispatch":
        return {"department_code": department_code}
    return dict(ANSWERS.get(stage, {}))


class Channel(Protocol):
    """How a step reaches szcg: the use-case functions, or the JSON API."""

    def report(self, actor: Actor, lon: float, lat: float, n: int) -> str: ...

    def complete(self, actor: Actor, task_id: str, data: dict[str, Any]) -> None: ...


class EngineChannel:
    """Calls the engine's use-case functions, as the API and the pages do."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    def report(self, actor: Actor, lon: float, lat: float, n: int) -> str:
        payload = reports.ReportInput(source="citizen", category_code=CATEGORY, description=f"路边有一堆垃圾 #{n}",
                                      lon=lon, lat=lat, address="和平路 1 号", reporter_name="张三",
                                      reporter_phone="13800000000")
        return reports.report_case(self.deps, actor, payload).case_no

    def complete(self, actor: Actor, task_id: str, data: dict[str, Any]) -> None:
        tasks.complete_task(self.deps, actor, task_id, data)


@dataclass(frozen=True)
class OpenTask:
    id: str
    stage: str
    lane: str
    scope: str
    assignee_id: int | None
    department_code: str | None
    district_code: str | None


def open_tasks(deps: Deps, case_no: str) -> list[OpenTask]:
    """The case's open tasks as the projection has them (bookkeeping, not timed)."""
    with deps.uow() as uow:
        rows = uow.session.execute(
            select(Task.id, Task.stage, Task.lane, Task.scope, Task.assignee_id, Task.department_code,
                   Task.district_code)
            .join(Case, Case.id == Task.case_id).where(Case.case_no == case_no, Task.state == "open")
            .order_by(Task.created_at, Task.id)).all()
    return [OpenTask(*r) for r in rows]


def drive_case(deps: Deps, channel: Channel, cast: Cast, n: int) -> tuple[float, int]:
    """Take case number ``n`` from report to its end; return (seconds in szcg calls, steps)."""
    lon, lat, district = cast.points[n % len(cast.points)]
    department = cast.department_of[district]
    start = time.perf_counter()
    case_no = channel.report(cast.centre["operator"], lon, lat, n)
    spent = time.perf_counter() - start
    steps = 1
    while steps < MAX_STEPS:
        pending = open_tasks(deps, case_no)
        if not pending:
            return spent, steps
        task = pending[0]
        actor = cast.actor_for(task.lane, task.scope, task.assignee_id, task.department_code, task.district_code)
        data = answer(task.stage, department)
        start = time.perf_counter()
        channel.complete(actor, task.id, data)
        spent += time.perf_counter() - start
        steps += 1
    raise RuntimeError(f"case {case_no} did not finish in {MAX_STEPS} steps")


def run_cases(deps: Deps, channel: Channel, cast: Cast, n: int, progress: Progress, label: str,
              offset: int = 0) -> tuple[list[float], int]:
    """Drive ``n`` cases; return per-case seconds and the total number of steps."""
    times: list[float] = []
    steps = 0
    with progress.bar(label, n) as advance:
        for i in range(n):
            spent, k = drive_case(deps, channel, cast, offset + i)
            times.append(spent)
            steps += k
            advance(1)
    return times, steps


def figures(times: list[float], steps: int) -> dict[str, Any]:
    """Per-case median and p95, cases/s, and the first-tenth/last-tenth comparison."""
    total = sum(times)
    return {"cases": len(times), "steps": steps, **summary_ms(times),
            "cases_per_s": round(len(times) / total, 1) if total else 0.0, **tenths(times)}


def lifecycle_section(deps: Deps, cast: Cast, n: int, progress: Progress, backend: str,
                      floor: Callable[[int], float] | None = None) -> dict[str, Any]:
    """Engine lifecycle of ``n`` cases, each followed by one floor case, in the same process.

    Interleaving puts the engine and its floor under the same machine load at every moment,
    so their ratio holds even on a busy shared machine where absolute times drift.
    """
    channel = EngineChannel(deps)
    for i in range(min(5, n)):  # warm-up: parsed spec, geocoder, forms, caches
        drive_case(deps, channel, cast, 10_000_000 + i)
        if floor is not None:
            floor(i)
    times: list[float] = []
    floor_times: list[float] = []
    steps = 0
    with progress.bar(f"[{backend}] lifecycle (engine, then floor)", n) as advance:
        for i in range(n):
            spent, k = drive_case(deps, channel, cast, i)
            times.append(spent)
            steps += k
            if floor is not None:
                floor_times.append(floor(i))
            advance(1)
    result: dict[str, Any] = {"engine": figures(times, steps)}
    if floor is not None:
        result["floor"] = figures(floor_times, steps)
        result["engine_over_floor"] = round(result["engine"]["p50_ms"] / result["floor"]["p50_ms"], 2)
    result["peak_rss_mb"] = peak_rss_mb()
    return result
