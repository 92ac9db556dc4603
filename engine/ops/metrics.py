"""The process's Prometheus metrics (prometheus_client): requests and steps, counted where they happen.

Counters and histograms live in the process that observed them; under gunicorn set
``PROMETHEUS_MULTIPROC_DIR`` (an empty directory) so every worker's samples are summed at scrape
time (prometheus_client's multiprocess mode). The database-wide gauges are in :mod:`engine.ops.gauges`.
"""

from __future__ import annotations

import os

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import REGISTRY, Collector

from engine.deps import Deps
from engine.ops import gauges

REQUESTS = Counter("szcg_http_requests_total", "HTTP requests by route and status", ["route", "method", "status"])
REQUEST_SECONDS = Histogram("szcg_http_request_seconds", "HTTP request duration by route", ["route"])
STEP_SECONDS = Histogram("szcg_step_seconds", "Duration of one step of a case (workflow loaded to last write, before commit)",
                         ["process"], buckets=(0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5))


class DatabaseGauges(Collector):
    """Reads :func:`engine.ops.gauges.read` on every scrape."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    def collect(self):  # type: ignore[no-untyped-def]
        g = gauges.read(self.deps)
        tasks = GaugeMetricFamily("szcg_open_tasks", "Open tasks by light", labels=["light"])
        for light, count in sorted(g.open_tasks_by_light.items()):
            tasks.add_metric([light], count)
        yield tasks
        yield GaugeMetricFamily("szcg_due_timers_waiting", "Timers due and not fired yet", value=g.due_timers_waiting)
        yield GaugeMetricFamily("szcg_outbox_backlog", "Outbox messages not sent yet", value=g.outbox_backlog)
        yield GaugeMetricFamily("szcg_scheduler_lag_seconds", "How long the oldest due timer has waited",
                                value=g.scheduler_lag_seconds)


def exposition(deps: Deps) -> bytes:
    """The text the ``/metrics`` endpoint returns: this process's (or all workers') samples and the gauges."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        process = CollectorRegistry()
        multiprocess.MultiProcessCollector(process)
    else:
        process = REGISTRY
    database = CollectorRegistry()
    database.register(DatabaseGauges(deps))
    return generate_latest(process) + generate_latest(database)
