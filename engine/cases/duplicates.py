"""Duplicate reports (重复上报): candidates at registration, and voiding a report as a duplicate.

The rule (R, T, N are config.yaml's ``duplicate_radius_m``, ``duplicate_window_hours`` and
``duplicate_closed_days``): another case is a candidate for a new report when it has the
same class (``category_code``), lies within R metres, was not voided, and either is still
open and was reported within T hours of the new report (before or after), or was closed
in the last N days (the problem is back right after it was fixed). Nearest first.

When the operator completes register with ``decision == "void"`` and ``duplicate_of`` (a
case number), the report is linked (``cases.duplicate_of_id``) and both timelines get an
event: ``duplicate_of`` on the voided report, ``duplicate_reported`` on the original.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from engine.audit import chain
from engine.deps import Deps
from engine.errors import Invalid
from engine.places.geocoder import metres_per_degree
from engine.store.models import Case, CaseEvent, Task
from engine.time.clock import isoformat


class Step(Protocol):
    """What :func:`on_completed` needs of the running step (engine.cases.steps.Step, which calls it)."""

    session: Session
    case: Case
    now: datetime
    actor: Any

    def add_event(self, action: str, **kwargs: Any) -> Any: ...

FINISHED = ("closed", "void")
LIMIT = 20


def candidates(deps: Deps, session: Session, case: Case) -> list[dict[str, Any]]:
    """Cases the new report ``case`` may duplicate, nearest first (at most 20)."""
    settings = deps.settings
    radius = float(settings.duplicate_radius_m)
    kx, ky = metres_per_degree(case.lat)
    dlon, dlat = radius / kx, radius / ky
    window = timedelta(hours=float(settings.duplicate_window_hours))
    closed_since = deps.clock.now() - timedelta(days=int(settings.duplicate_closed_days))
    query = select(Case).where(
        Case.category_code == case.category_code, Case.id != case.id,
        Case.lon.between(case.lon - dlon, case.lon + dlon), Case.lat.between(case.lat - dlat, case.lat + dlat),
        or_(and_(Case.status.not_in(FINISHED), Case.reported_at.between(case.reported_at - window,
                                                                          case.reported_at + window)),
            and_(Case.status == "closed", Case.closed_at >= closed_since)))
    found = []
    for other in session.scalars(query):
        distance = ((other.lon - case.lon) * kx) ** 2 + ((other.lat - case.lat) * ky) ** 2
        if distance <= radius * radius:
            found.append((distance ** 0.5, other))
    found.sort(key=lambda row: (row[0], row[1].id))
    return [{"case_no": c.case_no, "distance_m": round(d, 1), "status": c.status,
             "reported_at": isoformat(c.reported_at), "closed_at": isoformat(c.closed_at),
             "description": c.description, "address": c.address} for d, c in found[:LIMIT]]


def case_no_exists(session: Session, case_no: str) -> bool:
    """The form format ``case_no``: an existing case number (checked before the step runs)."""
    return session.scalar(select(Case.id).where(Case.case_no == case_no)) is not None


def on_completed(step: Step, task: Task, data: dict[str, Any]) -> None:
    """After register: link a report voided as a duplicate and write it in both timelines."""
    number = data.get("duplicate_of")
    if task.stage != "register" or not number:
        return
    if data.get("decision") != "void":
        raise Invalid("duplicate_of is only for voiding a report as a duplicate",
                      fields={"duplicate_of": "only with decision void"})
    session, case = step.session, step.case
    original = session.scalar(select(Case).where(Case.case_no == number))
    if original is None or original.id == case.id:
        raise Invalid(f"'{number}' is not another case", fields={"duplicate_of": "not another case"})
    case.duplicate_of_id = original.id
    step.add_event("duplicate_of", task_id=task.id, data={"case_no": original.case_no})
    # The original's timeline is a hash chain too: lock its row (as every writer of a case does) and extend it.
    original = session.scalar(select(Case).where(Case.id == original.id).with_for_update()
                              .execution_options(populate_existing=True))
    line = {"case_id": original.id, "at": step.now, "actor_id": step.actor.id, "actor": step.actor.username,
            "role": task.lane, "action": "duplicate_reported", "stage_from": original.status,
            "stage_to": original.status, "task_id": task.id, "comment": None, "data": {"case_no": case.case_no}}
    chain.extend(original, [line])
    session.add(CaseEvent(**line))
