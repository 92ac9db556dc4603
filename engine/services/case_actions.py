"""Actions on a running case besides completing a task: messages from outside (an urge) and
reassigning a task. Both are steps: one transaction, audited, the workflow state kept in step.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from engine.errors import Forbidden, Invalid, NotFound, TaskNotReady
from engine.forms import validate_form
from engine.services.accounts import Actor, actor_of, get_user
from engine.services.authz import grant_covers_task
from engine.services.deps import Deps
from engine.services.steps import Step, lock_case
from engine.services.tasks import Completed
from engine.store.models import Case, ProcessDefinition, Task


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
        data = _validated(s, case, info.form_key, payload)
        step.role = role
        step.add_event(name, comment=data.get("comment"), data={k: v for k, v in data.items() if k != "comment"})
        step.send(name, {**data, "by": actor.username, "role": role})
        step.finish()
        uow.commit()
        return Completed(case.case_no, case.status)


def _validated(session: Any, case: Case, form_key: str | None, payload: Any) -> dict[str, Any]:
    if not form_key:
        if payload not in (None, {}):
            raise Invalid("this message carries no data", fields={"_": "unexpected data"})
        return {}
    forms = session.scalar(select(ProcessDefinition.forms).where(ProcessDefinition.id == case.definition_id))
    form = (forms or {}).get(form_key)
    if form is None:
        raise NotFound(f"form '{form_key}' is missing from the process version of case {case.case_no}")
    return validate_form(form, payload if payload is not None else {})


def reassign_task(deps: Deps, actor: Actor, task_id: str, username: str, reason: str | None = None) -> dict[str, Any]:
    """Give an open task to one person of the same role and scope (a supervisor's decision).

    Supervisors of each role are ``task_supervisors`` in config.yaml.
    """
    with deps.uow(write=True) as uow:
        s = uow.session
        task = s.get(Task, task_id)
        if task is None:
            raise NotFound(f"no task '{task_id}'")
        case = lock_case(s, task.case_id)
        s.refresh(task)
        if task.state != "open":
            raise TaskNotReady("this task was already completed or withdrawn", task_id=task_id)
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
        step = Step.load(deps, s, case, actor)
        step.role = next((r for r in supervisors if actor.has_role(r)), None)
        step.add_event("reassign", task_id=task.id, comment=reason,
                       data={"stage": task.stage, "to": username, "from_user_id": previous})
        step.finish()
        uow.commit()
        return {"task_id": task.id, "assignee": username}
