"""The stored form of a workflow state: SpiffWorkflow's serialization without what it can rebuild.

Measured on a closed case of the lifecycle (17.2 KB with the spec by reference): 35 task records
of 11 fields each made 16 KB of it, and most of those fields hold a value SpiffWorkflow's own
converter can be given back exactly — the task's ``id`` (it is the record's key), its ``children``
(the records whose ``parent`` it is, in the order the records are stored), ``typename: "Task"``,
``triggered: false``, ``internal_data: {}``, ``data: {}`` of a task with a parent (its data is a
delta against the parent), and the empty delta ``{"updates": {}, "deletions": []}`` of a task whose
data equal its parent's — plus the spaces of ``json.dumps``' default separators.

:func:`compact` drops exactly those and :func:`expand` puts them back, so that
``expand(compact(d)) == d`` for every dict SpiffWorkflow produces (a field is dropped only when
its value is the one :func:`expand` would rebuild: ``children`` are kept whenever their stored
order differs from the records' order). What SpiffWorkflow needs to resume — each task's spec,
state, parent, last state change, internal data (timers' due times) and data deltas, the
workflow data, the subprocesses and events — is stored as it was. States written before this
format carry no :data:`MARK` and load unchanged. ``tests/unit/test_state_format.py`` saves and
restores every BPMN process in ``workflows/`` at each of its wait states and runs it to the end.
"""

from __future__ import annotations

from typing import Any

MARK = "szcg_state"  # top-level key of a compacted state; its value is the format's version
VERSION = 1
_EMPTY_DELTA = {"updates": {}, "deletions": []}


def compact(dct: dict[str, Any]) -> dict[str, Any]:
    """Drop what :func:`expand` rebuilds, in place; returns ``dct``."""
    _compact_tasks(dct)
    for sub in dct.get("subprocesses", {}).values():
        _compact_tasks(sub)
    dct[MARK] = VERSION
    return dct


def expand(dct: dict[str, Any]) -> dict[str, Any]:
    """Put back what :func:`compact` dropped, in place (a state without :data:`MARK` is left as it is)."""
    if dct.pop(MARK, None) is None:
        return dct
    _expand_tasks(dct)
    for sub in dct.get("subprocesses", {}).values():
        _expand_tasks(sub)
    return dct


def _derived_children(tasks: dict[str, dict[str, Any]]) -> dict[str, list[str]]:
    children: dict[str, list[str]] = {key: [] for key in tasks}
    for key, task in tasks.items():
        parent = task.get("parent")
        if parent is not None and parent in children:
            children[parent].append(key)
    return children


def _compact_tasks(workflow: dict[str, Any]) -> None:
    tasks: dict[str, dict[str, Any]] = workflow.get("tasks", {})
    derived = _derived_children(tasks)
    for key, task in tasks.items():
        if task.get("id") == key:
            del task["id"]
        if task.get("children") == derived[key]:
            del task["children"]
        if task.get("typename") == "Task":
            del task["typename"]
        if task.get("triggered") is False:
            del task["triggered"]
        if task.get("internal_data") == {}:
            del task["internal_data"]
        if task.get("parent") is not None:
            if task.get("data") == {}:
                del task["data"]
            if task.get("delta") == _EMPTY_DELTA:
                del task["delta"]
        elif task.get("delta") == {}:
            del task["delta"]


def _expand_tasks(workflow: dict[str, Any]) -> None:
    tasks: dict[str, dict[str, Any]] = workflow.get("tasks", {})
    derived = _derived_children(tasks)
    for key, task in tasks.items():
        task.setdefault("id", key)
        task.setdefault("children", derived[key])
        task.setdefault("typename", "Task")
        task.setdefault("triggered", False)
        task.setdefault("internal_data", {})
        if task.get("parent") is not None:
            task.setdefault("data", {})
            task.setdefault("delta", {"updates": {}, "deletions": []})
        else:
            task.setdefault("delta", {})
