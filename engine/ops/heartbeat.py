"""Heartbeats: a background process stamps its row on every run, so readiness can tell it lives."""

from __future__ import annotations

import contextlib
import os
import socket
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from engine.deps import Deps
from engine.store.ops_models import Heartbeat

SCHEDULER = "scheduler"


def beat(deps: Deps, name: str = SCHEDULER) -> None:
    """Stamp ``name``'s heartbeat with now (its own short transaction)."""
    now, host, pid = deps.clock.now(), socket.gethostname()[:128], os.getpid()
    with deps.uow(write=True) as uow:
        done = uow.session.execute(update(Heartbeat).where(Heartbeat.name == name)
                                   .values(beat_at=now, host=host, pid=pid)).rowcount
        if not done:
            uow.session.add(Heartbeat(name=name, beat_at=now, host=host, pid=pid))
        with contextlib.suppress(IntegrityError):  # another scheduler inserted the row first: its beat counts
            uow.commit()


def last_beat(deps: Deps, name: str = SCHEDULER) -> datetime | None:
    """When ``name`` last beat, or None if it never did."""
    with deps.uow() as uow:
        return uow.session.scalar(select(Heartbeat.beat_at).where(Heartbeat.name == name))
