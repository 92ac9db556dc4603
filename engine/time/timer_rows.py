"""The timer rows a step writes: each new task's warning and overdue instants, and the BPMN timer
events' due times, in the step's own transaction (the scheduler's side is :mod:`engine.time.timers`)."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from engine.runtime.workflow import WaitingTimer

log = logging.getLogger("szcg.timers")


def task_timer_rows(task: dict[str, Any], now: datetime) -> list[dict[str, Any]]:
    """The warning and overdue timer rows of a newly ready task with a time limit."""
    due, warn = task["due_at"], task["warn_at"]
    if due is None:
        return []
    base = {"case_id": task["case_id"], "task_id": task["id"], "created_at": now, "claimed_at": None,
            "fired_at": None}
    rows = [{**base, "kind": "warning", "due_at": warn}] if warn is not None and warn < due else []
    return [*rows, {**base, "kind": "overdue", "due_at": due}]


def bpmn_timer_rows(case_id: int, waiting: list[WaitingTimer], now: datetime) -> list[dict[str, Any]]:
    """The rows mirroring the workflow's waiting timer events, so the scheduler knows when to run it.

    A step that changes them deletes the case's unfired ``bpmn`` rows and writes these instead
    (engine/cases/step_writes.py), in its own statement(s).
    """
    rows = []
    for w in waiting:
        try:
            due = datetime.fromisoformat(w.due)
        except ValueError:
            log.warning("case %s: timer %s has an unreadable due time %r", case_id, w.bpmn_id, w.due)
            continue
        rows.append({"case_id": case_id, "task_id": w.task_id, "kind": "bpmn", "due_at": due, "created_at": now,
                     "claimed_at": None, "fired_at": None})
    return rows

