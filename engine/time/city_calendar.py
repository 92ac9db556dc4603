"""The working calendar as the city configured it: office hours from config.yaml, years and local
days from the database. One :class:`WorkCalendar` per process, rebuilt when the data change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from engine.deps import Deps
from engine.errors import Invalid
from engine.store import revisions
from engine.store.rules_models import CalendarDay, CalendarYear
from engine.time.calendar import WorkCalendar
from engine.time.holidays import CalendarData, LocalDay, YearSchedule, parse_local_days, parse_year_file
from engine.time.office_hours import OfficeHours


def _load_data(session: Session) -> CalendarData:
    years: dict[int, YearSchedule] = {}
    loaded = set(session.scalars(select(CalendarYear.year)))
    rows = session.scalars(select(CalendarDay)).all()
    for year in loaded:
        holidays = {r.day: r.name for r in rows if r.source == "year" and r.day.year == year and not r.working}
        workdays = {r.day: r.name for r in rows if r.source == "year" and r.day.year == year and r.working}
        years[year] = YearSchedule(year=year, holidays=holidays, workdays=workdays)
    local = {r.day: LocalDay(name=r.name, working=r.working) for r in rows if r.source == "local"}
    return CalendarData(loaded_years=years, local_days=local)


CALENDAR_REVISION = "calendar"


def work_calendar(deps: Deps, session: Session, known: dict[str, int] | None = None) -> WorkCalendar:
    """The process's calendar, rebuilt only when an administrator changed calendar data."""
    return revisions.cached(
        deps, session, CALENDAR_REVISION,
        lambda: WorkCalendar(OfficeHours.from_config(deps.settings.office_hours), _load_data(session)), known)


@dataclass(frozen=True)
class YearLoaded:
    year: int
    holidays: int
    workdays: int


def load_year(deps: Deps, year: int, text: str, *, actor: str) -> YearLoaded:
    """Load (or replace) one year's holidays and make-up working days from an administrator's file.

    :raises CalendarDataError: naming each bad line; nothing is changed.
    """
    if not 2000 <= year <= 2100:
        raise Invalid("year must be between 2000 and 2100", fields={"year": "out of range"})
    schedule = parse_year_file(text, year)
    with deps.uow(write=True) as uow:
        s = uow.session
        s.execute(delete(CalendarDay).where(CalendarDay.source == "year", CalendarDay.day >= date(year, 1, 1),
                                            CalendarDay.day <= date(year, 12, 31)))
        for day, name in schedule.holidays.items():
            s.add(CalendarDay(day=day, source="year", working=False, name=name or "节假日"))
        for day, name in schedule.workdays.items():
            s.add(CalendarDay(day=day, source="year", working=True, name=name or "调休上班"))
        revisions.bump(s, CALENDAR_REVISION)
        existing = s.get(CalendarYear, year)
        if existing is None:
            s.add(CalendarYear(year=year, loaded_at=deps.clock.now(), loaded_by=actor))
        else:
            existing.loaded_at, existing.loaded_by = deps.clock.now(), actor
        uow.commit()
    return YearLoaded(year, len(schedule.holidays), len(schedule.workdays))


def load_local_days(deps: Deps, text: str) -> int:
    """Add or replace local days (Xinjiang's 肉孜节 and 古尔邦节, a city closure, an extra working day)."""
    days = parse_local_days(text)
    with deps.uow(write=True) as uow:
        revisions.bump(uow.session, CALENDAR_REVISION)
        for day, local in days.items():
            row = uow.session.get(CalendarDay, (day, "local"))
            if row is None:
                uow.session.add(CalendarDay(day=day, source="local", working=local.working, name=local.name))
            else:
                row.working, row.name = local.working, local.name
        uow.commit()
    return len(days)


def calendar_status(deps: Deps) -> dict[str, Any]:
    """What administrators need to see: loaded years, local days, and years still missing."""
    with deps.uow() as uow:
        calendar = work_calendar(deps, uow.session)
        today = deps.clock.now().date()
        years = [{"year": y.year, "loaded_at": y.loaded_at.isoformat(), "loaded_by": y.loaded_by}
                 for y in uow.session.scalars(select(CalendarYear).order_by(CalendarYear.year))]
        local = [{"day": d.day.isoformat(), "name": d.name, "working": d.working}
                 for d in uow.session.scalars(select(CalendarDay).where(CalendarDay.source == "local")
                                              .order_by(CalendarDay.day))]
        return {"loaded_years": years, "local_days": local, "missing_years": calendar.missing_years(today)}
