"""User tasks: the inbox, one task with its form, completing it."""

from __future__ import annotations

from flask import jsonify, request

from engine.cases import actions, tasks
from engine.errors import BadRequest
from web.api.common import actor, after_arg, bp, deps, int_arg, json_body, json_object, page_json


@bp.get("/tasks")
def list_tasks():  # type: ignore[no-untyped-def]
    """The caller's open tasks, urgent ones first; ``stage`` and ``case_no`` filter."""
    page = tasks.task_page(deps(), actor(), stage=request.args.get("stage") or None,
                           case_no=request.args.get("case_no") or None, after=after_arg(),
                           limit=int_arg("limit", 50, 1, 200))
    return page_json(page)


@bp.get("/tasks/<task_id>")
def get_task(task_id: str):  # type: ignore[no-untyped-def]
    return jsonify(tasks.get_task(deps(), actor(), task_id))


@bp.post("/tasks/<task_id>/complete")
def complete_task(task_id: str):  # type: ignore[no-untyped-def]
    """Complete a task; an ``Idempotency-Key`` header makes a retry after a lost answer safe."""
    key = request.headers.get("Idempotency-Key")
    if key is not None and not (0 < len(key) <= 100):
        raise BadRequest("Idempotency-Key must have 1–100 characters", fields={"Idempotency-Key": "length"})
    result = tasks.complete_task(deps(), actor(), task_id, json_body(), idempotency_key=key)
    body = {"case_no": result.case_no, "status": result.status}
    if result.replayed:  # only then, so the answer to a first completion is what it always was
        body["replayed"] = True
    return jsonify(body)


@bp.post("/tasks/<task_id>/reassign")
def reassign(task_id: str):  # type: ignore[no-untyped-def]
    """Give an open task to one person of the same role and scope (supervisors only)."""
    body = json_object()
    username = body.get("username")
    if not isinstance(username, str) or not username:
        raise BadRequest("'username' is required", fields={"username": "required"})
    reason = body.get("reason") if isinstance(body.get("reason"), str) else None
    return jsonify(actions.reassign_task(deps(), actor(), task_id, username, reason))
