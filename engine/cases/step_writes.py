"""The writes of one step, gathered while it runs and sent together at its end.

A step changes up to eight things: the completed task, tasks a boundary event cancelled, the timers
of tasks no longer open, the BPMN timer events' rows, the timeline lines, the new tasks and their
timers, the workflow state and the case summary. Sent one statement each, they cost a round trip
each on PostgreSQL (0.7–1 ms here) and 0.1–0.3 ms of SQLAlchemy and driver work each on SQLite
(README "Performance"). So :class:`StepWrites` collects them and :meth:`StepWrites.send` writes

- on PostgreSQL, **one** data-modifying statement (``WITH c AS (UPDATE cases …), s AS (UPDATE
  workflow_states …), … INSERT … SELECT FROM jsonb_populate_recordset(…) SELECT count(*) FROM c``):
  the rows travel as one JSON array per table, and the statement's answer is the number of case
  rows the row-version guard let through (0 → the caller raises a conflict and rolls back);
- on SQLite (one statement per ``execute``, no data-modifying CTE), one statement per table
  touched — the task updates, the timer deletions and each table's inserts in one statement each.

All sub-statements of a PostgreSQL ``WITH`` see the database as it was before the statement: the
timers deleted are the rows that existed before it (never the ones it inserts), the completed
and the cancelled tasks are disjoint sets, and nothing reads what another sub-statement wrote.
The guards stay where they were: the case row is locked (``FOR UPDATE``) before the step runs
and its ``UPDATE`` still says ``WHERE row_version = :v``.
"""

from __future__ import annotations

import functools
import json
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, TextClause, bindparam, delete, insert, or_, text, update

from engine.store.models import Case, CaseEvent, Task, WorkflowState
from engine.store.rules_models import Timer

_EVENT_COLUMNS = ("case_id", "at", "actor_id", "actor", "role", "action", "stage_from", "stage_to", "task_id",
                  "comment", "data", "seq", "hash")
_TASK_COLUMNS = tuple(c.name for c in Task.__table__.columns)
_TIMER_COLUMNS = ("case_id", "task_id", "kind", "due_at", "claimed_at", "fired_at", "created_at")
_STATE_COLUMNS = ("case_id", "definition_id", "state", "spiff_version", "serializer_version", "updated_at")

# SQLite (and the partial writes before the evaluation facts are read): one statement per table.
_COMPLETE = update(Task).where(Task.id.in_(bindparam("ids", expanding=True))).values(
    state="completed", completed_at=bindparam("at"), completed_by_id=bindparam("by"),
    completion_key=bindparam("key"))
_CANCEL = update(Task).where(Task.id.in_(bindparam("ids", expanding=True)), Task.state == "open").values(
    state="cancelled", completed_at=bindparam("at"))
_DROP_TASK_TIMERS = delete(Timer).where(Timer.task_id.in_(bindparam("ids", expanding=True)),
                                        Timer.fired_at.is_(None))
_DROP_TIMERS_AND_BPMN = delete(Timer).where(
    Timer.fired_at.is_(None),
    or_(Timer.task_id.in_(bindparam("ids", expanding=True)),
        (Timer.case_id == bindparam("case_id")) & (Timer.kind == "bpmn")))
_INSERT_EVENTS, _INSERT_TASKS, _INSERT_TIMERS = insert(CaseEvent), insert(Task), insert(Timer)
_INSERT_STATE = insert(WorkflowState)
_UPDATE_STATE = update(WorkflowState).where(WorkflowState.case_id == bindparam("p_case_id")).values(
    state=bindparam("p_state"), updated_at=bindparam("p_at"))


@functools.lru_cache(maxsize=512)
def _sqlite_case_update(keys: tuple[str, ...]) -> Any:
    """``UPDATE cases SET <keys>, row_version + 1 WHERE id AND row_version``, built once per set of keys."""
    return (update(Case).where(Case.id == bindparam("p_id"), Case.row_version == bindparam("p_version"))
            .values({**{key: bindparam(f"p_{key}") for key in keys}, "row_version": Case.row_version + 1}))


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()  # aware UTC times: timestamptz reads the offset
    raise TypeError(f"{type(value).__name__} in a step's rows")


