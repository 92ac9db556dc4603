"""Time limits of a case's stages: the ``time_limits`` decision table, then the working calendar.

The table says how long (``<stage>_limit`` and ``<stage>_unit``); the calendar says until when,
counting working time on the Chinese calendar (or continuous hours for urgent conditions).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from engine.deps import Deps
from engine.rules import tables
from engine.store.models import Case
from engine.time.city_calendar import work_calendar

# The decision tables speak the glossary's units; the calendar names working minutes "minutes" and
# counts continuous time in hours, so continuous ``minutes`` (an emergency's acknowledgement) are 1/60 h.
CALENDAR_UNIT = {"working_minutes": ("minutes", 1.0), "working_hours": ("working_hours", 1.0),
                 "working_days": ("working_days", 1.0), "hours": ("hours", 1.0), "minutes": ("hours", 1 / 60)}


@dataclass(frozen=True)
class StageLimit:
    """A stage's limit and the instants it implies, with the decision that set it."""

    value: float
    unit: str
    due_at: datetime
    warn_at: datetime
    provisional: bool
    decided: dict[str, Any]


def limit_inputs(case: Case) -> dict[str, Any]:
    """Inputs of ``time_limits``; without a chosen filing condition the class's first one applies."""
    inputs = tables.case_inputs(case, case.area_class)
    inputs["filing_condition"] = case.filing_condition or f"{case.category_code}-1"
    return inputs


def decide_limits(deps: Deps, session: Session, case: Case, known: dict[str, int] | None = None,
                  table: str = "time_limits") -> tables.Decided:
    """Decide the case's limits with its process's table (``limitsTable`` in the BPMN, ``time_limits`` if none)."""
    return tables.decide(deps, session, table, limit_inputs(case), known)


def stage_limit(deps: Deps, session: Session, decided: tables.Decided, stage: str, start: datetime,
                known: dict[str, int] | None = None) -> StageLimit | None:
    """The limit of ``stage`` starting at ``start``; None when the table sets none for it."""
    value, unit = decided.outputs.get(f"{stage}_limit"), decided.outputs.get(f"{stage}_unit")
    if value in (None, "") or unit not in CALENDAR_UNIT:
        return None
    calendar = work_calendar(deps, session, known)
    cal_unit, factor = CALENDAR_UNIT[unit]
    due = calendar.add(start, float(value) * factor, cal_unit)
    warn = calendar.warning_at(start, due, deps.settings.warning_ratio, cal_unit)
    return StageLimit(float(value), unit, due.at, warn.at, due.provisional, decided.provenance())
