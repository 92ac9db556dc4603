"""Bulk-generate years of history for the reads-at-scale section: fast, and shaped like the engine's.

Going through the engine would take hours for a million cases, so the history is written
directly: case summary rows from numpy columns (``executemany`` on SQLite, ``COPY`` on
PostgreSQL), then the tasks and the timeline derived from them in SQL (``INSERT … SELECT``, one
statement per stage), with the secondary indexes dropped during the load and rebuilt after it.

What the rows contain is copied from a case the engine itself took through the process in the
same run (its tasks' names, lanes, scopes and context, its events' actions, roles and data), so
the generated history has the engine's shape and row sizes even as the process changes. Only
the workflow state is not generated (reads never load it); its size per case is reported
from the engine's own cases instead.
"""

from __future__ import annotations

import io
import json
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import Table, func, select
from sqlalchemy.schema import CreateIndex

from bench.bulk_cases import STAGE_COLUMN, CityFacts, case_numbers, generate_cases, time_text
from bench.common import Progress
from bench.env import BenchDatabase
from engine.store.models import Case, CaseEvent, Category, Department, Place, Task, User

# When each kind of timeline line happens, as a column of the case summary.
EVENT_TIME = {"report": "reported_at", "decide": "filed_at", "auto_dispatch": "filed_at", "evaluate": "closed_at",
              "closed": "closed_at", "void": "voided_at", **STAGE_COLUMN}
# When a stage's task became ready: the previous stage's time.
TASK_CREATED = {"register": "c.reported_at", "verify": "c.registered_at",
                "file": "COALESCE(c.verified_at, c.registered_at)", "dispatch": "c.filed_at",
                "handle": "c.dispatched_at", "check": "c.handled_at", "close": "c.checked_at"}
PER_CASE_TASK_COLUMNS = {"id", "case_id", "district_code", "department_code", "grid_code", "assignee_id", "state",
                         "created_at", "due_at", "warn_at", "completed_at", "completed_by_id", "warned_at",
                         "overdue_at"}


@dataclass(frozen=True)
class Volume:
    finished: int
    open: int
    years: int = 5


@dataclass(frozen=True)
class Template:
    """One engine-made closed case: its tasks and its timeline, as rows to copy."""

    tasks: list[dict[str, Any]]
    events: list[dict[str, Any]]


def generate(db: BenchDatabase, volume: Volume, progress: Progress, *, seed: int = 20240601) -> dict[str, Any]:
    """Write ``volume`` of history into ``db``; return counts and the seconds each phase took."""
    deps = db.deps
    dialect = deps.engine.dialect.name
    rng = np.random.default_rng(seed)
    facts, template, first_id = _facts(db), _template(db), _next_case_id(db)
    now_us = int(time.time() * 1_000_000)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    tables = [Case.__table__, Task.__table__, CaseEvent.__table__]
    indexes = [ix for t in tables for ix in t.indexes if _rebuild_after_load(ix, dialect)]  # type: ignore[attr-defined]
    deps.engine.dispose()  # no other connection may be open to leave WAL mode on SQLite
    main = _Loader(deps)
    try:
        for ix in indexes:
            main.run(f"DROP INDEX IF EXISTS {ix.name}")
        total = volume.finished + volume.open
        chunk = 200_000
        t = time.perf_counter()
        with progress.bar(f"[{db.backend}] generating cases", total) as advance, \
                ThreadPoolExecutor(max_workers=1) as writer:
            pending = None  # the database takes one chunk while Python prepares the next
            for offset in range(0, total, chunk):
                n_fin = max(0, min(chunk, volume.finished - offset))
                n_open = min(chunk, total - offset) - n_fin
                cols = generate_cases(facts, n_fin, n_open, first_id + offset, now_us, volume.years, rng)
                payload = _case_payload(dialect, cols)
                if pending is not None:
                    advance(pending.result())
                pending = writer.submit(main.write_cases, payload, n_fin + n_open)
            if pending is not None:
                advance(pending.result())
        timings["cases_s"] = time.perf_counter() - t
        bounds = {"lo": first_id, "hi": first_id + total - 1}
        # PostgreSQL runs the statements on two connections, so timeline lines get explicit ids
        # that keep each case's lines in process order; SQLite (one writer) runs them in order
        # and appends rows to its tables, which explicit interleaved ids would not.
        parallel = dialect == "postgresql"
        statements = _task_statements(dialect, template) + _event_statements(
            dialect, template, _next_event_id(db) if parallel else None)
        lists = [statements[0::2], statements[1::2]] if parallel else [statements]
        t = time.perf_counter()
        with progress.bar(f"[{db.backend}] deriving tasks and timeline", len(statements)) as advance:
            _run_lists(deps, main, lists, bounds, advance)
        timings["tasks_events_s"] = time.perf_counter() - t
        t = time.perf_counter()
        creates = [(str(CreateIndex(ix).compile(dialect=deps.engine.dialect)), {}) for ix in indexes]
        with progress.bar(f"[{db.backend}] rebuilding indexes", len(creates)) as advance:
            _run_lists(deps, main, [creates[0::2], creates[1::2]], {}, advance)
        timings["indexes_s"] = time.perf_counter() - t
        t = time.perf_counter()
        main.finish()
        timings["analyze_s"] = time.perf_counter() - t
    finally:
        main.close()
        deps.engine.dispose()  # drop the loader's connection settings with the connection
    timings["total_s"] = time.perf_counter() - started
    return {"finished_cases": volume.finished, "open_cases": volume.open, "years": volume.years,
            **{k: round(v, 1) for k, v in timings.items()}}


