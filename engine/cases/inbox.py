"""The inbox (任务列表): a user's actionable tasks, most urgent first, with time left and lights.

Two indexed queries per page whatever the number of rows — one for the rows (task, case,
class name and place names joined in), one for the counts per stage — and never the engine.
Pages are cut by keyset (the last row's sort key), so page 50 costs what page 1 costs.

Order: tasks with a due time first, earliest due first; then tasks without a limit; within
each, newest first. That is "most urgent first" with "newest first" as the tie-break. High-priority
tasks (an urge to answer, ``priority="high"`` in the BPMN) come before all of them on the first
page (one more query there), as in :func:`engine.cases.tasks.list_tasks`.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import aliased

from engine.deps import Deps
from engine.errors import BadRequest
from engine.people.accounts import Actor
from engine.people.authz import task_clause
from engine.processes.catalog import stage_orders
from engine.runtime.parsing import PRIORITIES
from engine.store.models import Case, Category, Place, Task
from engine.time.lights import Light, light_of


@dataclass(frozen=True)
class InboxFilter:
    stage: str | None = None
    district_code: str | None = None
    category_code: str | None = None
    lane: str | None = None          # the department page shows handler tasks, 城管通 inspector tasks
    process_key: str | None = None


@dataclass(frozen=True)
class InboxRow:
    task_id: str
    task_name: str
    stage: str
    lane: str
    case_no: str
    case_status: str
    category_code: str
    category_name: str | None
    district_code: str | None
    district_name: str | None
    grid_code: str | None
    grid_name: str | None
    address: str | None
    description: str
    department_code: str | None
    urgency: str
    created_at: datetime
    warn_at: datetime | None
    due_at: datetime | None
    light: Light | None
    seconds_left: int | None
    priority: int = 0
    process_key: str = ""

    @property
    def emergency(self) -> bool:
        """An emergency task (``priority="emergency"`` in its BPMN): shown on top, in its own colour."""
        return self.priority >= PRIORITIES["emergency"]


@dataclass(frozen=True)
class InboxPage:
    rows: list[InboxRow]
    counts: dict[str, int]
    total: int
    next_cursor: str | None
    now: datetime
    filter: InboxFilter = field(default_factory=InboxFilter)
    stage_order: tuple[str, ...] = ()  # the deployed processes' stages, in their order


def _base_conditions(actor: Actor, flt: InboxFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [Task.state == "open", task_clause(actor)]
    if flt.district_code:
        conditions.append(Task.district_code == flt.district_code)
    if flt.category_code:
        conditions.append(Case.category_code == flt.category_code)
    if flt.lane:
        conditions.append(Task.lane == flt.lane)
    if flt.process_key:
        conditions.append(Case.process_key == flt.process_key)
    return conditions


def encode_cursor(row: InboxRow) -> str:
    due = row.due_at.isoformat() if row.due_at else "-"
    text = f"{due}|{row.created_at.isoformat()}|{row.task_id}"
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime | None, datetime, str]:
    """Inverse of :func:`encode_cursor`.

    :raises BadRequest: a cursor that was not made by this module.
    """
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        due, created, task_id = text.split("|")
        return (None if due == "-" else datetime.fromisoformat(due)), datetime.fromisoformat(created), task_id
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise BadRequest("the page cursor is not valid", fields={"after": "invalid"}) from None


def _after(cursor: str) -> ColumnElement[bool]:
    due, created, task_id = decode_cursor(cursor)
    newer = or_(Task.created_at < created, and_(Task.created_at == created, Task.id < task_id))
    if due is None:
        return and_(Task.due_at.is_(None), newer)
    return or_(Task.due_at.is_(None), Task.due_at > due, and_(Task.due_at == due, newer))


def inbox(deps: Deps, actor: Actor, flt: InboxFilter | None = None, *, after: str | None = None,
          limit: int = 20) -> InboxPage:
    """One page of the actor's open tasks with their case, class, place and light."""
    flt = flt or InboxFilter()
    now = deps.clock.now()
    grid, district = aliased(Place), aliased(Place)
    conditions = _base_conditions(actor, flt)
    rows_query = (
        select(Task, Case.case_no, Case.status, Case.category_code, Case.address, Case.description, Case.urgency,
               Category.minor_name, grid.name, district.name, Case.process_key)
        .join(Case, Case.id == Task.case_id)
        .outerjoin(Category, and_(Category.standard == Case.standard, Category.code == Case.category_code))
        .outerjoin(grid, grid.code == Task.grid_code)
        .outerjoin(district, district.code == Task.district_code)
        .where(*conditions)
    )
    if flt.stage:
        rows_query = rows_query.where(Task.stage == flt.stage)
    top_query = None
    if after:
        rows_query = rows_query.where(_after(after))
    else:
        top_query = rows_query.where(Task.priority > 0).order_by(Task.priority.desc(), Task.created_at.desc(),
                                                                 Task.id.desc()).limit(limit)
    rows_query = rows_query.where(Task.priority <= 0).order_by(
        Task.due_at.is_(None), Task.due_at, Task.created_at.desc(), Task.id.desc()).limit(limit + 1)
    counts_query = (select(Task.stage, func.count()).join(Case, Case.id == Task.case_id).where(*conditions)
                    .group_by(Task.stage))
    with deps.uow() as uow:
        top = uow.session.execute(top_query).all() if top_query is not None else []
        fetched = uow.session.execute(rows_query).all()
        counts = {stage: int(n) for stage, n in uow.session.execute(counts_query)}
        order = tuple(dict.fromkeys(stage for _key, stages in sorted(stage_orders(deps, uow.session).items())
                                    for stage in stages))
    rows = [_row(now, *r) for r in fetched[:limit]]
    more = len(fetched) > limit
    total = counts.get(flt.stage, 0) if flt.stage else sum(counts.values())
    return InboxPage(rows=[_row(now, *r) for r in top] + rows, counts=counts, total=total,
                     next_cursor=encode_cursor(rows[-1]) if more else None, now=now, filter=flt, stage_order=order)


def _row(now: datetime, task: Task, case_no: str, status: str, category_code: str, address: str | None,
         description: str, urgency: str, category_name: str | None, grid_name: str | None,
         district_name: str | None, process_key: str) -> InboxRow:
    left = int((task.due_at - now).total_seconds()) if task.due_at else None
    return InboxRow(
        task_id=task.id, task_name=task.name, stage=task.stage, lane=task.lane, case_no=case_no, case_status=status,
        category_code=category_code, category_name=category_name, district_code=task.district_code,
        district_name=district_name, grid_code=task.grid_code, grid_name=grid_name, address=address,
        description=description, department_code=task.department_code, urgency=urgency,
        created_at=task.created_at, warn_at=task.warn_at, due_at=task.due_at,
        light=light_of(now, task.warn_at, task.due_at), seconds_left=left, priority=task.priority,
        process_key=process_key,
    )


def next_task_id(deps: Deps, actor: Actor, lane: str | None = None) -> str | None:
    """The task the actor should do next: the top of the inbox (after completing one)."""
    page = inbox(deps, actor, InboxFilter(lane=lane), limit=1)
    return page.rows[0].task_id if page.rows else None


def stage_counts(page: InboxPage) -> list[tuple[str, int]]:
    """Counts per stage in the processes' order (from their diagrams; unknown stages last, alphabetically)."""
    order = page.stage_order
    known = [(s, page.counts[s]) for s in order if s in page.counts]
    rest = sorted((s, n) for s, n in page.counts.items() if s not in order)
    return known + rest

