"""Peak hour on the production shape: staff inboxes and case pages, citizens' reports and tracking
pages, a Prometheus scrape — from many client threads for a bounded time; no 5xx, p95 per route.

``SZCG_LOAD_SECONDS`` (default 20) and ``SZCG_LOAD_CLIENTS`` (default 24) set the run; a city's peak
hour (hundreds of staff refreshing every half minute or so) is a few dozen requests a second.
"""

from __future__ import annotations

import os
import random
import threading
import time
from collections import defaultdict

import pytest

from tests.factories import GARBAGE, INSIDE, report
from tests.faults.shape import Shape

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

SECONDS = float(os.environ.get("SZCG_LOAD_SECONDS", "20"))
CLIENTS = int(os.environ.get("SZCG_LOAD_CLIENTS", "24"))


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def test_peak_hour_has_no_server_errors_and_reports_p95_per_route(city, shape: Shape):
    _url, deps = city
    cases = [report(deps) for _ in range(20)]
    shape.start_web(workers=2)
    for user in ("operator", "dispatcher", "shift_leader", "leader"):
        shape.token(user)
    citizen = {"source": "citizen", "category_code": GARBAGE, "description": "公众上报", "lon": INSIDE[0],
               "lat": INSIDE[1]}
    mix = [  # (weight, route label, method, path-maker, body, user)
        (30, "GET /api/v1/tasks", "GET", lambda: "/api/v1/tasks", None, "operator"),
        (15, "GET /api/v1/tasks", "GET", lambda: "/api/v1/tasks", None, "dispatcher"),
        (20, "GET /api/v1/cases/<no>", "GET", lambda: f"/api/v1/cases/{random.choice(cases).case_no}", None,
         "shift_leader"),
        (10, "GET /api/v1/cases", "GET", lambda: "/api/v1/cases?district_code=650102", None, "leader"),
        (15, "GET /track/<code>", "GET", lambda: f"/track/{random.choice(cases).tracking_code}", None, None),
        (8, "POST /api/v1/reports", "POST", lambda: "/api/v1/reports", citizen, None),
        (2, "GET /metrics", "GET", lambda: "/metrics", None, None),
    ]
    weights = [m[0] for m in mix]
    timings: dict[str, list[float]] = defaultdict(list)
    statuses: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    lock = threading.Lock()
    stop_at = time.monotonic() + SECONDS

    def client(seed: int) -> None:
        rnd = random.Random(seed)
        while time.monotonic() < stop_at:
            _w, label, method, path, body, user = rnd.choices(mix, weights)[0]
            started = time.perf_counter()
            answer = shape.call(method, path(), body, user=user)
            elapsed = time.perf_counter() - started
            with lock:
                timings[label].append(elapsed)
                statuses[label][answer.status] += 1

    threads = [threading.Thread(target=client, args=(k,)) for k in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=SECONDS + 60)
    total = sum(len(v) for v in timings.values())
    print(f"\n{CLIENTS} clients for {SECONDS:.0f} s: {total} requests, {total / SECONDS:.1f}/s")
    for label in sorted(timings):
        print(f"  {label:<24} n={len(timings[label]):<5} p50={_p(timings[label], .5) * 1000:7.1f} ms "
              f"p95={_p(timings[label], .95) * 1000:7.1f} ms  statuses={dict(statuses[label])}")
    errors = {label: {s: n for s, n in by.items() if s >= 500 or s == 0} for label, by in statuses.items()}
    assert not any(errors.values()), errors
    assert all(s < 400 for by in statuses.values() for s in by), dict(statuses)
