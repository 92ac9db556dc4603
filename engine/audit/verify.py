"""``szcg audit verify``: recompute the timeline chains and the daily digests, name the first mismatch.

A case's chain is checked line by line in ``seq`` order: each line must be numbered next, and its hash
must equal the hash of its content and the *stored* hash of the line before — so an edited line is named
itself, and a line whose hash was recomputed after an edit is caught at the next line. The case row's
head must be the last line (a deleted last line). A sealed day is checked by recomputing its digest from
the timeline as it is now, which also catches a chain recomputed from the edited line on. For one case,
its photos are checked too: each photo row is on a chained ``photo`` line by its SHA-256, and its stored
original still hashes to it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.audit import chain, digests
from engine.deps import Deps
from engine.errors import NotFound
from engine.store.audit_models import TimelineDigest
from engine.store.models import Case, CaseEvent
from engine.store.ui_models import Attachment
from engine.time.clock import BEIJING

BATCH = 500


@dataclass(frozen=True)
class Finding:
    """The first thing that does not match: which case and line, or which day, and why."""

    reason: str
    case_no: str | None = None
    event_id: int | None = None
    seq: int | None = None
    day: str | None = None

    def describe(self) -> str:
        where = []
        if self.case_no:
            where.append(f"case {self.case_no}")
        if self.seq is not None:
            where.append(f"line {self.seq} (case_events.id {self.event_id})")
        if self.day:
            where.append(f"day {self.day}")
        return f"{', '.join(where)}: {self.reason}"


@dataclass
class Verification:
    cases: int = 0
    lines: int = 0
    days: int = 0
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings

    @property
    def first(self) -> Finding | None:
        return self.findings[0] if self.findings else None


def verify(deps: Deps, *, case_no: str | None = None, day: date | None = None) -> Verification:
    """Check one case, one day's cases and seal, or (with neither) every case and every sealed day.

    :raises NotFound: no such case.
    """
    result = Verification()
    with deps.uow() as uow:
        s = uow.session
        if case_no is not None:
            case = s.scalar(select(Case).where(Case.case_no == case_no))
            if case is None:
                raise NotFound(f"no case '{case_no}'", fields={"case": "unknown"})
            _check_cases(s, [case], result)
            _check_photos(deps, s, case, result)
            for active in _days_of_case(s, case.id):
                _check_day(s, active, result, missing_ok=True)
        elif day is not None:
            heads, _ = digests.heads_of_day(s, day)
            ids = [c for c, _, _ in heads]
            for start in range(0, len(ids), BATCH):
                _check_cases(s, list(s.scalars(select(Case).where(Case.id.in_(ids[start:start + BATCH]))
                                               .order_by(Case.id))), result)
            _check_day(s, day, result, missing_ok=False)
        else:
            last = 0
            while True:
                cases = list(s.scalars(select(Case).where(Case.id > last).order_by(Case.id).limit(BATCH)))
                if not cases:
                    break
                _check_cases(s, cases, result)
                last = cases[-1].id
            for row in s.scalars(select(TimelineDigest).order_by(TimelineDigest.day)):
                _check_day(s, date.fromisoformat(row.day), result, missing_ok=False)
    return result


def _check_cases(session: Session, cases: list[Case], result: Verification) -> None:
    by_case: dict[int, list[CaseEvent]] = {c.id: [] for c in cases}
    for line in session.scalars(select(CaseEvent).where(CaseEvent.case_id.in_(list(by_case)))
                                .order_by(CaseEvent.case_id, CaseEvent.seq)):
        by_case[line.case_id].append(line)
    for case in cases:
        result.cases += 1
        _check_chain(case, by_case[case.id], result)


def _check_chain(case: Case, lines: list[CaseEvent], result: Verification) -> None:
    prev, expected = chain.GENESIS, 1
    for line in lines:
        result.lines += 1
        where = {"case_no": case.case_no, "event_id": line.id, "seq": line.seq}
        if line.seq != expected:
            result.findings.append(Finding(f"line {expected} is missing (deleted or renumbered)", **where))
            return
        content = {key: getattr(line, key) for key in chain.FIELDS}
        if chain.line_hash(content, line.seq, prev) != line.hash:
            result.findings.append(Finding("the line does not match its hash (its content, or the hash of the "
                                           "line before, was changed)", **where))
            return
        prev, expected = line.hash, expected + 1
    if (case.timeline_seq or 0) != expected - 1 or (case.timeline_head or None) != (lines[-1].hash if lines else None):
        result.findings.append(Finding(f"the case's chain head says {case.timeline_seq} lines ending in "
                                       f"{(case.timeline_head or '-')[:12]}…, the timeline has {expected - 1} "
                                       "(a line was deleted, or the head changed)", case_no=case.case_no))


def _check_photos(deps: Deps, session: Session, case: Case, result: Verification) -> None:
    """Each photo row has its chained ``photo`` line with the same SHA-256, and its original file that hash."""
    from engine.cases.attachments import FORMATS, file_path

    extensions = dict(FORMATS.values())

    chained = {(line.data or {}).get("sha256") for line in session.scalars(select(CaseEvent).where(
        CaseEvent.case_id == case.id, CaseEvent.action == "photo"))}
    for photo in session.scalars(select(Attachment).where(Attachment.case_id == case.id).order_by(Attachment.id)):
        if photo.sha256 not in chained:
            result.findings.append(Finding(f"photo {photo.id} ({photo.sha256[:12]}…) is on no timeline line",
                                           case_no=case.case_no))
            return
        path = file_path(deps.settings, photo.sha256, "original", extensions.get(photo.content_type, "jpg"))
        if path.exists() and _file_sha256(path) != photo.sha256:
            result.findings.append(Finding(f"the file of photo {photo.id} does not match its SHA-256",
                                           case_no=case.case_no))
            return


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _days_of_case(session: Session, case_id: int) -> list[date]:
    instants = session.scalars(select(CaseEvent.at).where(CaseEvent.case_id == case_id))
    days = {at.astimezone(BEIJING).date() for at in instants}
    sealed = {r for r in session.scalars(select(TimelineDigest.day).where(
        TimelineDigest.day.in_([d.isoformat() for d in days])))}
    return sorted(d for d in days if d.isoformat() in sealed)


def _check_day(session: Session, day: date, result: Verification, *, missing_ok: bool) -> None:
    row = digests.stored(session, day)
    if row is None:
        if not missing_ok:
            result.findings.append(Finding("the day has not been sealed (szcg audit seal)", day=day.isoformat()))
        return
    result.days += 1
    prev = digests.previous_digest(session, day)
    if row.prev_digest != prev:
        result.findings.append(Finding("the seal does not chain to the previous day's digest", day=row.day))
        return
    now = digests.compute(session, day, prev)
    if now.digest != row.digest or now.heads_hash != row.heads_hash:
        result.findings.append(Finding(f"the timeline no longer matches the sealed digest {row.digest[:16]}… "
                                       f"({now.cases} chain heads now, {row.cases} sealed)", day=row.day))
