"""SLA timers with a moved clock: limits from the table and the calendar, warning then overdue,
each fired exactly once, catch-up after a restart, and two schedulers never firing twice."""

from __future__ import annotations

import threading
from datetime import datetime

from sqlalchemy import func, select

from engine.cases import queries, tasks
from engine.deps import build_deps
from engine.store.models import CaseEvent, Task
from engine.store.rules_models import Notification, Timer
from engine.time.clock import BEIJING
from engine.time.scheduler import tick
from engine.time.timers import fire_due
from tests.factories import act, actor, open_task, report


def beijing(*args: int) -> datetime:
    return datetime(*args, tzinfo=BEIJING)


def to_handle(deps, case_no):
    act(deps, case_no, "register", {"decision": "file"})
    act(deps, case_no, "file", {"decision": "file"})
    act(deps, case_no, "dispatch", {"department_code": "sanitation_650102"})


def events(deps, case_no, action):
    body = queries.get_case(deps, actor(deps, "admin"), case_no)
    return [e for e in body["timeline"] if e["action"] == action]


def test_the_handling_limit_comes_from_the_table_and_the_calendar(deps):
    case_no = report(deps).case_no  # 暴露垃圾 in a B grid, condition 20102-1: 1 working day
    to_handle(deps, case_no)
    handle = open_task(deps, case_no)
    # Dispatched Tuesday 2026-03-10 10:00, at the opening of the winter office day (10:00–14:00,
    # 15:30–19:30): 1 working day is that day's 8 office hours, due at its closing, 19:30; 80 %
    # (6.4 working hours: 4 until 14:00, then 2.4 from 15:30) is 17:54.
    assert handle.due_at == beijing(2026, 3, 10, 19, 30)
    assert handle.warn_at == beijing(2026, 3, 10, 17, 54)
    assert (handle.limit_value, handle.limit_unit, handle.provisional) == (1.0, "working_days", False)
    body = queries.get_case(deps, actor(deps, "admin"), case_no)
    assert body["deadline_at"] == "2026-03-10T19:30:00+08:00"
    assert body["tasks"][0]["light"] == "green"
    view = tasks.get_task(deps, actor(deps, "sanitation_650102"), handle.id)
    assert view["context"]["time_limit"]["table"] == "time_limits" and view["light"] == "green"
    assert view["context"]["time_limit"]["clock"] == "case"


def test_warning_then_overdue_each_fire_exactly_once(deps, clock):
    case_no = report(deps).case_no
    to_handle(deps, case_no)
    clock.set(beijing(2026, 3, 10, 17, 55))
    assert tick(deps) == 1
    assert tick(deps) == 0
    assert [e["data"]["stage"] for e in events(deps, case_no, "warning")] == ["handle"]
    handler = actor(deps, "sanitation_650102")
    assert [t.light for t in tasks.list_tasks(deps, handler)] == ["yellow"]
    clock.set(beijing(2026, 3, 10, 19, 31))
    assert tick(deps) == 1
    assert tick(deps) == 0
    assert len(events(deps, case_no, "overdue")) == 1
    assert [t.light for t in tasks.list_tasks(deps, handler)] == ["red"]
    body = queries.get_case(deps, actor(deps, "admin"), case_no)
    assert body["overdue_count"] == 1
    assert sorted(t["stage"] for t in body["tasks"]) == ["handle", "urge"]
    assert body["status"] == "handle"  # the urge is a side task: the case still waits in handling
    urge = [t for t in tasks.list_tasks(deps, actor(deps, "shift_leader")) if t.stage == "urge"]
    assert len(urge) == 1
    with deps.uow() as uow:
        kinds = uow.session.execute(select(Notification.kind, func.count()).group_by(Notification.kind)).all()
    assert dict(kinds) == {"warning": 1, "overdue": 1}
    tasks.complete_task(deps, actor(deps, "shift_leader"), urge[0].id, {"instruction": "请立即处置"})
    inbox = tasks.list_tasks(deps, handler)
    assert [t.stage for t in inbox] == ["answer_urge", "handle"]  # the urge on top
    tasks.complete_task(deps, handler, inbox[0].id, {"answer": "已调派车辆，今日完成"})
    act(deps, case_no, "handle", {"outcome": "done"})
    act(deps, case_no, "check", {"passed": True})
    act(deps, case_no, "close", {})
    evaluate = events(deps, case_no, "evaluate")[0]["data"]
    handle_fact = next(s for s in evaluate["stages"] if s["stage"] == "handle")
    assert handle_fact["on_time"] is False and evaluate["late_stages"] >= 1


def test_completing_a_task_in_time_cancels_its_timers(deps, clock):
    case_no = report(deps).case_no
    to_handle(deps, case_no)
    act(deps, case_no, "handle", {"outcome": "done"})
    clock.set(beijing(2026, 3, 12, 10, 0))
    tick(deps)
    fired = [(e["action"], e["data"]["stage"]) for e in events(deps, case_no, "warning") + events(deps, case_no,
                                                                                                    "overdue")]
    assert sorted(fired) == [("overdue", "check"), ("warning", "check")]  # the check task is late, not handle


def test_timers_that_fell_due_while_nothing_ran_fire_once_on_start(deps, settings, clock):
    case_no = report(deps).case_no
    to_handle(deps, case_no)
    clock.set(beijing(2026, 3, 16, 9, 0))  # days later: warning and overdue are both due
    restarted = build_deps(settings, clock=clock)
    try:
        assert tick(restarted) == 2
        assert tick(restarted) == 0
    finally:
        restarted.engine.dispose()
    assert len(events(deps, case_no, "warning")) == 1 and len(events(deps, case_no, "overdue")) == 1


def test_two_schedulers_never_fire_a_timer_twice(deps, settings, clock):
    numbers = [report(deps).case_no for _ in range(6)]
    for case_no in numbers:
        to_handle(deps, case_no)
    clock.set(beijing(2026, 3, 16, 9, 0))
    schedulers = [build_deps(settings, clock=clock) for _ in range(2)]
    barrier = threading.Barrier(2)
    fired: list[int] = []

    def run(d) -> None:
        barrier.wait()
        while True:
            batch = fire_due(d, limit=2)
            fired.extend(f.timer_id for f in batch if f.effect == "fired")
            if not batch:
                break

    threads = [threading.Thread(target=run, args=(d,)) for d in schedulers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    for d in schedulers:
        d.engine.dispose()
    assert len(fired) == len(set(fired)) == 12  # a warning and an overdue per case
    with deps.uow() as uow:
        overdue_events = uow.session.scalar(select(func.count(CaseEvent.id)).where(CaseEvent.action == "overdue"))
        unfired = uow.session.scalar(select(func.count(Timer.id)).where(Timer.fired_at.is_(None),
                                                                        Timer.kind != "bpmn"))
        urges = uow.session.scalar(select(func.count(Task.id)).where(Task.stage == "urge", Task.state == "open"))
    assert overdue_events == 6 and unfired == 0 and urges == 6
