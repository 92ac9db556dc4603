"""``szcg bench``: the engine against bare SpiffWorkflow, reads at a million cases, geocoding, timers.

Absolute times on shared 2-core machines are noisy, so the lifecycle is reported as a ratio to
a floor measured in the same process a moment later (the same BPMN by bare SpiffWorkflow,
with a JSON round trip per wait), and every figure is taken against throw-away databases set
up as ``make run`` sets one up. Sections, per database: lifecycle (engine and floor), HTTP,
lifecycle again after the history is loaded, reads at scale, scheduler; then geocoding and the
memory of a web process. ``--quick`` uses smaller volumes and says so.
"""

from __future__ import annotations

import json
import os
import platform
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.common import Progress, peak_rss_mb

BENCH_DATABASE_ENV = "SZCG_BENCH_DATABASE_URL"


@dataclass(frozen=True)
class Sizes:
    """How much each section does."""

    lifecycle: int
    http: int
    finished: int
    open: int
    read_samples: int
    geo_batch: int
    geo_single: int
    geo_size: str
    timers: int
    due: int
    web_memory: bool = True
    years: int = 5
    throughput: int = 0  # cases per gunicorn worker setting (1, 2, 4 workers; PostgreSQL only); 0: skipped
    city_day: int = 0  # cases of the city day through the API (every database); 0: skipped
    load_workers: tuple[int, ...] = (1, 2, 4)
    city: tuple[float, float, float, float] | None = None  # a smaller demo city (the smoke test)


FULL = Sizes(lifecycle=300, http=100, finished=1_000_000, open=20_000, read_samples=200, geo_batch=200_000,
             geo_single=20_000, geo_size="30k", timers=100_000, due=100, throughput=150, city_day=3_000)
# --quick stays under two minutes on a slow day of the 2-core machine (153 s with the sizes of the
# full run's history and due timers cut to a tenth; the history and driving the due cases dominated).
QUICK = Sizes(lifecycle=50, http=20, finished=40_000, open=10_000, read_samples=50, geo_batch=100_000,
              geo_single=5_000, geo_size="30k", timers=100_000, due=40, throughput=20, city_day=60)


# The sections ``--only`` may name (``setup`` always runs; the heavy ones need the history first).
LIGHT_SECTIONS = ("lifecycle", "http", "web_memory")
LOAD_SECTIONS = ("throughput", "city_day")  # gunicorn workers under the bench's multi-process HTTP driver
HEAVY_SECTIONS = ("history", "lifecycle_at_scale", "reads", "evaluation", "scheduler", "what_if", "command")
SECTIONS = (*LIGHT_SECTIONS, *LOAD_SECTIONS, *HEAVY_SECTIONS, "geocoding")


def run(*, quick: bool = False, database: str | None = None, sizes: Sizes | None = None,
        progress: Progress | None = None, workdir: Path | None = None,
        only: frozenset[str] | None = None) -> dict[str, Any]:
    """Run every section (or the ``only`` ones); return the figures as plain data (what ``--json`` prints)."""
    sizes = sizes or (QUICK if quick else FULL)
    progress = progress or Progress()
    started = time.perf_counter()
    result: dict[str, Any] = {"meta": _meta(quick, sizes), "backends": {}, "errors": []}
    if only is not None:
        unknown = sorted(only - set(SECTIONS))
        if unknown:
            raise ValueError(f"unknown bench sections: {', '.join(unknown)} (known: {', '.join(SECTIONS)})")
        if only & set(HEAVY_SECTIONS):
            only = only | {"history"}  # the reads, the scheduler … are measured on the history
        result["meta"]["only"] = sorted(only)
    errors: list[str] = result["errors"]

    def wanted(name: str) -> bool:
        return only is None or name in only
    backends = [("sqlite", None)] + ([("postgresql", database)] if database else [])
    with tempfile.TemporaryDirectory(prefix="szcg-bench-", dir=workdir) as tmp, ExitStack() as stack:
        opened: dict[str, tuple[Any, Any]] = {}
        for backend, server in backends:
            out = result["backends"].setdefault(backend, {})
            _section(out, "setup", errors, progress,
                     lambda b=backend, s=server: _open(stack, b, s, Path(tmp) / b, progress, opened, sizes.city))
        # Light sections first on every database, so that their peak RSS is theirs alone; then
        # the history, which makes the process (SQLite's page cache) and the databases big.
        for backend, (db, cast) in opened.items():
            _light_sections(result["backends"][backend], db, cast, sizes, progress, errors, wanted)
        for backend, (db, cast) in opened.items():
            _load_sections(result["backends"][backend], db, cast, sizes, progress, errors, wanted)
        for backend, (db, cast) in opened.items():
            if any(wanted(name) for name in HEAVY_SECTIONS):
                _heavy_sections(result["backends"][backend], db, cast, sizes, progress, errors, wanted)
        if wanted("geocoding"):
            _section(result, "geocoding", errors, progress, lambda: _geocoding(sizes))
    result["meta"]["peak_rss_mb"] = peak_rss_mb()
    result["meta"]["run_s"] = round(time.perf_counter() - started, 1)
    from bench.report import targets

    result["targets"] = targets(result)
    return result


