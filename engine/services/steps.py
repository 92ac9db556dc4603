"""The hot path: one step of one case, in one transaction (ARCHITECTURE "How a step runs").

A :class:`Step` holds the locked case row and its live workflow. After the workflow has run,
:meth:`Step.finish` writes — in the caller's transaction — the workflow state, the task
projection (inbox rows), the case summary and one audit row per transition. Nothing is
committed here: the use case commits once, or the unit of work rolls everything back.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import bpmn_helpers
from engine.bpmn_helpers import RECORDABLE_FACTS, StepEffects
from engine.errors import NotFound, TaskNotReady
from engine.runtime.workflow import ParsedProcess, ReadyTask
from engine.services.accounts import Actor
from engine.services.definitions import parsed_definition
from engine.services.deps import Deps
from engine.store.models import Case, CaseEvent, Place, ProcessDefinition, Task, WorkflowState

# The summary column each CJJ/T 106 stage stamps when its task completes.
STAGE_TIMESTAMPS = {
    "register": "registered_at", "verify": "verified_at", "file": "filed_at", "dispatch": "dispatched_at",
    "handle": "handled_at", "check": "checked_at", "close": "closed_at",
}
# Task data that the case summary mirrors (set by forms such as dispatch).
MIRRORED_FIELDS = ("department_code", "urgency")
END_TIMESTAMPS = {"closed": "closed_at", "void": "voided_at"}


def lock_case(session: Session, case_id: int) -> Case:
    """Load the case row locked for this transaction (FOR UPDATE on PostgreSQL)."""
    case = session.scalar(select(Case).where(Case.id == case_id).with_for_update().execution_options(
        populate_existing=True))
    if case is None:
        raise NotFound(f"no case {case_id}")
    return case


class Step:
    """One case's workflow, loaded for a change, and what the change writes."""

    def __init__(self, deps: Deps, session: Session, case: Case, actor: Actor, parsed: ParsedProcess,
                 workflow: Any, state: WorkflowState | None) -> None:
        self.deps, self.session, self.case, self.actor = deps, session, case, actor
        self.parsed, self.workflow, self.state_row = parsed, workflow, state
        self.now: datetime = deps.clock.now()
        self.effects = StepEffects()
        self.role: str | None = None
        self.stage_before = case.status
        self._events: list[CaseEvent] = []

    # -- opening ------------------------------------------------------------------------
    @classmethod
    def begin(cls, deps: Deps, session: Session, case: Case, actor: Actor, definition: ProcessDefinition,
              data: dict[str, Any]) -> Step:
        parsed = parsed_definition(deps, definition)
        workflow = deps.runtime.start(parsed, data)
        return cls(deps, session, case, actor, parsed, workflow, None)

    @classmethod
    def load(cls, deps: Deps, session: Session, case: Case, actor: Actor) -> Step:
        state = session.get(WorkflowState, case.id)
        if state is None:
            raise NotFound(f"case {case.case_no} has no workflow state")
        definition = session.get(ProcessDefinition, state.definition_id)
        parsed = parsed_definition(deps, definition)
        return cls(deps, session, case, actor, parsed, deps.runtime.load(state.state, parsed), state)

    # -- running ------------------------------------------------------------------------
    def _with_helpers(self, fn: Callable[[], None]) -> None:
        token = bpmn_helpers.bind(self.effects)
        try:
            fn()
        finally:
            bpmn_helpers.unbind(token)

    def run(self) -> None:
        """Run automatic steps (after start, or when timers fell due)."""
        self._with_helpers(lambda: self.deps.runtime.run(self.workflow))

    def complete(self, task: Task, data: dict[str, Any]) -> None:
        """Complete ``task`` with validated ``data`` and run to the next wait state."""

        def _go() -> None:
            try:
                self.deps.runtime.complete(self.workflow, task.id, data)
            except LookupError:
                raise TaskNotReady("this task is no longer ready (it was completed or withdrawn)",
                                   task_id=task.id) from None

        self._with_helpers(_go)
        self.role = task.lane
        task.state, task.completed_at, task.completed_by_id = "completed", self.now, self.actor.id
        column = STAGE_TIMESTAMPS.get(task.stage)
        if column:
            setattr(self.case, column, self.now)
        self.add_event(task.stage, task_id=task.id, comment=data.get("comment"),
                       data={k: v for k, v in data.items() if k != "comment"})

    # -- writing ------------------------------------------------------------------------
    def add_event(self, action: str, *, task_id: str | None = None, comment: str | None = None,
                  data: dict[str, Any] | None = None, system: bool = False) -> None:
        event = CaseEvent(
            case_id=self.case.id, at=self.now, action=action, task_id=task_id, comment=comment, data=data or None,
            actor_id=None if system else self.actor.id, actor="system" if system else self.actor.username,
            role=None if system else self.role, stage_from=self.stage_before, stage_to=None,
        )
        self._events.append(event)
        self.session.add(event)

    def finish(self) -> None:
        """Write facts, projection, summary and state; the caller commits."""
        latest = self.deps.runtime.data(self.workflow)
        for key in MIRRORED_FIELDS:
            if latest.get(key) not in (None, ""):
                setattr(self.case, key, latest[key])
        for fact, data in self.effects.facts:
            counter = RECORDABLE_FACTS.get(fact)
            if counter:
                setattr(self.case, counter, getattr(self.case, counter) + 1)
            self.add_event(fact, data=data)
        ready = self.deps.runtime.ready_user_tasks(self.workflow, self.parsed)
        self._project_tasks(ready)
        if self.effects.evaluate:
            self._evaluate()
        self._update_status(ready)
        for event in self._events:
            event.stage_to = self.case.status
        self._write_state()
        self.case.updated_at = self.now
        self.session.flush()

    def _project_tasks(self, ready: list[ReadyTask]) -> None:
        open_rows = {t.id: t for t in self.session.scalars(
            select(Task).where(Task.case_id == self.case.id, Task.state == "open"))}
        ready_ids = {r.id for r in ready}
        for task_id, row in open_rows.items():
            if task_id not in ready_ids:
                row.state, row.completed_at = "cancelled", self.now
        for r in ready:
            if r.id not in open_rows:
                self.session.add(self._task_row(r))

    def _task_row(self, ready: ReadyTask) -> Task:
        info, case = ready.info, self.case
        department = ready.data.get("department_code") if info.scope == "department" else None
        assignee = self._grid_inspector(case.grid_code) if info.scope == "grid" else None
        return Task(
            id=ready.id, case_id=case.id, bpmn_id=info.bpmn_id, name=info.name, stage=info.stage, lane=info.lane or "",
            scope=info.scope, form_key=info.form_key, district_code=case.district_code, department_code=department,
            grid_code=case.grid_code, assignee_id=assignee, state="open", created_at=self.now,
        )

    def _grid_inspector(self, grid_code: str) -> int | None:
        return self.session.scalar(select(Place.inspector_id).where(Place.code == grid_code))

    def _update_status(self, ready: list[ReadyTask]) -> None:
        runtime = self.deps.runtime
        if runtime.is_completed(self.workflow):
            end = runtime.end_event_reached(self.workflow)
            status = self.parsed.end_statuses.get(end or "", "closed")
            self.case.status = status
            column = END_TIMESTAMPS.get(status)
            if column and getattr(self.case, column) is None:
                setattr(self.case, column, self.now)
            self.add_event(status, system=True)
        elif ready:
            self.case.status = ready[0].info.stage

    def _evaluate(self) -> None:
        """Store the case's evaluation facts: per stage on time or not, returns, reworks."""
        self.session.flush()
        rows = self.session.scalars(
            select(Task).join(CaseEvent, CaseEvent.task_id == Task.id)
            .where(Task.case_id == self.case.id, Task.state == "completed").order_by(CaseEvent.id)).all()
        stages = [
            {"stage": t.stage, "completed_at": t.completed_at.isoformat() if t.completed_at else None,
             "due_at": t.due_at.isoformat() if t.due_at else None,
             "on_time": None if t.due_at is None or t.completed_at is None else t.completed_at <= t.due_at}
            for t in rows
        ]
        facts = {"stages": stages, "returns": self.case.return_count, "reworks": self.case.rework_count,
                 "late_stages": sum(1 for s in stages if s["on_time"] is False)}
        self.case.evaluated_at = self.now
        self.add_event("evaluate", data=facts, system=True)

    def _write_state(self) -> None:
        runtime = self.deps.runtime
        text = runtime.dump(self.workflow)
        if self.state_row is None:
            self.state_row = WorkflowState(case_id=self.case.id, definition_id=self.case.definition_id, state=text,
                                           spiff_version=runtime.spiff_version,
                                           serializer_version=runtime.serializer_version, updated_at=self.now)
            self.session.add(self.state_row)
        else:
            self.state_row.state = text
            self.state_row.updated_at = self.now
