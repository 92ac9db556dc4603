"""Stage 1, 信息收集: a report becomes a case with a running workflow."""

from __future__ import annotations

import math
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine.cases.steps import Step
from engine.deps import Deps
from engine.errors import Conflict, Invalid
from engine.people.accounts import Actor
from engine.places.components import check_component
from engine.places.grids import CRS, locate, to_wgs84
from engine.processes.selection import choose_process
from engine.standards.catalog import find_category, split_category_code
from engine.store.models import Case, Place
from engine.time.clock import BEIJING

SOURCES = ("inspector", "citizen", "hotline", "video", "leader", "media", "department")
LIMITS = {"description": 2000, "address": 255, "reporter_name": 64, "reporter_phone": 32, "process": 64,
          "channel_type": 32}
URGENCIES = ("normal", "urgent")
_TRACKING_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read out on the phone


@dataclass(frozen=True)
class ReportInput:
    source: str
    category_code: str
    description: str
    lon: float
    lat: float
    address: str | None = None
    reporter_name: str | None = None
    reporter_phone: str | None = None
    self_handled: bool = False
    component_code: str | None = None  # the 部件 reported on (checked: registered, of this class)
    process: str | None = None  # a dedicated channel's process (an emergency button), checked by role
    channel_type: str | None = None  # the intake's own type: a 12345 order's 诉求类型, an alarm button
    urgency: str = "normal"
    injuries: int = 0  # people reported hurt (a missing manhole cover that has hurt someone)
    external_ref: str | None = None  # the intake system's number (a 12345 order's 工单编号)
    # Set by an intake that decided to file at once (a video event, by the video_intake table): the
    # process may skip 受理 and 核实 (case_lifecycle's gateway reads it). Never taken from a payload.
    straight_to_file: bool = False


@dataclass(frozen=True)
class ReportResult:
    case_no: str
    status: str
    grid_code: str
    district_code: str
    tracking_code: str
    created: bool


def parse_report(payload: Any) -> ReportInput:
    """Check a report's fields one by one; every problem is named by its field.

    :raises Invalid: with ``fields`` for each missing, mistyped or too long value.
    """
    if not isinstance(payload, dict):
        raise Invalid("the report must be a JSON object", fields={"_": "not an object"})
    fields = {**_text_fields(payload), **_coordinate_fields(payload), **_selection_fields(payload)}
    fields.update(_place_fields(payload))
    fields.update(_self_handled_field(payload))
    unknown = set(payload) - {"source", "category_code", "description", "lon", "lat", "crs", "component_code",
                              "self_handled", "urgency", "injuries", *LIMITS}
    for key in sorted(unknown):
        fields[key] = "unknown field"
    if fields:
        raise Invalid("the report is not valid", fields=fields)
    lon, lat = to_wgs84(float(payload["lon"]), float(payload["lat"]), payload.get("crs"))
    return ReportInput(
        source=payload["source"], category_code=payload["category_code"].strip(),
        description=payload["description"].strip(), lon=lon, lat=lat,
        address=_clean(payload.get("address")), reporter_name=_clean(payload.get("reporter_name")),
        reporter_phone=_clean(payload.get("reporter_phone")), component_code=_clean(payload.get("component_code")),
        self_handled=payload.get("self_handled") is True, process=_clean(payload.get("process")),
        channel_type=_clean(payload.get("channel_type")), urgency=payload.get("urgency") or "normal",
        injuries=int(payload.get("injuries") or 0),
    )


def _text_fields(payload: dict[str, Any]) -> dict[str, str]:
    """The required texts (``source`` one of :data:`SOURCES`) and the optional ones within their lengths."""
    fields: dict[str, str] = {}
    for key in ("source", "category_code", "description"):
        value = payload.get(key)
        if not isinstance(value, str) or not value.strip():
            fields[key] = "required (a non-empty string)"
    if isinstance(payload.get("source"), str) and payload["source"] not in SOURCES:
        fields["source"] = f"must be one of {', '.join(SOURCES)}"
    for key, limit in LIMITS.items():
        value = payload.get(key)
        if value is not None and (not isinstance(value, str) or len(value) > limit):
            fields[key] = f"must be a string of at most {limit} characters"
    return fields


def _coordinate_fields(payload: dict[str, Any]) -> dict[str, str]:
    """``lon`` and ``lat``: finite numbers within the earth's ranges (booleans are not numbers here)."""
    fields: dict[str, str] = {}
    for key, bound in (("lon", 180), ("lat", 90)):
        value = payload.get(key)
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            fields[key] = "required (a number, WGS84 degrees)"
        elif not -bound <= value <= bound:
            fields[key] = f"must be between -{bound} and {bound}"
    return fields


def _selection_fields(payload: dict[str, Any]) -> dict[str, str]:
    """What the process_selection table reads besides the class: ``urgency`` and ``injuries``."""
    fields = {}
    if payload.get("urgency") is not None and payload["urgency"] not in URGENCIES:
        fields["urgency"] = f"must be one of {', '.join(URGENCIES)}"
    injuries = payload.get("injuries")
    if injuries is not None and (isinstance(injuries, bool) or not isinstance(injuries, int)
                                 or not 0 <= injuries <= 100_000):
        fields["injuries"] = "must be a whole number of people, 0 or more"
    return fields


def _place_fields(payload: dict[str, Any]) -> dict[str, str]:
    """``crs`` (wgs84, the default, or gcj02 from Chinese map apps) and ``component_code`` (16 digits)."""
    fields = {}
    if payload.get("crs") is not None and payload["crs"] not in CRS:
        fields["crs"] = f"must be one of {', '.join(CRS)}"
    code = payload.get("component_code")
    if code is not None and (not isinstance(code, str) or not code.isdigit() or len(code) > 20):
        fields["component_code"] = "must be a component identifier (16 digits)"
    return fields


