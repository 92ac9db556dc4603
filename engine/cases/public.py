"""The citizen's side (公众): report without an account, then follow the case by tracking code.

Both are open to anyone, so both are rate limited per client address (counted in the
database), and what a tracking code shows is the public part of a case only: its class,
district and street, status and the dates of its stages — never names, phone numbers,
comments, who acted, the exact point, or photo metadata.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from sqlalchemy import select

from engine.cases import attachments, reports
from engine.deps import Deps
from engine.errors import Invalid, NotFound
from engine.people import ratelimit
from engine.people.accounts import ANONYMOUS
from engine.processes.definitions import parsed_by_id
from engine.store.models import Case, CaseEvent, Category, Place
from engine.store.ui_models import Attachment
from engine.time.clock import isoformat

PHONE = re.compile(r"^\+?[0-9][0-9 \-]{4,30}$")
TRACKING_CODE = re.compile(r"^[A-Z2-9]{6,16}$")
# Timeline actions a citizen sees; everything else (timers, evaluation details) stays inside. A process
# adds its own stages with ``publicStages`` in its diagram (a service request's answer and callback).
PUBLIC_ACTIONS = ("report", "register", "verify", "file", "dispatch", "handle", "check", "close", "closed",
                  "void", "return", "rework", "extend", "suspend", "resume")


def citizen_report(deps: Deps, client: str, report: reports.ReportInput, idempotency_key: str | None,
                   photos: list[attachments.Upload]) -> reports.ReportResult:
    """A citizen's report from the public page; the source is always ``citizen``.

    :raises TooManyRequests: this address sent too many reports this hour.
    :raises Invalid: a field or photo is refused (nothing is created).
    """
    ratelimit.hit(deps, "citizen_report", client, deps.settings.public_reports_per_hour)
    if report.reporter_phone and not PHONE.match(report.reporter_phone):
        raise Invalid("the phone number is not valid", fields={"reporter_phone": "invalid phone number"},
                      codes={"reporter_phone": "format"})
    report = replace(report, source="citizen")
    return attachments.report_with_photos(deps, ANONYMOUS, report, idempotency_key, photos)


def track(deps: Deps, client: str, code: str) -> dict[str, Any]:
    """The public view of the case with tracking code ``code``.

    :raises TooManyRequests: this address looked up too many codes this hour (guessing codes).
    :raises NotFound: no case has this code.
    """
    ratelimit.hit(deps, "track", client, deps.settings.public_lookups_per_hour)
    code = code.strip().upper()
    if not TRACKING_CODE.match(code):
        raise NotFound("no case has this tracking code")
    with deps.uow() as uow:
        session = uow.session
        case = session.scalar(select(Case).where(Case.tracking_code == code))
        if case is None:
            raise NotFound("no case has this tracking code")
        category = session.scalar(select(Category.minor_name).where(Category.standard == case.standard,
                                                                    Category.code == case.category_code))
        names = dict(session.execute(select(Place.code, Place.name).where(
            Place.code.in_((case.district_code, case.street_code)))).all())
        replies = session.execute(select(CaseEvent.at, CaseEvent.comment).where(
            CaseEvent.case_id == case.id, CaseEvent.action == "reply").order_by(CaseEvent.id)).all()
        info = parsed_by_id(deps, session, case.definition_id).info
        shown = (*PUBLIC_ACTIONS, *(info.public_stages if info else ()))
        events = session.execute(select(CaseEvent.at, CaseEvent.action).where(
            CaseEvent.case_id == case.id, CaseEvent.action.in_(shown)).order_by(CaseEvent.id)).all()
        photos = session.execute(select(Attachment.id, Attachment.kind).where(
            Attachment.case_id == case.id, Attachment.kind.in_(("before", "after"))).order_by(Attachment.id)).all()
        return {
            "tracking_code": code, "status": case.status, "category_name": category,
            "district_name": names.get(case.district_code), "street_name": names.get(case.street_code),
            "reported_at": isoformat(case.reported_at), "closed_at": isoformat(case.closed_at),
            "timeline": [{"at": isoformat(at), "action": action} for at, action in events],
            "photos": [{"id": pid, "kind": kind} for pid, kind in photos],
            # answers the process published for the reporter (publish() in its BPMN), oldest first
            "replies": [{"at": isoformat(at), "text": text} for at, text in replies],
        }
