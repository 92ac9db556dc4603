"""Who may take which task and see which case.

A task is taken by role (its BPMN lane) within a scope (its diagram's ``scope`` property):
``grid`` — the inspector the task was assigned to (the grid's responsible inspector);
a task of any other scope that a supervisor reassigned to one person is that person's alone;
``department`` — a handler of the case's department; ``district`` — a holder of the role
for the case's district (district sub-centres); ``city`` — a holder of the role at city
level (no district limit). The same rules build the inbox query, so what a user sees is
exactly what they may complete.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, false, or_, select, union

from engine.people.accounts import Actor, Grant
from engine.store.models import Case, Task

# Roles that may read a citizen's name and phone (to call back, to judge a report).
PERSONAL_DATA_ROLES = ("operator", "shift_leader", "admin")
# Roles that see every case of their area (city-wide if the grant has no district).
CENTRE_ROLES = ("operator", "shift_leader", "dispatcher", "leader", "admin")


def grant_covers_task(grant: Grant, actor_id: int | None, task: Task) -> bool:
    if grant.role != task.lane:
        return False
    if task.scope != "grid" and task.assignee_id is not None:  # reassigned to one person
        return task.assignee_id == actor_id
    if task.scope == "grid":
        return task.assignee_id is not None and task.assignee_id == actor_id
    if task.scope == "department":
        return grant.department_code is not None and grant.department_code == task.department_code
    if task.scope == "district":
        return grant.district_code is not None and grant.district_code == task.district_code
    return grant.district_code is None and grant.department_code is None


def may_complete(actor: Actor, task: Task) -> bool:
    return any(grant_covers_task(g, actor.id, task) for g in actor.grants)


def task_clause(actor: Actor) -> ColumnElement[bool]:
    """SQL condition selecting the tasks ``actor`` may take (same rules as may_complete)."""
    parts = []
    unassigned = Task.assignee_id.is_(None)
    for g in actor.grants:
        lane = Task.lane == g.role
        scoped = [Task.assignee_id == actor.id] if actor.id is not None else []
        if g.department_code is not None:
            scoped.append(and_(Task.scope == "department", Task.department_code == g.department_code, unassigned))
        if g.district_code is not None:
            scoped.append(and_(Task.scope == "district", Task.district_code == g.district_code, unassigned))
        if g.district_code is None and g.department_code is None:
            scoped.append(and_(Task.scope == "city", unassigned))
        # One OR branch per (lane, scope): each branch then matches an index prefix in full
        # (SQLite does not distribute the lane over an inner OR by itself; measured by `szcg bench`).
        parts.extend(and_(lane, s) for s in scoped)
    return or_(*parts) if parts else false()


def case_clause(actor: Actor) -> ColumnElement[bool]:
    """SQL condition selecting the cases ``actor`` may read."""
    parts = []
    for g in actor.grants:
        if g.role in CENTRE_ROLES:
            parts.append(Case.district_code == g.district_code if g.district_code else Case.id.is_not(None))
        # A task of the case (not "a case among all tasks ever assigned"): one index probe by
        # case, where IN materialized every task of the person (57 ms p95 at 1M cases; `szcg bench`).
        elif g.role == "handler" and g.department_code:
            parts.append(Case.department_code == g.department_code)
            parts.append(exists().where(Task.case_id == Case.id, Task.department_code == g.department_code))
        elif g.role == "inspector" and actor.id is not None:
            parts.append(Case.reporter_id == actor.id)
            parts.append(exists().where(Task.case_id == Case.id, Task.assignee_id == actor.id))
    return or_(*parts) if parts else false()


def _personal_case_ids(actor: Actor) -> list[Any]:
    """Selects of the ids of the cases a handler or inspector reaches through their own work."""
    parts: list[Any] = []
    for g in actor.grants:
        if g.role == "handler" and g.department_code:
            parts.append(select(Case.id.label("id")).where(Case.department_code == g.department_code))
            parts.append(select(Task.case_id.label("id")).where(Task.department_code == g.department_code))
        elif g.role == "inspector" and actor.id is not None:
            parts.append(select(Case.id.label("id")).where(Case.reporter_id == actor.id))
            parts.append(select(Task.case_id.label("id")).where(Task.assignee_id == actor.id))
    return parts


def listable(query: Select[Any], actor: Actor, *, counting: bool = False, dialect: str = "sqlite") -> Select[Any]:
    """Restrict a query over cases to those ``actor`` may read, shaped for listing many of them.

    Centre roles keep the plain district condition, which the case indexes serve. A handler's
    or inspector's cases are found from their side — the department's tasks, the inspector's
    reports and assignments, each by its own index — as a set of ids: for a page (newest first)
    the database walks the cases by time and tests membership in that set, stopping after a
    page; for counting it starts from the set itself. Either way it never tests a condition on
    every case of the city (seconds at a million cases; `szcg bench`).

    PostgreSQL turns ``id IN (union)`` into a join and then sorts every case (1.5 s at a million
    cases); given the plain :func:`case_clause` instead, it hashes the person's task side once
    and walks the cases newest first, stopping after the page (20 ms). SQLite tests that clause
    on every case it walks, so it keeps the union.
    """
    centre = [Case.district_code == g.district_code if g.district_code else Case.id.is_not(None)
              for g in actor.grants if g.role in CENTRE_ROLES]
    personal = _personal_case_ids(actor)
    if centre and personal:
        return query.where(or_(*centre, Case.id.in_(union(*personal))))
    if centre:
        return query.where(or_(*centre))
    if personal and counting:
        ids = union(*personal).subquery()
        return query.join(ids, ids.c.id == Case.id)
    if personal and dialect == "postgresql":
        return query.where(case_clause(actor))
    if personal:
        return query.where(Case.id.in_(union(*personal)))
    return query.where(false())


def may_see_personal_data(actor: Actor) -> bool:
    return actor.has_role(*PERSONAL_DATA_ROLES)
