"""The schema comes from migrations: empty → head matches the models, and head → base works."""

from __future__ import annotations

import uuid

from sqlalchemy import inspect, text

from engine.store import migrate
from engine.store.db import make_engine
from tests.conftest import PG_URL, _admin_engine, _pg_url


def _empty_database(backend, tmp_path):
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'empty.db'}", None
    name = f"szcg_m_{uuid.uuid4().hex[:10]}"
    with _admin_engine().connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    return _pg_url(name), name


def test_empty_database_to_head_matches_the_models_and_downgrades(backend, tmp_path):
    url, name = _empty_database(backend, tmp_path)
    engine = make_engine(url)
    try:
        migrate.upgrade(engine)
        assert migrate.current(engine) is not None
        migrate.check(engine)  # raises if models and migrations disagree
        tables = set(inspect(engine).get_table_names())
        assert {"cases", "tasks", "case_events", "workflow_states", "process_definitions", "places"} <= tables
        migrate.downgrade(engine, "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    finally:
        engine.dispose()
        if name and PG_URL:
            with _admin_engine().connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def test_down_and_up_again_with_cases_keeps_every_task_state_and_timeline_line(deps):
    """SQLite rebuilds ``cases`` to alter it; with foreign keys on, that once cascaded to every child row."""
    from sqlalchemy import func, select

    from engine.store.models import CaseEvent, Task, WorkflowState
    from tests.factories import report

    report(deps)

    def counts():
        with deps.uow() as uow:
            return [uow.session.scalar(select(func.count()).select_from(t)) for t in (Task, WorkflowState, CaseEvent)]

    before = counts()
    assert all(before)
    deps.engine.dispose()
    migrate.downgrade(deps.engine, "0008")
    migrate.upgrade(deps.engine)
    assert counts() == before
