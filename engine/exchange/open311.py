"""Open311 GeoReport v2: civic apps (FixMyStreet, mobile apps) report and follow problems in szcg.

A request is a report like any other (process selection, duplicates, tracking code) from the
anonymous citizen, sent by a client whose API key may be limited to one district. Answers never
carry personal data — not the reporter's name, phone or e-mail, not staff names — and the point
they show is the reporter's own (kept in ``open311_requests``), never the case's, which an
inspector may have moved onto someone's door. The status is ``open`` until the case is closed
or voided; ``status_notes`` is the latest public answer, else a plain word for the stage.
Formats (XML, JSON) are the web layer's business: these functions return plain values.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from engine.cases import reports
from engine.deps import Deps
from engine.errors import BadRequest, Forbidden, Invalid, NotFound
from engine.exchange.hotline import locate_address
from engine.people import audit
from engine.people.accounts import ANONYMOUS, Actor
from engine.places.grids import locate
from engine.store import paging
from engine.store.exchange_models import Open311Client, Open311Request
from engine.store.models import Case, CaseEvent, Category
from engine.store.places_models import FilingCondition
from engine.time.clock import as_utc, isoformat

MAX_RANGE = timedelta(days=90)
MAX_RESULTS = 1000
FINISHED = ("closed", "void")
STAGE_NOTES = {"register": "已受理，等待登记", "void": "不予立案", "closed": "已结案"}


@dataclass(frozen=True)
class Client:
    id: int
    name: str
    district_code: str | None


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_client(deps: Deps, actor: Actor, name: Any, district_code: Any = None) -> dict[str, Any]:
    """Register an Open311 client; the answer carries its ``api_key``, shown this once."""
    audit.require_admin(actor)
    if not isinstance(name, str) or not 0 < len(name.strip()) <= 100:
        raise Invalid("'name' is required", fields={"name": "a text of 1 to 100 characters"})
    if district_code is not None and not (isinstance(district_code, str) and district_code.isdigit()
                                          and len(district_code) == 6):
        raise Invalid("'district_code' must be a 6-digit district code", fields={"district_code": "invalid"})
    key = secrets.token_urlsafe(24)
    now = deps.clock.now()
    with deps.uow(write=True) as uow:
        client = Open311Client(name=name.strip(), key_hash=_hash(key), district_code=district_code, active=True,
                               created_at=now)
        uow.session.add(client)
        uow.session.flush()
        audit.record(uow.session, actor, now, "create_open311_client", "open311_client", str(client.id),
                     {"name": client.name, "district_code": district_code})
        uow.commit()
        return {"id": client.id, "name": client.name, "district_code": district_code, "api_key": key}


def client_page(deps: Deps, actor: Actor, *, after: str | None = None, limit: int = 100) -> paging.Page:
    """The registered clients (never their keys: only a hash is kept), each with its request count."""
    audit.require_admin(actor)
    counts = (select(Open311Request.client_id, func.count().label("requests"))
              .group_by(Open311Request.client_id).subquery())
    query = (select(Open311Client, func.coalesce(counts.c.requests, 0))
             .outerjoin(counts, counts.c.client_id == Open311Client.id))
    with deps.uow() as uow:
        page = paging.keyset(uow.session, query, [Open311Client.id], after=after, limit=limit,
                             key_of=lambda row: [row[0].id])
        return replace(page, items=[_client_view(c, n) for c, n in page.items])


def _client_view(client: Open311Client, requests: int) -> dict[str, Any]:
    return {"id": client.id, "name": client.name, "district_code": client.district_code, "active": client.active,
            "created_at": isoformat(client.created_at), "requests": int(requests)}


def revoke_client(deps: Deps, actor: Actor, client_id: int) -> dict[str, Any]:
    """Revoke a client's key: it is refused (403) from now on; its requests stay and keep being answered.

    :raises NotFound: no such client.
    """
    audit.require_admin(actor)
    now = deps.clock.now()
    with deps.uow(write=True) as uow:
        client = uow.session.get(Open311Client, client_id)
        if client is None:
            raise NotFound(f"no such Open311 client: {client_id}")
        if client.active:
            client.active = False
            audit.record(uow.session, actor, now, "revoke_open311_client", "open311_client", str(client.id),
                         {"name": client.name})
        requests = uow.session.scalar(select(func.count()).select_from(Open311Request)
                                      .where(Open311Request.client_id == client.id)) or 0
        view = _client_view(client, requests)
        uow.commit()
        return view


def client_for_key(deps: Deps, api_key: str | None) -> Client:
    """:raises Forbidden: (403) no key, or not an active client's."""
    if not api_key:
        raise Forbidden("api_key is required")
    with deps.uow() as uow:
        row = uow.session.scalar(select(Open311Client).where(Open311Client.key_hash == _hash(api_key),
                                                             Open311Client.active.is_(True)))
    if row is None:
        raise Forbidden("api_key is not valid")
    return Client(row.id, row.name, row.district_code)