def _run_lists(deps: Any, main: _Loader, lists: list[list[tuple[str, dict[str, Any]]]], params: dict[str, Any],
               advance: Any) -> None:
    """Run lists of statements: in parallel on PostgreSQL (one connection each), in turn on SQLite."""
    lock = threading.Lock()

    def work(loader: _Loader, statements: list[tuple[str, dict[str, Any]]]) -> None:
        for sql, own in statements:
            loader.run(sql, {**own, **params})
            with lock:
                advance(1)

    if main.dialect == "sqlite":
        for statements in lists:
            work(main, statements)
        return
    helpers = [_Loader(deps) for _ in lists[1:]]
    try:
        threads = [threading.Thread(target=work, args=(h, st)) for h, st in zip(helpers, lists[1:], strict=True)]
        for thread in threads:
            thread.start()
        work(main, lists[0])
        for thread in threads:
            thread.join()
    finally:
        for h in helpers:
            h.close()


# -- reading what the history refers to ----------------------------------------------------


def _facts(db: BenchDatabase) -> CityFacts:
    with db.deps.uow() as uow:
        s = uow.session
        grids = s.execute(select(Place.code, Place.minx, Place.miny, Place.maxx, Place.maxy, Place.area_class,
                                 Place.inspector_id).where(Place.level == "grid").order_by(Place.code)).all()
        standard = db.deps.settings.classification_standard
        categories = s.execute(select(Category.code, Category.kind).where(Category.standard == standard)
                               .order_by(Category.code)).all()
        departments = s.execute(select(Department.code, Department.district_code)
                                .where(Department.active.is_(True))).all()
        operator = s.scalar(select(User.id).where(User.username == "operator"))
        definition_id = s.scalar(select(Case.definition_id).where(Case.status == "closed")
                                 .order_by(Case.id.desc()).limit(1))
    by_district: dict[str, list[str]] = {}
    for code, district in departments:
        if district:
            by_district.setdefault(district, []).append(code)
    return CityFacts(
        grid_codes=np.array([g.code for g in grids], dtype=object),
        grid_lon=np.array([(g.minx + g.maxx) / 2 for g in grids]),
        grid_lat=np.array([(g.miny + g.maxy) / 2 for g in grids]),
        grid_area_class=np.array([g.area_class for g in grids], dtype=object),
        grid_inspector=np.array([g.inspector_id if g.inspector_id is not None else -1 for g in grids], dtype=np.int64),
        categories=np.array([c.code for c in categories], dtype=object),
        category_kind=np.array([c.kind for c in categories], dtype=object),
        district_departments=by_district,
        city_departments=sorted(c for c, d in departments if not d) or sorted(c for c, _ in departments),
        operator_id=int(operator or 0), definition_id=definition_id, standard=standard,
    )