def _geocoding(sizes: Sizes) -> dict[str, Any]:
    from bench.geo import geocoding_section

    return geocoding_section(sizes.geo_batch, sizes.geo_single, sizes.geo_size)


def _section(into: dict[str, Any], name: str, errors: list[str], progress: Progress,
             fn: Callable[[], Any]) -> Any:
    """Run one section; a failure is recorded and reported, and the other sections still run."""
    try:
        into[name] = fn()
    except Exception as exc:  # a broken section must not hide the others' figures
        errors.append(f"{name}: {type(exc).__name__}: {exc}")
        progress.note(traceback.format_exc())
        into[name] = {"error": f"{type(exc).__name__}: {exc}"}
    return into[name]


def _open(stack: ExitStack, backend: str, server: str | None, workdir: Path, progress: Progress,
          opened: dict[str, tuple[Any, Any]], city: tuple[float, float, float, float] | None) -> dict[str, Any]:
    from bench.env import load_cast, open_database

    start = time.perf_counter()
    db = stack.enter_context(open_database(backend, workdir, progress, server, city))
    opened[backend] = (db, load_cast(db.deps))
    return {"server": _server_version(db), "setup_s": round(time.perf_counter() - start, 1)}


def _light_sections(out: dict[str, Any], db: Any, cast: Any, sizes: Sizes, progress: Progress,
                    errors: list[str], wanted: Callable[[str], bool]) -> None:
    """Lifecycle against its floor, HTTP, and the memory of a web process."""
    from bench import floor, http, lifecycle

    label = db.backend
    floors: list[Any] = []

    def run_floor(i: int) -> float:
        if not floors:  # built after the first engine case: it copies that case's start data
            floors.append(floor.Floor(db.deps))
        district = cast.points[i % len(cast.points)][2]
        return float(floors[0].run_case(cast.department_of[district], district))

    engine_p50 = 0.0
    if wanted("lifecycle"):
        life = _section(out, "lifecycle", errors, progress,
                        lambda: lifecycle.lifecycle_section(db.deps, cast, sizes.lifecycle, progress, label, run_floor))
        out["workflow_state_bytes"] = _state_bytes(db)
        engine_p50 = life.get("engine", {}).get("p50_ms", 0.0)
    if wanted("http"):
        _section(out, "http", errors, progress,
                 lambda: http.http_section(db.deps, cast, sizes.http, progress, label, engine_p50))
    if db.backend == "sqlite" and sizes.web_memory and wanted("web_memory"):
        from bench.geo import web_memory

        _section(out, "web_memory", errors, progress, lambda: web_memory(db.url, db.workdir, sizes.geo_size))


def _load_sections(out: dict[str, Any], db: Any, cast: Any, sizes: Sizes, progress: Progress,
                   errors: list[str], wanted: Callable[[str], bool]) -> None:
    """Throughput at 1, 2 and 4 gunicorn workers (PostgreSQL) and the city day (every database)."""
    from bench import load

    if sizes.throughput and db.backend == "postgresql" and wanted("throughput"):
        _section(out, "throughput", errors, progress,
                 lambda: load.throughput_section(db, cast, sizes.throughput, progress, sizes.load_workers))
    if sizes.city_day and wanted("city_day"):
        # PostgreSQL with the most workers; SQLite has one writer at a time, so two workers keep it busy
        workers = max(sizes.load_workers) if db.backend == "postgresql" else min(2, max(sizes.load_workers))
        _section(out, "city_day", errors, progress,
                 lambda: load.city_day_section(db, cast, sizes.city_day, progress, workers))


