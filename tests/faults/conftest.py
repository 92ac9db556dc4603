"""The production shape under faults: gunicorn with two workers and two ``szcg scheduler`` processes
on one PostgreSQL database, started as real processes (``tests/faults/shape.py``).

Collected only when ``SZCG_TEST_DATABASE_URL`` names a PostgreSQL server (CI sets it), since the
shape is PostgreSQL's; on SQLite alone there is nothing of it to run — never skipped, just absent.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from engine.deps import Deps, build_deps
from tests.conftest import PG_URL, _admin_engine, _pg_url, _seed, base_settings
from tests.faults.shape import Shape

collect_ignore_glob = [] if PG_URL else ["test_*.py"]


@pytest.fixture
def city(tmp_path: Path) -> Iterator[tuple[str, Deps]]:
    """A new database, migrated and seeded like every test's, with a Deps on the real clock."""
    name = f"szcg_f_{uuid.uuid4().hex[:10]}"
    admin = _admin_engine()
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = _pg_url(name)
    try:
        _seed(url, tmp_path)
        deps = build_deps(base_settings(tmp_path, url))
        yield url, deps
        deps.engine.dispose()
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def shape(city: tuple[str, Deps], tmp_path: Path) -> Iterator[Shape]:
    url, _deps = city
    running = Shape(url, tmp_path)
    try:
        yield running
    finally:
        running.stop_all()


_COUNTS: list[tuple[str, str]] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Keep what each fault test printed (its counts), to show it in CI's output even when it passed."""
    if report.when == "call" and "tests/faults/" in report.nodeid and report.capstdout.strip():
        _COUNTS.append((report.nodeid, report.capstdout.strip()))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _COUNTS:
        terminalreporter.section("fault suite: counts")
        for nodeid, text in _COUNTS:
            terminalreporter.write_line(nodeid)
            for line in text.splitlines():
                terminalreporter.write_line(f"    {line}")