def _template(db: BenchDatabase) -> Template:
    """The tasks and timeline of the latest engine-made closed case."""
    with db.deps.uow() as uow:
        s = uow.session
        case_id = s.scalar(select(func.max(Case.id)).where(Case.status == "closed"))
        if case_id is None:
            raise RuntimeError("bulk generation copies an engine-made closed case: run the lifecycle first")
        tasks = s.scalars(select(Task).where(Task.case_id == case_id).order_by(Task.created_at, Task.id)).all()
        events = s.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)).all()
        stage_of = {t.id: t.stage for t in tasks}
        task_rows = [{c.key: getattr(t, c.key) for c in Task.__table__.columns} for t in tasks
                     if t.stage in TASK_CREATED]
        event_rows = [{**{c.key: getattr(e, c.key) for c in CaseEvent.__table__.columns},
                       "task_stage": stage_of.get(e.task_id or "")} for e in events]
    return Template(task_rows, event_rows)


def _rebuild_after_load(ix: Any, dialect: str) -> bool:
    """Drop an index for the load and build it after, unless keeping it is cheaper.

    Indexes over open tasks only take a few thousand entries during the load. On SQLite the
    case indexes are kept too: maintaining them while a million rows arrive in id order costs
    less than scanning the wide case table once per index afterwards; PostgreSQL builds them
    in parallel and fast.
    """
    where = ix.dialect_options["sqlite"].get("where")
    if where is not None and "state = 'open'" in str(where):
        return False
    return not (dialect == "sqlite" and ix.table.name == "cases")


def _next_event_id(db: BenchDatabase) -> int:
    with db.deps.uow() as uow:
        return int(uow.session.scalar(select(func.max(CaseEvent.id))) or 0) + 1


def _next_case_id(db: BenchDatabase) -> int:
    with db.deps.uow() as uow:
        return int(uow.session.scalar(select(func.max(Case.id))) or 0) + 1


# -- writing -----------------------------------------------------------------------------


class _Loader:
    """One raw connection set up for loading a throw-away database fast."""

    def __init__(self, deps: Any) -> None:
        self.dialect = deps.engine.dialect.name
        self.raw = deps.engine.raw_connection()
        self.cur = self.raw.cursor()
        if self.dialect == "sqlite":
            # No journal while loading a throw-away database: every page is written once, not
            # twice (WAL, then checkpoint). Foreign keys are consistent by construction.
            for pragma in ("journal_mode=OFF", "synchronous=OFF", "foreign_keys=OFF", "cache_size=-1000000",
                           "temp_store=MEMORY", "threads=2"):
                self.cur.execute(f"PRAGMA {pragma}")
            self.cur.execute("BEGIN")
            return
        for setting in ("TIME ZONE 'UTC'", "maintenance_work_mem = '512MB'", "synchronous_commit = off"):
            self.cur.execute(f"SET {setting}")
        self.raw.commit()
        try:  # skip the per-row foreign-key triggers (needs a superuser; else they just run)
            self.cur.execute("SET session_replication_role = replica")
            self.raw.commit()
        except Exception:  # any refusal only makes the load slower
            self.raw.rollback()

    def commit(self) -> None:
        if self.dialect == "sqlite":
            self.cur.execute("COMMIT")
            self.cur.execute("BEGIN")
        else:
            self.raw.commit()

    def run(self, sql: str, params: dict[str, Any] | None = None) -> None:
        self.cur.execute(sql, params or {})
        self.commit()

    def write_cases(self, payload: tuple[str, Any], n: int) -> int:
        sql, data = payload
        if self.dialect == "sqlite":
            self.cur.executemany(sql, data)
        else:
            self.cur.copy_expert(sql, data)
        self.commit()
        return n

    def finish(self) -> None:
        if self.dialect == "sqlite":
            # No ANALYZE: szcg never runs it, so the reads are measured with the plans a city's
            # SQLite file gets (measured: the same figures with or without statistics).
            self.cur.execute("COMMIT")
            self.cur.execute("PRAGMA journal_mode=WAL")
            return
        for table in ("cases", "case_events"):
            self.cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        self.raw.commit()
        self.raw.set_session(autocommit=True)
        # VACUUM sets the visibility map that index-only scans rely on (counts on cases, a
        # person's task side of the own case lists); the timeline only needs statistics.
        # Autovacuum gets there too, later: a city's tables are not all freshly loaded.
        self.cur.execute("VACUUM ANALYZE cases")
        self.cur.execute("VACUUM ANALYZE tasks")
        self.cur.execute("ANALYZE case_events")
        self.raw.set_session(autocommit=False)

    def close(self) -> None:
        self.raw.close()


