"""Throw-away databases for the benchmark, set up exactly as ``make run`` sets one up.

Each backend gets a fresh database that nobody else uses: a SQLite file (WAL, as szcg
configures it) in a temporary folder, or a new database on the PostgreSQL server the caller
named, dropped afterwards. Both are migrated by the real migrations, loaded with the demo
city (places, classes, departments, accounts) and deployed with ``workflows/`` and ``forms/``
— so the benchmark measures the schema and indexes a city would run.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import shapely
from sqlalchemy import Engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from bench.common import Progress
from engine.config import Settings, load_settings
from engine.deps import Deps, build_deps
from engine.people.accounts import Actor, actor_of
from engine.store import migrate
from engine.store.db import make_engine, normalize_url
from engine.store.models import Department, Place, User


@dataclass
class BenchDatabase:
    """One prepared database and the process-wide objects built on it."""

    backend: str
    url: str
    deps: Deps
    workdir: Path

    def size_bytes(self) -> int:
        """Bytes the database occupies (file + WAL on SQLite, pg_database_size on PostgreSQL)."""
        if self.backend == "sqlite":
            path = Path(make_url(self.url).database or "")
            return sum(p.stat().st_size for p in (path, Path(f"{path}-wal")) if p.exists())
        with self.deps.engine.connect() as conn:
            return int(conn.scalar(text("SELECT pg_database_size(current_database())")) or 0)


def _settings_for(url: str, workdir: Path) -> Settings:
    instance = workdir / "instance"
    instance.mkdir(parents=True, exist_ok=True)
    return load_settings(environ={}, overrides={
        "database_url": url, "instance_path": str(instance), "upload_dir": str(instance / "uploads"),
        "secret_key_file": str(instance / "secret_key"), "log_level": "WARNING"})


def _admin_engine(server_url: str) -> Engine:
    return make_engine(normalize_url(server_url), isolation_level="AUTOCOMMIT", poolclass=NullPool)


@contextmanager
def open_database(backend: str, workdir: Path, progress: Progress, server_url: str | None = None,
                  city: tuple[float, float, float, float] | None = None) -> Iterator[BenchDatabase]:
    """Create, migrate and seed a throw-away database; drop it (PostgreSQL) when done."""
    workdir.mkdir(parents=True, exist_ok=True)
    name = None
    if backend == "sqlite":
        url = f"sqlite:///{workdir / 'bench.db'}"
    else:
        if not server_url:
            raise ValueError("PostgreSQL needs a server URL")
        name = f"szcg_bench_{uuid.uuid4().hex[:10]}"
        admin = _admin_engine(server_url)
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        url = make_url(normalize_url(server_url)).set(database=name).render_as_string(hide_password=False)
    deps = build_deps(_settings_for(url, workdir))
    try:
        progress.note(f"[{backend}] migrating, loading the demo city, deploying workflows/ …")
        prepare(deps, city)
        yield BenchDatabase(backend, url, deps, workdir)
    finally:
        deps.engine.dispose()
        if name is not None and server_url:
            admin = _admin_engine(server_url)
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


def prepare(deps: Deps, city: tuple[float, float, float, float] | None = None) -> None:
    """Schema by migrations, the deployed process, and the demo city and organisation.

    ``city`` (west, south, east, north) shrinks the demo city's built-up area (the smoke test).
    """
    from demo.city import load_demo
    from engine.processes.definitions import deploy_dirs

    migrate.upgrade(deps.engine)
    deploy_dirs(deps, actor="bench")
    load_demo(deps, cases=0, built_up=city)  # the benchmark makes its own cases


@dataclass
class Cast:
    """The demo accounts who act in the lifecycle, and where cases are reported.

    Loaded once before timing: the API resolves the actor from its token on every request, the
    use-case functions take it as an argument, so resolving it is not part of a step.
    """

    centre: dict[str, Actor]
    by_user_id: dict[int, Actor]
    handlers: dict[str, Actor]
    points: list[tuple[float, float, str]]  # lon, lat, district
    department_of: dict[str, str] = field(default_factory=dict)
    by_grant: dict[tuple[str, str | None, str | None], Actor] = field(default_factory=dict)

    def actor_for(self, lane: str, scope: str, assignee_id: int | None, department_code: str | None,
                  district_code: str | None = None) -> Actor:
        """Who takes an open task: its assignee, else a holder of the lane's role for the task's scope."""
        if assignee_id is not None:
            return self.by_user_id[assignee_id]
        if scope == "department" and department_code:
            return self.by_grant[(lane, None, department_code)]
        if scope == "district" and district_code:
            return self.by_grant[(lane, district_code, None)]
        return self.by_grant[(lane, None, None)]

    @property
    def inspectors(self) -> list[Actor]:
        return [a for a in self.by_user_id.values() if a.grants and a.grants[0].role == "inspector"]


def load_cast(deps: Deps, *, n_points: int = 2000, seed: int = 7) -> Cast:
    """Centre actors, every inspector and handler, and random points inside random unit grids."""
    rng = random.Random(seed)
    with deps.uow() as uow:
        s = uow.session
        centre = {}
        for role in ("operator", "shift_leader", "dispatcher", "leader"):
            user = s.scalar(select(User).where(User.username == role))
            if user is not None:
                centre[role] = actor_of(s, user)
        by_user_id = {u.id: actor_of(s, u) for u in s.scalars(select(User).where(User.active.is_(True)))}
        departments = list(s.scalars(select(Department).where(Department.active.is_(True))))
        codes = {d.code for d in departments}
        handlers = {u.username: actor_of(s, u) for u in s.scalars(select(User).where(User.username.in_(codes)))}
        total = s.scalar(select(func.count()).select_from(Place).where(Place.level == "grid")) or 0
        step = max(1, total // n_points)
        rows = s.execute(select(Place.code, Place.geometry).where(Place.level == "grid").order_by(Place.code)).all()
    picked = rows[::step][:n_points]
    points = []
    for code, wkb in picked:
        p = shapely.from_wkb(wkb).representative_point()
        points.append((p.x, p.y, code[:6]))
    rng.shuffle(points)
    department_of = {}
    for district in {p[2] for p in points}:
        preferred = f"sanitation_{district}"  # the lifecycle reports garbage (20102)
        department_of[district] = preferred if preferred in codes else sorted(codes)[0]
    by_grant: dict[tuple[str, str | None, str | None], Actor] = {}
    for actor in sorted(by_user_id.values(), key=lambda a: a.username):
        for g in actor.grants:
            by_grant.setdefault((g.role, g.district_code, g.department_code), actor)
    return Cast(centre, by_user_id, handlers, points, department_of, by_grant)
