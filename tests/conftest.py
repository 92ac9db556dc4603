"""Fixtures: a fresh, migrated and seeded database per test, on SQLite and (when
``SZCG_TEST_DATABASE_URL`` names a server) on PostgreSQL.

The schema comes from the migrations, never from ``create_all``. A template database is
migrated and seeded once per session and backend; each test gets a copy (a file copy on
SQLite, ``CREATE DATABASE … TEMPLATE`` on PostgreSQL) and may commit freely.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from engine.config import Settings, load_settings
from engine.deps import Deps, build_deps
from engine.store import migrate
from engine.store.db import make_engine, normalize_url
from engine.time.clock import BEIJING, FrozenClock
from tests.factories import seed_test_city

PG_URL = os.environ.get("SZCG_TEST_DATABASE_URL")


@pytest.fixture(autouse=True, scope="session")
def _every_state_restores_exactly() -> Iterator[None]:
    """Each workflow state a test stores is restored at once and compared (tests/state_check.py)."""
    from engine.runtime.workflow import WorkflowRuntime
    from tests.state_check import _original_dump, checked_dump

    WorkflowRuntime.dump = checked_dump  # type: ignore[method-assign]
    yield
    WorkflowRuntime.dump = _original_dump  # type: ignore[method-assign]
START = datetime(2026, 3, 10, 10, 0, tzinfo=BEIJING)  # a Tuesday, in office hours


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" in metafunc.fixturenames:
        backends = ["sqlite"] + (["postgresql"] if PG_URL else [])
        metafunc.parametrize("backend", backends, indirect=True, scope="session")


@pytest.fixture(scope="session")
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


def _admin_engine():
    url = make_url(normalize_url(PG_URL))
    return make_engine(url.set(database="postgres").render_as_string(hide_password=False),
                       isolation_level="AUTOCOMMIT", poolclass=__import__("sqlalchemy").pool.NullPool)


def _pg_url(name: str) -> str:
    return make_url(normalize_url(PG_URL)).set(database=name).render_as_string(hide_password=False)


def base_settings(tmp: Path, url: str) -> Settings:
    return load_settings(overrides={"database_url": url, "instance_path": str(tmp / "instance"),
                                    "upload_dir": str(tmp / "instance" / "uploads"),
                                    "secret_key_file": str(tmp / "instance" / "secret_key")},
                         environ={})


def _seed(url: str, tmp: Path) -> None:
    settings = base_settings(tmp, url)
    deps = build_deps(settings, clock=FrozenClock(START))
    migrate.upgrade(deps.engine)
    seed_test_city(deps)
    deps.engine.dispose()


@pytest.fixture(scope="session")
def template(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated, seeded database to copy for each test: a file path or a PostgreSQL name."""
    tmp = tmp_path_factory.mktemp(f"template_{backend}")
    if backend == "sqlite":
        path = tmp / "template.db"
        _seed(f"sqlite:///{path}", tmp)
        yield str(path)
        return
    name = f"szcg_tpl_{uuid.uuid4().hex[:10]}"
    admin = _admin_engine()
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        _seed(_pg_url(name), tmp)
        yield name
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def db_url(backend: str, template: str, tmp_path: Path) -> Iterator[str]:
    if backend == "sqlite":
        path = tmp_path / "test.db"
        shutil.copyfile(template, path)
        yield f"sqlite:///{path}"
        return
    name = f"szcg_t_{uuid.uuid4().hex[:12]}"
    admin = _admin_engine()
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    try:
        yield _pg_url(name)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return base_settings(tmp_path, db_url)


@pytest.fixture
def deps(settings: Settings, clock: FrozenClock) -> Iterator[Deps]:
    d = build_deps(settings, clock=clock)
    yield d
    d.engine.dispose()


@pytest.fixture
def app(deps: Deps):  # type: ignore[no-untyped-def]
    from web import create_app

    return create_app(deps=deps, test_config={"TESTING": True})


@pytest.fixture
def client(app):  # type: ignore[no-untyped-def]
    return app.test_client()
