"""Video-AI events becoming video reports (视频监控智能识别).

An analytics platform sends one event per detection: camera, class, confidence, time and a
snapshot. The event id makes a retry return the first answer; below the confidence threshold
the event is dropped (and counted); the same camera and class within the fold window is the
same problem, so the repeat is counted on the report it folds into instead of a new case;
otherwise it is a report with source ``video`` through the normal report use case, so the
process selection table decides which process it starts, and the ``video_intake`` table
(``workflows/video_intake.dmn``: class and confidence) whether an operator registers it (受理) as
usual or it goes straight to filing.
"""

from __future__ import annotations

import hashlib
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from engine.cases import attachments, reports
from engine.cases.attachments import Upload
from engine.deps import Deps
from engine.errors import Invalid, Unauthenticated
from engine.people import audit
from engine.people.accounts import Actor, Grant
from engine.rules import tables
from engine.standards.catalog import find_category, split_category_code
from engine.store.command_models import Camera, VideoEvent, VideoKey
from engine.store.models import Case
from engine.time.clock import as_utc, isoformat

FINISHED = ("closed", "void")


@dataclass(frozen=True)
class VideoPlatform:
    """The analytics platform a key belongs to: it may create video reports, nothing else."""

    key_id: int
    name: str

    def actor(self) -> Actor:
        return Actor(id=None, username=f"video:{self.name}"[:64], display_name=self.name, grants=(Grant("video"),))


@dataclass(frozen=True)
class EventInput:
    event_id: str
    camera_code: str
    class_code: str
    confidence: float
    at: datetime | None
    bbox: str | None


def add_key(deps: Deps, actor: Actor, name: str) -> str:
    """Create a platform's key and return it (shown once; only its SHA-256 is stored)."""
    audit.require_admin(actor)
    if not name or len(name) > 64:
        raise Invalid("name must have 1–64 characters", fields={"name": "invalid"})
    raw = "szv_" + secrets.token_urlsafe(32)
    now = deps.clock.now()
    with deps.uow(write=True) as uow:
        uow.session.add(VideoKey(name=name, key_hash=hashlib.sha256(raw.encode()).hexdigest(), created_at=now,
                                 events=0))
        audit.record(uow.session, actor, now, "video_key_added", "video_key", name)
        uow.commit()
    return raw


def platform_for_key(deps: Deps, raw: str | None) -> VideoPlatform:
    """:raises Unauthenticated: no key, an unknown one or a revoked one."""
    if not raw:
        raise Unauthenticated("send the platform's key in the X-Api-Key header")
    digest = hashlib.sha256(raw.encode()).hexdigest()
    with deps.uow() as uow:
        key = uow.session.scalar(select(VideoKey).where(VideoKey.key_hash == digest, VideoKey.revoked_at.is_(None)))
        if key is None:
            raise Unauthenticated("unknown or revoked video platform key")
        return VideoPlatform(key.id, key.name)


def _field(message: str, name: str) -> Invalid:
    return Invalid(message, fields={name: message})


