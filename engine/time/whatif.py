"""What-if replay of a proposed time-limits table over past cases: the on-time rates it would have produced.

Before an administrator activates a shorter limit for garbage piles, szcg replays the candidate over the
stage tasks completed in a past period: for each task, the deadline the candidate would have set (counted
on the same working calendar from the moment the task began) against the moment it was really completed.
What a case gained on its recorded deadline — an approved extension, suspended time — is kept as it was,
so a stage whose limit does not change keeps exactly its recorded deadline and verdict. The result is the
on-time rate per stage, department and district, before and after, and the tasks whose verdict changes.
Nothing is stored but the audit line.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import select

from engine.deps import Deps
from engine.errors import Invalid
from engine.rules import tables
from engine.runtime.dmn import evaluate, parse_table
from engine.store.models import Case, Task
from engine.time.city_calendar import work_calendar
from engine.time.clock import isoformat
from engine.time.limits import CALENDAR_UNIT, limit_inputs

SAMPLE = 50
MAX_DAYS = 366


def _due(calendar: Any, start: datetime, value: Any, unit: Any) -> datetime | None:
    if value in (None, "") or unit not in CALENDAR_UNIT:
        return None
    cal_unit, factor = CALENDAR_UNIT[unit]
    return calendar.add(start, float(value) * factor, cal_unit).at  # type: ignore[no-any-return]


class _Rates:
    """On-time counts before and after, per group."""

    def __init__(self) -> None:
        self.counts: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])  # tasks, on time before, after

    def add(self, groups: list[tuple[str, str]], before: bool, after: bool) -> None:
        for group in groups:
            row = self.counts[group]
            row[0] += 1
            row[1] += before
            row[2] += after

    def table(self, dimension: str) -> list[dict[str, Any]]:
        rows = []
        for (dim, name), (total, before, after) in sorted(self.counts.items()):
            if dim == dimension:
                rows.append({dimension: name, "tasks": total, "on_time_before": round(before / total, 4),
                             "on_time_after": round(after / total, 4), "changed": before != after})
        return rows


def replay_limits(deps: Deps, key: str, xml: str, examples: list[Any], *, since: datetime, until: datetime,
                  actor: str) -> dict[str, Any]:
    """Replay candidate ``xml`` of limits table ``key`` over the stage tasks completed in [since, until).

    :raises Invalid: the candidate fails the table checks (rule and reason named), or the period is
        empty or longer than a year.
    """
    if not since < until or (until - since).days > MAX_DAYS:
        raise Invalid(f"the period must run forwards and last at most {MAX_DAYS} days", fields={"days": "invalid"})
    tables.refuse_if_invalid(key, xml, examples)
    candidate = parse_table(xml)
    rates, flipped, memo = _Rates(), [], {}
    with deps.uow(write=True) as uow:
        s = uow.session
        current = tables.active_version(s, key)
        calendar = work_calendar(deps, s)
        rows = s.execute(
            select(Task.stage, Task.created_at, Task.completed_at, Task.due_at, Task.limit_value, Task.limit_unit,
                   Task.department_code, Task.context, Case)
            .join(Case, Case.id == Task.case_id)
            .where(Task.state == "completed", Task.due_at.is_not(None),
                   Task.completed_at >= since, Task.completed_at < until)
            .order_by(Task.completed_at)).all()
        changed = 0
        for stage, started, completed, due, value, unit, department, context, case in rows:
            if ((context or {}).get("time_limit") or {}).get("table") != key:
                continue  # another table set this task's limit (another process's)
            inputs = limit_inputs(case)
            cache_key = tuple(sorted(inputs.items()))
            if cache_key not in memo:
                memo[cache_key] = evaluate(candidate, inputs).outputs
            outputs = memo[cache_key]
            new_value, new_unit = outputs.get(f"{stage}_limit"), outputs.get(f"{stage}_unit")
            if (new_value, new_unit) == (value, unit) or new_value in (None, ""):
                new_due = due  # unchanged (or the candidate sets none): the recorded deadline stands
            else:
                recorded_base = _due(calendar, started, value, unit) or due
                new_due = _due(calendar, started, new_value, new_unit)
                new_due = due if new_due is None else new_due + (due - recorded_base)  # keep extensions, suspensions
            before, after = completed <= due, completed <= new_due
            rates.add([("stage", stage), ("department", department or "-"), ("district", case.district_code)],
                      before, after)
            changed += before != after
            if before != after and len(flipped) < SAMPLE:
                flipped.append({"case_no": case.case_no, "stage": stage, "completed_at": isoformat(completed),
                                "due_before": isoformat(due), "due_after": isoformat(new_due),
                                "on_time_before": before, "on_time_after": after})
        total = sum(n for (dim, _), (n, _b, _a) in rates.counts.items() if dim == "stage")
        summary = {"tasks": total, "since": isoformat(since), "until": isoformat(until), "against_version": current.version,
                   "on_time_before": _share(rates, 1), "on_time_after": _share(rates, 2),
                   "changed": changed}
        tables.audit(s, key, None, "what_if", actor, deps.clock.now(), summary)
        uow.commit()
    return {**summary, "by_stage": rates.table("stage"), "by_department": rates.table("department"),
            "by_district": rates.table("district"), "sample": flipped}


def _share(rates: _Rates, column: int) -> float | None:
    stage_rows = [counts for (dim, _), counts in rates.counts.items() if dim == "stage"]
    total = sum(r[0] for r in stage_rows)
    return round(sum(r[column] for r in stage_rows) / total, 4) if total else None
