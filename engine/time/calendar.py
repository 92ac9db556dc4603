"""The working calendar: days, then instants, then the arithmetic the timers and lights use."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Literal, NamedTuple

import chinese_calendar

from engine.time.clock import BEIJING
from engine.time.holidays import CalendarData, CalendarDataError
from engine.time.office_hours import OfficeHours, Period

Unit = Literal["working_days", "working_hours", "minutes", "hours"]
UNITS: tuple[str, ...] = ("working_days", "working_hours", "minutes", "hours")
_SECONDS_PER_UNIT = {"working_hours": 3600.0, "minutes": 60.0, "hours": 3600.0}
_DAY = timedelta(days=1)
_DAY_SECONDS = 86400.0
_MAX_IDLE_DAYS = 3660  # no office time for ten years: the data is broken, don't loop forever


class Deadline(NamedTuple):
    """An instant (UTC) and whether it rests on a year guessed from weekends only."""

    at: datetime
    provisional: bool = False


class DayStatus(NamedTuple):
    working: bool
    provisional: bool


@dataclass(frozen=True)
class _Day:
    working: bool
    provisional: bool
    periods: tuple[Period, ...]

    @property
    def seconds(self) -> int:
        return sum(b - a for a, b in self.periods)


class WorkCalendar:
    """Working-time arithmetic on one city's calendar; cheap to build, caches each day it sees."""

    def __init__(
        self, office_hours: OfficeHours, data: CalendarData | None = None, tz: tzinfo = BEIJING
    ) -> None:
        self.office_hours = office_hours
        self.data = data or CalendarData()
        self.tz = tz
        self._days: dict[date, _Day] = {}
        self._library: dict[int, bool] = {}

    # days and years

    def year_source(self, year: int) -> Literal["loaded", "library", "weekends"]:
        """Where the national schedule of ``year`` comes from; ``weekends`` means a guess."""
        if year in self.data.loaded_years:
            return "loaded"
        if year not in self._library:
            try:
                chinese_calendar.is_workday(date(year, 1, 1))
                self._library[year] = True
            except NotImplementedError:
                self._library[year] = False
        return "library" if self._library[year] else "weekends"

    def missing_years(self, today: date, horizon_days: int = 60) -> list[int]:
        """Years within ``horizon_days`` of ``today`` without a schedule: warn administrators."""
        years = range(today.year, (today + timedelta(days=horizon_days)).year + 1)
        return [year for year in years if self.year_source(year) == "weekends"]

    def day_status(self, day: date) -> DayStatus:
        info = self._day(day)
        return DayStatus(info.working, info.provisional)

    def is_working_day(self, day: date) -> bool:
        return self._day(day).working

    def _day(self, day: date) -> _Day:
        info = self._days.get(day)
        if info is None:
            working, provisional = self._decide(day)
            periods = self.office_hours.season_on(day).periods if working else ()
            info = self._days[day] = _Day(working, provisional, periods)
        return info

    def _decide(self, day: date) -> tuple[bool, bool]:
        """Local days win, then a loaded year, then the library, then weekends (provisional)."""
        local = self.data.local_days.get(day)
        if local is not None:
            return local.working, False
        source = self.year_source(day.year)
        if source == "loaded":
            schedule = self.data.loaded_years[day.year]
            return day in schedule.workdays or (day.weekday() < 5 and day not in schedule.holidays), False
        if source == "library":
            return bool(chinese_calendar.is_workday(day)), False
        return day.weekday() < 5, True

    # instants <-> (local day, seconds after local midnight)

    def _split(self, instant: datetime) -> tuple[date, float]:
        if instant.tzinfo is None:
            raise ValueError("working-time arithmetic needs timezone-aware datetimes")
        local = instant.astimezone(self.tz)
        midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
        return local.date(), (local - midnight).total_seconds()

    def _join(self, day: date, seconds: float) -> datetime:
        midnight = datetime(day.year, day.month, day.day, tzinfo=self.tz)
        return (midnight + timedelta(seconds=seconds)).astimezone(UTC)

    # walks over days (never minutes)

    def _forward(self, day: date, at: float, need: float) -> tuple[date, float, bool]:
        """Count ``need`` working seconds forward from ``at`` on ``day``."""
        provisional, idle = False, 0
        while idle < _MAX_IDLE_DAYS:
            info = self._day(day)
            provisional |= info.provisional
            for a, b in info.periods:
                begin = max(a, at)
                if b > begin:
                    if need <= b - begin:
                        return day, begin + need, provisional
                    need -= b - begin
            idle = 0 if info.periods else idle + 1
            day, at = day + _DAY, 0.0
        raise CalendarDataError([f"no office time in {_MAX_IDLE_DAYS} days after {day}"])

    def _backward(self, day: date, at: float, need: float) -> tuple[date, float, bool]:
        """Count ``need`` working seconds backward from ``at`` on ``day`` (an overdue pause)."""
        provisional, idle = False, 0
        while idle < _MAX_IDLE_DAYS:
            info = self._day(day)
            provisional |= info.provisional
            for a, b in reversed(info.periods):
                end = min(b, at)
                if end > a:
                    if need <= end - a:
                        return day, end - need, provisional
                    need -= end - a
            idle = 0 if info.periods else idle + 1
            day, at = day - _DAY, _DAY_SECONDS
        raise CalendarDataError([f"no office time in {_MAX_IDLE_DAYS} days before {day}"])

    def _between(self, a: datetime, b: datetime) -> tuple[float, bool]:
        """Working seconds in [a, b] (negative if b < a) and whether any day was guessed."""
        if b < a:
            seconds, provisional = self._between(b, a)
            return -seconds, provisional
        (day, start), (last, stop) = self._split(a), self._split(b)
        total, provisional = 0.0, False
        while day <= last:
            info = self._day(day)
            provisional |= info.provisional
            end = stop if day == last else _DAY_SECONDS
            total += sum(max(0.0, min(p_end, end) - max(p_start, start)) for p_start, p_end in info.periods)
            day, start = day + _DAY, 0.0
        return total, provisional

    def _shift(self, start: datetime, seconds: float) -> Deadline:
        """Move ``start`` by ``seconds`` of working time (backward if negative)."""
        day, at = self._split(start)
        if seconds == 0:
            return Deadline(start.astimezone(UTC), self._day(day).provisional)
        walk = self._forward if seconds > 0 else self._backward
        end_day, end_at, provisional = walk(day, at, abs(seconds))
        return Deadline(self._join(end_day, end_at), provisional)

    def _next_working_days(self, day: date, count: int) -> tuple[date, bool]:
        """The ``count``-th working day after ``day`` (``day`` itself for 0)."""
        provisional, idle = self._day(day).provisional, 0
        while count > 0:
            day += _DAY
            info = self._day(day)
            provisional |= info.provisional
            count, idle = (count - 1, 0) if info.periods else (count, idle + 1)
            if idle > _MAX_IDLE_DAYS:
                raise CalendarDataError([f"no working day in {_MAX_IDLE_DAYS} days after {day}"])
        return day, provisional

    def _position(self, day: date, at: float) -> tuple[date, float, bool]:
        """The working day a count starts on and the fraction of its office time already gone.

        After the last period of a day, or on a day off, the count starts at the opening of the
        next working day (fraction 0).
        """
        info = self._day(day)
        if info.periods and at < info.periods[-1][1]:
            gone = sum(max(0.0, min(b, at) - a) for a, b in info.periods)
            return day, gone / info.seconds, info.provisional
        first, provisional = self._next_working_days(day, 1)
        return first, 0.0, provisional or info.provisional

    def _add_working_days(self, start: datetime, days: float) -> Deadline:
        """Same position (as a fraction of office time) in the working day ``days`` later."""
        first, fraction, provisional = self._position(*self._split(start))
        whole = math.floor(fraction + days)
        fraction = fraction + days - whole
        if fraction == 0:  # due at closing time of the day before rather than at the next opening
            whole, fraction = whole - 1, 1.0
        target, crossed = self._next_working_days(first, whole)
        end_day, end_at, _ = self._forward(target, 0.0, fraction * self._day(target).seconds)
        return Deadline(self._join(end_day, end_at), provisional or crossed)

    # the public arithmetic

    def add(self, start: datetime, amount: float, unit: Unit) -> Deadline:
        """The deadline of a limit of ``amount`` ``unit`` starting at ``start``.

        ``working_hours`` and ``minutes`` count office periods of working days only, starting at
        the next office period if ``start`` is outside one; ``working_days`` keeps the position
        in the working day (see :meth:`_add_working_days`); ``hours`` run continuously.
        """
        _check_amount(amount, unit)
        begin = _utc(start)
        if unit == "hours":
            return Deadline(begin + timedelta(hours=amount))
        if amount == 0:
            return Deadline(begin, self._day(self._split(start)[0]).provisional)
        if unit == "working_days":
            return self._add_working_days(start, amount)
        return self._shift(start, amount * _SECONDS_PER_UNIT[unit])

    def working_seconds_between(self, a: datetime, b: datetime) -> float:
        """Working seconds from ``a`` to ``b``; negative when ``b`` is earlier (overdue by ...)."""
        return self._between(a, b)[0]

    def elapsed(self, a: datetime, b: datetime, unit: Unit) -> float:
        """Seconds from ``a`` to ``b`` on the clock of ``unit``: continuous for ``hours``."""
        _check_amount(0, unit)
        if unit == "hours":
            return (_utc(b) - _utc(a)).total_seconds()
        return self._between(a, b)[0]

    def warning_at(
        self, start: datetime, deadline: Deadline | datetime, ratio: float, unit: Unit
    ) -> Deadline:
        """When ``ratio`` of the limit's time (on its clock) is used: the yellow light."""
        if not 0 <= ratio <= 1:
            raise ValueError(f"warning ratio {ratio} is not between 0 and 1")
        end, was_provisional = _unpack(deadline)
        return self._move(start, ratio * self.elapsed(start, end, unit), unit, was_provisional)

    def remaining(self, deadline: Deadline | datetime, at: datetime, unit: Unit) -> float:
        """Seconds left at ``at`` on the clock of ``unit``; negative once overdue."""
        return self.elapsed(at, _unpack(deadline)[0], unit)

    def resume(
        self, deadline: Deadline | datetime, paused_at: datetime, resumed_at: datetime, unit: Unit
    ) -> Deadline:
        """The deadline after a pause (挂账): the time left at the pause is counted from the resume.

        A case paused when already overdue stays overdue by the same amount.
        """
        end, was_provisional = _unpack(deadline)
        left, crossed = (
            (self.elapsed(paused_at, end, unit), False) if unit == "hours" else self._between(paused_at, end)
        )
        return self._move(resumed_at, left, unit, was_provisional or crossed)

    def extend(self, deadline: Deadline | datetime, amount: float, unit: Unit) -> Deadline:
        """The deadline after an approved extension (延期) of ``amount`` ``unit``."""
        end, was_provisional = _unpack(deadline)
        moved = self.add(end, amount, unit)
        return Deadline(moved.at, moved.provisional or was_provisional)

    def _move(self, start: datetime, seconds: float, unit: Unit, provisional: bool) -> Deadline:
        """Move by ``seconds`` on the clock of ``unit``, keeping a provisional mark."""
        if unit == "hours":
            return Deadline(_utc(start) + timedelta(seconds=seconds), provisional)
        moved = self._shift(start, seconds)
        return Deadline(moved.at, moved.provisional or provisional)


def _utc(instant: datetime) -> datetime:
    if instant.tzinfo is None:
        raise ValueError("working-time arithmetic needs timezone-aware datetimes")
    return instant.astimezone(UTC)


def _unpack(deadline: Deadline | datetime) -> tuple[datetime, bool]:
    if isinstance(deadline, Deadline):
        return deadline.at, deadline.provisional
    return deadline, False


def _check_amount(amount: float, unit: str) -> None:
    if unit not in UNITS:
        raise ValueError(f"unknown time unit {unit!r}; expected one of {', '.join(UNITS)}")
    if not math.isfinite(amount) or amount < 0:
        raise ValueError(f"time amount {amount!r} must be a finite number >= 0")
