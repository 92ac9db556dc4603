"""Evaluation counts (综合评价) of one district and one month, from the case summary rows only.

The monthly evaluation of a district centre starts from a handful of counts: how many cases
were reported, filed, closed, closed on time, went overdue and were voided in the month.
Each count is a range over one time column of ``cases`` within one district, answered by an
index on (district_code, that column) — never by loading timelines or workflows — so the cost
stays the same with one year or ten years of history.

Definitions (Beijing calendar month):

* ``reported`` / ``filed`` / ``closed`` / ``void``: ``reported_at`` / ``filed_at`` /
  ``closed_at`` / ``voided_at`` falls in the month;
* ``closed_on_time``: closed in the month and handled by its handling deadline
  (``handled_at <= deadline_at``), or without a deadline;
* ``overdue``: the handling deadline fell in the month and was missed — handled after it, or
  not handled yet although it has passed.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select

from engine.deps import Deps
from engine.errors import Forbidden, Invalid
from engine.people.accounts import Actor
from engine.people.authz import CENTRE_ROLES
from engine.store.models import Case
from engine.time.clock import BEIJING, as_utc


@dataclass(frozen=True)
class MonthCounts:
    district_code: str
    month: str  # YYYY-MM
    reported: int
    filed: int
    closed: int
    closed_on_time: int
    overdue: int
    void: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def month_bounds(year: int, month: int) -> tuple[datetime, datetime]:
    """The month's start and the next month's start, Beijing time, as UTC instants."""
    if not (1 <= month <= 12 and 2000 <= year <= 2100):
        raise Invalid("year and month are out of range", fields={"month": "invalid"})
    start = datetime(year, month, 1, tzinfo=BEIJING)
    end = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=BEIJING)
    return as_utc(start), as_utc(end)


def may_evaluate(actor: Actor, district_code: str) -> bool:
    """Centre roles of the city, or of that district, see its evaluation."""
    return any(g.role in CENTRE_ROLES and g.district_code in (None, district_code) for g in actor.grants)


def district_month_counts(deps: Deps, actor: Actor, district_code: str, year: int, month: int) -> MonthCounts:
    """The month's counts for one district, in one round trip of six indexed range counts.

    :raises Forbidden: the actor holds no centre role for the district.
    :raises Invalid: the month is out of range.
    """
    if not may_evaluate(actor, district_code):
        raise Forbidden("you may not see this district's evaluation")
    start, end = month_bounds(year, month)
    now = deps.clock.now()

    def count(column: Any, *extra: Any) -> Any:
        return (select(func.count()).select_from(Case)
                .where(Case.district_code == district_code, column >= start, column < end, *extra)
                .scalar_subquery())

    query = select(
        count(Case.reported_at),
        count(Case.filed_at),
        count(Case.closed_at),
        count(Case.closed_at, or_(Case.deadline_at.is_(None), Case.handled_at <= Case.deadline_at)),
        count(Case.deadline_at, or_(Case.handled_at > Case.deadline_at,
                                    and_(Case.handled_at.is_(None), Case.voided_at.is_(None),
                                         Case.deadline_at < now))),
        count(Case.voided_at),
    )
    with deps.uow() as uow:
        reported, filed, closed, on_time, overdue, void = uow.session.execute(query).one()
    return MonthCounts(district_code, f"{year:04d}-{month:02d}", reported, filed, closed, on_time, overdue, void)