def parse_event(form: dict[str, Any]) -> EventInput:
    """Check the event's fields; :raises Invalid: naming the first bad field."""
    event_id = str(form.get("event_id") or "").strip()
    if not 0 < len(event_id) <= 64:
        raise _field("event_id is required (at most 64 characters)", "event_id")
    camera = str(form.get("camera_code") or "").strip()
    if not camera:
        raise _field("camera_code is required", "camera_code")
    class_code = str(form.get("class") or "").strip()
    if not class_code:
        raise _field("class is required (a class code of the classification standard)", "class")
    try:
        confidence = float(form.get("confidence"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise _field("confidence must be a number from 0 to 1", "confidence") from None
    if not (math.isfinite(confidence) and 0 <= confidence <= 1):
        raise _field("confidence must be a number from 0 to 1", "confidence")
    at = None
    if form.get("at"):
        try:
            at = datetime.fromisoformat(str(form["at"]))
        except ValueError:
            raise _field("at must be an ISO 8601 time with its offset", "at") from None
        if at.tzinfo is None:
            raise _field("at must be an ISO 8601 time with its offset", "at")
    bbox = str(form.get("bbox") or "").strip() or None
    if bbox is not None:
        parts = bbox.split(",")
        if len(parts) != 4 or not all(p.strip().replace(".", "", 1).isdigit() for p in parts) or len(bbox) > 64:
            raise _field("bbox must be x,y,width,height in pixels", "bbox")
    return EventInput(event_id, camera, class_code, confidence, as_utc(at) if at else None, bbox)


def receive_event(deps: Deps, platform: VideoPlatform, event: EventInput, snapshot: Upload | None) -> dict[str, Any]:
    """Take one event: the earlier answer for a known id, else dropped, folded or reported.

    :raises Invalid: an unknown camera or class, a missing snapshot or one that is not an image —
        nothing is stored.
    """
    known = _known(deps, event.event_id)
    if known is not None:
        return {**known, "created": False}
    if snapshot is None or not snapshot.data:
        raise _field("the snapshot image is required", "snapshot")
    try:
        attachments.inspect_image(snapshot.data, deps.settings.upload_max_bytes)
    except Invalid as exc:
        raise _field(f"snapshot: {exc.message}", "snapshot") from None
    with deps.uow() as uow:
        camera = uow.session.get(Camera, event.camera_code)
        if camera is None:
            raise _field(f"no camera '{event.camera_code}' in the registry", "camera_code")
        if find_category(uow.session, deps.settings.classification_standard, event.class_code) is None:
            raise _field(f"unknown class '{event.class_code}'", "class")
        lon, lat, name = camera.lon, camera.lat, camera.name
    now = deps.clock.now()
    video = deps.settings.video
    if event.confidence < video["confidence_threshold"]:
        return _store(deps, platform, event, now, "dropped", None)
    fold_into = _fold_target(deps, event, now - timedelta(minutes=video["fold_window_minutes"]))
    if fold_into is not None:
        return _store(deps, platform, event, now, "folded", fold_into)
    intake = decide_intake(deps, event)
    report = reports.ReportInput(source="video", category_code=event.class_code, lon=lon, lat=lat,
                                 description=f"视频智能识别：{name}（置信度 {event.confidence:.2f}）",
                                 straight_to_file=intake.outputs.get("intake") == "file")
    made = attachments.report_with_photos(deps, platform.actor(), report, f"video:{event.event_id}", [snapshot])
    with deps.uow() as uow:
        case_id = uow.session.scalar(select(Case.id).where(Case.case_no == made.case_no))
    answer = _store(deps, platform, event, now, "reported", case_id)
    return {**answer, "intake": intake.outputs.get("intake"), "intake_by": intake.provenance(),
            "status": made.status}


def decide_intake(deps: Deps, event: EventInput) -> tables.Decided:
    """The ``video_intake`` table's answer for the event: ``register`` (受理 as usual) or ``file`` (直接立案)."""
    kind, minor = split_category_code(event.class_code)
    with deps.uow() as uow:
        return tables.decide(deps, uow.session, "video_intake",
                             {"kind": kind, "major_code": minor[:2], "minor_code": minor,
                              "confidence": event.confidence})


def _known(deps: Deps, event_id: str) -> dict[str, Any] | None:
    with deps.uow() as uow:
        row = uow.session.get(VideoEvent, event_id)
        return None if row is None else _answer(uow.session, row)


def _answer(session: Any, row: VideoEvent) -> dict[str, Any]:
    case_no = session.scalar(select(Case.case_no).where(Case.id == row.case_id)) if row.case_id else None
    repeats = session.scalar(select(func.count()).select_from(VideoEvent).where(
        VideoEvent.case_id == row.case_id, VideoEvent.outcome == "folded")) if row.case_id else 0
    return {"event_id": row.event_id, "outcome": row.outcome, "case_no": case_no, "repeats": repeats or 0,
            "received_at": isoformat(row.received_at)}


def _fold_target(deps: Deps, event: EventInput, since: datetime) -> int | None:
    """The open video report of the same camera and class reported within the window, if any."""
    with deps.uow() as uow:
        return uow.session.scalar(
            select(VideoEvent.case_id).join(Case, Case.id == VideoEvent.case_id)
            .where(VideoEvent.camera_code == event.camera_code, VideoEvent.class_code == event.class_code,
                   VideoEvent.outcome == "reported", VideoEvent.received_at >= since,
                   Case.status.not_in(FINISHED))
            .order_by(VideoEvent.received_at.desc()).limit(1))


def _store(deps: Deps, platform: VideoPlatform, event: EventInput, now: datetime, outcome: str,
           case_id: int | None) -> dict[str, Any]:
    row = VideoEvent(event_id=event.event_id, camera_code=event.camera_code, class_code=event.class_code,
                     confidence=event.confidence, at=event.at or now, received_at=now, outcome=outcome,
                     case_id=case_id, bbox=event.bbox)
    try:
        with deps.uow(write=True) as uow:
            uow.session.add(row)
            uow.session.execute(update(VideoKey).where(VideoKey.id == platform.key_id)
                                .values(events=VideoKey.events + 1))
            uow.session.flush()
            answer = _answer(uow.session, row)
            uow.commit()
    except IntegrityError:  # the same event arrived twice at once: the first one answers
        known = _known(deps, event.event_id)
        if known is None:
            raise
        return {**known, "created": False}
    return {**answer, "created": True}


def event_counts(deps: Deps) -> dict[str, int]:
    """Events per outcome (reported, folded, dropped) since the start: what the platform's feed is worth."""
    with deps.uow() as uow:
        rows = uow.session.execute(select(VideoEvent.outcome, func.count()).group_by(VideoEvent.outcome)).all()
    return {outcome: n for outcome, n in rows}
