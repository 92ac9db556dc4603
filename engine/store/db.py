"""Database connections and the unit of work.

SQLite gets WAL (readers never wait for the writer), enforced foreign keys and a busy
timeout; its transactions start with ``BEGIN IMMEDIATE`` on write so two steps on one case
queue instead of both reading the same state. PostgreSQL gets ``SELECT … FOR UPDATE`` on
the case row (see :mod:`engine.cases.steps`).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker


def normalize_url(url: str) -> str:
    """``postgresql://`` means psycopg2 here (SQLAlchemy 2.1 would pick psycopg 3)."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg2://" + url.split("://", 1)[1]
    return url


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create the SQLAlchemy engine for ``url`` with the per-dialect settings szcg relies on."""
    url = normalize_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs)
        _configure_sqlite(engine)
        return engine
    if "poolclass" not in kwargs:
        # No pre-ping (a round trip per checkout on the hot path); connections are recycled instead.
        kwargs.update(pool_recycle=1800, pool_size=10, max_overflow=20)
    if "options=" not in url:
        # No parallel workers for szcg's short indexed queries: the planner overestimated an
        # inbox branch (1,719 rows, 0 found) and started a worker, which cost 7 ms of an 11 ms
        # read (`szcg bench`, PostgreSQL 15). A URL that sets its own ``options`` keeps them.
        kwargs.setdefault("connect_args", {}).setdefault("options", "-c max_parallel_workers_per_gather=0")
    engine = create_engine(url, **kwargs)
    _ping_idle_connections(engine)
    return engine


IDLE_PING_SECONDS = 1.0


def _ping_idle_connections(engine: Engine) -> None:
    """Test a pooled connection on checkout only if it sat idle for more than a second.

    A restarted server or a terminated session leaves dead connections in the pool; the first request
    on each would fail. Pre-pinging every checkout costs a round trip on the hot path, so only a
    connection that was idle is pinged — under load connections are reused within milliseconds and
    never are; a dead one found raises ``DisconnectionError``, on which the pool connects anew.
    """

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("idle_since")
        if since is None or time.monotonic() - since < IDLE_PING_SECONDS:
            return
        try:
            cursor = dbapi_connection.cursor()
            cursor.execute("SELECT 1")
            cursor.close()
        except Exception as exc:  # any failure of a ping means the connection is gone
            raise DisconnectionError(str(exc)) from exc


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy issue BEGIN itself (pysqlite's implicit transactions are off).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)


class UnitOfWork:
    """One transaction around one use case: commit explicitly, roll back on anything else.

    ``write=True`` starts the SQLite transaction with ``BEGIN IMMEDIATE`` so concurrent
    writers queue at the start rather than failing at commit.
    """

    def __init__(self, session_factory: sessionmaker[Session], *, write: bool = False) -> None:
        self._factory = session_factory
        self._write = write
        self.session: Session

    def __enter__(self) -> UnitOfWork:
        self.session = self._factory()
        if self._write and self.session.get_bind().dialect.name == "sqlite":
            self.session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
        return self

    def __exit__(self, *exc: Any) -> None:
        # close() returns the connection with its transaction rolled back, and (unlike
        # rollback()) leaves loaded objects readable for the caller after the block.
        self.session.close()

    def commit(self) -> None:
        self.session.commit()

    def rollback(self) -> None:
        self.session.rollback()


@contextmanager
def transaction(session_factory: sessionmaker[Session], *, write: bool = True) -> Iterator[Session]:
    """Run a block in one committed transaction (CLI and imports)."""
    with UnitOfWork(session_factory, write=write) as uow:
        yield uow.session
        uow.commit()
