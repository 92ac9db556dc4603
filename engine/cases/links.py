"""Cases of two processes linked both ways: a dispatcher escalates a city-management case to an emergency.

A missing manhole cover filed as a city-management case turns out to have hurt someone; the dispatcher
starts an emergency incident from it. The new case is a report like any other (same place, class and
reporter, its own process named explicitly, so its ``startRoles`` decide who may), both cases point at
each other (``cases.linked_case_id``), and each timeline says so (``linked_to`` on the first,
``linked_from`` on the new one). The first case keeps running: closing it is its own process's business.
Nothing here knows any process by name.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import insert, select

from engine.cases.reports import ReportInput, start_case
from engine.cases.steps import lock_case
from engine.deps import Deps
from engine.errors import Conflict, Forbidden, Invalid, NotFound
from engine.people.accounts import Actor
from engine.people.authz import case_clause
from engine.store.models import Case, CaseEvent

MAX_REASON = 500


@dataclass(frozen=True)
class Linked:
    case_no: str  # the new case
    linked_from: str  # the case it was started from
    process_key: str
    status: str
    tracking_code: str


def _reason(reason: object) -> str:
    if not isinstance(reason, str) or not reason.strip():
        raise Invalid("say why the case starts another process", fields={"reason": "required"})
    if len(reason) > MAX_REASON:
        raise Invalid(f"the reason is longer than {MAX_REASON} characters", fields={"reason": "too long"})
    return reason.strip()


def _injuries(value: object) -> int:
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100_000:
        raise Invalid("injuries must be a whole number of people, 0 or more", fields={"injuries": "invalid"})
    return value


def start_linked(deps: Deps, actor: Actor, case_no: str, process: object, reason: object,
                 injuries: object = None) -> Linked:
    """Start a case of ``process`` from case ``case_no``, linking the two both ways, in one transaction.

    :raises NotFound: no such case. :raises Forbidden: the actor may not read the case, or may not
        start the process (its ``startRoles``). :raises Invalid: no process or reason given, an unknown
        process. :raises Conflict: the case is already linked, or the process is the case's own.
    """
    if not isinstance(process, str) or not process:
        raise Invalid("name the process to start", fields={"process": "required"})
    text, hurt = _reason(reason), _injuries(injuries)
    with deps.uow(write=True) as uow:
        session = uow.session
        case_id = session.scalar(select(Case.id).where(Case.case_no == case_no))
        if case_id is None:
            raise NotFound(f"no case '{case_no}'")
        if session.scalar(select(Case.id).where(Case.id == case_id, case_clause(actor))) is None:
            raise Forbidden("you may not read this case")
        first = lock_case(session, case_id)
        if first.linked_case_id is not None:
            other = session.scalar(select(Case.case_no).where(Case.id == first.linked_case_id))
            raise Conflict(f"case {case_no} is already linked to case {other}", linked_case_no=other)
        if first.process_key == process:
            raise Conflict(f"case {case_no} already runs process '{process}'")
        report = ReportInput(
            source=first.source, category_code=first.category_code, description=f"{text}\n\n{first.description}",
            lon=first.lon, lat=first.lat, address=first.address, reporter_name=first.reporter_name,
            reporter_phone=first.reporter_phone, component_code=first.component_code, process=process,
            urgency=first.urgency or "normal", injuries=hurt or (first.injuries or 0))
        new = start_case(deps, session, actor, report,
                         events=[("linked_from", {"case_no": first.case_no, "process": first.process_key,
                                                  "reason": text})])
        new.linked_case_id = first.id
        first.linked_case_id = new.id
        first.row_version += 1
        first.updated_at = deps.clock.now()
        session.execute(insert(CaseEvent).values(
            case_id=first.id, at=deps.clock.now(), actor_id=actor.id, actor=actor.username, role=None,
            action="linked_to", stage_from=first.status, stage_to=first.status, comment=text,
            data={"case_no": new.case_no, "process": new.process_key}))
        uow.commit()
        return Linked(new.case_no, first.case_no, new.process_key, new.status, new.tracking_code)
