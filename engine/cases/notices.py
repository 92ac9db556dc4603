"""What a step tells people besides its tasks: answers to the reporter, alerts to roles, new urgent tasks.

A BPMN script asks for these through the reviewed helpers (``publish``, ``alert``) and a user task by
its ``notify`` property; the step writes them in its own transaction, so a failed step tells no one.
An answer goes to the public tracking page (a ``reply`` line of the timeline, the only kind a
tracking code shows besides the stage) and to the reporter: by SMS through the outbox when they left
a phone number, as a notification when they reported with an account.
"""

from __future__ import annotations

from collections.abc import Iterable
from types import SimpleNamespace
from typing import Any, Protocol

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from engine.people.notify import candidates, notify
from engine.runtime.workflow import ParsedProcess
from engine.store.models import Case, User, UserRole
from engine.store.rules_models import OutboxMessage


class Step(Protocol):
    """What these functions need of the running step (engine.cases.steps.Step, which calls them)."""

    session: Session
    case: Case
    now: Any
    parsed: ParsedProcess

    def add_event(self, action: str, **kwargs: Any) -> Any: ...


def publish_replies(step: Step, replies: Iterable[str]) -> None:
    """Each answer on the timeline (public) and on its way to the reporter."""
    case = step.case
    for text in replies:
        step.add_event("reply", comment=text, data={"public": True})
        message = f"【{case.case_no}】{text}"
        if case.reporter_phone:
            step.session.add(OutboxMessage(notification_id=None, channel="sms", recipient=case.reporter_phone,
                                           payload={"case_no": case.case_no, "kind": "reply", "text": message,
                                                    "tracking_code": case.tracking_code},
                                           created_at=step.now, attempts=0))
        elif case.reporter_id:
            notify(step.session, [case.reporter_id], case=case, task=None, kind="reply", message=message,
                   now=step.now)


def role_holders(session: Session, roles: tuple[str, ...], district_code: str | None) -> list[int]:
    """Active users holding one of ``roles`` city-wide or in ``district_code`` (not a department's)."""
    query = (select(UserRole.user_id).join(User, User.id == UserRole.user_id)
             .where(User.active.is_(True), UserRole.role.in_(roles), UserRole.department_code.is_(None),
                    or_(UserRole.district_code.is_(None), and_(UserRole.district_code == district_code))))
    return sorted(set(session.scalars(query)))


def send_alerts(step: Step, alerts: Iterable[tuple[tuple[str, ...], str]]) -> None:
    case = step.case
    for roles, message in alerts:
        recipients = role_holders(step.session, roles, case.district_code)
        notify(step.session, recipients, case=case, task=None, kind="alert", message=f"【{case.case_no}】{message}",
               now=step.now)
        step.add_event("alert", comment=message, data={"roles": list(roles), "recipients": len(recipients)},
                       system=True)


def announce_tasks(step: Step, new_tasks: Iterable[dict[str, Any]]) -> None:
    """Notify the candidates of each new task whose BPMN says ``notify`` (an escalation, an emergency)."""
    for row in new_tasks:
        info = step.parsed.user_tasks.get(row["bpmn_id"])
        if info is None or not info.notify:
            continue
        task = SimpleNamespace(**row)
        message = f"案件 {step.case.case_no}「{row['name']}」等待您处理。"
        notify(step.session, candidates(step.session, task), case=step.case, task=task,  # type: ignore[arg-type]
               kind="task", message=message, now=step.now)