def services(deps: Deps) -> list[dict[str, Any]]:
    """The classes of the active standard as services, grouped by their major class."""
    standard = deps.settings.classification_standard
    with deps.uow() as uow:
        with_conditions = set(uow.session.scalars(select(FilingCondition.category_code).distinct()
                                                  .where(FilingCondition.standard == standard)))
        rows = uow.session.scalars(select(Category).where(Category.standard == standard).order_by(Category.code))
        return [{"service_code": c.code, "service_name": c.minor_name, "description": c.minor_name,
                 "metadata": c.code in with_conditions, "type": "realtime", "keywords": c.major_name or "",
                 "group": c.major_name or ""} for c in rows]


def service_definition(deps: Deps, code: str) -> dict[str, Any]:
    """The class's filing conditions (立案条件) as one optional single-value attribute.

    :raises NotFound: no such class in the active standard.
    """
    with deps.uow() as uow:
        category = uow.session.scalar(select(Category).where(
            Category.standard == deps.settings.classification_standard, Category.code == code))
        if category is None:
            raise NotFound(f"service_code '{code}' not found")
        conditions = list(uow.session.scalars(select(FilingCondition).where(
            FilingCondition.category_code == code, FilingCondition.standard == category.standard)
            .order_by(FilingCondition.position)))
    attributes = [{"variable": True, "code": "filing_condition", "datatype": "singlevaluelist", "required": False,
                   "datatype_description": "", "order": 1, "description": "立案条件 (filing condition)",
                   "values": [{"key": c.code, "name": c.condition} for c in conditions]}
                  ] if conditions else []
    return {"service_code": code, "attributes": attributes}


def submit(deps: Deps, client: Client, form: dict[str, Any]) -> list[dict[str, Any]]:
    """Make a case of a POSTed request; the same ``client_request_id`` again answers the same case.

    :raises BadRequest: a missing or malformed field (400). :raises NotFound: unknown service_code.
    :raises Forbidden: the point lies outside the client's district.
    """
    code = _text(form, "service_code", 16, required=True)
    service_definition(deps, code)  # 404 for an unknown service
    lat, lon = _number(form, "lat", 90), _number(form, "long", 180)
    address = _text(form, "address_string", 255)
    if (lat is None or lon is None) and not address:
        raise BadRequest("lat and long, or address_string, are required", fields={"lat": "required"})
    if lat is None or lon is None:
        lon, lat = locate_address(deps, address or "")
    description = _text(form, "description", 2000) or ""
    name = " ".join(p for p in (_text(form, "first_name", 30), _text(form, "last_name", 30)) if p) or None
    request_id = _text(form, "client_request_id", 64)
    attributes = _attributes(deps, code, form)
    with deps.uow() as uow:
        district = locate(deps, uow.session, lon, lat).district_code
    if client.district_code and district != client.district_code:
        raise Forbidden(f"this client may report in district {client.district_code} only")
    report = reports.ReportInput(source="citizen", category_code=code, description=description or "(Open311)",
                                 lon=lon, lat=lat, address=address, reporter_name=name,
                                 reporter_phone=_text(form, "phone", 32), external_ref=request_id)
    key = f"open311:{client.id}:{request_id}" if request_id else None
    made = reports.report_case(deps, ANONYMOUS, report, key)
    _remember(deps, made.case_no, client, code, lat, lon, address, _text(form, "media_url", 500), attributes)
    return [{"service_request_id": made.case_no, "service_notice": "", "account_id": None}]


def _remember(deps: Deps, case_no: str, client: Client, code: str, lat: float, lon: float, address: str | None,
              media_url: str | None, attributes: dict[str, Any]) -> None:
    """Keep what the reporter sent (once per case: a repeated request finds its row)."""
    with deps.uow(write=True) as uow:
        case_id = uow.session.scalar(select(Case.id).where(Case.case_no == case_no))
        if uow.session.scalar(select(Open311Request.id).where(Open311Request.case_id == case_id)) is None:
            uow.session.add(Open311Request(case_id=case_id, client_id=client.id, service_code=code, lat=lat,
                                           long=lon, address_string=address, media_url=media_url,
                                           attributes=attributes or None, requested_at=deps.clock.now()))
            uow.commit()


def _text(form: dict[str, Any], key: str, limit: int, *, required: bool = False) -> str | None:
    value = form.get(key)
    if value in (None, ""):
        if required:
            raise BadRequest(f"{key} is required", fields={key: "required"})
        return None
    if not isinstance(value, str) or len(value) > limit or "\x00" in value:
        raise BadRequest(f"{key} must be a text of at most {limit} characters", fields={key: "invalid"})
    return value.strip()


