"""The case's handling clock: one deadline shared by every task the BPMN marks ``caseClock``.

It is set when handling first starts (from the ``time_limits`` table and the calendar), kept
across loops back to handling (a refused extension, a failed check), moved by approved
extensions, stopped by suspension (挂账) and restarted with the suspended time excluded, and
reset after a return so the next department gets a full limit.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session

from engine.deps import Deps
from engine.errors import ProcessError
from engine.store.models import Case
from engine.time.city_calendar import work_calendar
from engine.time.limits import CALENDAR_UNIT, StageLimit


def current(case: Case, decided: dict | None = None) -> StageLimit | None:
    """The running clock as a StageLimit, or None if it is not set (or stopped)."""
    if case.deadline_at is None or case.suspended_at is not None:
        return None
    return StageLimit(case.clock_limit or 0.0, case.clock_unit or "", case.deadline_at,
                      case.deadline_warn_at or case.deadline_at, case.deadline_provisional,
                      {"clock": "case", **(decided or {}), "extensions": case.extension_count,
                       "suspended_seconds": case.suspended_seconds})


def ensure(case: Case, compute: Callable[[], StageLimit | None]) -> StageLimit | None:
    """The running clock, starting it with ``compute()`` if it is not set yet."""
    if case.suspended_at is not None:
        raise ProcessError("the case is suspended: resume it before handling")
    if case.deadline_at is None:
        limit = compute()
        if limit is None:
            return None
        case.deadline_at, case.deadline_warn_at = limit.due_at, limit.warn_at
        case.clock_limit, case.clock_unit, case.deadline_provisional = limit.value, limit.unit, limit.provisional
        return current(case, limit.decided)
    return current(case)


def extend(deps: Deps, session: Session, case: Case, amount: float, unit: str) -> None:
    """Move the deadline (and its warning) later by working (or continuous) time."""
    if case.deadline_at is None:
        raise ProcessError("there is no handling deadline to extend")
    calendar, (cal_unit, factor) = work_calendar(deps, session), CALENDAR_UNIT[unit]
    due = calendar.extend(case.deadline_at, amount * factor, cal_unit)
    warn = calendar.extend(case.deadline_warn_at or case.deadline_at, amount * factor, cal_unit)
    case.deadline_at, case.deadline_warn_at = due.at, warn.at
    case.deadline_provisional = case.deadline_provisional or due.provisional


def suspend(case: Case, now: datetime) -> None:
    if case.suspended_at is not None:
        raise ProcessError("the case is already suspended")
    case.suspended_at = now


def resume(deps: Deps, session: Session, case: Case, now: datetime) -> None:
    """Restart a stopped clock: what remained at suspension is counted again from now."""
    if case.suspended_at is None:
        raise ProcessError("the case is not suspended")
    paused_at = case.suspended_at
    if case.deadline_at is not None and case.clock_unit in CALENDAR_UNIT:
        calendar, (cal_unit, _factor) = work_calendar(deps, session), CALENDAR_UNIT[case.clock_unit]
        case.deadline_at = calendar.resume(case.deadline_at, paused_at, now, cal_unit).at
        if case.deadline_warn_at is not None:
            case.deadline_warn_at = calendar.resume(case.deadline_warn_at, paused_at, now, cal_unit).at
    case.suspended_seconds = (case.suspended_seconds or 0.0) + (now - paused_at).total_seconds()
    case.suspended_at = None


def reset(case: Case) -> None:
    case.deadline_at = case.deadline_warn_at = None
    case.clock_limit = case.clock_unit = None
    case.deadline_provisional = False
