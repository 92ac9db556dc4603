"""Open cases as the big screen's map points: ``[lon, lat, light, emergency, case_no]``.

Compact on purpose — 20,000 open cases travel as plain arrays, no geometry and no names per
case (the screen asks for one case's card when it is clicked). ``light`` is :data:`LIGHTS`'
index: the worst of the case's clock and its open tasks' limits; ``emergency`` is 1 when an
open task has the emergency priority or the case carries an emergency response level.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Select, case, func, select, text
from sqlalchemy.orm import Session

from engine.runtime.parsing import PRIORITIES
from engine.store.models import Case, Task

LIGHTS = (None, "green", "yellow", "red")
FINISHED = ("closed", "void")
# The partial indexes' own conditions (migration 0015), written out so that the database matches
# them: a bound ``NOT IN (?, ?)`` does not select a partial index on SQLite.
OPEN_CASE = text("cases.status NOT IN ('closed', 'void')")
OPEN_TASK = text("tasks.state = 'open'")

Point = list[Any]


def _light(now: datetime, warn: Any, due: Any) -> Any:
    """The light as :data:`LIGHTS`' index, computed by the database (no times decoded per row)."""
    return case((due <= now, 3), (warn <= now, 2), (due.is_not(None), 1), else_=0)


def _open_tasks(now: datetime, case_ids: list[int] | None) -> Any:
    """Per case: the worst light and the highest priority of its open tasks.

    For a delta the aggregate is limited to the cases that moved: grouping every open task of
    the city to read a handful of them was 40 ms at 20,000 open cases (`szcg bench`).
    """
    query = (select(Task.case_id, func.max(_light(now, Task.warn_at, Task.due_at)).label("light"),
                    func.max(Task.priority).label("priority")).where(Task.state == "open"))
    if case_ids is not None:
        query = query.where(Task.case_id.in_(case_ids))
    return query.group_by(Task.case_id).subquery()


def _points_query(now: datetime, district_code: str | None, case_ids: list[int] | None = None) -> Select[Any]:
    agg = _open_tasks(now, case_ids)
    query = (select(Case.case_no, Case.lon, Case.lat, Case.status, Case.response_level,
                    _light(now, Case.deadline_warn_at, Case.deadline_at).label("case_light"),
                    agg.c.light, agg.c.priority)
             .outerjoin(agg, agg.c.case_id == Case.id))
    if district_code:
        query = query.where(Case.district_code == district_code)
    return query


def _point(row: Any) -> Point:
    worst = max(row.case_light or 0, row.light or 0)
    emergency = (row.priority or 0) >= PRIORITIES["emergency"] or row.response_level is not None
    return [round(row.lon, 6), round(row.lat, 6), worst, int(emergency), row.case_no]


def open_points(session: Session, now: datetime, district_code: str | None) -> list[Point]:
    """Every open case of the district (or city) as a point.

    Two scans of partial covering indexes (0015), joined here: the open tasks' worst light and
    highest priority per case, then the open cases. One join in SQL made SQLite scan every case
    and every task ever created (1.3 s at 20,000 open among 60,000 cases on a busy machine).
    Only numbers and strings come back (the lights are computed by the database): decoding
    40,000 timestamps was a fifth of the time.
    """
    connection = session.connection()  # Core rows: the ORM's result machinery doubled the time
    tasks = {case_id: (light, priority) for case_id, light, priority in connection.execute(
        select(Task.case_id, func.max(_light(now, Task.warn_at, Task.due_at)), func.max(Task.priority))
        .where(OPEN_TASK).group_by(Task.case_id))}
    query = (select(Case.id, Case.case_no, Case.lon, Case.lat, _light(now, Case.deadline_warn_at, Case.deadline_at),
                    Case.response_level).where(OPEN_CASE))
    if district_code:
        query = query.where(Case.district_code == district_code)
    emergency, none, get = PRIORITIES["emergency"], (0, None), tasks.get

    def point(row: Any) -> Point:  # the hot loop: 20,000 calls; round(x * 1e6) / 1e6 is round(x, 6), 2.5× faster
        case_id, case_no, lon, lat, light, level = row
        task_light, priority = get(case_id, none)
        return [round(lon * 1e6) / 1e6, round(lat * 1e6) / 1e6, task_light if task_light > light else light,
                1 if level is not None or (priority is not None and priority >= emergency) else 0, case_no]

    return [point(row) for row in connection.execute(query)]


def points_of(session: Session, now: datetime, district_code: str | None,
              case_ids: Iterable[int]) -> tuple[list[Point], list[str]]:
    """The given cases as points (still open) and as case numbers to remove (finished or elsewhere)."""
    ids = list(case_ids)
    if not ids:
        return [], []
    upsert, remove = [], []
    query = _points_query(now, None, ids).add_columns(Case.district_code).where(Case.id.in_(ids))
    for row in session.execute(query):
        if row.status in FINISHED or (district_code and row.district_code != district_code):
            remove.append(row.case_no)
        else:
            upsert.append(_point(row))
    return upsert, remove
