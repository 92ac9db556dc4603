"""Logging for szcg processes: the level from config.yaml, with chatty libraries kept quiet.

SpiffWorkflow logs every task state change at INFO and APScheduler every job run; at the
city's INFO level that would bury szcg's own lines (fired timers, errors).
"""

from __future__ import annotations

import logging

QUIET = ("spiff", "spiff.task", "spiff.workflow", "spiff.metrics", "apscheduler", "apscheduler.executors.default",
         "apscheduler.scheduler")


def configure(level: str) -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    floor = max(logging.getLevelName(level) if isinstance(logging.getLevelName(level), int) else logging.INFO,
                logging.WARNING)
    for name in QUIET:
        logging.getLogger(name).setLevel(floor)
