"""The timer rows a step writes: each new task's warning and overdue instants, and the BPMN timer
events' due times, in the step's own transaction (the scheduler's side is :mod:`engine.time.timers`)."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete
from sqlalchemy.orm import Session

from engine.runtime.workflow import WaitingTimer
from engine.store.rules_models import Timer

log = logging.getLogger("szcg.timers")
# Built once: these run on every step (see engine/cases/steps.py).
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
