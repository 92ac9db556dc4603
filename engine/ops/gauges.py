"""What the metrics read from the database at scrape time: open tasks by light, timers, outbox.

These are shared by every worker (they live in the database), so they are computed when Prometheus
asks rather than counted in each process; each is one indexed aggregate.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, func, select

from engine.deps import Deps
from engine.store.models import Task
from engine.store.rules_models import OutboxMessage, Timer


@dataclass(frozen=True)
class Gauges:
    open_tasks_by_light: dict[str, int]
    due_timers_waiting: int
    outbox_backlog: int
    scheduler_lag_seconds: float


def read(deps: Deps) -> Gauges:
    """Read the gauges in one read-only transaction."""
    now = deps.clock.now()
    light = case((Task.due_at.is_(None), "none"), (Task.due_at <= now, "red"),
                 (Task.warn_at <= now, "yellow"), else_="green")
    with deps.uow() as uow:
        s = uow.session
        by_light = {"green": 0, "yellow": 0, "red": 0, "none": 0}
        for name, count in s.execute(select(light, func.count()).where(Task.state == "open").group_by(light)):
            by_light[name] = count
        due = select(func.count(), func.min(Timer.due_at)).where(Timer.fired_at.is_(None), Timer.due_at <= now)
        waiting, oldest = s.execute(due).one()
        backlog = s.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.sent_at.is_(None)))
    lag = (now - oldest).total_seconds() if oldest is not None else 0.0
    return Gauges(by_light, int(waiting), int(backlog or 0), max(lag, 0.0))
