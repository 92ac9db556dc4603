"""Per-process caches of reference data, kept honest by revision counters in the database.

Grids (the geocoder), the working calendar and the active decision tables change rarely but
are read on every step. Each lives in a per-process cache next to the revision it was built
from; every change of the data bumps its revision in the same transaction, and a reader
compares revisions — one primary-key read per step for all of them, instead of a query per
cache — so an administrator's change applies to the very next decision in every process.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.deps import Deps
from engine.store.places_models import Revision

T = TypeVar("T")
_ALL = select(Revision.name, Revision.value)  # built once: read on every step
_lock = threading.Lock()


def current(session: Session) -> dict[str, int]:
    """All revision counters (a handful of rows)."""
    return {name: value for name, value in session.connection().execute(_ALL)}  # Core: no ORM overhead


def bump(session: Session, name: str) -> None:
    """Mark the cached ``name`` of every process stale (in the caller's transaction)."""
    row = session.get(Revision, name, with_for_update=True)
    if row is None:
        session.add(Revision(name=name, value=1))
    else:
        row.value += 1


def cached(deps: Deps, session: Session, name: str, build: Callable[[], T],
           known: dict[str, int] | None = None) -> T:
    """The process's cached ``name``, rebuilt with ``build()`` when its revision moved.

    ``known`` is a revision map the caller already read in this transaction (a step reads
    it once for all caches).
    """
    stamp = (known if known is not None else current(session)).get(name, 0)
    entry: tuple[int, Any] | None = deps.extras.get(("cached", name))
    if entry is not None and entry[0] == stamp:
        return entry[1]
    with _lock:
        value = build()
        deps.extras[("cached", name)] = (stamp, value)
    return value
