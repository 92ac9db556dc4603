"""Fixed-window rate limits per client, counted in the database.

Counting in the database (one upsert per hit) rather than in process memory is what lets
several web workers behind one address agree: ten gunicorn workers must not allow ten times
the citizen reports an address may send.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from engine.deps import Deps
from engine.errors import TooManyRequests
from engine.store.ui_models import RateCounter

HOUR = timedelta(hours=1)


def window_start(now: datetime, window: timedelta) -> datetime:
    """The start of the fixed window ``now`` falls in (windows are aligned to the epoch)."""
    seconds = int(window.total_seconds())
    epoch = int(now.timestamp())
    return datetime.fromtimestamp(epoch - epoch % seconds, tz=UTC)


def hit(deps: Deps, action: str, client: str, limit: int, window: timedelta = HOUR) -> int:
    """Count one ``action`` by ``client``; return the count in this window.

    :raises TooManyRequests: with ``retry_after`` seconds when the count passes ``limit``.
    """
    now = deps.clock.now()
    start = window_start(now, window)
    bucket = f"{action}:{client}"[:160]
    with deps.uow(write=True) as uow:
        session = uow.session
        insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        table = RateCounter.__table__
        statement = (insert(table).values(bucket=bucket, window_start=start, count=1)
                     .on_conflict_do_update(index_elements=["bucket", "window_start"],
                                            set_={"count": table.c.count + 1})
                     .returning(table.c.count))
        count = int(session.execute(statement).scalar_one())
        if count == 1:  # the first hit of a window sweeps windows nobody will ask about again
            session.execute(delete(RateCounter).where(RateCounter.window_start < start - timedelta(days=1)))
        uow.commit()
    if count > limit:
        retry = int((start + window - now).total_seconds()) + 1
        raise TooManyRequests("too many requests from this address; try again later", retry_after=retry,
                              action=action)
    return count
