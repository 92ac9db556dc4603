"""The big screen's panels: counts read from the stored case times, one small query each.

Every panel is a function ``(session, now, district_code) -> JSON value`` registered in
:data:`PANELS` under the name the layout (``config.yaml`` ``screen.panels[].kind``) uses; a
new panel — the evaluation issue's rankings, say — is one more function here and one entry
in the layout, nothing else.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, case, func, or_, select
from sqlalchemy.orm import Session

from engine.command import patrols
from engine.command.points import OPEN_CASE, OPEN_TASK
from engine.store.models import Case, Category, Department, Task
from engine.time.clock import BEIJING, as_utc, isoformat

# The six stages vendors' screens count (上报, 受理, 立案, 派遣, 处置, 结案), each by its stored time.
STAGE_TIMES = {"reported": Case.reported_at, "registered": Case.registered_at, "filed": Case.filed_at,
               "dispatched": Case.dispatched_at, "handled": Case.handled_at, "closed": Case.closed_at}
OVERDUE_ROWS = 20
ON_DUTY_MINUTES = 30  # 城管通 sends a fix every few seconds on duty: half an hour without one is off duty
TOP_CLASSES = 10

Panel = Callable[[Session, datetime, "str | None"], Any]


def day_and_month(now: datetime) -> tuple[datetime, datetime]:
    """The start of today and of this month in Beijing time, as UTC instants."""
    local = now.astimezone(BEIJING)
    day = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return as_utc(day), as_utc(day.replace(day=1))


def _in(district_code: str | None) -> ColumnElement[bool]:
    return Case.district_code == district_code if district_code else Case.id.is_not(None)


def stage_counts(session: Session, now: datetime, district_code: str | None) -> dict[str, dict[str, int]]:
    """Today's and this month's count of cases that reached each stage."""
    today, month = day_and_month(now)
    counts: dict[str, dict[str, int]] = {}
    for stage, column in STAGE_TIMES.items():
        row = session.execute(select(func.count(), func.sum(case((column >= today, 1), else_=0)))
                              .where(column >= month, _in(district_code))).one()
        counts[stage] = {"today": int(row[1] or 0), "month": int(row[0] or 0)}
    return counts


def overdue(session: Session, now: datetime, district_code: str | None) -> list[dict[str, Any]]:
    """Open cases past their handling deadline or with an overdue open task, the oldest first."""
    late_cases = session.execute(
        select(Case.case_no, Case.status, Case.department_code, Case.category_code, Case.deadline_at.label("due"))
        .where(OPEN_CASE, Case.deadline_at < now, _in(district_code))
        .order_by(Case.deadline_at).limit(OVERDUE_ROWS)).all()
    late_tasks = session.execute(
        select(Case.case_no, Case.status, func.coalesce(Task.department_code, Case.department_code).label("dept"),
               Case.category_code, Task.due_at.label("due"))
        .join(Case, Case.id == Task.case_id)
        .where(OPEN_TASK, Task.due_at < now, _in(district_code))
        .order_by(Task.due_at).limit(OVERDUE_ROWS)).all()
    oldest: dict[str, tuple[Any, ...]] = {}
    for no, status, dept, cat, due in [*late_cases, *late_tasks]:
        if no not in oldest or due < oldest[no][4]:
            oldest[no] = (no, status, dept, cat, due)
    rows = sorted(oldest.values(), key=lambda r: r[4])[:OVERDUE_ROWS]
    names = _department_names(session, {r[2] for r in rows if r[2]})
    classes = _class_names(session, {r[3] for r in rows})
    return [{"case_no": no, "stage": status, "department_code": dept, "department": names.get(dept, dept),
             "class": classes.get(cat, cat), "due_at": isoformat(due),
             "seconds_over": int((now - due).total_seconds())} for no, status, dept, cat, due in rows]


def top_classes(session: Session, now: datetime, district_code: str | None) -> list[dict[str, Any]]:
    """The classes most reported today."""
    today, _ = day_and_month(now)
    rows = session.execute(select(Case.category_code, func.count().label("n"))
                           .where(Case.reported_at >= today, _in(district_code))
                           .group_by(Case.category_code).order_by(func.count().desc(), Case.category_code)
                           .limit(TOP_CLASSES)).all()
    names = _class_names(session, {r.category_code for r in rows})
    return [{"code": r.category_code, "name": names.get(r.category_code, r.category_code), "count": r.n}
            for r in rows]


def departments(session: Session, now: datetime, district_code: str | None) -> list[dict[str, Any]]:
    """This month's handled cases per department and the share handled in time, the laggards first."""
    _, month = day_and_month(now)
    in_time = or_(Case.deadline_at.is_(None), Case.handled_at <= Case.deadline_at)
    # Grouped by an expression, not the bare column: SQLite otherwise walked the whole department
    # index for its order instead of this month's handled cases (90 ms against 5 at 60,000 cases).
    department = func.coalesce(Case.department_code, "")
    rows = session.execute(select(department, func.count(), func.sum(case((in_time, 1), else_=0)))
                           .where(Case.handled_at >= month, _in(district_code))
                           .group_by(department)).all()
    rows = [(code, n, int(ok or 0)) for code, n, ok in rows if code]
    names = _department_names(session, {code for code, _, _ in rows})
    result = [{"code": code, "name": names.get(code, code), "handled": n, "on_time": ok, "rate": round(ok / n, 4)}
              for code, n, ok in rows]
    return sorted(result, key=lambda d: (d["rate"], -d["handled"], d["code"]))


def sources(session: Session, now: datetime, district_code: str | None) -> dict[str, dict[str, int]]:
    """Reports per source (inspector, hotline, video, citizen …) today and this month."""
    today, month = day_and_month(now)
    rows = session.execute(select(Case.source, func.count(), func.sum(case((Case.reported_at >= today, 1), else_=0)))
                           .where(Case.reported_at >= month, _in(district_code)).group_by(Case.source)).all()
    return {source: {"today": int(t or 0), "month": int(m)} for source, m, t in rows}


def inspectors(session: Session, now: datetime, district_code: str | None) -> list[dict[str, Any]]:
    """Inspectors on duty (a GPS fix in the last :data:`ON_DUTY_MINUTES`) and their last positions."""
    return patrols.last_positions(session, now, ON_DUTY_MINUTES, district_code)


def _department_names(session: Session, codes: set[str]) -> dict[str, str]:
    if not codes:
        return {}
    return dict(session.execute(select(Department.code, Department.name).where(Department.code.in_(codes))).all())


def _class_names(session: Session, codes: set[str]) -> dict[str, str]:
    if not codes:
        return {}
    rows = session.execute(select(Category.code, Category.minor_name).where(Category.code.in_(codes))).all()
    return dict(rows)


PANELS: dict[str, Panel] = {"stages": stage_counts, "overdue": overdue, "classes": top_classes,
                            "departments": departments, "sources": sources, "inspectors": inspectors}
# A panel kind the page draws without data of its own (the map takes the points).
PAGE_PANELS = ("map",)