def _rows_json(rows: list[dict[str, Any]]) -> str:
    return json.dumps(rows, default=_json_default, separators=(",", ":"))  # ASCII, as SQLAlchemy sends JSON


def _q(name: str) -> str:
    return f'"{name}"'


def _insert_from_json(alias: str, table: Table, columns: tuple[str, ...], param: str) -> str:
    cols = ", ".join(_q(c) for c in columns)
    return (f"{alias} AS (INSERT INTO {table.name} ({cols}) SELECT {cols} FROM "
            f"jsonb_populate_recordset(NULL::{table.name}, CAST(:{param} AS jsonb)))")


@functools.lru_cache(maxsize=512)
def _pg_statement(case_keys: tuple[str, ...], new_state: bool, completed: bool, cancelled: bool,
                  drop_timers: bool, drop_bpmn: bool, events: bool, tasks: bool, timers: bool) -> TextClause:
    """The one statement of a PostgreSQL step, for one shape of step (cached: a handful of shapes)."""
    case_table = Case.__table__
    sets = ", ".join([f"{_q(k)} = :p_{k}" for k in case_keys] + ['"row_version" = "row_version" + 1'])
    parts = [f'c AS (UPDATE cases SET {sets} WHERE "id" = :p_id AND "row_version" = :p_version RETURNING "id")']
    if new_state:
        cols = ", ".join(_q(c) for c in _STATE_COLUMNS)
        parts.append(f"s AS (INSERT INTO workflow_states ({cols}) VALUES "
                     f"({', '.join(':s_' + c for c in _STATE_COLUMNS)}))")
    else:
        parts.append('s AS (UPDATE workflow_states SET "state" = :s_state, "updated_at" = :s_updated_at '
                     'WHERE "case_id" = :p_id)')
    if completed:
        parts.append("d AS (UPDATE tasks SET \"state\" = 'completed', \"completed_at\" = :t_at, "
                     '"completed_by_id" = :t_by, "completion_key" = :t_key '
                     'WHERE "id" = ANY(CAST(:t_done AS varchar[])))')
    if cancelled:
        parts.append("x AS (UPDATE tasks SET \"state\" = 'cancelled', \"completed_at\" = :t_at "
                     "WHERE \"id\" = ANY(CAST(:t_cancelled AS varchar[])) AND \"state\" = 'open')")
    if drop_timers or drop_bpmn:
        which = []
        if drop_timers:
            which.append('"task_id" = ANY(CAST(:tm_tasks AS varchar[]))')
        if drop_bpmn:
            which.append("(\"case_id\" = :p_id AND \"kind\" = 'bpmn')")
        parts.append(f'td AS (DELETE FROM timers WHERE "fired_at" IS NULL AND ({" OR ".join(which)}))')
    if events:
        parts.append(_insert_from_json("e", CaseEvent.__table__, _EVENT_COLUMNS, "j_events"))
    if tasks:
        parts.append(_insert_from_json("t", Task.__table__, _TASK_COLUMNS, "j_tasks"))
    if timers:
        parts.append(_insert_from_json("tm", Timer.__table__, _TIMER_COLUMNS, "j_timers"))
    sql = "WITH " + ",\n".join(parts) + "\nSELECT count(*) FROM c"
    binds = [bindparam(f"p_{k}", type_=case_table.c[k].type) for k in case_keys]
    binds += [bindparam("s_updated_at", type_=WorkflowState.__table__.c.updated_at.type)]
    if completed or cancelled:
        binds.append(bindparam("t_at", type_=Task.__table__.c.completed_at.type))
    return text(sql).bindparams(*binds)


