"""Evaluation periods: a day, an ISO week, a month, a quarter, a year or any date range.

A period is always whole Beijing calendar days, half open ``[start, end)``, and is named by a
short text that the API, the pages and a published snapshot share: ``2026-05-12`` (day),
``2026-W20`` (ISO week), ``2026-05`` (month), ``2026-Q2`` (quarter), ``2026`` (year) and
``2026-05-01..2026-05-20`` (both days included).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from engine.errors import Invalid
from engine.time.clock import BEIJING, as_utc

_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
_YEAR = re.compile(r"^(\d{4})$")


@dataclass(frozen=True)
class Period:
    """A named span of Beijing days; ``start``/``end`` are UTC instants, end excluded."""

    name: str
    kind: str  # day | week | month | quarter | year | range
    first_day: date
    last_day: date

    @property
    def start(self) -> datetime:
        return _instant(self.first_day)

    @property
    def end(self) -> datetime:
        return _instant(self.last_day + timedelta(days=1))

    def cutoff(self, now: datetime) -> datetime:
        """Where "at the end of the period" is judged: its end, or (just after) now for a period still
        running — what happened at this very instant is already in."""
        return min(self.end, now + timedelta(microseconds=1))

    def shifted_years(self, years: int) -> Period:
        """The same period ``years`` later (earlier when negative): last winter's month for this one's."""
        if self.kind in ("month", "quarter", "year", "week"):
            try:
                return parse_period(f"{int(self.name[:4]) + years:04d}{self.name[4:]}")
            except Invalid:  # week 53 of a year that has 52
                return parse_period(f"{int(self.name[:4]) + years:04d}-W52")
        first = _same_day(self.first_day, years)
        return _range(first, first + (self.last_day - self.first_day), self.kind)

    def previous(self) -> Period:
        """The period of the same kind just before (a range: as many days before)."""
        if self.kind == "month":
            d = self.first_day - timedelta(days=1)
            return parse_period(f"{d.year:04d}-{d.month:02d}")
        if self.kind == "quarter":
            d = self.first_day - timedelta(days=1)
            return parse_period(f"{d.year:04d}-Q{(d.month - 1) // 3 + 1}")
        if self.kind == "year":
            return parse_period(str(self.first_day.year - 1))
        length = (self.last_day - self.first_day).days + 1
        first = self.first_day - timedelta(days=length)
        return _range(first, self.first_day - timedelta(days=1), self.kind)


def _same_day(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _instant(day: date) -> datetime:
    return as_utc(datetime(day.year, day.month, day.day, tzinfo=BEIJING))


def _range(first: date, last: date, kind: str) -> Period:
    if kind == "day":
        return Period(first.isoformat(), "day", first, last)
    if kind == "week":
        year, week, _ = first.isocalendar()
        return Period(f"{year:04d}-W{week:02d}", "week", first, last)
    return Period(f"{first.isoformat()}..{last.isoformat()}", "range", first, last)


def _refuse(text: str) -> Invalid:
    return Invalid(f"'{text}' is not a period: use 2026-05-12, 2026-W20, 2026-05, 2026-Q2, 2026 "
                   "or 2026-05-01..2026-05-20", fields={"period": "invalid"})


def _date(text: str, whole: str) -> date:
    m = _DAY.match(text)
    if not m:
        raise _refuse(whole)
    try:
        return date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        raise _refuse(whole) from None


def parse_period(text: str) -> Period:
    """The period a name stands for.

    :raises Invalid: naming the field ``period`` when the text is none of the forms.
    """
    text = (text or "").strip()
    try:
        if ".." in text:
            first_text, last_text = text.split("..", 1)
            first, last = _date(first_text, text), _date(last_text, text)
            if last < first or (last - first).days > 3700:
                raise _refuse(text)
            return _range(first, last, "range")
        if _DAY.match(text):
            day = _date(text, text)
            return _range(day, day, "day")
        if m := _WEEK.match(text):
            first = date.fromisocalendar(int(m[1]), int(m[2]), 1)
            return _range(first, first + timedelta(days=6), "week")
        if m := _MONTH.match(text):
            year, month = int(m[1]), int(m[2])
            first = date(year, month, 1)
            nxt = date(year + month // 12, month % 12 + 1, 1)
            return Period(text, "month", first, nxt - timedelta(days=1))
        if m := _QUARTER.match(text):
            year, q = int(m[1]), int(m[2])
            first = date(year, 3 * q - 2, 1)
            nxt = date(year + q // 4, (3 * q) % 12 + 1, 1)
            return Period(text, "quarter", first, nxt - timedelta(days=1))
        if m := _YEAR.match(text):
            return Period(text, "year", date(int(m[1]), 1, 1), date(int(m[1]), 12, 31))
    except ValueError:
        raise _refuse(text) from None
    raise _refuse(text)
