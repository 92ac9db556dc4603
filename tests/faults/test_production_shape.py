"""Faults, retries and exactly-once on the production shape (gunicorn ×2 workers, 2 schedulers, PostgreSQL).

Each test prints its counts (``pytest -s`` shows them; CI's log keeps them).
"""

from __future__ import annotations

import threading
import time
from collections import Counter

import pytest
from sqlalchemy import func, select, text, update

from engine.audit.verify import verify
from engine.store.models import Case, CaseEvent
from engine.store.rules_models import Timer
from tests.factories import GARBAGE, INSIDE, open_task, report
from tests.faults.shape import Shape, inconsistent_cases, terminate_backends

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

REPORT = {"source": "hotline", "category_code": GARBAGE, "description": "路边有垃圾", "lon": INSIDE[0],
          "lat": INSIDE[1]}


def _report(shape: Shape, key: str | None = None) -> tuple[str, str, dict, dict]:
    headers = {"Idempotency-Key": key} if key else {}
    return ("POST", "/api/v1/reports", REPORT, {"user": "operator", "headers": headers})


def test_concurrent_completions_of_one_task_one_wins_the_others_409(city, shape):
    _url, deps = city
    shape.start_web(workers=2)
    made = report(deps)
    task = open_task(deps, made.case_no)
    shape.token("operator")
    answers = shape.burst([("POST", f"/api/v1/tasks/{task.id}/complete", {"decision": "file"},
                            {"user": "operator"})] * 12, threads=12)
    counts = Counter(a.status for a in answers)
    print(f"\n12 concurrent completions of one task: {dict(counts)}")
    assert counts == {200: 1, 409: 11}
    assert inconsistent_cases(deps) == [] and verify(deps).ok


def test_one_report_retried_100_times_with_one_key_is_one_case_and_a_completion_retried_is_one_step(city, shape):
    _url, deps = city
    shape.start_web(workers=2)
    shape.token("operator")
    answers = shape.burst([_report(shape, "same-report-key")] * 100, threads=10)
    counts = Counter(a.status for a in answers)
    numbers = {a.body["case_no"] for a in answers if a.status in (200, 201)}
    with deps.uow() as uow:
        cases = uow.session.scalar(select(func.count()).select_from(Case).where(Case.idempotency_key.is_not(None)))
    print(f"\n100 retries of one report: {dict(counts)}, case numbers returned {len(numbers)}, cases stored {cases}")
    assert counts[201] == 1 and counts[200] == 99 and len(numbers) == 1 and cases == 1

    task = open_task(deps, numbers.pop())
    retries = shape.burst([("POST", f"/api/v1/tasks/{task.id}/complete", {"decision": "file"},
                            {"user": "operator", "headers": {"Idempotency-Key": "lost-answer"}})] * 20, threads=10)
    replayed = Counter((a.status, a.body.get("replayed", False) if isinstance(a.body, dict) else None)
                       for a in retries)
    with deps.uow() as uow:
        lines = uow.session.scalar(select(func.count()).select_from(CaseEvent).where(CaseEvent.task_id == task.id))
    print(f"20 retries of one completion with one key: {dict(replayed)}, timeline lines for it {lines}")
    assert replayed == {(200, False): 1, (200, True): 19} and lines == 1
    assert inconsistent_cases(deps) == []


