"""Reporters' personal data: every showing audited, and cleared a set time after the case ends.

A reporter's name and phone (cases.reporter_name, reporter_phone) are shown only to the roles that
may see them (engine.people.authz.PERSONAL_DATA_ROLES); each time a page, an API answer or an export
shows one, :func:`record` writes a row naming who, when, which case, which field, through which
channel and from which address — never the value. Administrators read them with :func:`list_views`.

Retention (``personal_data_retention_days``): :func:`clear_expired` removes the name and phone of
cases closed or voided longer ago than that (also the phone an SMS answer was sent to, in the
outbox); the case, its timeline and its figures stay, and the timeline says when it happened.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import and_, func, insert, or_, select, update

from engine.audit import chain
from engine.deps import Deps
from engine.errors import Forbidden, Invalid
from engine.people.accounts import Actor
from engine.store import paging
from engine.store.audit_models import PersonalDataView
from engine.store.models import Case, CaseEvent
from engine.store.rules_models import OutboxMessage
from engine.time.clock import isoformat

FIELDS = ("reporter_name", "reporter_phone")
CHANNELS = ("page", "api", "export")
CLEAR_BATCH = 500


class Shown(Protocol):
    """A case as a read returned it (``engine.store.models.Case``)."""

    id: int
    case_no: str
    reporter_name: str | None
    reporter_phone: str | None


def record(deps: Deps, actor: Actor, cases: Iterable[Shown], *, channel: str, remote_addr: str | None) -> int:
    """Write one row per personal field shown (non-empty only), in its own transaction; returns how many."""
    now = deps.clock.now()
    rows = [{"at": now, "viewer_id": actor.id, "viewer": actor.username[:64], "case_id": c.id,
             "case_no": c.case_no, "field": name, "channel": channel, "remote_addr": (remote_addr or None) and
             remote_addr[:64]} for c in cases for name in FIELDS if getattr(c, name)]
    if rows:
        with deps.uow(write=True) as uow:
            uow.session.execute(insert(PersonalDataView), rows)
            uow.commit()
    return len(rows)


@dataclass(frozen=True)
class ViewFilter:
    viewer: str | None = None
    case_no: str | None = None
    field: str | None = None
    date_from: datetime | None = None
    date_to: datetime | None = None

    def check(self) -> None:
        """:raises Invalid: an unknown field name (naming the filter)."""
        if self.field and self.field not in FIELDS:
            raise Invalid(f"field must be one of {', '.join(FIELDS)}", fields={"field": "unknown field"})


def list_views(deps: Deps, actor: Actor, flt: ViewFilter, *, page: int = 1, per_page: int = 50) -> dict[str, Any]:
    """The audit rows newest first, filtered, a page at a time (administrators only).

    :raises Forbidden: not an administrator. :raises Invalid: a bad filter.
    """
    if not actor.is_admin:
        raise Forbidden("only an administrator may read who viewed personal data")
    flt.check()
    conditions = [c for c in (
        PersonalDataView.viewer == flt.viewer if flt.viewer else None,
        PersonalDataView.case_no == flt.case_no if flt.case_no else None,
        PersonalDataView.field == flt.field if flt.field else None,
        PersonalDataView.at >= flt.date_from if flt.date_from else None,
        PersonalDataView.at < flt.date_to if flt.date_to else None) if c is not None]
    query = select(PersonalDataView).where(and_(True, *conditions))
    with deps.uow() as uow:
        total = uow.session.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = uow.session.scalars(query.order_by(PersonalDataView.at.desc(), PersonalDataView.id.desc())
                                   .offset((page - 1) * per_page).limit(per_page))
        items = [{"at": isoformat(r.at), "viewer": r.viewer, "case_no": r.case_no, "field": r.field,
                  "channel": r.channel, "remote_addr": r.remote_addr} for r in rows]
    return {"items": items, "total": total, "page": page, "per_page": per_page,
            "pages": max(1, -(-total // per_page))}


def view_page(deps: Deps, actor: Actor, flt: ViewFilter, *, after: str | None, limit: int) -> paging.Page:
    """The same rows for the API, keyset-paged like every list (newest first, by id)."""
    if not actor.is_admin:
        raise Forbidden("only an administrator may read who viewed personal data")
    flt.check()
    conditions = [c for c in (
        PersonalDataView.viewer == flt.viewer if flt.viewer else None,
        PersonalDataView.case_no == flt.case_no if flt.case_no else None,
        PersonalDataView.field == flt.field if flt.field else None,
        PersonalDataView.at >= flt.date_from if flt.date_from else None,
        PersonalDataView.at < flt.date_to if flt.date_to else None) if c is not None]
    query = select(PersonalDataView).where(and_(True, *conditions))
    with deps.uow() as uow:
        page = paging.keyset(uow.session, query, [PersonalDataView.id], after=after, limit=limit,
                             key_of=lambda row: [row[0].id], descending=True,
                             convert=lambda values: [int(values[0])])
        items = [{"at": isoformat(r.at), "viewer": r.viewer, "case_no": r.case_no, "field": r.field,
                  "channel": r.channel, "remote_addr": r.remote_addr} for (r,) in page.items]
    return replace(page, items=items)


def clear_expired(deps: Deps) -> int:
    """Clear the personal data of cases finished more than the retention time ago; returns how many cases.

    Each case is cleared under its row lock (as every writer of a case takes it) with a timeline line
    ``personal_data_cleared`` chained like any other. Nothing happens when retention is not set.
    """
    days = deps.settings.raw.get("personal_data_retention_days")
    if days is None:
        return 0
    now = deps.clock.now()
    cutoff = now - timedelta(days=days)
    has_data = or_(Case.reporter_name.is_not(None), Case.reporter_phone.is_not(None))
    finished = or_(Case.closed_at < cutoff, Case.voided_at < cutoff)
    cleared = 0
    while True:
        with deps.uow(write=True) as uow:
            s = uow.session
            cases = list(s.scalars(select(Case).where(has_data, finished).order_by(Case.id).limit(CLEAR_BATCH)
                                   .with_for_update()))
            for case in cases:
                _clear(s, case, now)
            uow.commit()
        cleared += len(cases)
        if len(cases) < CLEAR_BATCH:
            return cleared


def _clear(session: Any, case: Case, now: datetime) -> None:
    cleared = [name for name in FIELDS if getattr(case, name)]
    if case.reporter_phone:
        session.execute(update(OutboxMessage).where(
            OutboxMessage.notification_id.is_(None), OutboxMessage.channel == "sms",
            OutboxMessage.recipient == case.reporter_phone, OutboxMessage.sent_at.is_not(None)).values(recipient=""))
    case.reporter_name = case.reporter_phone = None
    line = {"case_id": case.id, "at": now, "actor_id": None, "actor": "system", "role": None,
            "action": "personal_data_cleared", "stage_from": case.status, "stage_to": case.status, "task_id": None,
            "comment": None, "data": {"fields": cleared}}
    chain.extend(case, [line])
    session.execute(insert(CaseEvent), [line])
    case.updated_at = now