def _heavy_sections(out: dict[str, Any], db: Any, cast: Any, sizes: Sizes, progress: Progress,
                    errors: list[str], wanted: Callable[[str], bool]) -> None:
    """The history, the lifecycle again on top of it, the reads at scale, the scheduler."""
    from bench import bulk, command, evaluation, reads, scheduler, whatif

    engine_p50 = _get_p50(out)
    volume = bulk.Volume(sizes.finished, sizes.open, sizes.years)
    _section(out, "history", errors, progress,
             lambda: {**bulk.generate(db, volume, progress), "bytes_per_case": _bytes_per_case(db)})
    heavy: list[tuple[str, Callable[[], Any]]] = [
        ("lifecycle_at_scale", lambda: _at_scale(db, cast, max(2, sizes.lifecycle // 5), progress, db.backend,
                                                 engine_p50)),
        ("reads", lambda: reads.reads_section(db, cast, sizes.read_samples, sizes.years, progress)),
        ("evaluation", lambda: evaluation.evaluation_section(db, cast, sizes.read_samples, progress)),
        ("scheduler", lambda: scheduler.scheduler_section(db, cast, sizes.timers, sizes.due, progress)),
        ("what_if", lambda: whatif.whatif_section(db, progress)),
        ("command", lambda: command.command_section(db, cast, sizes.read_samples, progress)),
    ]
    for name, fn in heavy:
        if wanted(name):
            _section(out, name, errors, progress, fn)


def _get_p50(out: dict[str, Any]) -> float:
    engine = out.get("lifecycle", {}).get("engine", {})
    return float(engine.get("p50_ms", 0.0)) if isinstance(engine, dict) else 0.0


def _at_scale(db: Any, cast: Any, n: int, progress: Progress, label: str, engine_p50: float) -> dict[str, Any]:
    """The engine lifecycle again, now with the whole history in the database."""
    from bench.lifecycle import EngineChannel, figures, run_cases

    times, steps = run_cases(db.deps, EngineChannel(db.deps), cast, n, progress, f"[{label}] lifecycle at scale",
                             offset=50_000_000)
    out = figures(times, steps)
    out["over_empty_db"] = round(out["p50_ms"] / engine_p50, 2) if engine_p50 else 0.0
    return out


def _state_bytes(db: Any) -> int:
    """Average workflow-state text of the engine's closed cases (not generated for the history)."""
    from sqlalchemy import func, select

    from engine.store.models import Case, WorkflowState

    with db.deps.uow() as uow:
        value = uow.session.scalar(select(func.avg(func.length(WorkflowState.state)))
                                   .join(Case, Case.id == WorkflowState.case_id).where(Case.status == "closed"))
    return int(value or 0)


def _bytes_per_case(db: Any) -> int:
    from sqlalchemy import func, select

    from engine.store.models import Case

    with db.deps.uow() as uow:
        count = uow.session.scalar(select(func.count()).select_from(Case)) or 1
    return int(db.size_bytes() / count)


def _server_version(db: Any) -> str:
    from sqlalchemy import text

    with db.deps.engine.connect() as conn:
        if db.backend == "sqlite":
            return "SQLite " + str(conn.scalar(text("select sqlite_version()")))
        return "PostgreSQL " + str(conn.scalar(text("show server_version"))).split()[0]


def _meta(quick: bool, sizes: Sizes) -> dict[str, Any]:
    cpu = "?"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    from SpiffWorkflow.version import __version__ as spiff

    return {"date": datetime.now(UTC).strftime("%Y-%m-%d"), "mode": "quick" if quick else "full",
            "machine": f"{os.cpu_count()} cores, {cpu}", "python": platform.python_version(),
            "spiffworkflow": spiff, "sizes": asdict(sizes)}


def run_cli(quick: bool = False, as_json: bool = False, database: str | None = None,
            only: frozenset[str] | None = None) -> None:
    """Entry point of ``szcg bench``: figures on stdout, progress on stderr."""
    from bench.report import render

    database = database or os.environ.get(BENCH_DATABASE_ENV) or None
    result = run(quick=quick, database=database, only=only)
    if as_json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        print(render(result))
    if result["errors"]:
        sys.exit(1)
