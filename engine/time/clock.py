"""The one source of "now". Nothing in szcg calls ``datetime.now()`` directly.

Times are timezone-aware. They are stored in UTC and shown in Beijing time; the clock hands
out UTC and :data:`BEIJING` converts for display and for working-time arithmetic.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta, timezone
from typing import Protocol

BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")


class Clock(Protocol):
    def now(self) -> datetime:
        """Return the current instant, timezone-aware (UTC)."""
        ...


class SystemClock:
    """The wall clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class FrozenClock:
    """A clock that moves only when told to: tests and demo generation use it."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("FrozenClock needs a timezone-aware start")
        self._now = start.astimezone(UTC)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def set(self, instant: datetime) -> None:
        if instant.tzinfo is None:
            raise ValueError("FrozenClock needs timezone-aware instants")
        with self._lock:
            self._now = instant.astimezone(UTC)

    def advance(self, delta: timedelta | None = None, **kwargs: float) -> datetime:
        with self._lock:
            self._now += delta or timedelta(**kwargs)
            return self._now


def as_utc(value: datetime) -> datetime:
    """Return ``value`` in UTC; naive values (as SQLite returns them) are taken as UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def to_beijing(value: datetime | None) -> datetime | None:
    return None if value is None else as_utc(value).astimezone(BEIJING)


def isoformat(value: datetime | None) -> str | None:
    """ISO 8601 in Beijing time with its +08:00 offset, as the API returns times."""
    return None if value is None else as_utc(value).astimezone(BEIJING).isoformat(timespec="seconds")