class StepWrites:
    """What one step will write, sent in one statement (PostgreSQL) or one per table (SQLite)."""

    def __init__(self, case_id: int, now: datetime) -> None:
        self.case_id, self.now = case_id, now
        self.completed: list[str] = []
        self.completed_by: int | None = None
        self.completion_key: str | None = None
        self.cancelled: list[str] = []
        self.timer_tasks: list[str] = []  # tasks no longer open: their unfired timers go
        self.drop_bpmn = False  # the BPMN timer events changed: their rows are written anew
        self.events: list[dict[str, Any]] = []
        self.tasks: list[dict[str, Any]] = []
        self.timers: list[dict[str, Any]] = []
        self.new_state: dict[str, Any] | None = None
        self.state_text: str | None = None
        self.statements = 0  # sent so far (the bench counts them; tests read them)

    def complete(self, task_id: str, by: int | None, key: str | None) -> None:
        self.completed.append(task_id)
        self.completed_by, self.completion_key = by, key

    def send_rows(self, connection: Connection) -> None:
        """Write everything but the state and the case row now (the evaluation facts read them)."""
        self._generic(connection)

    def send(self, connection: Connection, case_changes: dict[str, Any], version: int) -> int:
        """Write everything with the case row's changes; returns the case rows the version guard let through."""
        if connection.dialect.name == "postgresql" and self.state_text is not None:
            return self._postgresql(connection, case_changes, version)
        self._generic(connection)
        if self.new_state is not None:
            connection.execute(_INSERT_STATE, self.new_state)
            self.statements += 1
        elif self.state_text is not None:
            connection.execute(_UPDATE_STATE, {"p_case_id": self.case_id, "p_state": self.state_text,
                                               "p_at": self.now})
            self.statements += 1
        self.new_state = self.state_text = None
        params = {f"p_{key}": value for key, value in case_changes.items()}
        result = connection.execute(_sqlite_case_update(tuple(sorted(case_changes))),
                                    {**params, "p_id": self.case_id, "p_version": version})
        self.statements += 1
        return result.rowcount

    def _postgresql(self, connection: Connection, case_changes: dict[str, Any], version: int) -> int:
        keys = tuple(sorted(case_changes))
        statement = _pg_statement(keys, self.new_state is not None, bool(self.completed), bool(self.cancelled),
                                  bool(self.timer_tasks), self.drop_bpmn, bool(self.events), bool(self.tasks),
                                  bool(self.timers))
        params: dict[str, Any] = {f"p_{key}": value for key, value in case_changes.items()}
        params.update(p_id=self.case_id, p_version=version, s_state=self.state_text, s_updated_at=self.now)
        if self.new_state is not None:
            params.update({f"s_{k}": v for k, v in self.new_state.items()})
        if self.completed or self.cancelled:
            params.update(t_at=self.now, t_by=self.completed_by, t_key=self.completion_key,
                          t_done=self.completed, t_cancelled=self.cancelled)
        if self.timer_tasks:
            params["tm_tasks"] = self.timer_tasks
        if self.events:
            params["j_events"] = _rows_json([{c: e.get(c) for c in _EVENT_COLUMNS} for e in self.events])
        if self.tasks:
            params["j_tasks"] = _rows_json(self.tasks)
        if self.timers:
            params["j_timers"] = _rows_json(self.timers)
        count = connection.execute(statement, params).scalar_one()
        self.statements += 1
        self._clear()
        self.new_state = self.state_text = None
        return int(count)

    def _generic(self, connection: Connection) -> None:
        if self.completed:
            connection.execute(_COMPLETE, {"ids": self.completed, "at": self.now, "by": self.completed_by,
                                           "key": self.completion_key})
            self.statements += 1
        if self.cancelled:
            connection.execute(_CANCEL, {"ids": self.cancelled, "at": self.now})
            self.statements += 1
        if self.drop_bpmn:
            connection.execute(_DROP_TIMERS_AND_BPMN, {"ids": self.timer_tasks, "case_id": self.case_id})
            self.statements += 1
        elif self.timer_tasks:
            connection.execute(_DROP_TASK_TIMERS, {"ids": self.timer_tasks})
            self.statements += 1
        for statement, rows in ((_INSERT_EVENTS, self.events), (_INSERT_TASKS, self.tasks),
                                (_INSERT_TIMERS, self.timers)):
            if rows:
                connection.execute(statement, rows)
                self.statements += 1
        self._clear()

    def _clear(self) -> None:
        self.completed, self.cancelled, self.timer_tasks = [], [], []
        self.drop_bpmn = False
        self.events, self.tasks, self.timers = [], [], []
