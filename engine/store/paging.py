"""Keyset pages: the one shape in which every list of the API comes back.

A page is ``items``, ``next`` (an opaque cursor, ``None`` on the last page), ``total`` and
``total_exact``. The cursor is the last item's sort key, so a page costs what page one costs and
stays right while rows are added (an offset would skip or repeat them). Counting a broad match
scans every row, so counts stop at :data:`COUNT_CAP` and then say ``total_exact: false`` rather
than truncate silently, as the case list already did.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, func, select, tuple_
from sqlalchemy.orm import Session

from engine.errors import Invalid

COUNT_CAP = 10_000


@dataclass(frozen=True)
class Page:
    """One page of a list; ``extra`` holds members a list adds (e.g. the inbox's counts per stage)."""

    items: list[Any]
    next: str | None
    total: int
    total_exact: bool = True
    extra: dict[str, Any] = field(default_factory=dict)


def encode(values: Sequence[Any]) -> str:
    """The cursor of a sort key (JSON in URL-safe base64, without padding)."""
    text = json.dumps(list(values), default=str, separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode(cursor: str, size: int | None) -> list[Any]:
    """The sort key of a cursor made by :func:`encode` (of ``size`` values; None: any number).

    :raises Invalid: (422 on ``after``) a cursor this module did not make.
    """
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode())
    except (ValueError, binascii.Error, UnicodeDecodeError):
        values = None
    if (not isinstance(values, list) or not values or (size is not None and len(values) != size)
            or not all(isinstance(v, str | int | float) for v in values)):
        raise Invalid("the page cursor is not valid; pass the 'next' of the previous page",
                      fields={"after": "invalid"})
    return values


def count(session: Session, query: Select[Any]) -> tuple[int, bool]:
    """How many rows ``query`` matches, up to the cap, and whether that is exact."""
    capped = query.limit(COUNT_CAP + 1).subquery()
    total = session.scalar(select(func.count()).select_from(capped)) or 0
    return min(total, COUNT_CAP), total <= COUNT_CAP


def keyset(session: Session, query: Select[Any], key: Sequence[Any], *, after: str | None, limit: int,
           key_of: Callable[[Any], Sequence[Any]], descending: bool = False,
           convert: Callable[[list[Any]], list[Any]] | None = None) -> Page:
    """One page of ``query`` ordered by the columns ``key`` (all ascending, or all descending).

    ``key_of`` gives a row's values of ``key`` (for the next cursor); ``convert`` turns the
    cursor's JSON values back into column values (a time from its text). Items are the rows as
    ``query`` selects them; the caller maps them to plain values.
    """
    total, exact = count(session, query.with_only_columns(*key))
    ordered = query.order_by(*(c.desc() if descending else c for c in key))
    if after:
        values = decode(after, len(key))
        if convert:
            try:
                values = convert(values)
            except (TypeError, ValueError):
                raise Invalid("the page cursor is not valid", fields={"after": "invalid"}) from None
        row_key, cursor_key = (tuple_(*key), tuple_(*values)) if len(key) > 1 else (key[0], values[0])
        ordered = ordered.where(row_key < cursor_key if descending else row_key > cursor_key)
    rows = list(session.execute(ordered.limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode([_plain(v) for v in key_of(rows[-1])]) if more and rows else None
    return Page(items=rows, next=next_cursor, total=total, total_exact=exact)


def in_memory(items: list[dict[str, Any]], key: Callable[[dict[str, Any]], list[Any]], *, after: str | None,
              limit: int, descending: bool = False) -> Page:
    """Page a short list already read and sorted by ``key`` (classes, departments: hundreds of rows)."""
    if not items:
        if after:  # an empty list still refuses a cursor this module never made
            decode(after, None)
        return Page(items=[], next=None, total=0)
    if after:
        last = decode(after, len(key(items[0])))
        try:
            items_after = [i for i in items if (key(i) < last if descending else key(i) > last)]
        except TypeError:
            raise Invalid("the page cursor is not valid", fields={"after": "invalid"}) from None
    else:
        items_after = items
    page = items_after[:limit]
    more = len(items_after) > limit
    return Page(items=page, next=encode(key(page[-1])) if more else None, total=len(items))


def _plain(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value
