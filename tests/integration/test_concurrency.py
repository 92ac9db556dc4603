"""Two people complete the same task at the same moment: exactly one wins."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from engine.cases import tasks
from engine.errors import TaskNotReady
from engine.store.models import CaseEvent
from tests.factories import actor, open_task, report


def test_two_concurrent_completions_of_one_task_one_succeeds_one_gets_409(deps):
    case_no = report(deps).case_no
    task = open_task(deps, case_no)
    who = actor(deps, "operator")
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def attempt() -> None:
        barrier.wait()
        try:
            tasks.complete_task(deps, who, task.id, {"decision": "file"})
            outcomes.append("ok")
        except TaskNotReady:
            outcomes.append("409")

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(outcomes) == ["409", "ok"]
    with deps.uow() as uow:
        completions = uow.session.scalar(select(func.count(CaseEvent.id)).where(CaseEvent.task_id == task.id))
    assert completions == 1
    assert open_task(deps, case_no).stage == "file"
