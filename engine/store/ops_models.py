"""Tables for operations: the scheduler's heartbeat, read by ``/readyz`` and the metrics."""

from __future__ import annotations

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from engine.store.base import Base, Timestamp


class Heartbeat(Base):
    """The last time a background process (the timer scheduler) showed it is alive.

    One row per kind of process: several schedulers share it, since readiness asks whether *some*
    scheduler runs, not which one.
    """

    __tablename__ = "heartbeats"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    beat_at: Mapped[Timestamp]
    host: Mapped[str] = mapped_column(String(128))
    pid: Mapped[int] = mapped_column(Integer)
