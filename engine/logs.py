"""Logging for szcg processes: the level from config.yaml, with chatty libraries kept quiet.

SpiffWorkflow logs every task state change at INFO and APScheduler every job run; at the
city's INFO level that would bury szcg's own lines (fired timers, errors).

``log_format: json`` writes one JSON object a line (time, level, logger, message, request id) for a
log collector; the request id is set by the web layer for each request (``X-Request-Id``) and is
``-`` outside requests. Log lines never carry a reporter's name or phone: messages name cases by
number and people by username.
"""

from __future__ import annotations

import contextvars
import json
import logging
from datetime import UTC, datetime

QUIET = ("spiff", "spiff.task", "spiff.workflow", "spiff.metrics", "apscheduler", "apscheduler.executors.default",
         "apscheduler.scheduler")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s"

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("szcg_request_id", default="-")


class RequestIdFilter(logging.Filter):
    """Put the current request id on every record, so both formats can show it."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line."""

    def format(self, record: logging.LogRecord) -> str:
        body = {"time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
                "level": record.levelname, "logger": record.name, "message": record.getMessage(),
                "request_id": getattr(record, "request_id", request_id.get())}
        if record.exc_info:
            body["exception"] = self.formatException(record.exc_info)
        return json.dumps(body, ensure_ascii=False)


def configure(level: str, fmt: str = "text") -> None:
    """Set up the root logger once per process (``fmt``: ``text`` or ``json``)."""
    root = logging.getLogger()
    handler = next((h for h in root.handlers if getattr(h, "szcg", False)), None)
    if handler is None:
        handler = logging.StreamHandler()
        handler.szcg = True  # type: ignore[attr-defined]
        handler.addFilter(RequestIdFilter())
        root.addHandler(handler)
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    root.setLevel(level)
    floor = max(logging.getLevelName(level) if isinstance(logging.getLevelName(level), int) else logging.INFO,
                logging.WARNING)
    for name in QUIET:
        logging.getLogger(name).setLevel(floor)
