"""Actions on a running case besides completing a task: messages from outside (an urge) and
reassigning a task. Both are steps: one transaction, audited, the workflow state kept in step.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from engine.cases.steps import Step, lock_case, lock_open_task
from engine.cases.tasks import Completed
from engine.deps import Deps
from engine.errors import Forbidden, Invalid, NotFound
from engine.people.accounts import Actor, Grant, actor_of, get_user
from engine.people.authz import grant_covers_task
from engine.processes.definitions import definition_forms, parsed_by_id
from engine.processes.forms import validate_form
from engine.store.models import Case, Task, User, UserRole


def send_message(deps: Deps, actor: Actor, case_no: str, name: str, payload: Any) -> Completed:
    """Deliver message ``name`` (e.g. ``urge``) to a case's process, if the actor's role may send it.

    Who may send it and what it carries are the BPMN's: the message start event's
    ``allowedRoles`` and ``formKey`` properties.

    :raises NotFound: unknown case, or the process accepts no such message.
    :raises Forbidden: the actor holds none of the allowed roles.
    :raises Conflict: the process does not wait for it now (e.g. the case is closed).
    """
    with deps.uow(write=True) as uow:
        s = uow.session
        case_id = s.scalar(select(Case.id).where(Case.case_no == case_no))
        if case_id is None:
            raise NotFound(f"no case '{case_no}'")
        case = lock_case(s, case_id)
        step = Step.load(deps, s, case, actor)
        info = step.parsed.messages.get(name)
        if info is None:
            raise NotFound(f"the process of case {case_no} accepts no message '{name}'")
        role = next((r for r in info.allowed_roles if actor.has_role(r)), None)
        if role is None:
            raise Forbidden(f"only {', '.join(info.allowed_roles) or 'nobody'} may send '{name}'")
        data = _validated(deps, s, case, info.form_key, payload)
        step.role = role
        step.add_event(name, comment=data.get("comment"), data={k: v for k, v in data.items() if k != "comment"})
        step.send(name, {**data, "by": actor.username, "role": role})
        step.finish()
        uow.commit()
        return Completed(case.case_no, case.status)


def _validated(deps: Deps, session: Any, case: Case, form_key: str | None, payload: Any) -> dict[str, Any]:
    if not form_key:
        if payload not in (None, {}):
            raise Invalid("this message carries no data", fields={"_": "unexpected data"})
        return {}
    form = definition_forms(deps, session, case.definition_id).get(form_key)
    if form is None:
        raise NotFound(f"form '{form_key}' is missing from the process version of case {case.case_no}")
    return validate_form(form, payload if payload is not None else {})


def reassign_task(deps: Deps, actor: Actor, task_id: str, username: str, reason: str | None = None) -> dict[str, Any]:
    """Give an open task to one person of the same role and scope (a supervisor's decision).

    Supervisors of each role are ``task_supervisors`` in config.yaml.
    """
    with deps.uow(write=True) as uow:
        s = uow.session
        task, case, state = lock_open_task(s, task_id)
        supervisors = deps.settings.raw.get("task_supervisors", {}).get(task.lane, [])
        if not actor.has_role(*supervisors):
            raise Forbidden(f"only {', '.join(supervisors) or 'nobody'} may reassign {task.lane} tasks")
        target = actor_of(s, get_user(s, username))
        if target.id == task.assignee_id:
            raise Invalid(f"the task is already assigned to {username}", fields={"username": "unchanged"})
        previous, task.assignee_id = task.assignee_id, None
        probe = Task(lane=task.lane, scope=task.scope, district_code=task.district_code,
                     department_code=task.department_code, assignee_id=target.id if task.scope == "grid" else None)
        if not any(grant_covers_task(g, target.id, probe) for g in target.grants):
            raise Invalid(f"{username} does not hold the role '{task.lane}' in this task's scope",
                          fields={"username": "not in the task's role and scope"})
        task.assignee_id = target.id
        step = Step.load(deps, s, case, actor, state)
        step.role = next((r for r in supervisors if actor.has_role(r)), None)
        step.add_event("reassign", task_id=task.id, comment=reason,
                       data={"stage": task.stage, "to": username, "from_user_id": previous})
        step.finish()
        uow.commit()
        return {"task_id": task.id, "assignee": username}


def supervisors_of(deps: Deps, lane: str) -> list[str]:
    """The roles that may reassign tasks of ``lane`` (``task_supervisors`` in config.yaml)."""
    return list(deps.settings.raw.get("task_supervisors", {}).get(lane, []))


def may_send(deps: Deps, actor: Actor, case_no: str, name: str) -> bool:
    """Whether the actor's roles may send message ``name`` to the case (the BPMN's ``allowedRoles``)."""
    with deps.uow() as uow:
        definition_id = uow.session.scalar(select(Case.definition_id).where(Case.case_no == case_no))
        if definition_id is None:
            return False
        info = parsed_by_id(deps, uow.session, definition_id).messages.get(name)
    return info is not None and actor.has_role(*info.allowed_roles)


def may_reassign(deps: Deps, actor: Actor, lane: str) -> bool:
    return actor.has_role(*supervisors_of(deps, lane))


def eligible_assignees(deps: Deps, actor: Actor, task_id: str) -> list[dict[str, str]]:
    """Who an open task could be reassigned to: active holders of its role within its scope.

    The same test :func:`reassign_task` applies (``grant_covers_task`` on the task as if it were
    given to that person); the current assignee is left out. Sorted by username.

    :raises NotFound: no such task. :raises Forbidden: the actor supervises no task of its role.
    """
    with deps.uow() as uow:
        s = uow.session
        task = s.get(Task, task_id)
        if task is None:
            raise NotFound(f"no task '{task_id}'")
        if not may_reassign(deps, actor, task.lane):
            raise Forbidden(f"only {', '.join(supervisors_of(deps, task.lane)) or 'nobody'} may reassign "
                            f"{task.lane} tasks")
        rows = s.execute(select(User.id, User.username, User.display_name, UserRole.district_code,
                                UserRole.department_code)
                         .join(UserRole, UserRole.user_id == User.id)
                         .where(User.active.is_(True), UserRole.role == task.lane)
                         .order_by(User.username)).all()
        found: dict[int, dict[str, str]] = {}
        for user_id, username, display_name, district_code, department_code in rows:
            if user_id == task.assignee_id or user_id in found:
                continue
            probe = Task(lane=task.lane, scope=task.scope, district_code=task.district_code,
                         department_code=task.department_code,
                         assignee_id=user_id if task.scope == "grid" else None)
            if grant_covers_task(Grant(task.lane, district_code, department_code), user_id, probe):
                found[user_id] = {"username": username, "display_name": display_name}
        return list(found.values())
