"""Time (时限): the clock, the working calendar, the case clock, time limits, lights, timers and the
scheduler that fires them.

The working calendar (``calendar``) does the working-time arithmetic for every time limit in szcg.

Timers, lights, suspension, extension and the evaluation all ask this one module, so a deadline
means the same thing everywhere. The calendar is pure: plain data in (office hours from config.yaml, the
years and local days an administrator loaded), aware datetimes out — no database, no Flask.

Two clocks (workflow.md §6): urgent conditions count continuous ``hours``; every other unit
(``working_days``, ``working_hours``, ``minutes``) counts only the office periods of working days.
Days are decided in official time (Beijing, +08:00); results are returned in UTC, as
:mod:`engine.time.clock` stores them.

The holiday library (``chinese_calendar``) only knows the years the State Council has published.
For any other year the calendar never fails: an administrator-loaded :class:`YearSchedule` is used
if there is one, otherwise weekends only, and every answer that relied on such a guess is marked
``provisional`` so the caller can warn (see :meth:`WorkCalendar.missing_years`).

A day is decided in this order: an administrator's local day (肉孜节, 古尔邦节, a closure, or an
extra working day), then a loaded year, then the library, then weekends only (provisional).

1 working day is the office time of one working day. Adding N working days keeps the start's
position in its working day, measured as the fraction of that day's office time already gone:
Tuesday 10:00 + 1 working day = 10:00 on the next working day, even if that day has other office
hours (a season change). A start outside office hours counts from the next opening, and a result
that would fall on an opening is given as the closing of the working day before: Monday 08:00
+ 1 working day = Monday 18:00, not Tuesday 08:00.
"""