def test_database_connections_cut_mid_burst_fail_cleanly_and_the_next_requests_succeed(city, shape):
    _url, deps = city
    shape.start_web(workers=2)
    shape.token("operator")
    shape.burst([_report(shape)] * 4, threads=4)  # the workers hold pooled connections now
    stop = threading.Event()
    cuts: list[int] = []

    def cutter() -> None:
        for _ in range(6):
            if stop.wait(0.3):
                return
            cuts.append(terminate_backends(deps))

    thread = threading.Thread(target=cutter)
    thread.start()
    answers = shape.burst([_report(shape, f"cut-{k}") for k in range(60)], threads=6)
    stop.set()
    thread.join()
    counts = Counter(a.status for a in answers)
    print(f"\n60 reports while {sum(cuts)} database sessions were terminated: {dict(counts)}")
    assert set(counts) <= {201, 503}, counts
    assert all(a.headers.get("retry-after") for a in answers if a.status == 503)
    time.sleep(2)  # the Retry-After (1 s) and a little: pooled connections idle that long are tested first
    after = Counter(a.status for a in shape.burst([_report(shape, f"after-{k}") for k in range(10)], threads=5))
    print(f"the next 10 reports: {dict(after)}")
    assert after == {201: 10}
    with deps.uow() as uow:  # a 503 wrote nothing; a 201 wrote the whole case
        keys = set(uow.session.scalars(select(Case.idempotency_key).where(Case.idempotency_key.like("%:cut-%"))))
    created = {f"cut-{k}" for k, a in enumerate(answers) if a.status == 201}
    assert {k.split(":", 1)[1] for k in keys} == created  # stored as "<reporter id>:<key>"
    assert inconsistent_cases(deps) == [] and verify(deps).ok


def test_a_worker_killed_mid_burst_leaves_every_step_whole(city, shape):
    _url, deps = city
    shape.start_web(workers=2)
    shape.token("operator")
    victim = shape.worker_pids()[0]
    killer = threading.Timer(0.8, shape.kill9, args=[victim])
    killer.start()
    answers = shape.burst([_report(shape, f"kill-{k}") for k in range(80)], threads=8)
    killer.join()
    counts = Counter(a.status for a in answers)
    shape.wait_until(lambda: len(shape.worker_pids()) >= 2, 30, "gunicorn to replace the killed worker")
    retried = shape.burst([_report(shape, f"kill-{k}") for k, a in enumerate(answers) if a.status != 201], threads=8)
    print(f"\n80 reports with worker {victim} killed -9 mid-burst: {dict(counts)}; "
          f"retried with their keys: {dict(Counter(a.status for a in retried))}")
    assert set(counts) <= {201, 0}
    assert all(a.status in (200, 201) for a in retried)
    with deps.uow() as uow:
        stored = uow.session.scalar(select(func.count()).select_from(Case).where(Case.idempotency_key.is_not(None)))
    assert stored == 80  # each report exactly once, whether its first answer was lost or not
    assert inconsistent_cases(deps) == [] and verify(deps).ok


def test_a_scheduler_killed_while_firing_timers_fires_every_due_timer_exactly_once(city, shape):
    _url, deps = city
    made = [report(deps).case_no for _ in range(30)]
    with deps.engine.begin() as conn:  # make every task timer due a minute ago
        due = conn.execute(update(Timer).where(Timer.kind.in_(("warning", "overdue")), Timer.fired_at.is_(None))
                           .values(due_at=func.now() - text("interval '1 minute'"))).rowcount
    first, _second = shape.start_scheduler(), shape.start_scheduler()

    def fired() -> int:
        with deps.uow() as uow:
            return int(uow.session.scalar(select(func.count()).select_from(Timer).where(
                Timer.kind.in_(("warning", "overdue")), Timer.fired_at.is_not(None))) or 0)

    shape.wait_until(lambda: fired() > 0, 60, "the schedulers to start firing")
    shape.kill9(first.pid)
    at_kill = fired()
    shape.start_scheduler()  # the restart
    shape.wait_until(lambda: fired() == due, 120, "every due timer to fire")
    time.sleep(2)  # a few more scheduler runs: nothing may fire twice
    with deps.uow() as uow:
        per_task = Counter(uow.session.execute(select(CaseEvent.task_id, CaseEvent.action).where(
            CaseEvent.action.in_(("warning", "overdue")))).all())
        overdue = sum(uow.session.scalars(select(Case.overdue_count).where(Case.case_no.in_(made))))
    print(f"\n{due} due timers on {len(made)} cases; {at_kill} fired when a scheduler was killed -9; "
          f"fired in the end {fired()}, timeline lines {sum(per_task.values())}, most lines for one timer "
          f"{max(per_task.values())}")
    assert sum(per_task.values()) == due and set(per_task.values()) == {1}
    assert overdue == len(made)
    assert inconsistent_cases(deps) == [] and verify(deps).ok
