"""The stored facts an evaluation reads, loaded once per period: case summaries, stage tasks,
counted timeline facts, places, departments and the holders of the four positions.

Reads never run the engine: everything comes from ``cases``, ``tasks``, ``case_events`` and the
reference tables. A case is loaded when any of its stage times falls in the period or it was
still open at the period's cutoff (its end, or now) — the cases "to close" of a period include
those left over from before. :func:`digest` hashes exactly what was loaded, so a published
snapshot can tell later whether the facts under it changed.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from engine.evaluation.periods import Period
from engine.store.models import Case, CaseEvent, Department, Place, Task, User, UserRole

# Stages whose tasks the positions are scored on (the lanes' own work).
# approve_void tells a dispatcher's request to void (作废申请) from a dispatch.
POSITION_STAGES = ("register", "verify", "file", "dispatch", "check", "close", "approve_void")
# Timeline facts counted per case (once per case with at least one in the period).
EVENT_ACTIONS = ("rework", "suspension", "extension", "return", "self_handled")
_CHUNK = 500


@dataclass(frozen=True)
class CaseFact:
    id: int
    case_no: str
    source: str
    reporter_id: int | None
    grid_code: str
    community_code: str
    street_code: str
    district_code: str
    department_code: str | None
    status: str
    category_code: str
    reported_at: datetime
    filed_at: datetime | None
    handled_at: datetime | None
    closed_at: datetime | None
    voided_at: datetime | None
    deadline_at: datetime | None
    suspended_at: datetime | None
    extension_count: int


@dataclass(frozen=True)
class TaskFact:
    id: str
    case_id: int
    stage: str
    state: str
    created_at: datetime
    completed_at: datetime | None
    completed_by_id: int | None
    assignee_id: int | None
    due_at: datetime | None


@dataclass(frozen=True)
class EventFact:
    case_id: int
    action: str
    at: datetime


@dataclass(frozen=True)
class PlaceFact:
    code: str
    level: str
    name: str
    area_class: str | None
    inspector_id: int | None


@dataclass
class Facts:
    period: Period
    cutoff: datetime
    cases: dict[int, CaseFact] = field(default_factory=dict)
    tasks: list[TaskFact] = field(default_factory=list)
    events: list[EventFact] = field(default_factory=list)
    places: dict[str, PlaceFact] = field(default_factory=dict)
    departments: dict[str, str] = field(default_factory=dict)
    users: dict[int, tuple[str, str]] = field(default_factory=dict)  # id → (username, display name)
    holders: dict[str, set[int]] = field(default_factory=dict)  # position → user ids
    _grids_under: dict[str, list[str]] | None = field(default=None, repr=False, compare=False)
    _digests: dict[str, str] | None = field(default=None, repr=False, compare=False)
    _digest: str | None = field(default=None, repr=False, compare=False)
    memo: dict[Any, Any] = field(default_factory=dict, repr=False, compare=False)  # figures derived once

    def grids_under(self, code: str) -> list[str]:
        """The grid codes of a region (``city`` for all), from an index built once."""
        if self._grids_under is None:
            index: dict[str, list[str]] = {"city": []}
            for p in self.places.values():
                if p.level == "grid":
                    index["city"].append(p.code)
                    for length in (6, 9, 12, 14):
                        index.setdefault(p.code[:length], []).append(p.code)
            self._grids_under = index
        return self._grids_under.get(code, [])

    def case_digests(self) -> dict[str, str]:
        """Case number → SHA-256 of that case's summary, stage tasks and counted timeline facts
        (computed once per set of facts: hashing a month of a big city takes seconds)."""
        if self._digests is not None:
            return self._digests
        tasks: dict[int, list[TaskFact]] = {}
        for t in self.tasks:
            tasks.setdefault(t.case_id, []).append(t)
        events: dict[int, list[EventFact]] = {}
        for e in self.events:
            events.setdefault(e.case_id, []).append(e)
        out = {}
        # repr of frozen dataclasses of plain values (ints, strings, UTC datetimes) is deterministic
        # and several times cheaper than JSON of asdict().
        for case in self.cases.values():
            text = repr((case, sorted(tasks.get(case.id, []), key=lambda t: t.id),
                         sorted(events.get(case.id, []), key=lambda e: (e.action, e.at))))
            out[case.case_no] = hashlib.sha256(text.encode()).hexdigest()
        self._digests = out
        return out

    def digest(self) -> str:
        """SHA-256 of every case's digest (reference data — places, people — is named, not hashed)."""
        if self._digest is None:
            self._digest = hashlib.sha256(repr(sorted(self.case_digests().items())).encode()).hexdigest()
        return self._digest


def _in(column, start: datetime, end: datetime):  # type: ignore[no-untyped-def]
    return and_(column >= start, column < end)


def load(session: Session, period: Period, now: datetime) -> Facts:
    """Every fact the period's scorecards and drill-downs need, in a handful of indexed reads."""
    start, cut = period.start, period.cutoff(now)
    facts = Facts(period, cut)
    stamps = (Case.reported_at, Case.registered_at, Case.verified_at, Case.filed_at, Case.dispatched_at,
              Case.handled_at, Case.checked_at, Case.closed_at, Case.voided_at)
    open_at_cut = and_(Case.reported_at < cut, or_(Case.status.notin_(("closed", "void")), Case.closed_at >= cut,
                                                   Case.voided_at >= cut))
    columns = [getattr(Case, name) for name in CaseFact.__dataclass_fields__]
    for row in session.execute(select(*columns).where(or_(*(_in(c, start, cut) for c in stamps), open_at_cut))):
        facts.cases[row.id] = CaseFact(*row)
    ids = sorted(facts.cases)
    # Tasks of the period (done in it or open at its cutoff), and every register task: the operator
    # who registered a case is credited with the check tasks it gets later (核查派发).
    task_cols = [getattr(Task, name) for name in TaskFact.__dataclass_fields__]
    for i in range(0, len(ids), _CHUNK):
        chunk = ids[i:i + _CHUNK]
        facts.tasks += [TaskFact(*r) for r in session.execute(
            select(*task_cols).where(Task.case_id.in_(chunk), Task.stage.in_(POSITION_STAGES),
                                     Task.created_at < cut, or_(Task.completed_at.is_(None), Task.completed_at >= start,
                                                                Task.stage == "register")))]
    facts.events = [EventFact(*r) for r in session.execute(
        select(CaseEvent.case_id, CaseEvent.action, CaseEvent.at)
        .where(CaseEvent.action.in_(EVENT_ACTIONS), CaseEvent.at >= start, CaseEvent.at < cut))
        if r.case_id in facts.cases]
    facts.places = {r.code: PlaceFact(*r) for r in session.execute(
        select(Place.code, Place.level, Place.name, Place.area_class, Place.inspector_id))}
    facts.departments = {r[0]: r[1] for r in session.execute(select(Department.code, Department.name))}
    facts.users = {r.id: (r.username, r.display_name) for r in session.execute(
        select(User.id, User.username, User.display_name))}
    for user_id, role in session.execute(select(UserRole.user_id, UserRole.role)):
        facts.holders.setdefault(role, set()).add(user_id)
    return facts
