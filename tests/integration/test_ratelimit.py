"""Rate limits are counted in the database, so several processes share one count per address."""

from __future__ import annotations

from datetime import timedelta

import pytest

from engine.deps import build_deps
from engine.errors import TooManyRequests
from engine.people import ratelimit


def test_two_processes_share_the_count_and_the_window_resets(deps, settings, clock):
    other = build_deps(settings, clock=clock)  # a second worker process on the same database
    try:
        assert ratelimit.hit(deps, "citizen_report", "10.0.0.1", 3) == 1
        assert ratelimit.hit(other, "citizen_report", "10.0.0.1", 3) == 2
        assert ratelimit.hit(deps, "citizen_report", "10.0.0.2", 3) == 1  # another address
        ratelimit.hit(other, "citizen_report", "10.0.0.1", 3)
        with pytest.raises(TooManyRequests) as refused:
            ratelimit.hit(deps, "citizen_report", "10.0.0.1", 3)
        assert 0 < refused.value.details["retry_after"] <= 3601
        clock.advance(timedelta(hours=1))
        assert ratelimit.hit(deps, "citizen_report", "10.0.0.1", 3) == 1
    finally:
        other.engine.dispose()
