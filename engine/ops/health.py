"""Readiness: may this process take traffic? The database answers, its schema is the code's, timers run.

``/healthz`` only says the process is up; ``/readyz`` (this module) is what a load balancer or an
orchestrator asks before sending requests, and what an operator reads first when something is wrong.
Each check says why it failed, so the answer is a diagnosis, not just a 503.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import text

from engine.deps import Deps
from engine.ops import heartbeat
from engine.store import migrate

# The scheduler runs every scheduler_interval_seconds; three missed runs (at least a minute) is "down".
MISSED_RUNS = 3
MIN_SILENCE = timedelta(seconds=60)


@dataclass(frozen=True)
class Check:
    ok: bool
    detail: str


@dataclass(frozen=True)
class Readiness:
    checks: dict[str, Check] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks.values())

    def to_dict(self) -> dict[str, object]:
        return {"ready": self.ok, "checks": {k: {"ok": c.ok, "detail": c.detail} for k, c in self.checks.items()}}


def readiness(deps: Deps) -> Readiness:
    """Check the database, the migrations and the scheduler's heartbeat (never raises)."""
    database = _database(deps)
    if not database.ok:
        skipped = Check(False, "not checked: the database is unreachable")
        return Readiness({"database": database, "migrations": skipped, "scheduler": skipped})
    return Readiness({"database": database, "migrations": _migrations(deps), "scheduler": _scheduler(deps)})


def _database(deps: Deps) -> Check:
    try:
        with deps.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:  # any driver error means "not reachable"; the class names the cause
        return Check(False, f"unreachable ({type(exc).__name__})")
    return Check(True, deps.engine.dialect.name)


def _migrations(deps: Deps) -> Check:
    current, head = migrate.current(deps.engine), migrate.head()
    if current != head:
        return Check(False, f"database at {current}, code expects {head}: run `szcg db upgrade`")
    return Check(True, f"at {head}")


def _scheduler(deps: Deps) -> Check:
    last = heartbeat.last_beat(deps)
    if last is None:
        return Check(False, "no scheduler has run yet (`szcg scheduler`, or `szcg run` with scheduler_in_web)")
    silence = deps.clock.now() - last
    allowed = max(MIN_SILENCE, timedelta(seconds=MISSED_RUNS * deps.settings.scheduler_interval_seconds))
    if silence > allowed:
        return Check(False, f"last heartbeat {int(silence.total_seconds())} s ago (allowed {int(allowed.total_seconds())} s)")
    return Check(True, f"last heartbeat {int(silence.total_seconds())} s ago")
