"""Start, kill and talk to the production shape: gunicorn workers and scheduler processes.

Every loop here is bounded in count and time, and every address is 127.0.0.1.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select, text

from engine.deps import Deps
from engine.store.models import Case, Task, WorkflowState

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


@dataclass(frozen=True)
class Answer:
    status: int  # 0: the connection broke (the worker died under the request)
    body: Any
    headers: dict[str, str]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Shape:
    """gunicorn (``workers`` processes) and any number of schedulers against one database."""

    def __init__(self, url: str, tmp: Path) -> None:
        self.port = _free_port()
        metrics = tmp / "prometheus"
        metrics.mkdir(exist_ok=True)
        self.env = {**os.environ, "SZCG_DATABASE_URL": url, "SZCG_INSTANCE_PATH": str(tmp / "instance"),
                    "SZCG_UPLOAD_DIR": str(tmp / "instance" / "uploads"), "SZCG_SECRET_KEY": "f" * 32,
                    "SZCG_SCHEDULER_IN_WEB": "false", "SZCG_SCHEDULER_INTERVAL_SECONDS": "1",
                    "SZCG_TIMER_RECLAIM_SECONDS": "5",
                    "SZCG_PUBLIC_REPORTS_PER_HOUR": "100000",
                    "SZCG_PUBLIC_LOOKUPS_PER_HOUR": "100000", "PROMETHEUS_MULTIPROC_DIR": str(metrics)}
        self.logs = tmp
        self.web: subprocess.Popen[bytes] | None = None
        self.schedulers: list[subprocess.Popen[bytes]] = []
        self._tokens: dict[str, str] = {}

    # -- processes ---------------------------------------------------------------------------
    def _spawn(self, args: list[str], log: str) -> subprocess.Popen[bytes]:
        out = (self.logs / log).open("ab")
        return subprocess.Popen(args, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)

    def start_web(self, workers: int = 2) -> None:
        self.web = self._spawn([str(BIN / "gunicorn"), "-w", str(workers), "-k", "gthread", "--threads", "4",
                                "-b", f"127.0.0.1:{self.port}", "--graceful-timeout", "5", "web.wsgi:app"],
                               "gunicorn.log")
        self.wait_until(lambda: self.call("GET", "/healthz").status == 200, 60, "gunicorn to answer")
        self.wait_until(lambda: len(self.worker_pids()) >= workers, 30, "the workers to start")

    def start_scheduler(self) -> subprocess.Popen[bytes]:
        proc = self._spawn([str(BIN / "szcg"), "scheduler"], f"scheduler-{len(self.schedulers)}.log")
        self.schedulers.append(proc)
        return proc

    def worker_pids(self) -> list[int]:
        assert self.web is not None
        found = subprocess.run(["pgrep", "-P", str(self.web.pid)], capture_output=True, text=True, check=False)
        return [int(p) for p in found.stdout.split()]

    @staticmethod
    def kill9(pid: int) -> None:
        os.kill(pid, signal.SIGKILL)

    def stop_all(self) -> None:
        for proc in [*self.schedulers, *([self.web] if self.web else [])]:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in [*self.schedulers, *([self.web] if self.web else [])]:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=5)

    @staticmethod
    def wait_until(check: Any, seconds: float, what: str) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                if check():
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"timed out waiting for {what}")

    # -- HTTP --------------------------------------------------------------------------------
    def call(self, method: str, path: str, body: Any = None, *, user: str | None = None,
             headers: dict[str, str] | None = None, timeout: float = 30) -> Answer:
        sent = dict(headers or {})
        if user:
            sent["Authorization"] = f"Bearer {self.token(user)}"
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            sent["Content-Type"] = "application/json"
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request(method, path, payload, sent)
            res = conn.getresponse()
            raw = res.read()
            try:
                parsed = json.loads(raw) if raw else None
            except ValueError:
                parsed = raw.decode(errors="replace")
            return Answer(res.status, parsed, {k.lower(): v for k, v in res.getheaders()})
        except (ConnectionError, http.client.HTTPException, TimeoutError):
            return Answer(0, None, {})
        finally:
            conn.close()

    def token(self, user: str) -> str:
        if user not in self._tokens:
            answer = self.call("POST", "/api/v1/auth/token", {"username": user, "password": "demo"})
            assert answer.status == 200, answer
            self._tokens[user] = answer.body["token"]
        return self._tokens[user]

    def burst(self, requests: list[tuple[str, str, Any, dict[str, Any]]], threads: int = 8) -> list[Answer]:
        """Send ``(method, path, body, options)`` requests from ``threads`` threads at once."""
        with ThreadPoolExecutor(threads) as pool:
            return list(pool.map(lambda r: self.call(r[0], r[1], r[2], **r[3]), requests))


def inconsistent_cases(deps: Deps) -> list[str]:
    """Cases whose open task rows are not exactly the workflow's ready user tasks (or that lack a state)."""
    from engine.processes.definitions import parsed_by_id

    bad = []
    with deps.uow() as uow:
        s = uow.session
        for case in s.scalars(select(Case).order_by(Case.id)):
            state = s.get(WorkflowState, case.id)
            if state is None:
                bad.append(f"{case.case_no}: no workflow state")
                continue
            parsed = parsed_by_id(deps, s, state.definition_id)
            ready = deps.runtime.ready_user_task_ids(deps.runtime.load(state.state, parsed), parsed)
            open_rows = set(s.scalars(select(Task.id).where(Task.case_id == case.id, Task.state == "open")))
            if ready != open_rows:
                bad.append(f"{case.case_no}: workflow ready {sorted(ready)} != open tasks {sorted(open_rows)}")
    return bad


def backend_pids(deps: Deps) -> list[int]:
    """The PostgreSQL sessions of other processes on this database (the web workers')."""
    with deps.engine.connect() as conn:
        return list(conn.execute(text("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                                      "AND pid <> pg_backend_pid()")).scalars())


def terminate_backends(deps: Deps) -> int:
    with deps.engine.connect() as conn:
        return len(conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = "
                                     "current_database() AND pid <> pg_backend_pid()")).all())