def _number(form: dict[str, Any], key: str, bound: float) -> float | None:
    raw = form.get(key)
    if raw in (None, ""):
        return None
    try:
        value = float(raw)
    except (TypeError, ValueError):
        value = float("nan")
    if not -bound <= value <= bound:
        raise BadRequest(f"{key} must be a number from -{bound:g} to {bound:g}", fields={key: "invalid"})
    return value


def _attributes(deps: Deps, code: str, form: dict[str, Any]) -> dict[str, Any]:
    """``attribute[filing_condition]``: must be one of the service's values; unknown attributes are refused."""
    given = {k[len("attribute["):-1]: v for k, v in form.items() if k.startswith("attribute[") and k.endswith("]")}
    known = {a["code"]: {v["key"] for v in a["values"]} for a in service_definition(deps, code)["attributes"]}
    for name, value in given.items():
        if name not in known:
            raise BadRequest(f"attribute[{name}] is not an attribute of service {code}", fields={name: "unknown"})
        if value not in known[name]:
            raise BadRequest(f"attribute[{name}] must be one of {', '.join(sorted(known[name]))}",
                             fields={name: "invalid"})
    return given


def find_requests(deps: Deps, *, ids: list[str] | None = None, service_codes: list[str] | None = None,
                  start: datetime | None = None, end: datetime | None = None,
                  statuses: list[str] | None = None) -> list[dict[str, Any]]:
    """Open311 requests, newest first, at most 1,000; ``ids`` overrides every other filter.

    :raises BadRequest: a range over 90 days, or a status that is not open or closed.
    """
    query = select(Open311Request, Case).join(Case, Case.id == Open311Request.case_id)
    if ids:
        query = query.where(Case.case_no.in_(ids[:MAX_RESULTS]))
    else:
        now = deps.clock.now()
        end = as_utc(end) if end else now
        start = as_utc(start) if start else end - MAX_RANGE
        if end - start > MAX_RANGE or end < start:
            raise BadRequest("start_date to end_date may span at most 90 days", fields={"start_date": "range"})
        query = query.where(Open311Request.requested_at >= start, Open311Request.requested_at <= end)
        if service_codes:
            query = query.where(Open311Request.service_code.in_(service_codes))
        if statuses:
            if not set(statuses) <= {"open", "closed"}:
                raise BadRequest("status must be open or closed", fields={"status": "invalid"})
            if statuses == ["open"]:
                query = query.where(Case.status.not_in(FINISHED))
            elif statuses == ["closed"]:
                query = query.where(Case.status.in_(FINISHED))
    query = query.order_by(Open311Request.requested_at.desc(), Open311Request.id.desc()).limit(MAX_RESULTS)
    with deps.uow() as uow:
        rows = uow.session.execute(query).all()
        names = _service_names(deps, uow.session, {r.service_code for r, _ in rows})
        notes = _latest_replies(uow.session, [c.id for _, c in rows])
        return [_view(r, c, names.get(r.service_code), notes.get(c.id)) for r, c in rows]


def get_request(deps: Deps, case_no: str) -> list[dict[str, Any]]:
    """:raises NotFound: no Open311 request has this id."""
    found = find_requests(deps, ids=[case_no])
    if not found:
        raise NotFound(f"service_request_id '{case_no}' not found")
    return found


def _service_names(deps: Deps, session: Any, codes: set[str]) -> dict[str, str]:
    if not codes:
        return {}
    return dict(session.execute(select(Category.code, Category.minor_name).where(
        Category.standard == deps.settings.classification_standard, Category.code.in_(codes))).all())


def _latest_replies(session: Any, case_ids: list[int]) -> dict[int, str]:
    if not case_ids:
        return {}
    rows = session.execute(select(CaseEvent.case_id, CaseEvent.comment).where(
        CaseEvent.case_id.in_(case_ids), CaseEvent.action == "reply").order_by(CaseEvent.id)).all()
    return {case_id: text for case_id, text in rows if text}


def _view(request: Open311Request, case: Case, service_name: str | None, reply: str | None) -> dict[str, Any]:
    closed = case.status in FINISHED
    return {
        "service_request_id": case.case_no, "status": "closed" if closed else "open",
        "status_notes": reply or STAGE_NOTES.get(case.status, "处理中"), "service_name": service_name,
        "service_code": request.service_code, "description": case.description,
        "agency_responsible": case.department_code or "", "service_notice": "",
        "requested_datetime": isoformat(request.requested_at), "updated_datetime": isoformat(case.updated_at),
        "expected_datetime": isoformat(case.deadline_at), "address": request.address_string or "",
        "address_id": "", "zipcode": "", "lat": request.lat, "long": request.long,
        "media_url": request.media_url or "",
    }
