"""Reading cases: one case with its timeline, and filtered lists. Never runs the engine."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, func, or_, select, tuple_

from engine.deps import Deps
from engine.errors import Forbidden, Invalid, NotFound
from engine.people.accounts import Actor
from engine.people.authz import case_clause, listable, may_see_personal_data
from engine.store.models import Case, CaseEvent, ProcessDefinition, Task
from engine.time.clock import as_utc, isoformat
from engine.time.lights import light_of

REPEATED_RETURNS = 2  # 推诿: a case returned this often is flagged for the supervision centre
SUMMARY_TIMES = ("reported_at", "registered_at", "verified_at", "filed_at", "dispatched_at", "handled_at",
                 "checked_at", "closed_at", "voided_at", "evaluated_at", "deadline_at")


def case_summary(case: Case, *, personal: bool) -> dict[str, Any]:
    body: dict[str, Any] = {
        "case_no": case.case_no, "status": case.status, "source": case.source, "standard": case.standard,
        "kind": case.kind, "category_code": case.category_code, "description": case.description,
        "address": case.address, "lon": case.lon, "lat": case.lat, "grid_code": case.grid_code,
        "community_code": case.community_code, "street_code": case.street_code,
        "district_code": case.district_code, "department_code": case.department_code, "urgency": case.urgency,
        "return_count": case.return_count, "rework_count": case.rework_count,
        "overdue_count": case.overdue_count, "deadline_provisional": case.deadline_provisional, "level": case.level,
        "filing_condition": case.filing_condition, "channel": case.channel,
        "extension_count": case.extension_count, "suspension_count": case.suspension_count,
        "urge_count": case.urge_count, "suspended_at": isoformat(case.suspended_at),
        "suspended_seconds": case.suspended_seconds, "escalated_at": isoformat(case.escalated_at),
        "flags": ["repeated_returns"] if case.return_count >= REPEATED_RETURNS else [],
        "process_key": case.process_key, "channel_type": case.channel_type, "response_level": case.response_level,
        "satisfaction": case.satisfaction, "injuries": case.injuries,
    }
    body.update({key: isoformat(getattr(case, key)) for key in SUMMARY_TIMES})
    if personal:
        body.update(reporter_name=case.reporter_name, reporter_phone=case.reporter_phone)
    return body


def event_view(e: CaseEvent) -> dict[str, Any]:
    return {"at": isoformat(e.at), "actor": e.actor, "role": e.role, "action": e.action,
            "stage_from": e.stage_from, "stage_to": e.stage_to, "comment": e.comment, "data": e.data}


def get_case(deps: Deps, actor: Actor, case_no: str) -> dict[str, Any]:
    """A case's summary, open tasks and full timeline, if the actor may read it."""
    with deps.uow() as uow:
        session = uow.session
        case = session.scalar(select(Case).where(Case.case_no == case_no))
        if case is None:
            raise NotFound(f"no case '{case_no}'")
        if session.scalar(select(Case.id).where(Case.id == case.id, case_clause(actor))) is None:
            raise Forbidden("you may not read this case")
        events = session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id))
        tasks = session.scalars(select(Task).where(Task.case_id == case.id, Task.state == "open"))
        body = case_summary(case, personal=may_see_personal_data(actor))
        body["linked_case_no"] = linked_case_no(session, case)
        body["process_version"] = process_version(session, case)
        now = deps.clock.now()
        body["tasks"] = [{"id": t.id, "stage": t.stage, "name": t.name, "lane": t.lane,
                          "created_at": isoformat(t.created_at), "warn_at": isoformat(t.warn_at),
                          "due_at": isoformat(t.due_at), "light": light_of(now, t.warn_at, t.due_at),
                          "provisional": t.provisional} for t in tasks]
        body["timeline"] = [event_view(e) for e in events]
        return body


def linked_case_no(session: Any, case: Case) -> str | None:
    """The number of the case this one is linked to (started from it, or started it), if any."""
    if case.linked_case_id is None:
        return None
    return session.scalar(select(Case.case_no).where(Case.id == case.linked_case_id))


def process_version(session: Any, case: Case) -> int | None:
    """The version of its process the case runs on (new versions apply to new cases only)."""
    return session.scalar(select(ProcessDefinition.version).where(ProcessDefinition.id == case.definition_id))


