"""The floor: the same BPMN run by bare SpiffWorkflow in memory, with a JSON round trip per wait.

This is what the engine could cost at best: SpiffWorkflow's default script engine, no
database, no authorization, no forms, no projection — only the serialize/deserialize that
any persistent engine needs: SpiffWorkflow's own JSON with the spec by reference
(:meth:`engine.runtime.workflow.WorkflowRuntime.dump_plain`). The engine stores a compact form of
the same dict (engine/runtime/state_format.py); that saving is the engine's, not the floor's. It is the one module outside
``engine/runtime`` that touches SpiffWorkflow objects, because measuring bare SpiffWorkflow is
its purpose; nothing in szcg imports it.

The process calls reviewed helpers (``decide``, ``due``, ``record`` …). The floor binds the
same helper functions to in-memory stand-ins: ``decide`` evaluates the deployed decision
tables in memory (the engine reads the active version from the database), ``due`` returns a
fixed deadline (the engine counts it on the working calendar), ``district_center`` reads the
same ``config.yaml`` — so the floor takes the engine's path (the district sub-centre's call
activity where the district runs one), not a shorter one.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

from SpiffWorkflow import TaskState
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment
from sqlalchemy import select

from bench.lifecycle import answer
from engine.deps import Deps
from engine.processes import bpmn_helpers
from engine.processes.definitions import parsed_by_id
from engine.runtime.workflow import ParsedProcess
from engine.store.models import Case, WorkflowState
from engine.time.clock import BEIJING


class Floor:
    """Runs the deployed case process by bare SpiffWorkflow, timed per case."""

    def __init__(self, deps: Deps, *, sandboxed: bool = False) -> None:
        self.runtime = deps.runtime
        self.settings = deps.settings.raw
        with deps.uow() as uow:
            # the process the engine's own bench cases run (chosen for them by process_selection)
            definition_id = uow.session.scalar(select(Case.definition_id).order_by(Case.id.desc()).limit(1))
            if definition_id is None:
                raise RuntimeError("the floor copies the engine's process: run engine cases first")
            self.parsed: ParsedProcess = parsed_by_id(deps, uow.session, definition_id)
            state = uow.session.scalar(select(WorkflowState.state)
                                       .where(WorkflowState.definition_id == definition_id).limit(1))
            self.tables = _decision_tables(uow.session)
        if state is None:
            raise RuntimeError("the floor copies an engine case's start data: run the engine lifecycle first")
        self.start_data = dict(self.runtime.load(state, self.parsed).task_tree.data)
        self.due = (datetime.now(UTC) + timedelta(days=3)).astimezone(BEIJING).isoformat()
        self.path: list[str] = []
        self.script_engine = (deps.runtime.script_engine if sandboxed else
                              PythonScriptEngine(environment=TaskDataEnvironment(dict(bpmn_helpers.HELPERS))))

    def _effects(self) -> bpmn_helpers.StepEffects:
        effects = bpmn_helpers.StepEffects()
        effects.decide = self._decide
        effects.setting = self.settings.get
        if hasattr(effects, "deadline"):
            effects.deadline = lambda _stage: self.due
        return effects

    def _decide(self, key: str, inputs: dict[str, Any]) -> dict[str, Any]:
        from engine.runtime.dmn import evaluate

        decision = evaluate(self.tables[key], inputs)
        return {**decision.outputs, "table": key, "version": 1, "rule": decision.rule_number}

    def run_case(self, department_code: str, district_code: str | None = None) -> float:
        """One case from start to end, in ``district_code`` if given (its path depends on it); seconds.

        ``self.path`` is left holding the BPMN ids of the user tasks completed, in order.
        """
        start_data = self.start_data if district_code is None else {**self.start_data, "district_code": district_code}
        path: list[str] = []
        start = time.perf_counter()
        token = bpmn_helpers.bind(self._effects())
        try:
            workflow = BpmnWorkflow(self.parsed.spec, self.parsed.subprocess_specs, script_engine=self.script_engine)
            workflow.task_tree.data.update(start_data)
            for task in workflow.get_tasks(state=TaskState.READY):
                task.data.update(start_data)
            workflow.refresh_timers()
            workflow.do_engine_steps()
            text = self.runtime.dump_plain(workflow)
            while not workflow.is_completed():
                workflow = self.runtime.load(text, self.parsed)
                workflow.script_engine = self.script_engine
                ready = workflow.get_tasks(state=TaskState.READY, manual=True)
                if not ready:
                    raise RuntimeError("the floor's workflow stopped with no ready user task")
                task = ready[0]
                info = self.parsed.user_tasks[task.task_spec.bpmn_id]
                path.append(info.bpmn_id)
                task.data.update(answer(info.stage, department_code))
                task.run()
                workflow.refresh_timers()
                workflow.do_engine_steps()
                text = self.runtime.dump_plain(workflow)
        finally:
            bpmn_helpers.unbind(token)
        elapsed = time.perf_counter() - start
        self.path = path
        return elapsed


def _decision_tables(session: Any) -> dict[str, Any]:
    """The active decision tables, parsed once (empty before decision tables existed)."""
    try:
        from engine.runtime.dmn import parse_table
        from engine.store.rules_models import DecisionTableVersion
    except ImportError:
        return {}
    rows = session.scalars(select(DecisionTableVersion).where(DecisionTableVersion.status == "active"))
    return {row.key: parse_table(row.dmn_xml) for row in rows}
