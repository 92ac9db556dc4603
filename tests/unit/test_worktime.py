"""The working calendar, on real Chinese holiday schedules (chinesecalendar knows 2004–2026).

National Day 2025, as the library has it: Oct 1–8 off, Sun Sep 28 and Sat Oct 11 make-up working
days, so Tue Sep 30 is the last working day before the holiday and Thu Oct 9 the first after it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import yaml

from engine.errors import ConfigError
from engine.time.calendar import Deadline, WorkCalendar
from engine.time.clock import BEIJING
from engine.time.holidays import (
    CalendarData,
    CalendarDataError,
    LocalDay,
    format_year_file,
    parse_local_days,
    parse_year_file,
)
from engine.time.office_hours import OfficeHours

CONFIG = Path(__file__).resolve().parents[2] / "config.yaml"
EIGHT_TO_SIX = [{"season": "all year", "starts": "01-01", "periods": ["08:00-12:00", "14:00-18:00"]}]


def bj(*parts: int) -> datetime:
    """An instant in Beijing time."""
    return datetime(*parts, tzinfo=BEIJING)


def local(deadline: Deadline) -> datetime:
    return deadline.at.astimezone(BEIJING)


@pytest.fixture
def simple() -> WorkCalendar:
    """Offices open 08:00–12:00 and 14:00–18:00: easy to compute by hand."""
    return WorkCalendar(OfficeHours.from_config(EIGHT_TO_SIX))


@pytest.fixture
def configured() -> WorkCalendar:
    """The office hours shipped in config.yaml (Urumqi: summer 10–14/16–20, winter 10–14/15:30–19:30)."""
    office_hours = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))["office_hours"]
    return WorkCalendar(OfficeHours.from_config(office_hours))


# --- the national calendar --------------------------------------------------------------------------


def test_the_library_schedule_used_here_is_the_published_one(simple: WorkCalendar) -> None:
    assert simple.is_working_day(date(2025, 9, 30))
    assert not any(simple.is_working_day(date(2025, 10, day)) for day in range(1, 9))
    assert simple.is_working_day(date(2025, 10, 9))


def test_four_working_hours_from_1730_before_national_day_end_after_the_holiday(simple: WorkCalendar) -> None:
    # Tue Sep 30 17:30–18:00 = 0.5 h; Oct 1–8 off; Thu Oct 9 08:00 + 3.5 h = 11:30.
    deadline = simple.add(bj(2025, 9, 30, 17, 30), 4, "working_hours")
    assert local(deadline) == bj(2025, 10, 9, 11, 30)
    assert deadline.at.tzinfo == UTC and not deadline.provisional


def test_four_working_hours_before_national_day_with_configured_office_hours(
    configured: WorkCalendar,
) -> None:
    # Sep 30 is still summer (16:00–20:00): 19:00–20:00 = 1 h. Oct 9 is winter: 10:00 + 3 h = 13:00.
    deadline = configured.add(bj(2025, 9, 30, 19, 0), 4, "working_hours")
    assert local(deadline) == bj(2025, 10, 9, 13, 0)


def test_a_make_up_saturday_counts_as_a_working_day(simple: WorkCalendar) -> None:
    assert simple.is_working_day(date(2025, 10, 11))  # Saturday, 调休 for National Day
    assert not simple.is_working_day(date(2025, 10, 12))  # the Sunday after it is off
    # Fri Oct 10 17:00–18:00 = 1 h, Sat Oct 11 08:00 + 1 h = 09:00.
    assert local(simple.add(bj(2025, 10, 10, 17, 0), 2, "working_hours")) == bj(2025, 10, 11, 9, 0)


def test_a_local_holiday_counts_as_non_working() -> None:
    data = CalendarData(local_days={date(2025, 6, 6): LocalDay("古尔邦节")})
    calendar = WorkCalendar(OfficeHours.from_config(EIGHT_TO_SIX), data)
    assert calendar.day_status(date(2025, 6, 6)) == (False, False)  # an ordinary Friday otherwise
    # Thu Jun 5 16:00–18:00 = 2 h; Fri closed; weekend; Mon Jun 9 08:00 + 2 h = 10:00.
    assert local(calendar.add(bj(2025, 6, 5, 16, 0), 4, "working_hours")) == bj(2025, 6, 9, 10, 0)


def test_a_local_working_day_opens_a_weekend_day() -> None:
    data = CalendarData(local_days=parse_local_days("2025-06-07,workday,城市清洁日\n"))
    calendar = WorkCalendar(OfficeHours.from_config(EIGHT_TO_SIX), data)
    assert calendar.is_working_day(date(2025, 6, 7))
    assert local(calendar.add(bj(2025, 6, 6, 17, 0), 2, "working_hours")) == bj(2025, 6, 7, 9, 0)


# --- the two clocks ---------------------------------------------------------------------------------


def test_urgent_hours_run_through_nights_and_holidays(simple: WorkCalendar) -> None:
    start = bj(2025, 9, 30, 17, 30)
    assert local(simple.add(start, 2, "hours")) == bj(2025, 9, 30, 19, 30)
    assert local(simple.add(start, 24, "hours")) == bj(2025, 10, 1, 17, 30)
    assert simple.elapsed(start, bj(2025, 10, 1, 17, 30), "hours") == 24 * 3600


def test_stage_minutes_are_working_minutes(simple: WorkCalendar) -> None:
    # 11:55 + 10 working minutes: 5 before lunch, 5 after 14:00.
    assert local(simple.add(bj(2025, 11, 3, 11, 55), 10, "minutes")) == bj(2025, 11, 3, 14, 5)


def test_a_start_outside_office_hours_counts_from_the_next_office_period(simple: WorkCalendar) -> None:
    assert local(simple.add(bj(2025, 11, 3, 6, 0), 1, "working_hours")) == bj(2025, 11, 3, 9, 0)
    assert local(simple.add(bj(2025, 11, 3, 12, 30), 1, "working_hours")) == bj(2025, 11, 3, 15, 0)
    assert local(simple.add(bj(2025, 11, 3, 19, 0), 1, "working_hours")) == bj(2025, 11, 4, 9, 0)
    # Saturday morning: Monday 08:00 + 1 h.
    assert local(simple.add(bj(2025, 11, 8, 9, 0), 1, "working_hours")) == bj(2025, 11, 10, 9, 0)


def test_office_hours_follow_the_season(configured: WorkCalendar) -> None:
    seasons = configured.office_hours
    assert seasons.season_on(date(2025, 1, 15)).name == "winter"  # wraps over New Year
    assert seasons.season_on(date(2025, 5, 1)).name == "summer"
    assert seasons.season_on(date(2025, 9, 30)).name == "summer"
    assert seasons.season_on(date(2025, 10, 1)).name == "winter"
    # Winter afternoon opens 15:30, summer afternoon 16:00.
    assert local(configured.add(bj(2025, 4, 29, 15, 0), 1, "working_hours")) == bj(2025, 4, 29, 16, 30)
    assert local(configured.add(bj(2025, 5, 6, 15, 0), 1, "working_hours")) == bj(2025, 5, 6, 17, 0)


def test_input_in_utc_gives_the_same_deadline(simple: WorkCalendar) -> None:
    in_utc = bj(2025, 9, 30, 17, 30).astimezone(UTC)
    assert simple.add(in_utc, 4, "working_hours") == simple.add(bj(2025, 9, 30, 17, 30), 4, "working_hours")


# --- working days ------------------------------------------------------------------------------------


def test_a_working_day_keeps_the_position_in_the_working_day(simple: WorkCalendar) -> None:
    assert local(simple.add(bj(2025, 9, 30, 10, 0), 1, "working_days")) == bj(2025, 10, 9, 10, 0)
    assert local(simple.add(bj(2025, 10, 10, 17, 30), 1, "working_days")) == bj(2025, 10, 11, 17, 30)
    # From opening time the limit ends at a closing time: Mon 08:00 + 3 working days = Wed 18:00.
    assert local(simple.add(bj(2025, 11, 3, 8, 0), 3, "working_days")) == bj(2025, 11, 5, 18, 0)
    # Half a working day from 08:00 = 4 working hours = 12:00.
    assert local(simple.add(bj(2025, 11, 3, 8, 0), 0.5, "working_days")) == bj(2025, 11, 3, 12, 0)


def test_a_working_day_is_measured_in_each_days_own_office_hours() -> None:
    hours = OfficeHours.from_config(
        [
            {"season": "short", "starts": "01-01", "periods": ["09:00-13:00"]},
            {"season": "long", "starts": "11-04", "periods": ["08:00-12:00", "14:00-18:00"]},
        ]
    )
    calendar = WorkCalendar(hours)
    # Mon Nov 3 11:00 is half-way through a 4-hour day, so Tue Nov 4 at half of 8 hours: 12:00.
    assert local(calendar.add(bj(2025, 11, 3, 11, 0), 1, "working_days")) == bj(2025, 11, 4, 12, 0)


def test_thirty_working_days_skip_holidays(simple: WorkCalendar) -> None:
    # From Mon Sep 1 10:00: 22 working days follow in September (incl. make-up Sun Sep 28), so the
    # 30th is October's 8th: Oct 9, 10, 11 (Sat), 13, 14, 15, 16, 17 -> Fri Oct 17 10:00.
    assert local(simple.add(bj(2025, 9, 1, 10, 0), 30, "working_days")) == bj(2025, 10, 17, 10, 0)


# --- measuring, warning, pausing, extending ----------------------------------------------------------


@pytest.mark.parametrize("start", [bj(2025, 9, 30, 17, 30), bj(2025, 9, 27, 3, 0), bj(2025, 4, 29, 13, 59)])
@pytest.mark.parametrize("hours", [0.25, 4, 8, 40, 200])
def test_working_seconds_between_undoes_add(configured: WorkCalendar, start: datetime, hours: float) -> None:
    deadline = configured.add(start, hours, "working_hours")
    assert configured.working_seconds_between(start, deadline.at) == pytest.approx(hours * 3600, abs=1e-3)
    assert configured.working_seconds_between(deadline.at, start) == pytest.approx(-hours * 3600, abs=1e-3)


def test_the_warning_comes_when_the_ratio_of_working_time_is_used(simple: WorkCalendar) -> None:
    start = bj(2025, 11, 3, 8, 0)
    deadline = simple.add(start, 8, "working_hours")  # Mon 18:00
    # 80 % of 8 h = 6.4 h: 08:00–12:00 and 14:00 + 2.4 h = 16:24.
    assert local(simple.warning_at(start, deadline, 0.8, "working_hours")) == bj(2025, 11, 3, 16, 24)
    urgent = simple.add(start, 10, "hours")
    assert local(simple.warning_at(start, urgent, 0.8, "hours")) == bj(2025, 11, 3, 16, 0)


def test_a_paused_clock_resumes_with_the_paused_time_excluded(simple: WorkCalendar) -> None:
    deadline = simple.add(bj(2025, 11, 3, 8, 0), 8, "working_hours")  # Mon 18:00
    # Paused Mon 12:00 with 4 h left; resumed Wed 14:00: 4 h later is Wed 18:00.
    resumed = simple.resume(deadline, bj(2025, 11, 3, 12, 0), bj(2025, 11, 5, 14, 0), "working_hours")
    assert local(resumed) == bj(2025, 11, 5, 18, 0)
    assert simple.remaining(resumed, bj(2025, 11, 5, 14, 0), "working_hours") == 4 * 3600


def test_an_urgent_clock_pauses_in_continuous_time(simple: WorkCalendar) -> None:
    deadline = simple.add(bj(2025, 11, 3, 0, 0), 10, "hours")
    resumed = simple.resume(deadline, bj(2025, 11, 3, 2, 0), bj(2025, 11, 3, 10, 0), "hours")
    assert local(resumed) == bj(2025, 11, 3, 18, 0)


def test_a_case_paused_when_overdue_stays_overdue_by_as_much(simple: WorkCalendar) -> None:
    deadline = simple.add(bj(2025, 11, 3, 8, 0), 8, "working_hours")  # Mon 18:00
    # Paused Tue 10:00, 2 working hours late; resumed Thu 10:00: still 2 h late -> Thu 08:00.
    resumed = simple.resume(deadline, bj(2025, 11, 4, 10, 0), bj(2025, 11, 6, 10, 0), "working_hours")
    assert local(resumed) == bj(2025, 11, 6, 8, 0)


def test_an_extension_adds_working_time_after_the_deadline(simple: WorkCalendar) -> None:
    deadline = simple.add(bj(2025, 9, 29, 8, 0), 2, "working_days")  # Tue Sep 30 18:00
    assert local(deadline) == bj(2025, 9, 30, 18, 0)
    assert local(simple.extend(deadline, 1, "working_days")) == bj(2025, 10, 9, 18, 0)
    assert local(simple.extend(deadline, 3, "working_hours")) == bj(2025, 10, 9, 11, 0)


# --- years the library does not know ------------------------------------------------------------------


def test_a_deadline_in_an_unknown_year_counts_weekends_only_and_is_provisional(simple: WorkCalendar) -> None:
    # Thu 2026-12-31 17:00–18:00 = 1 h; Fri 2027-01-01 is taken as a working day: 08:00 + 7 h = 17:00.
    deadline = simple.add(bj(2026, 12, 31, 17, 0), 8, "working_hours")
    assert local(deadline) == bj(2027, 1, 1, 17, 0)
    assert deadline.provisional
    assert simple.extend(deadline, 1, "working_hours").provisional
    assert simple.day_status(date(2027, 1, 4)) == (True, True)
    assert simple.missing_years(date(2026, 11, 25)) == [2027]
    assert not simple.add(bj(2026, 12, 30, 8, 0), 8, "working_hours").provisional


def test_loading_the_year_makes_the_deadline_exact() -> None:
    schedule = parse_year_file("date,kind,name\n2027-01-01,holiday,元旦\n", 2027)
    calendar = WorkCalendar(OfficeHours.from_config(EIGHT_TO_SIX), CalendarData({2027: schedule}))
    # Dec 31 1 h; Jan 1 holiday; Jan 2–3 weekend; Mon Jan 4 08:00 + 7 h = 17:00.
    deadline = calendar.add(bj(2026, 12, 31, 17, 0), 8, "working_hours")
    assert local(deadline) == bj(2027, 1, 4, 17, 0)
    assert not deadline.provisional
    assert calendar.missing_years(date(2026, 11, 25)) == []
    assert calendar.year_source(2027) == "loaded"


def test_a_loaded_year_overrides_the_library() -> None:
    schedule = parse_year_file("2025-10-13,holiday,城市停电\n2025-10-12,workday,补班\n", 2025)
    calendar = WorkCalendar(OfficeHours.from_config(EIGHT_TO_SIX), CalendarData({2025: schedule}))
    assert calendar.is_working_day(date(2025, 10, 12))
    assert not calendar.is_working_day(date(2025, 10, 13))
    assert calendar.is_working_day(date(2025, 10, 1))  # the loaded file replaces the whole year


# --- refusals ---------------------------------------------------------------------------------------


def test_a_year_file_is_refused_with_line_numbers() -> None:
    text = "\n".join(
        [
            "date,kind,name",  # 1
            "2027-02-30,holiday,春节",  # 2: no such date
            "2026-10-01,holiday,国庆节",  # 3: wrong year
            "2027-02-06,holiday,春节",  # 4
            "2027-02-06,workday,春节",  # 5: both holiday and workday
            "2027-02-06,holiday,春节",  # 6: duplicate
            "2027-02-07,rest,春节",  # 7: unknown kind
            "2027/02/08,holiday,春节",  # 8: not ISO
        ]
    )
    with pytest.raises(CalendarDataError) as refused:
        parse_year_file(text, 2027)
    assert [problem.split(":")[0] for problem in refused.value.problems] == [
        "line 2", "line 3", "line 5", "line 6", "line 7", "line 8",
    ]  # fmt: skip
    assert "workday here but holiday on line 4" in refused.value.problems[2]
    assert "repeats line 4" in refused.value.problems[3]
    assert isinstance(refused.value, ValueError)
    assert refused.value.to_dict()["error"] == "calendar_data_invalid"


def test_an_empty_year_file_is_refused() -> None:
    with pytest.raises(CalendarDataError, match="no days"):
        parse_year_file("# nothing yet\n\n", 2027)


def test_a_year_file_round_trips() -> None:
    schedule = parse_year_file("2027-01-01,holiday,元旦\n2027-02-14,workday,春节\n", 2027)
    assert parse_year_file(format_year_file(schedule), 2027) == schedule


def test_overlapping_office_periods_are_refused() -> None:
    with pytest.raises(ConfigError, match="overlap"):
        OfficeHours.from_config(
            [{"season": "x", "starts": "01-01", "periods": ["08:00-12:00", "11:00-13:00"]}]
        )
    with pytest.raises(ConfigError):
        OfficeHours.from_config([{"season": "x", "starts": "02-30", "periods": ["08:00-12:00"]}])


def test_naive_datetimes_and_unknown_units_are_refused(simple: WorkCalendar) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        simple.add(datetime(2025, 11, 3, 8, 0), 1, "working_hours")
    with pytest.raises(ValueError, match="timezone-aware"):
        simple.add(datetime(2025, 11, 3, 8, 0), 1, "hours")
    with pytest.raises(ValueError, match="unit"):
        simple.add(bj(2025, 11, 3, 8, 0), 1, "fortnights")  # type: ignore[arg-type]