def _defaults(table: Table, given: set[str]) -> dict[str, Any]:
    """Scalar defaults of the NOT NULL columns the generator does not set (columns added later)."""
    out = {}
    for column in table.columns:
        if column.key in given or column.primary_key or column.nullable or column.server_default is not None:
            continue
        default = column.default
        if default is None or not getattr(default, "is_scalar", False):
            raise RuntimeError(f"the benchmark's generator does not know how to fill {table.name}.{column.key}")
        out[column.key] = default.arg
    return out


def _case_payload(dialect: str, cols: dict[str, Any]) -> tuple[str, Any]:
    """The statement and data that insert one chunk of generated cases (CPU work only)."""
    table: Table = Case.__table__  # type: ignore[assignment]
    n = cols["id"].size
    numbers, tracking = case_numbers(cols["id"], cols["reported_at"])
    values: dict[str, list[Any]] = {"case_no": numbers, "tracking_code": tracking}
    for key, col in cols.items():
        if key not in table.columns:
            continue
        if key.endswith("_at"):
            values[key] = time_text(col)
        elif isinstance(col, np.ndarray):
            values[key] = col.astype(str).tolist() if dialect != "sqlite" and col.dtype.kind in "if" else col.tolist()
        else:
            values[key] = [col] * n
    for key, default in _defaults(table, set(values)).items():
        values[key] = [default] * n
    names = list(values)
    if dialect == "sqlite":
        marks = ", ".join("?" for _ in names)
        return (f"INSERT INTO cases ({', '.join(names)}) VALUES ({marks})",
                list(zip(*(values[k] for k in names), strict=True)))
    # COPY text, built a column at a time: one conversion per column, not a call per value.
    text_columns = [_copy_column(values[k]) for k in names]
    buffer = io.StringIO("\n".join("\t".join(row) for row in zip(*text_columns, strict=True)) + "\n")
    return f"COPY cases ({', '.join(names)}) FROM STDIN", buffer


def _copy_column(values: list[Any]) -> list[str]:
    """COPY's text form of one column: \\N for NULL, t/f for booleans, str() otherwise."""
    sample = next((v for v in values if v is not None), None)
    if isinstance(sample, bool):
        return ["\\N" if v is None else ("t" if v else "f") for v in values]
    if isinstance(sample, str):
        return ["\\N" if v is None else v for v in values]
    return ["\\N" if v is None else str(v) for v in values]


def _task_id(dialect: str, k: int) -> str:
    """A unique, UUID-shaped, reproducible id for stage ``k`` of case c (the timeline refers to it).

    Stage first, so each stage's statement appends to the primary-key index instead of
    splitting pages all over it: the load is several times faster, and the index comes out
    denser than the engine's random uuid4 keys would leave it (the size per case is a little low).
    """
    if dialect == "sqlite":
        return f"printf('%08x-0000-4000-8000-%012x', {k}, c.id)"
    return f"'{k:08x}-0000-4000-8000-' || lpad(to_hex(c.id), 12, '0')"


def _json(dialect: str, name: str) -> str:
    return f"CAST(:{name} AS JSONB)" if dialect == "postgresql" else f":{name}"


def _json_text(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False)


