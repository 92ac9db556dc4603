"""Timers are rows: each task's warning and overdue instants, and the BPMN timer events' due times.

Steps write them (in the step's transaction); the scheduler claims the due ones by index and
fires each exactly once. Claiming is its own short transaction (``FOR UPDATE SKIP LOCKED`` on
PostgreSQL, so two schedulers never claim the same row); firing then locks the case row first,
like every step, so a scheduler and a user completing the task never deadlock, and re-checks
``fired_at`` so a timer claimed twice after a crash still fires once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.orm import Session

from engine.clock import isoformat
from engine.runtime.workflow import WaitingTimer
from engine.services.accounts import SYSTEM
from engine.services.deps import Deps
from engine.services.notify import candidates, department_head, notify
from engine.store.models import Case, Task
from engine.store.rules_models import Timer

log = logging.getLogger("szcg.timers")
RECLAIM_AFTER = timedelta(minutes=10)  # a claim older than this was left by a crashed scheduler
# Built once: these run on every step (see engine/services/steps.py).
_CANCEL_TASK_TIMERS = delete(Timer).where(Timer.task_id.in_(bindparam("task_ids", expanding=True)),
                                          Timer.fired_at.is_(None))
_DROP_BPMN_TIMERS = delete(Timer).where(Timer.case_id == bindparam("case_id"), Timer.kind == "bpmn",
                                        Timer.fired_at.is_(None))


def task_timer_rows(task: dict[str, Any], now: datetime) -> list[dict[str, Any]]:
    """The warning and overdue timer rows of a newly ready task with a time limit."""
    due, warn = task["due_at"], task["warn_at"]
    if due is None:
        return []
    base = {"case_id": task["case_id"], "task_id": task["id"], "created_at": now, "claimed_at": None,
            "fired_at": None}
    rows = [{**base, "kind": "warning", "due_at": warn}] if warn is not None and warn < due else []
    return [*rows, {**base, "kind": "overdue", "due_at": due}]


def cancel_tasks(session: Session, task_ids: list[str]) -> None:
    """Drop the unfired timers of tasks that are no longer open."""
    if task_ids:
        session.connection().execute(_CANCEL_TASK_TIMERS, {"task_ids": task_ids})


def sync_bpmn(session: Session, case_id: int, waiting: list[WaitingTimer], now: datetime) -> None:
    """Mirror the workflow's waiting timer events so the scheduler knows when to run it."""
    session.connection().execute(_DROP_BPMN_TIMERS, {"case_id": case_id})
    for w in waiting:
        try:
            due = datetime.fromisoformat(w.due)
        except ValueError:
            log.warning("case %s: timer %s has an unreadable due time %r", case_id, w.bpmn_id, w.due)
            continue
        session.add(Timer(case_id=case_id, task_id=w.task_id, kind="bpmn", due_at=due, created_at=now))


def claim_due(deps: Deps, limit: int = 100) -> list[int]:
    """Claim up to ``limit`` due timers for this scheduler; returns their ids."""
    now = deps.clock.now()
    with deps.uow(write=True) as uow:
        query = (select(Timer.id).where(Timer.fired_at.is_(None), Timer.due_at <= now,
                                        (Timer.claimed_at.is_(None)) | (Timer.claimed_at < now - RECLAIM_AFTER))
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
    from engine.services.steps import Step, lock_case

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


def _warn(session: Session, step: object, case: Case, task: Task | None, now: datetime) -> str:
    if task is None or task.state != "open":
        return "skipped"
    task.warned_at = now
    message = f"案件 {case.case_no}「{task.name}」将于 {isoformat(task.due_at)} 到期，请及时办理。"
    notify(session, candidates(session, task), case=case, task=task, kind="warning", message=message, now=now)
    step.add_event("warning", task_id=task.id, data={"stage": task.stage, "due_at": isoformat(task.due_at)},
                   system=True)
    return "fired"


def _overdue(session: Session, step: object, case: Case, task: Task | None, now: datetime) -> str:
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
            log.exception("timer %s failed; it will be retried after %s", timer_id, RECLAIM_AFTER)
    return results


def pending_count(session: Session, now: datetime) -> int:
    return session.scalar(select(func.count(Timer.id)).where(Timer.fired_at.is_(None), Timer.due_at <= now)) or 0
