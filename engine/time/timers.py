"""Timers are rows: each task's warning and overdue instants, and the BPMN timer events' due times.

Steps write them (in the step's transaction, :mod:`engine.time.timer_rows`); the scheduler claims the due ones by index and
fires each exactly once. Claiming is its own short transaction (``FOR UPDATE SKIP LOCKED`` on
PostgreSQL, so two schedulers never claim the same row); firing then locks the case row first,
like every step, so a scheduler and a user completing the task never deadlock, and re-checks
``fired_at`` so a timer claimed twice after a crash still fires once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from engine.cases.steps import Step, lock_case
from engine.deps import Deps
from engine.people.accounts import SYSTEM
from engine.people.notify import candidates, department_head, notify
from engine.store.models import Case, Task
from engine.store.rules_models import Timer
from engine.time.clock import isoformat

log = logging.getLogger("szcg.timers")
# A claim older than timer_reclaim_seconds was left by a crashed scheduler. Taking it over early is
# safe — firing re-checks ``fired_at`` under the case lock — but costs a second look at the timer.


def claim_due(deps: Deps, limit: int = 100) -> list[int]:
    """Claim up to ``limit`` due timers for this scheduler; returns their ids."""
    now = deps.clock.now()
    with deps.uow(write=True) as uow:
        reclaim = timedelta(seconds=deps.settings.timer_reclaim_seconds)
        query = (select(Timer.id).where(Timer.fired_at.is_(None), Timer.due_at <= now,
                                        (Timer.claimed_at.is_(None)) | (Timer.claimed_at < now - reclaim))
                 .order_by(Timer.due_at, Timer.id).limit(limit).with_for_update(skip_locked=True))
        ids = list(uow.session.scalars(query))
        if ids:
            uow.session.execute(update(Timer).where(Timer.id.in_(ids)).values(claimed_at=now))
        uow.commit()
        return ids


@dataclass(frozen=True)
class Fired:
    timer_id: int
    kind: str
    effect: str  # fired | skipped


def fire(deps: Deps, timer_id: int) -> Fired:
    """Fire one claimed timer in its own transaction: effects, workflow run, ``fired_at`` together."""
    with deps.uow(write=True) as uow:
        s = uow.session
        case_id = s.scalar(select(Timer.case_id).where(Timer.id == timer_id))
        if case_id is None:
            return Fired(timer_id, "?", "skipped")
        case = lock_case(s, case_id)
        timer = s.scalar(select(Timer).where(Timer.id == timer_id).with_for_update()
                         .execution_options(populate_existing=True))
        if timer is None or timer.fired_at is not None:
            uow.commit()
            return Fired(timer_id, timer.kind if timer else "?", "skipped")
        now = deps.clock.now()
        task = s.get(Task, timer.task_id) if timer.task_id and timer.kind != "bpmn" else None
        step = Step.load(deps, s, case, SYSTEM)
        effect = "fired"
        if timer.kind == "warning":
            effect = _warn(s, step, case, task, now)
        elif timer.kind == "overdue":
            effect = _overdue(s, step, case, task, now)
        step.run()
        step.finish()
        timer.fired_at = now
        uow.commit()
        return Fired(timer_id, timer.kind, effect)


def _warn(session: Session, step: Step, case: Case, task: Task | None, now: datetime) -> str:
    if task is None or task.state != "open":
        return "skipped"
    task.warned_at = now
    message = f"案件 {case.case_no}「{task.name}」将于 {isoformat(task.due_at)} 到期，请及时办理。"
    notify(session, candidates(session, task), case=case, task=task, kind="warning", message=message, now=now)
    step.add_event("warning", task_id=task.id, data={"stage": task.stage, "due_at": isoformat(task.due_at)},
                   system=True)
    return "fired"


def _overdue(session: Session, step: Step, case: Case, task: Task | None, now: datetime) -> str:
    if task is None or task.state != "open":
        return "skipped"
    task.overdue_at = now
    case.overdue_count += 1
    message = f"案件 {case.case_no}「{task.name}」已超期（时限 {isoformat(task.due_at)}），请立即处置。"
    recipients = [*candidates(session, task), department_head(session, task.department_code)]
    notify(session, [r for r in recipients if r], case=case, task=task, kind="overdue", message=message, now=now)
    step.add_event("overdue", task_id=task.id, data={"stage": task.stage, "due_at": isoformat(task.due_at)},
                   system=True)
    return "fired"


def fire_due(deps: Deps, limit: int = 100) -> list[Fired]:
    """Claim and fire the due timers; one failing timer does not stop the others."""
    results = []
    for timer_id in claim_due(deps, limit):
        try:
            results.append(fire(deps, timer_id))
        except Exception:  # a broken case must not block every other timer
            log.exception("timer %s failed; it will be retried after %s s", timer_id,
                          deps.settings.timer_reclaim_seconds)
    return results
