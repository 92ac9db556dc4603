"""Daily digests: each Beijing day's chain heads sealed into one hash a city can publish or notarize.

For a day D, the heads are the last line of D of every case whose timeline moved on D, as sorted
``case_id:seq:hash`` lines; ``heads_hash`` is their SHA-256 and ``digest = SHA-256(prev digest, day,
heads_hash)``. A line written on D is vouched for by D's head of its case (every hash after it depends
on it), so an edit that recomputes a whole chain still contradicts the published digest of the day
the edited line was written. Days are sealed in order, once each, a quarter of an hour after they end
(a line stamped just before midnight may commit a moment later); the scheduler does it.
"""

from __future__ import annotations

import contextlib
import hashlib
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine.audit.chain import GENESIS
from engine.deps import Deps
from engine.store.audit_models import TimelineDigest
from engine.store.models import CaseEvent
from engine.time.clock import BEIJING, isoformat

GRACE = timedelta(minutes=15)


@dataclass(frozen=True)
class Digest:
    day: str
    cases: int
    lines: int
    heads_hash: str
    prev_digest: str
    digest: str
    sealed_at: str | None = None

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The UTC instants a Beijing day starts and ends."""
    start = datetime.combine(day, time(0), BEIJING)
    return start, start + timedelta(days=1)


def heads_of_day(session: Session, day: date) -> tuple[list[tuple[int, int, str]], int]:
    """(case_id, seq, hash) of each case's last line on ``day``, by case; and the number of lines that day."""
    start, end = day_bounds(day)
    in_day = and_(CaseEvent.at >= start, CaseEvent.at < end)
    last = (select(CaseEvent.case_id, func.max(CaseEvent.seq).label("seq")).where(in_day)
            .group_by(CaseEvent.case_id).subquery())
    heads = session.execute(select(CaseEvent.case_id, CaseEvent.seq, CaseEvent.hash)
                            .join(last, and_(last.c.case_id == CaseEvent.case_id, last.c.seq == CaseEvent.seq))
                            .order_by(CaseEvent.case_id)).all()
    lines = session.scalar(select(func.count()).select_from(CaseEvent).where(in_day)) or 0
    return [(int(c), int(s), str(h)) for c, s, h in heads], int(lines)


def compute(session: Session, day: date, prev_digest: str) -> Digest:
    """What ``day``'s digest is according to the timeline as it is now."""
    heads, lines = heads_of_day(session, day)
    heads_hash = hashlib.sha256("".join(f"{c}:{s}:{h}\n" for c, s, h in heads).encode()).hexdigest()
    digest = hashlib.sha256(f"{prev_digest}:{day.isoformat()}:{heads_hash}".encode()).hexdigest()
    return Digest(day.isoformat(), len(heads), lines, heads_hash, prev_digest, digest)


def _view(row: TimelineDigest) -> Digest:
    return Digest(row.day, row.cases, row.lines, row.heads_hash, row.prev_digest, row.digest, isoformat(row.sealed_at))


def _first_day(session: Session) -> date | None:
    first = session.scalar(select(func.min(CaseEvent.at)))
    return first.astimezone(BEIJING).date() if first else None


def seal_due(deps: Deps) -> list[Digest]:
    """Seal, in order, every finished day not sealed yet (from the first timeline line on)."""
    sealed: list[Digest] = []
    now = deps.clock.now()
    with deps.uow(write=True) as uow:
        s = uow.session
        last = s.scalar(select(TimelineDigest).order_by(TimelineDigest.day.desc()).limit(1))
        day = date.fromisoformat(last.day) + timedelta(days=1) if last else _first_day(s)
        prev = last.digest if last else GENESIS
        while day is not None and day_bounds(day)[1] + GRACE <= now:
            digest = compute(s, day, prev)
            s.add(TimelineDigest(**{k: v for k, v in asdict(digest).items() if k != "sealed_at"}, sealed_at=now))
            sealed.append(digest)
            prev, day = digest.digest, day + timedelta(days=1)
        with contextlib.suppress(IntegrityError):  # another scheduler sealed the same days first
            uow.commit()
    return sealed


def listing(deps: Deps, *, start: date | None = None, end: date | None = None) -> list[Digest]:
    """The sealed digests (oldest first), for printing or publishing."""
    query = select(TimelineDigest).order_by(TimelineDigest.day)
    if start:
        query = query.where(TimelineDigest.day >= start.isoformat())
    if end:
        query = query.where(TimelineDigest.day <= end.isoformat())
    with deps.uow() as uow:
        return [_view(r) for r in uow.session.scalars(query)]


def stored(session: Session, day: date) -> TimelineDigest | None:
    return session.get(TimelineDigest, day.isoformat())


def previous_digest(session: Session, day: date) -> str:
    """The digest the day's seal chains to (GENESIS for the first sealed day)."""
    prev = session.scalar(select(TimelineDigest.digest).where(TimelineDigest.day < day.isoformat())
                          .order_by(TimelineDigest.day.desc()).limit(1))
    return prev or GENESIS


def latest(session: Session) -> Digest | None:
    """The newest sealed digest: what a computation over the timeline (an evaluation) records it ran over."""
    row = session.scalar(select(TimelineDigest).order_by(TimelineDigest.day.desc()).limit(1))
    return _view(row) if row else None