def _self_handled_field(payload: dict[str, Any]) -> dict[str, str]:
    """``self_handled`` (自处理): an inspector fixed a trivial problem on the spot."""
    value = payload.get("self_handled")
    if value is None:
        return {}
    if not isinstance(value, bool):
        return {"self_handled": "must be true or false"}
    if value and payload.get("source") != "inspector":
        return {"self_handled": "only an inspector's report can be self-handled (自处理)"}
    return {}


def _clean(value: str | None) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def report_case(deps: Deps, actor: Actor, report: ReportInput, idempotency_key: str | None = None) -> ReportResult:
    """Create a case from a report and start its workflow (it waits at register).

    The same ``idempotency_key`` from the same reporter returns the first case again, so a
    retried upload over a bad connection never creates a second case.
    """
    key = f"{actor.id or actor.username}:{idempotency_key}" if idempotency_key else None
    if key:
        existing = _by_idempotency_key(deps, key)
        if existing is not None:
            return existing
    try:
        return _create(deps, actor, report, key)
    except IntegrityError:
        existing = _by_idempotency_key(deps, key) if key else None
        if existing is None:
            raise Conflict("the report could not be stored; try again") from None
        return existing


def _by_idempotency_key(deps: Deps, key: str) -> ReportResult | None:
    with deps.uow() as uow:
        case = uow.session.scalar(select(Case).where(Case.idempotency_key == key))
        return None if case is None else _result(case, created=False)


def _create(deps: Deps, actor: Actor, report: ReportInput, key: str | None) -> ReportResult:
    with deps.uow(write=True) as uow:
        case = start_case(deps, uow.session, actor, report, key)
        uow.commit()
        return _result(case, created=True)


def start_case(deps: Deps, session: Session, actor: Actor, report: ReportInput, key: str | None = None,
               events: Sequence[tuple[str, dict[str, Any]]] = ()) -> Case:
    """Create the case and run its workflow to the first wait state, in the caller's transaction.

    ``events`` are extra timeline lines of the first step (a case started from another: ``linked_from``).
    """
    standard = deps.settings.classification_standard
    kind, _minor = split_category_code(report.category_code)
    if find_category(session, standard, report.category_code) is None:
        raise Invalid(f"unknown category '{report.category_code}' in {standard}",
                      fields={"category_code": "unknown category"})
    if report.component_code:
        check_component(session, report.component_code, report.category_code)
    where = locate(deps, session, report.lon, report.lat)
    chosen = choose_process(deps, session, actor, report.process, _selection_inputs(report, kind))
    now = deps.clock.now()
    case = Case(
        case_no=f"T{secrets.token_hex(6)}", tracking_code=_tracking_code(), idempotency_key=key,
        definition_id=chosen.process.definition_id, process_key=chosen.process.info.key,
        channel_type=report.channel_type, injuries=report.injuries or None, external_ref=report.external_ref,
        source=report.source, standard=standard, kind=kind,
        category_code=report.category_code, description=report.description, address=report.address,
        lon=report.lon, lat=report.lat, grid_code=where.grid_code, community_code=where.community_code,
        street_code=where.street_code, district_code=where.district_code, reporter_name=report.reporter_name,
        reporter_phone=report.reporter_phone, reporter_id=actor.id, status="report", urgency=chosen.urgency,
        area_class=_area_class(session, where.grid_code), component_code=report.component_code,
        reported_at=now, updated_at=now, return_count=0, rework_count=0,
    )
    session.add(case)
    session.flush()
    case.case_no = f"{chosen.process.info.case_no_prefix}{now.astimezone(BEIJING):%Y%m%d}{case.id:07d}"
    step = Step.begin(deps, session, case, actor,
                      {**_start_data(case), "self_handled": report.self_handled,
                       "straight_to_file": report.straight_to_file})
    step.role = report.source if actor.has_role(report.source) else None
    selected = {"selected_by": chosen.decided.provenance()} if chosen.decided is not None else {}
    step.add_event("report", comment=report.description,
                   data={"source": report.source, "category_code": report.category_code,
                         "near_boundary": where.near_boundary, "process": case.process_key, **selected,
                         **({"channel_type": report.channel_type} if report.channel_type else {})})
    for action, data in events:
        step.add_event(action, data=data)
    step.run()
    step.finish()
    return case


def _selection_inputs(report: ReportInput, kind: str) -> dict[str, Any]:
    minor = report.category_code[1:]
    return {"source": report.source, "kind": kind, "category_code": report.category_code,
            "major_code": minor[:2], "minor_code": minor, "urgency": report.urgency,
            "channel_type": report.channel_type or "", "injuries": report.injuries}


def _area_class(session: Any, grid_code: str) -> str | None:
    return session.scalar(select(Place.area_class).where(Place.code == grid_code))


def _start_data(case: Case) -> dict[str, Any]:
    minor = case.category_code[1:]
    return {
        "case_no": case.case_no, "source": case.source, "kind": case.kind, "category_code": case.category_code,
        "major_code": minor[:2], "minor_code": minor, "area_class": case.area_class or "B",
        "district_code": case.district_code, "street_code": case.street_code,
        "community_code": case.community_code, "grid_code": case.grid_code, "urgency": case.urgency,
        "channel_type": case.channel_type or "", "injuries": case.injuries or 0,
    }


def _tracking_code() -> str:
    return "".join(secrets.choice(_TRACKING_ALPHABET) for _ in range(10))


def _result(case: Case, *, created: bool) -> ReportResult:
    return ReportResult(case.case_no, case.status, case.grid_code, case.district_code, case.tracking_code, created)
