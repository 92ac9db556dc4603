"""The hot path: one step of one case, in one transaction (ARCHITECTURE "How a step runs").

A :class:`Step` holds the locked case row and its live workflow. After the workflow has run,
:meth:`Step.finish` writes — in the caller's transaction — the workflow state, the task
projection (inbox rows), the case summary and one audit row per transition. Nothing is
committed here: the use case commits once, or the unit of work rolls everything back.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, inspect, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from engine.audit import chain
from engine.cases import duplicates, notices
from engine.cases.step_writes import StepWrites
from engine.deps import Deps
from engine.errors import Conflict, NotFound, ProcessError, TaskNotReady
from engine.exchange import outbox
from engine.ops.metrics import STEP_SECONDS
from engine.people.accounts import Actor
from engine.processes import bpmn_helpers
from engine.processes.bpmn_helpers import COUNTED_FACTS, StepEffects
from engine.processes.definitions import parsed_by_id
from engine.rules import tables
from engine.runtime.parsing import SCOPES
from engine.runtime.workflow import ParsedProcess, ReadyTask
from engine.store import revisions
from engine.store.models import Case, CaseEvent, Place, Task, WorkflowState
from engine.time import case_clock, timer_rows
from engine.time.clock import BEIJING
from engine.time.limits import StageLimit, decide_limits, stage_limit

# The summary column each CJJ/T 106 stage stamps when its task completes.
STAGE_TIMESTAMPS = {
    "register": "registered_at", "verify": "verified_at", "file": "filed_at", "dispatch": "dispatched_at",
    "handle": "handled_at", "check": "checked_at", "close": "closed_at",
}
# Task data that the case summary mirrors (set by forms such as file and dispatch, or by routing).
MIRRORED_FIELDS = ("department_code", "urgency", "filing_condition", "level", "channel", "response_level",
                   "satisfaction")
# Facts that stamp a summary column the first time they are recorded.
FACT_TIMESTAMPS = {"escalate": "escalated_at"}
END_TIMESTAMPS = {"closed": "closed_at", "void": "voided_at"}

# The hot path's statements, built once: SQLAlchemy spends ~90 µs building a statement and its
# cache key on every call, about as long as SQLite takes to run it (measured; README Performance).
_LOCK_CASE = (select(Case).where(Case.id == bindparam("case_id")).with_for_update()
              .execution_options(populate_existing=True))
_LOCK_CASE_OF_TASK = (select(Case).join(Task, Task.case_id == Case.id).where(Task.id == bindparam("task_id"))
                      .with_for_update(of=Case).execution_options(populate_existing=True))
_TASK_AND_STATE = (select(Task, WorkflowState).join(WorkflowState, WorkflowState.case_id == Task.case_id)
                   .where(Task.id == bindparam("task_id")).execution_options(populate_existing=True))
_GRID_INSPECTOR = select(Place.inspector_id).where(Place.code == bindparam("code"))


def lock_case(session: Session, case_id: int) -> Case:
    """Load the case row locked for this transaction (FOR UPDATE on PostgreSQL)."""
    case = session.scalar(_LOCK_CASE, {"case_id": case_id})
    if case is None:
        raise NotFound(f"no case {case_id}")
    return case


def lock_open_task(session: Session, task_id: str) -> tuple[Task, Case, WorkflowState]:
    """An open task, its case (row locked, as every step locks it) and the case's workflow state.

    The task and the state are read after the lock is held: under PostgreSQL's READ COMMITTED a
    statement that waited for the lock still returns the other tables as they were before it
    waited, so reading them in the locking statement could miss a completion that just committed.

    :raises NotFound: no such task. :raises TaskNotReady: completed or withdrawn meanwhile.
    """
    case = session.scalar(_LOCK_CASE_OF_TASK, {"task_id": task_id})
    if case is None:
        raise NotFound(f"no task '{task_id}'")
    task, state = session.execute(_TASK_AND_STATE, {"task_id": task_id}).one()
    if task.state != "open":
        raise TaskNotReady("this task was already completed or withdrawn", task_id=task_id, state=task.state)
    return task, case, state


class Step:
    """One case's workflow, loaded for a change, and what the change writes."""

    def __init__(self, deps: Deps, session: Session, case: Case, actor: Actor, parsed: ParsedProcess,
                 workflow: Any, state: WorkflowState | None) -> None:
        self.deps, self.session, self.case, self.actor = deps, session, case, actor
        self.parsed, self.workflow, self.state_row = parsed, workflow, state
        # A step writes once, at commit: no flush before each query (it would insert events,
        # then update them, and update the case row several times).
        session.autoflush = False
        self._started = time.perf_counter()  # for the step latency metric only, never for case time
        self.now: datetime = deps.clock.now()
        self._known: dict[str, int] | None = None
        self._timers_before = self._waiting_timers() if state is not None else set()
        # The READY user tasks before the step are exactly the case's open task rows (the
        # projection keeps them equal), so the projection needs no query to find them.
        self._ready_before = deps.runtime.ready_user_task_ids(workflow, parsed) if state is not None else set()
        self.completion_key: str | None = None  # the client's Idempotency-Key of a task completion
        self.effects = StepEffects()
        self.role: str | None = None
        self.stage_before = case.status
        self._events: list[dict[str, Any]] = []  # pending case_events rows, not yet chained
        self._new_tasks: list[dict[str, Any]] = []
        self._completed: set[str] = set()  # user tasks completed in this step
        self._new_timers: list[dict[str, Any]] = []
        # Every row the step writes, sent at its end in one statement (PostgreSQL) or one per table.
        self.writes = StepWrites(case.id, self.now)
        self._limits: tables.Decided | None = None
        self._stage_limits: dict[str, StageLimit | None] = {}
        self.effects.decide = self._decide
        self.effects.deadline = self._deadline
        self.effects.clock = self._clock
        self.effects.setting = lambda key: deps.settings.raw.get(key)
        self.effects.now = self.now

    # -- opening ------------------------------------------------------------------------
    @classmethod
    def begin(cls, deps: Deps, session: Session, case: Case, actor: Actor, data: dict[str, Any]) -> Step:
        parsed = parsed_by_id(deps, session, case.definition_id)
        workflow = deps.runtime.start(parsed, data)
        return cls(deps, session, case, actor, parsed, workflow, None)

    @classmethod
    def load(cls, deps: Deps, session: Session, case: Case, actor: Actor, state: WorkflowState | None = None) -> Step:
        state = state or session.get(WorkflowState, case.id)
        if state is None:
            raise NotFound(f"case {case.case_no} has no workflow state")
        parsed = parsed_by_id(deps, session, state.definition_id)
        return cls(deps, session, case, actor, parsed, deps.runtime.load(state.state, parsed), state)

    @property
    def known(self) -> dict[str, int]:
        """The revisions of the cached reference data, read once per step."""
        if self._known is None:
            self._known = revisions.current(self.session)
        return self._known

    def _waiting_timers(self) -> set[tuple[str, str]]:
        return {(w.task_id, w.due) for w in self.deps.runtime.waiting_timers(self.workflow)}

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
        self._mirror(data)

        def _go() -> None:
            try:
                self.deps.runtime.complete(self.workflow, task.id, data)
            except LookupError:
                raise TaskNotReady("this task is no longer ready (it was completed or withdrawn)",
                                   task_id=task.id) from None

        self.role = task.lane
        self._mark_completed(task)
        column = STAGE_TIMESTAMPS.get(task.stage)
        if column:
            setattr(self.case, column, self.now)
        self.add_event(task.stage, task_id=task.id, comment=data.get("comment"),
                       data={k: v for k, v in data.items() if k != "comment"})
        self._with_helpers(_go)
        duplicates.on_completed(self, task, data)  # register voided as a duplicate: link both cases

    @property
    def is_new_case(self) -> bool:
        """This step started the case's workflow (a report)."""
        return self.state_row is None

    def pending_actions(self) -> list[tuple[str, dict[str, Any] | None]]:
        """The timeline lines this step will write, so far: (action, data)."""
        return [(e["action"], e["data"]) for e in self._events]

    # -- writing ------------------------------------------------------------------------
    def _mark_completed(self, task: Task) -> None:
        """Write the task's completion with the step's other rows; show it on the loaded object now."""
        self.writes.complete(task.id, self.actor.id, self.completion_key)
        for key, value in (("state", "completed"), ("completed_at", self.now), ("completed_by_id", self.actor.id)):
            set_committed_value(task, key, value)
        self._completed.add(task.id)

    def add_event(self, action: str, *, task_id: str | None = None, comment: str | None = None,
                  data: dict[str, Any] | None = None, system: bool = False) -> None:
        self._events.append({
            "case_id": self.case.id, "at": self.now, "action": action, "task_id": task_id, "comment": comment,
            "data": data or None, "actor_id": None if system else self.actor.id,
            "actor": "system" if system else self.actor.username, "role": None if system else self.role,
            "stage_from": self.stage_before, "stage_to": None,
        })

    def _write_events(self) -> None:
        """Insert the pending timeline rows (in order, hash-chained) with the stage the case is now in."""
        if self._events:
            for event in self._events:
                event["stage_to"] = self.case.status
            chain.extend(self.case, self._events)  # the head moves on the locked case row, written with it
            self.writes.events += self._events
            self._events = []

    # -- rules and time (called by the BPMN helpers during the run) -----------------------
    def _decide(self, key: str, inputs: dict[str, Any]) -> dict[str, Any]:
        decided = tables.decide(self.deps, self.session, key, inputs, self.known)
        self.add_event("decide", data={**decided.provenance(), "outputs": decided.outputs}, system=True)
        return {**decided.outputs, **decided.provenance()}

    def limit_for(self, stage: str) -> StageLimit | None:
        """The stage's time limit: the case clock for ``caseClock`` stages, else counted from now."""
        if self.parsed.stage_has_case_clock(stage):
            key = f"case:{stage}"
            if key not in self._stage_limits:
                self._stage_limits[key] = case_clock.ensure(self.case, lambda: self._fresh_limit(stage))
            return self._stage_limits[key]
        return self._fresh_limit(stage)

    def _fresh_limit(self, stage: str) -> StageLimit | None:
        """The stage's limit counted from now (``time_limits`` decided once per step)."""
        if stage not in self._stage_limits:
            if self._limits is None:
                self._mirror(self.deps.runtime.data(self.workflow))  # e.g. a response level set by a script
                table = self.parsed.info.limits_table if self.parsed.info else "time_limits"
                self._limits = decide_limits(self.deps, self.session, self.case, self.known, table)
            self._stage_limits[stage] = stage_limit(self.deps, self.session, self._limits, stage, self.now,
                                                    self.known)
        return self._stage_limits[stage]

    def _clock(self, action: str, *args: Any) -> None:
        self._stage_limits = {k: v for k, v in self._stage_limits.items() if not k.startswith("case:")}
        if action == "extend":
            case_clock.extend(self.deps, self.session, self.case, *args)
        elif action == "suspend":
            case_clock.suspend(self.case, self.now)
        elif action == "resume":
            case_clock.resume(self.deps, self.session, self.case, self.now)
        elif action == "reset":
            case_clock.reset(self.case)
        else:
            raise ProcessError(f"unknown clock action '{action}'")

    def send(self, name: str, payload: dict[str, Any]) -> None:
        """Deliver a message to the workflow (an urge from a leader) and run on."""

        def _go() -> None:
            try:
                self.deps.runtime.send_message(self.workflow, name, payload)
            except LookupError:
                raise Conflict(f"the case is not waiting for '{name}' now", message_name=name) from None

        self._with_helpers(_go)

    def _deadline(self, stage: str) -> str:
        limit = self.limit_for(stage)
        if limit is None:
            raise ProcessError(f"the time_limits table sets no limit for stage '{stage}'")
        return limit.due_at.astimezone(BEIJING).isoformat()

    def _mirror(self, data: dict[str, Any]) -> None:
        """Copy the mirrored fields a form or script set; a process variable of that name holding
        something else (a dict, a list) is the process's own business, not the case row's."""
        for key in MIRRORED_FIELDS:
            value = data.get(key)
            if isinstance(value, str | int | float) and value != "":
                setattr(self.case, key, value)

    def finish(self) -> None:
        """Write facts, projection, summary and state; the caller commits."""
        self._mirror(self.deps.runtime.data(self.workflow))
        for fact, data in self.effects.facts:
            counter = COUNTED_FACTS.get(fact)
            if counter:
                setattr(self.case, counter, getattr(self.case, counter) + 1)
            if fact in FACT_TIMESTAMPS and getattr(self.case, FACT_TIMESTAMPS[fact]) is None:
                setattr(self.case, FACT_TIMESTAMPS[fact], self.now)
            self.add_event(fact, data=data)
        notices.publish_replies(self, self.effects.replies)
        notices.send_alerts(self, self.effects.alerts)
        ready = self.deps.runtime.ready_user_tasks(self.workflow, self.parsed)
        self._project_tasks(ready)
        notices.announce_tasks(self, self._new_tasks)
        end_status = self._update_status(ready)
        outbox.record_step(self, end_status)  # webhook events, in this transaction (engine/exchange)
        if self.effects.evaluate:
            self._evaluate()
        if end_status:
            self.add_event(end_status, system=True)
        self._write_events()
        self.writes.tasks += self._new_tasks  # these rows are never read back in the step
        self.writes.timers += self._new_timers
        waiting = list(self.deps.runtime.waiting_timers(self.workflow))
        if {(w.task_id, w.due) for w in waiting} != self._timers_before:
            self.writes.drop_bpmn = True
            self.writes.timers += timer_rows.bpmn_timer_rows(self.case.id, waiting, self.now)
        self._write_state()
        self.case.updated_at = self.now
        self._write_case()
        STEP_SECONDS.labels(self.case.process_key or "").observe(time.perf_counter() - self._started)

    def _project_tasks(self, ready: list[ReadyTask]) -> None:
        ready_ids = {r.id for r in ready}
        completed = set(self._completed_ids())
        cancelled = sorted(self._ready_before - ready_ids - completed)  # e.g. interrupted by a boundary event
        self.writes.cancelled += cancelled
        self.writes.timer_tasks += cancelled + sorted(completed)
        for r in ready:
            if r.id not in self._ready_before:
                row = self._task_row(r)
                self._new_tasks.append(row)
                self._new_timers += timer_rows.task_timer_rows(row, self.now)

    def _completed_ids(self) -> list[str]:
        return sorted(self._completed)

    def _task_row(self, ready: ReadyTask) -> dict[str, Any]:
        info, case = ready.info, self.case
        scope = info.scope
        if info.scope_key:
            scope = ready.data.get(info.scope_key) or info.scope
            if scope not in SCOPES:
                raise ProcessError(f"task '{info.bpmn_id}': '{info.scope_key}' = {scope!r} is not a scope",
                                   element=info.bpmn_id)
        department = None
        if scope == "department":
            # Event subprocesses (an urge) start from the process's initial data: fall back to
            # the department the case is with now.
            department = ready.data.get(info.department_key) or (
                case.department_code if info.department_key == "department_code" else None)
        assignee = self._grid_inspector(case.grid_code) if scope == "grid" else None
        context = {key: ready.data[key] for key in info.show_data if key in ready.data}
        row: dict[str, Any] = {
            "id": ready.id, "case_id": case.id, "bpmn_id": info.bpmn_id, "name": info.name, "stage": info.stage,
            "lane": info.lane or "", "scope": scope, "form_key": info.form_key, "district_code": case.district_code,
            "department_code": department, "grid_code": case.grid_code, "assignee_id": assignee, "state": "open",
            "created_at": self.now, "provisional": False, "priority": info.priority, "due_at": None, "warn_at": None,
            "limit_value": None, "limit_unit": None, "warned_at": None, "overdue_at": None, "completed_at": None,
            "completed_by_id": None,
        }
        limit = self.limit_for(info.stage)
        if limit is not None:
            row.update(due_at=limit.due_at, warn_at=limit.warn_at, provisional=limit.provisional,
                       limit_value=limit.value, limit_unit=limit.unit)
            context["time_limit"] = limit.decided
        row["context"] = context or None
        return row

    def _grid_inspector(self, grid_code: str) -> int | None:
        return self.session.connection().execute(_GRID_INSPECTOR, {"code": grid_code}).scalar()

    def _update_status(self, ready: list[ReadyTask]) -> str | None:
        """Set the case's status; return the end status if the process ended in this step."""
        runtime = self.deps.runtime
        if runtime.is_completed(self.workflow):
            ends = [e for e in runtime.completed_end_events(self.workflow) if e in self.parsed.end_statuses]
            status = self.parsed.end_statuses[ends[-1]] if ends else "closed"
            self.case.status = status
            column = END_TIMESTAMPS.get(status)
            if column and getattr(self.case, column) is None:
                setattr(self.case, column, self.now)
            return status
        main = [r for r in ready if not r.info.side_task]
        if main:
            self.case.status = main[0].info.stage
        return None

    def _evaluate(self) -> None:
        """Store the case's evaluation facts: per stage on time or not, returns, reworks."""
        self._write_events()
        self.writes.send_rows(self.session.connection())  # the completions and lines read below
        self.session.flush()
        rows = self.session.scalars(
            select(Task).join(CaseEvent, (CaseEvent.task_id == Task.id) & (CaseEvent.case_id == self.case.id))
            .where(Task.case_id == self.case.id, Task.state == "completed").order_by(CaseEvent.id)).all()
        stages = [
            {"stage": t.stage, "completed_at": t.completed_at.isoformat() if t.completed_at else None,
             "due_at": t.due_at.isoformat() if t.due_at else None,
             "on_time": None if t.due_at is None or t.completed_at is None else t.completed_at <= t.due_at,
             "seconds": None if t.completed_at is None else round((t.completed_at - t.created_at).total_seconds())}
            for t in rows
        ]
        c = self.case
        facts = {"stages": stages, "returns": c.return_count, "reworks": c.rework_count,
                 "extensions": c.extension_count, "suspensions": c.suspension_count,
                 "suspended_seconds": c.suspended_seconds, "urges": c.urge_count, "overdue": c.overdue_count,
                 "escalated": c.escalated_at is not None, "channel": c.channel,
                 "late_stages": sum(1 for s in stages if s["on_time"] is False),
                 "process": c.process_key, **self.effects.evaluation}
        self.case.evaluated_at = self.now
        self.add_event("evaluate", data=facts, system=True)

    def _write_case(self) -> None:
        """Send the step's writes with the summary's changed columns, guarded by the row version.

        On PostgreSQL all of it is one statement (engine/cases/step_writes.py). The ORM's flush of
        the case row cost as much as the rest of the step's writes together (unit-of-work
        bookkeeping), so the row is written by the same Core statement; a case the ORM has not
        inserted yet is flushed first.
        """
        state = inspect(self.case)
        if not state.persistent:
            self.session.flush()
        changed = {key: getattr(self.case, key) for key in state.committed_state}
        version = self.case.row_version
        if self.writes.send(self.session.connection(), changed, version) != 1:
            raise Conflict(f"case {self.case.case_no} was changed by someone else meanwhile; try again")
        for key, value in changed.items():
            set_committed_value(self.case, key, value)
        set_committed_value(self.case, "row_version", version + 1)

    def _write_state(self) -> None:
        """Queue the workflow state with the step's writes (the row is never read back in the step)."""
        runtime = self.deps.runtime
        text = runtime.dump(self.workflow)
        self.writes.state_text = text
        if self.state_row is None:
            self.writes.new_state = {
                "case_id": self.case.id, "definition_id": self.case.definition_id, "state": text,
                "spiff_version": runtime.spiff_version, "serializer_version": runtime.serializer_version,
                "updated_at": self.now}
