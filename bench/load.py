"""Sections "throughput" and "city_day": gunicorn workers under a load generator of several processes.

The server is what a city runs (``gunicorn -w N 'web.wsgi:app'``, README "Several server processes")
on the bench's throw-away database; the load generator is the bench's own HTTP driver in separate
processes (``spawn``: they share nothing with this one), each taking cases through their whole
lifecycle over real HTTP with the demo accounts' tokens, and reading as people do between steps:

- per case: the operator reports it (``POST /api/v1/reports``);
- per step: the leader opens the case page (``GET /api/v1/cases/<no>``, which also says what is
  open), the one who takes the task opens their inbox (``GET /api/v1/tasks``), then completes the
  task (``POST /api/v1/tasks/<id>/complete``) — two reads to one step.

Throughput is *completed* cases per second of wall time (WAVE2_NOTES: report completed instances),
with the p50/p95 of each step and read as the clients saw them (queueing in the server included).
The machine has 2 cores shared by the server, the database and the clients: the figure stops
growing where they are used up, not where szcg stops scaling.
"""

from __future__ import annotations

import http.client
import json
import multiprocessing
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.common import Progress, percentile
from bench.lifecycle import CATEGORY, MAX_STEPS, answer

WORKERS = (1, 2, 4)


@dataclass(frozen=True)
class Plan:
    """What a client process needs (plain, picklable data): the server and who acts."""

    port: int
    operator: str  # tokens
    leader: str
    by_grant: dict[tuple[str, str | None, str | None], str]
    inspector_of_grid: dict[str, str]
    scope_of: dict[tuple[str, str, str], str]  # (lane, stage, name) → scope
    points: list[tuple[float, float, str]]
    department_of: dict[str, str]


def make_plan(db: Any, cast: Any, port: int) -> Plan:
    """Tokens of every actor (issued by the use case, as HttpChannel.login does) and the tasks' scopes."""
    from sqlalchemy import select

    from engine.people import accounts
    from engine.processes.definitions import parsed_by_id
    from engine.store.models import Place, ProcessDefinition

    deps = db.deps
    tokens = {a.username: accounts.issue_token(deps, a)[0] for a in cast.by_user_id.values()}
    by_grant = {key: tokens[actor.username] for key, actor in cast.by_grant.items()}
    scope_of: dict[tuple[str, str, str], str] = {}
    with deps.uow() as uow:
        rows = uow.session.execute(select(Place.code, Place.inspector_id).where(Place.level == "grid")).all()
        for definition_id in uow.session.scalars(select(ProcessDefinition.id)):
            for info in parsed_by_id(deps, uow.session, definition_id).user_tasks.values():
                scope_of.setdefault((info.lane or "", info.stage, info.name), info.scope)
    inspector_of_grid = {code: tokens[cast.by_user_id[uid].username] for code, uid in rows if uid in cast.by_user_id}
    return Plan(port, tokens[cast.centre["operator"].username], tokens[cast.centre["leader"].username], by_grant,
                inspector_of_grid, scope_of, list(cast.points), dict(cast.department_of))


# -- the client processes -------------------------------------------------------------------

class _Client:
    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.conn = http.client.HTTPConnection("127.0.0.1", plan.port, timeout=120)

    def call(self, method: str, path: str, token: str, body: Any = None) -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {token}"}
        payload = None
        if body is not None:
            payload = json.dumps(body)
            headers["Content-Type"] = "application/json"
        for attempt in range(2):
            try:
                self.conn.request(method, path, body=payload, headers=headers)
                res = self.conn.getresponse()
                data = res.read()
                if res.getheader("Connection", "").lower() == "close":
                    self.conn.close()
                return res.status, json.loads(data) if data else None
            except (ConnectionError, http.client.HTTPException):  # a worker closed a kept-alive socket
                self.conn.close()
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def actor(self, task: dict[str, Any], case: dict[str, Any]) -> str:
        plan = self.plan
        scope = plan.scope_of.get((task["lane"], task["stage"], task["name"]), "city")
        if scope == "grid":
            return plan.inspector_of_grid[case["grid_code"]]
        if scope == "department":
            return plan.by_grant[(task["lane"], None, case["department_code"])]
        if scope == "district":
            return plan.by_grant[(task["lane"], case["district_code"], None)]
        return plan.by_grant[(task["lane"], None, None)]

    def drive(self, n: int) -> dict[str, Any]:
        """Case ``n`` from report to end: its wall time, each step's and each read's latency."""
        plan = self.plan
        lon, lat, district = plan.points[n % len(plan.points)]
        steps: list[float] = []
        reads: list[float] = []
        start = time.perf_counter()
        body = {"source": "citizen", "category_code": CATEGORY, "description": f"路边有一堆垃圾 #{n}", "lon": lon,
                "lat": lat, "address": "和平路 1 号", "reporter_name": "张三", "reporter_phone": "13800000000"}
        status, res = self.call("POST", "/api/v1/reports", plan.operator, body)
        steps.append(time.perf_counter() - start)
        if status != 201:
            raise RuntimeError(f"report failed: {status} {res}")
        case_no = res["case_no"]
        for _ in range(MAX_STEPS):
            t = time.perf_counter()
            status, case = self.call("GET", f"/api/v1/cases/{case_no}", plan.leader)
            reads.append(time.perf_counter() - t)
            if status != 200:
                raise RuntimeError(f"case page failed: {status} {case}")
            if not case["tasks"]:
                return {"case_s": time.perf_counter() - start, "steps": steps, "reads": reads}
            task = case["tasks"][0]
            token = self.actor(task, case)
            t = time.perf_counter()
            status, inbox = self.call("GET", "/api/v1/tasks?limit=20", token)
            reads.append(time.perf_counter() - t)
            if status != 200:
                raise RuntimeError(f"inbox failed: {status} {inbox}")
            t = time.perf_counter()
            status, res = self.call("POST", f"/api/v1/tasks/{task['id']}/complete", token,
                                    answer(task["stage"], plan.department_of[district]))
            steps.append(time.perf_counter() - t)
            if status != 200:
                raise RuntimeError(f"completing {task['stage']} failed: {status} {res}")
        raise RuntimeError(f"case {case_no} did not finish in {MAX_STEPS} steps")


