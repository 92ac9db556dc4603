"""Time lights (亮灯): green in time, yellow when the warning share of the limit is used, red overdue.

Computed from stored times on read — never by scanning workflows — so inboxes, case pages and
maps agree and cost one comparison per row.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

Light = Literal["green", "yellow", "red"]


def light_of(now: datetime, warn_at: datetime | None, due_at: datetime | None) -> Light | None:
    """The light of an open task or case at ``now``; None when it has no time limit."""
    if due_at is None:
        return None
    if now >= due_at:
        return "red"
    if warn_at is not None and now >= warn_at:
        return "yellow"
    return "green"