@dataclass(frozen=True)
class CaseFilter:
    status: str | None = None
    district_code: str | None = None
    department_code: str | None = None
    date_from: datetime | None = None
    date_to: datetime | None = None
    # Added for the case search page; all optional, so existing callers are unchanged.
    street_code: str | None = None
    category_code: str | None = None
    source: str | None = None
    open: bool | None = None        # True: still running; False: closed or void
    overdue: bool = False           # past its deadline (now, or when it was closed), or a task overdue
    process_key: str | None = None  # one process's cases (城市管理, 应急, 社会服务 …)


# Counting every match of a broad filter scans up to every case (a million rows: 25-55 ms a
# page, measured by `szcg bench`); beyond this many the count stops and the page says "N+".
COUNT_CAP = 10_000


def list_cases(deps: Deps, actor: Actor, flt: CaseFilter, *, page: int = 1, per_page: int = 20,
               after: str | None = None) -> dict[str, Any]:
    """Cases the actor may read, newest first, filtered and paginated.

    ``total`` is exact up to :data:`COUNT_CAP` matches and then the cap (``total_exact`` says
    which). ``after`` (the previous page's ``next``) continues by keyset instead of ``page``:
    its cost does not grow with the page number.
    """
    now = deps.clock.now()
    query = _filtered(listable(select(Case), actor, dialect=deps.engine.dialect.name), flt, now)
    personal = may_see_personal_data(actor)
    counted = _filtered(listable(select(Case.id), actor, counting=True), flt, now).limit(COUNT_CAP + 1).subquery()
    rows_query = query.order_by(Case.reported_at.desc(), Case.id.desc()).limit(per_page)
    if after:
        at, last_id = _decode_cursor(after)
        rows_query = rows_query.where(tuple_(Case.reported_at, Case.id) < tuple_(at, last_id))
    else:
        rows_query = rows_query.offset((page - 1) * per_page)
    with deps.uow() as uow:
        total = uow.session.scalar(select(func.count()).select_from(counted)) or 0
        rows = list(uow.session.scalars(rows_query))
        return {"page": page, "per_page": per_page, "total": min(total, COUNT_CAP),
                "total_exact": total <= COUNT_CAP,
                "next": _encode_cursor(rows[-1]) if len(rows) == per_page else None,
                "items": [case_summary(c, personal=personal) for c in rows]}


def _encode_cursor(case: Case) -> str:
    return f"{as_utc(case.reported_at).isoformat()}~{case.id}"


def _decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        at, _, case_id = cursor.partition("~")
        return as_utc(datetime.fromisoformat(at)), int(case_id)
    except ValueError:
        raise Invalid("the page cursor is not valid", fields={"after": "invalid"}) from None


FINISHED = ("closed", "void")


# CaseFilter fields that ask for equality with a case column.
_EQUALITY = {"status": Case.status, "district_code": Case.district_code, "department_code": Case.department_code,
             "street_code": Case.street_code, "category_code": Case.category_code, "source": Case.source,
             "process_key": Case.process_key}


def _filtered(query: Select[Any], flt: CaseFilter, now: datetime) -> Select[Any]:
    """Apply a CaseFilter: equalities, the reporting period, running or finished, overdue."""
    for name, column in _EQUALITY.items():
        value = getattr(flt, name)
        if value:
            query = query.where(column == value)
    if flt.date_from:
        query = query.where(Case.reported_at >= flt.date_from)
    if flt.date_to:
        query = query.where(Case.reported_at < flt.date_to)
    if flt.open is True:
        query = query.where(Case.status.not_in(FINISHED))
    elif flt.open is False:
        query = query.where(Case.status.in_(FINISHED))
    if flt.overdue:
        late_case = and_(Case.deadline_at.is_not(None),
                         or_(and_(Case.closed_at.is_not(None), Case.closed_at > Case.deadline_at),
                             and_(Case.status.not_in(FINISHED), Case.deadline_at < now)))
        late_task = Case.id.in_(select(Task.case_id).where(Task.state == "open", Task.due_at < now))
        query = query.where(or_(late_case, late_task))
    return query