def _client_main(plan: Plan, numbers: list[int], out: Any) -> None:
    client = _Client(plan)
    results, error = [], None
    try:
        for n in numbers:
            results.append(client.drive(n))
    except Exception as exc:  # reported to the parent, which fails the section
        error = f"{type(exc).__name__}: {exc}"
    out.put({"results": results, "error": error})


def drive_load(plan: Plan, numbers: list[int], clients: int) -> dict[str, Any]:
    """Drive the cases ``numbers`` with ``clients`` processes at once; figures over all of them."""
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    shares = [numbers[i::clients] for i in range(clients)]
    procs = [ctx.Process(target=_client_main, args=(plan, share, queue)) for share in shares if share]
    start = time.perf_counter()
    for p in procs:
        p.start()
    answers = [queue.get() for _ in procs]
    wall = time.perf_counter() - start
    for p in procs:
        p.join()
    errors = [a["error"] for a in answers if a["error"]]
    if errors:
        raise RuntimeError(f"{len(errors)} load clients failed; first: {errors[0]}")
    results = [r for a in answers for r in a["results"]]
    steps = [s for r in results for s in r["steps"]]
    reads = [s for r in results for s in r["reads"]]
    cases = [r["case_s"] for r in results]
    return {"cases": len(results), "clients": len(procs), "wall_s": round(wall, 1),
            "cases_per_s": round(len(results) / wall, 2) if wall else 0.0,
            "steps": len(steps), "steps_per_s": round(len(steps) / wall, 1) if wall else 0.0,
            "step_p50_ms": round(percentile(steps, 50) * 1000, 1), "step_p95_ms": round(percentile(steps, 95) * 1000, 1),
            "read_p50_ms": round(percentile(reads, 50) * 1000, 1), "read_p95_ms": round(percentile(reads, 95) * 1000, 1),
            "case_p50_s": round(percentile(cases, 50), 2)}


# -- the server -----------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Gunicorn:
    """``gunicorn -w N 'web.wsgi:app'`` on the bench database, stopped on exit."""

    def __init__(self, db: Any, workers: int, port: int) -> None:
        instance = Path(db.workdir) / "instance"
        env = {**os.environ, "SZCG_DATABASE_URL": db.url, "SZCG_INSTANCE_PATH": str(instance),
               "SZCG_UPLOAD_DIR": str(instance / "uploads"), "SZCG_SECRET_KEY_FILE": str(instance / "secret_key"),
               "SZCG_LOG_LEVEL": "WARNING", "SZCG_SCHEDULER_IN_WEB": "false"}
        self.port = port
        self.args = [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{port}",
                     "--timeout", "120", "--log-level", "warning", "web.wsgi:app"]
        self.env = env
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Gunicorn:
        self.proc = subprocess.Popen(self.args, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {self.proc.stderr.read().decode()[-2000:]}")  # type: ignore[union-attr]
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.3)
        raise RuntimeError("gunicorn did not answer /healthz in 90 s")

    def __exit__(self, *exc: Any) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def run_with_workers(db: Any, cast: Any, workers: int, cases: int, offset: int, clients: int | None = None) -> dict[str, Any]:
    """Start ``workers`` gunicorn workers, warm them up, then drive ``cases`` cases; the figures."""
    port = _free_port()
    plan = make_plan(db, cast, port)
    clients = clients or max(2, 2 * workers)
    with Gunicorn(db, workers, port):
        drive_load(plan, list(range(offset, offset + 2 * workers)), min(clients, 2 * workers))  # parse, caches
        out = drive_load(plan, list(range(offset + 1000, offset + 1000 + cases)), clients)
    out["workers"] = workers
    return out


def throughput_section(db: Any, cast: Any, cases: int, progress: Progress,
                       workers: tuple[int, ...] = WORKERS) -> dict[str, Any]:
    """Cases per second and step p95 at 1, 2 and 4 workers (PostgreSQL: SQLite has one writer)."""
    runs = []
    for i, w in enumerate(workers):
        progress.note(f"[{db.backend}] throughput: {w} gunicorn worker(s), {cases} cases …")
        runs.append(run_with_workers(db, cast, w, cases, 60_000_000 + i * 1_000_000))
    base = runs[0]["cases_per_s"] or 1.0
    for r in runs:
        r["over_one_worker"] = round(r["cases_per_s"] / base, 2)
    return {"cores": os.cpu_count(), "runs": runs}


def city_day_section(db: Any, cast: Any, cases: int, progress: Progress, workers: int) -> dict[str, Any]:
    """A city's peak day (3,000 cases in the full run) through the JSON API, whole lifecycles, timed."""
    progress.note(f"[{db.backend}] city day: {cases} cases through the API, {workers} gunicorn worker(s) …")
    out = run_with_workers(db, cast, workers, cases, 70_000_000)
    out["cores"] = os.cpu_count()
    return out
