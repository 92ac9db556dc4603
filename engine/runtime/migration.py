"""Moving a running workflow onto another version of its process, with a rule that says when it is safe.

SpiffWorkflow 3.2 aligns the two versions' task specs by BPMN id (``diff_workflow``) and re-points a
workflow at the new spec (``migrate_workflow``). Its own rule of thumb (spiff-arena's) refuses only when a
changed or removed task was completed or started. szcg's rule is stricter, because a case's history is
evidence and its figures are evaluated:

* every task the case has completed or started is **unchanged** in the target (same spec, same outputs);
* every task it waits in (a ready user task, a waiting timer or message) exists in the target **by id**
  (never matched by structure alone);
* every subprocess it runs has its process in the target.

Migration resets the waiting branches, which re-arms their timers from *now* (SPIFFWORKFLOW_NOTES §8). A
timer whose spec did not change keeps the deadline it had; a changed one is computed afresh from the target.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from SpiffWorkflow import TaskState
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.util.diff import WorkflowDiff, diff_workflow, migrate_workflow

from engine.runtime.timesource import clock_bound
from engine.runtime.workflow import ParsedProcess, WorkflowRuntime, translate_errors

_DONE = TaskState.COMPLETED | TaskState.STARTED | TaskState.ERROR
_WAITING = TaskState.READY | TaskState.WAITING


@dataclass(frozen=True)
class MigrationCheck:
    """Whether a workflow may move to the target version, and every reason it may not."""

    safe: bool
    reasons: tuple[str, ...]


def _name(task: Any) -> str:
    spec = task.task_spec
    return str(getattr(spec, "bpmn_id", None) or spec.name)


def _problems(diff: WorkflowDiff, where: str) -> list[str]:
    reasons = []
    changed = {id(t) for t in diff.changed}
    removed = {id(t) for t in diff.removed}
    for task in diff.alignment.keys() | set(diff.removed):
        if task.state & _DONE and (id(task) in changed or id(task) in removed):
            verb = "removed" if id(task) in removed else "changed"
            reasons.append(f"{where}'{_name(task)}' was already run and is {verb} in the target")
        elif task.state & _WAITING:
            target = diff.alignment.get(task)
            if target is None or target.name != task.task_spec.name:
                reasons.append(f"{where}the case waits in '{_name(task)}', which the target does not have")
    return sorted(set(reasons))


def _diffs(runtime: WorkflowRuntime, workflow: BpmnWorkflow,
           target: ParsedProcess) -> tuple[WorkflowDiff, dict[Any, WorkflowDiff | None]]:
    return diff_workflow(runtime.serializer.registry, workflow, target.spec, target.subprocess_specs)


def check_migration(runtime: WorkflowRuntime, workflow: BpmnWorkflow, target: ParsedProcess) -> MigrationCheck:
    """Apply szcg's safety rule to ``workflow`` against ``target`` (nothing is changed)."""
    top, subs = _diffs(runtime, workflow, target)
    reasons = _problems(top, "")
    for sp_id, sub_diff in subs.items():
        sub = workflow.subprocesses[sp_id]
        if sub_diff is None:
            reasons.append(f"subprocess '{sub.spec.name}' does not exist in the target")
        else:
            reasons += _problems(sub_diff, f"in '{sub.spec.name}': ")
    return MigrationCheck(not reasons, tuple(reasons))


def _unchanged_timers(diffs: list[WorkflowDiff]) -> dict[Any, Any]:
    """Event values of waiting timers whose spec is the same in the target: they keep their deadline."""
    kept = {}
    for diff in diffs:
        changed = {id(t) for t in diff.changed}
        for task, target in diff.alignment.items():
            value = task.internal_data.get("event_value")
            if task.state == TaskState.WAITING and value is not None and id(task) not in changed \
                    and target is not None and target.name == task.task_spec.name:
                kept[task.id] = value
    return kept


def migrate(runtime: WorkflowRuntime, workflow: BpmnWorkflow, target: ParsedProcess) -> None:
    """Move ``workflow`` onto ``target`` (checked first by :func:`check_migration`) and run to its wait states.

    Must run with the step's helpers bound: re-armed timers call ``due()``.
    """
    top, subs = _diffs(runtime, workflow, target)
    kept = _unchanged_timers([top, *(d for d in subs.values() if d is not None)])
    with translate_errors(), clock_bound(runtime.clock):
        for sp_id, sub_diff in subs.items():
            sub = workflow.subprocesses[sp_id]
            if sub_diff is not None:
                migrate_workflow(sub_diff, sub, target.subprocess_specs[sub.spec.name])
        workflow.subprocess_specs = target.subprocess_specs
        migrate_workflow(top, workflow, target.spec)
        for task in workflow.get_tasks(state=TaskState.WAITING):
            if task.id in kept:
                task.internal_data["event_value"] = kept[task.id]
        workflow.refresh_timers()
        workflow.do_engine_steps()