def _task_statements(dialect: str, template: Template) -> list[tuple[Any, dict[str, Any]]]:
    table: Table = Task.__table__  # type: ignore[assignment]
    out = []
    for k, row in enumerate(template.tasks):
        stage = row["stage"]
        column = STAGE_COLUMN.get(stage)
        if column is None:
            continue
        created = TASK_CREATED[stage]
        if stage == "verify":
            created = "CASE WHEN c.verified_at IS NOT NULL OR c.status = 'verify' THEN c.registered_at END"
        scope = row["scope"]
        exprs = {
            "id": _task_id(dialect, k), "case_id": "c.id", "district_code": "c.district_code",
            "grid_code": "c.grid_code",
            "department_code": "c.department_code" if scope == "department" else "NULL",
            "assignee_id": "p.inspector_id" if scope == "grid" else "NULL",
            "state": f"CASE WHEN c.{column} IS NULL THEN 'open' ELSE 'completed' END",
            "created_at": created, "due_at": "c.deadline_at" if stage == "handle" else "NULL",
            "completed_at": f"c.{column}",
            "completed_by_id": ("p.inspector_id" if scope == "grid" else "uh.id" if scope == "department"
                                else ":completed_by"),
        }
        params: dict[str, Any] = {"completed_by": row["completed_by_id"]}
        for c in table.columns:
            if c.key in exprs or c.key in PER_CASE_TASK_COLUMNS:
                continue
            params[f"t_{c.key}"] = _json_text(row[c.key]) if c.key == "context" else row[c.key]
            exprs[c.key] = _json(dialect, f"t_{c.key}") if c.key == "context" else f":t_{c.key}"
        joins = "LEFT JOIN places p ON p.code = c.grid_code" if scope == "grid" else (
            "LEFT JOIN users uh ON uh.username = c.department_code" if scope == "department" else "")
        sql = (f"INSERT INTO tasks ({', '.join(exprs)}) SELECT {', '.join(exprs.values())} FROM cases c {joins} "
               f"WHERE c.id BETWEEN :lo AND :hi AND ({created}) IS NOT NULL "
               f"AND (c.{column} IS NOT NULL OR c.status = :stage)")
        params["stage"] = stage
        out.append((_driver_sql(dialect, sql), params))
    return out


def _event_statements(dialect: str, template: Template, first_id: int | None) -> list[tuple[Any, dict[str, Any]]]:
    """One statement per timeline line of the template; with ``first_id``, explicit ids keep each
    case's lines in process order whatever order (or connection) the statements run in."""
    rows = list(template.events)
    rows.append({"action": "void", "role": None, "actor_id": None, "actor": "system", "stage_from": "register",
                 "stage_to": "void", "task_stage": None, "comment": None, "data": None})
    stage_index = {row["stage"]: k for k, row in enumerate(template.tasks)}
    stride = len(rows)
    out = []
    for k, row in enumerate(rows):
        column = EVENT_TIME.get(row["action"])
        if column is None:
            continue
        role, actor_id = row["role"], row["actor_id"]
        joins = ""
        if actor_id is None:
            who_id, who = "NULL", ":actor"
        elif role == "inspector":
            who_id, who = "p.inspector_id", "ui.username"
            joins = "LEFT JOIN places p ON p.code = c.grid_code LEFT JOIN users ui ON ui.id = p.inspector_id"
        elif role == "handler":
            who_id, who = "uh.id", "uh.username"
            joins = "LEFT JOIN users uh ON uh.username = c.department_code"
        else:
            who_id, who = ":actor_id", ":actor"
        task = row["task_stage"]
        task_id = _task_id(dialect, stage_index[task]) if task in stage_index else "NULL"
        comment = "c.description" if row["action"] == "report" else ":comment"
        exprs = {"case_id": "c.id", "at": f"c.{column}", "actor_id": who_id, "actor": f"COALESCE({who}, 'system')",
                 "role": ":role", "action": ":action", "stage_from": ":stage_from", "stage_to": ":stage_to",
                 "task_id": task_id, "comment": comment, "data": _json(dialect, "data"),
                 # The template's numbers and hashes: bulk lines are not a real chain (`szcg audit verify`
                 # flags them), which is fine for throw-away bench databases.
                 "seq": ":seq", "hash": ":hash"}
        if first_id is not None:
            exprs = {"id": f"{first_id + k} + (c.id - :lo) * {stride}", **exprs}
        sql = (f"INSERT INTO case_events ({', '.join(exprs)}) SELECT {', '.join(exprs.values())} FROM cases c {joins} "
               f"WHERE c.id BETWEEN :lo AND :hi AND c.{column} IS NOT NULL")
        params = {"actor_id": actor_id, "actor": row["actor"], "role": role, "action": row["action"],
                  "stage_from": row["stage_from"], "stage_to": row["stage_to"], "comment": row["comment"],
                  "data": _json_text(row["data"]), "seq": k + 1, "hash": row.get("hash") or "0" * 64}
        out.append((_driver_sql(dialect, sql), params))
    return out


def _driver_sql(dialect: str, sql: str) -> str:
    """``:name`` placeholders in the driver's own style (named for both sqlite3 and psycopg2)."""
    if dialect == "sqlite":
        return sql
    return re.sub(r"(?<!:):([a-z_]+)", r"%(\1)s", sql.replace("%", "%%"))

