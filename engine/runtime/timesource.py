"""Make SpiffWorkflow's timer events read szcg's clock instead of the wall clock.

SpiffWorkflow 3.2.0 calls ``datetime.now(timezone.utc)`` inside its timer module and has no
hook for a clock (SPIFFWORKFLOW_NOTES §3). Its module-level ``datetime`` is replaced, once, by
a subclass whose ``now()`` asks the clock bound to the running step (a context variable), so
tests that move a frozen clock move BPMN timers too, and each Deps keeps its own clock.
Without a bound clock it is the wall clock, exactly as before.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, tzinfo
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions import timer as spiff_timer

_clock: contextvars.ContextVar[Any] = contextvars.ContextVar("szcg_spiff_clock", default=None)


class _ClockedDatetime(datetime):
    @classmethod
    def now(cls, tz: tzinfo | None = None) -> datetime:  # type: ignore[override]
        clock = _clock.get()
        if clock is None:
            return super().now(tz)
        current = clock.now()
        return current.astimezone(tz) if tz is not None else current.astimezone().replace(tzinfo=None)


spiff_timer.datetime = _ClockedDatetime  # type: ignore[misc]


@contextmanager
def clock_bound(clock: Any) -> Iterator[None]:
    """Run a block with SpiffWorkflow's timers reading ``clock``."""
    token = _clock.set(clock)
    try:
        yield
    finally:
        _clock.reset(token)
