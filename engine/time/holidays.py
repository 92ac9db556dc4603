"""Calendar data an administrator loads: a year's national schedule and the city's local days.

The year file is CSV, one day a line: ``date,kind,name`` with ``kind`` ``holiday`` or
``workday`` (a make-up working day, 调休). Blank lines, ``#`` comments and a ``date,kind,name``
header are skipped. Every problem is reported at once, each with its line number.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from engine.errors import Invalid


class CalendarDataError(Invalid, ValueError):
    """A year file, local day or schedule was refused; ``problems`` lists ``line N: reason``."""

    code = "calendar_data_invalid"

    def __init__(self, problems: list[str]) -> None:
        super().__init__("calendar data refused: " + "; ".join(problems), problems=problems)
        self.problems = problems


@dataclass(frozen=True)
class YearSchedule:
    """One year's national holidays and make-up working days (调休), as published.

    Loaded for a year the library does not know yet, or to correct it: for its year it replaces
    the library entirely (days not listed follow the weekend rule).
    """

    year: int
    holidays: Mapping[date, str] = field(default_factory=dict)
    workdays: Mapping[date, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        wrong = [d for d in [*self.holidays, *self.workdays] if d.year != self.year]
        both = set(self.holidays) & set(self.workdays)
        problems = [f"{d} is not in {self.year}" for d in sorted(wrong)]
        problems += [f"{d} is both holiday and workday" for d in sorted(both)]
        if problems:
            raise CalendarDataError(problems)


@dataclass(frozen=True)
class LocalDay:
    """A day the region or city sets itself (肉孜节, 古尔邦节, a closure); ``working`` adds a workday."""

    name: str
    working: bool = False


@dataclass(frozen=True)
class CalendarData:
    """Everything administrators loaded; the lead stores it in the database and hands it over."""

    loaded_years: Mapping[int, YearSchedule] = field(default_factory=dict)
    local_days: Mapping[date, LocalDay] = field(default_factory=dict)


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_KINDS = ("holiday", "workday")


def _parse_day_lines(text: str, year: int | None) -> dict[date, tuple[str, str]]:
    """Parse ``date,kind,name`` lines into ``{date: (kind, name)}``; collect every problem."""
    days: dict[date, tuple[str, str]] = {}
    seen: dict[date, int] = {}
    problems: list[str] = []
    for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        cells = [cell.strip() for cell in row]
        if not cells or not any(cells) or cells[0].startswith("#") or cells[:2] == ["date", "kind"]:
            continue
        problem = _check_row(cells, year)
        if isinstance(problem, str):
            problems.append(f"line {number}: {problem}")
            continue
        day, kind, name = problem
        if day in seen:
            other, first = days[day][0], seen[day]
            why = f"repeats line {first}" if other == kind else f"is {kind} here but {other} on line {first}"
            problems.append(f"line {number}: {day} {why}")
            continue
        seen[day], days[day] = number, (kind, name)
    if not days and not problems:
        problems.append("no days given")
    if problems:
        raise CalendarDataError(problems)
    return days


def _check_row(cells: list[str], year: int | None) -> str | tuple[date, str, str]:
    """Return ``(date, kind, name)`` or the reason the row is refused."""
    if len(cells) not in (2, 3):
        return f"expected 'date,kind,name', got {len(cells)} fields"
    text, kind = cells[0], cells[1].lower()
    try:
        day = date.fromisoformat(text) if _ISO_DATE.match(text) else None
    except ValueError:
        day = None
    if day is None:
        return f"'{text}' is not a date (YYYY-MM-DD)"
    if year is not None and day.year != year:
        return f"{day} is not in {year}"
    if kind not in _KINDS:
        return f"kind '{cells[1]}' is not holiday or workday"
    name = cells[2] if len(cells) == 3 else ""
    return day, kind, name


def parse_year_file(text: str, year: int) -> YearSchedule:
    """Validate an uploaded year file (``date,kind,name`` lines) for ``year``."""
    days = _parse_day_lines(text, year)
    return YearSchedule(
        year,
        holidays={d: name for d, (kind, name) in days.items() if kind == "holiday"},
        workdays={d: name for d, (kind, name) in days.items() if kind == "workday"},
    )


def parse_local_days(text: str) -> dict[date, LocalDay]:
    """Validate local days in the same format; ``workday`` rows add a working day."""
    return {d: LocalDay(name, kind == "workday") for d, (kind, name) in _parse_day_lines(text, None).items()}


def format_year_file(schedule: YearSchedule) -> str:
    """The year file for ``schedule``, so what was loaded can be downloaded and edited again."""
    rows = [(d, "holiday", n) for d, n in schedule.holidays.items()]
    rows += [(d, "workday", n) for d, n in schedule.workdays.items()]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["date", "kind", "name"])
    writer.writerows((d.isoformat(), kind, name) for d, kind, name in sorted(rows))
    return out.getvalue()
