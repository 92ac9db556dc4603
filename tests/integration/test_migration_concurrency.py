"""Migration racing other writers on the same cases: two administrators migrating the same running cases at
once (each case moves once, one timeline line, nothing doubled), and a migration while departments complete
the very tasks being moved (each case ends either migrated or untouched, and its step counted once)."""

from __future__ import annotations

import threading
from collections.abc import Callable

from sqlalchemy import func, select

from engine.cases import migration, tasks
from engine.errors import Conflict
from engine.store.models import Case, CaseEvent, Task
from tests.factories import actor, open_task, report
from tests.integration.test_migration import RENAME_HANDLE, deploy_edited, to_handle, version_of

CASES = 4


def _together(*jobs: Callable[[], object]) -> list[object]:
    """Run the jobs in threads released at the same moment; each result or the exception it raised."""
    barrier = threading.Barrier(len(jobs))
    results: list[object] = [None] * len(jobs)

    def run(n: int, job: Callable[[], object]) -> None:
        barrier.wait()
        try:
            results[n] = job()
        except Exception as exc:  # the test inspects what each thread met
            results[n] = exc

    threads = [threading.Thread(target=run, args=(n, job)) for n, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results


def _events(deps, case_no: str, action: str) -> int:
    with deps.uow() as uow:
        return uow.session.scalar(select(func.count(CaseEvent.id)).join(Case, Case.id == CaseEvent.case_id)
                                  .where(Case.case_no == case_no, CaseEvent.action == action))


def test_two_concurrent_migrations_of_the_same_cases_move_each_case_once(deps, tmp_path) -> None:
    case_nos = [report(deps).case_no for _ in range(CASES)]
    for case_no in case_nos:
        to_handle(deps, case_no)
    deploy_edited(deps, tmp_path, RENAME_HANDLE)
    admin = actor(deps, "admin")

    def run() -> object:
        return migration.migrate_cases(deps, admin, "case_lifecycle", 2)

    first, second = _together(run, run)
    assert not isinstance(first, Exception) and not isinstance(second, Exception), (first, second)
    for case_no in case_nos:
        outcomes = [c for r in (first, second) for c in r.cases if c.case_no == case_no]  # type: ignore[union-attr]
        assert sum(c.migrated for c in outcomes) == 1, outcomes  # one run moved it ...
        assert all(c.migrated or c.reasons == ("already on the target version",) for c in outcomes)  # ... the other saw
        assert version_of(deps, case_no) == 2
        assert _events(deps, case_no, "migrate") == 1  # one timeline line, never two
        with deps.uow() as uow:
            open_rows = uow.session.scalar(select(func.count(Task.id)).join(Case, Case.id == Task.case_id)
                                           .where(Case.case_no == case_no, Task.state == "open"))
        assert open_rows == 1  # the one handle task, not doubled
        assert open_task(deps, case_no).name == "处置（含回访）"


def test_a_migration_while_departments_complete_the_same_tasks_leaves_each_case_migrated_or_untouched(
        deps, tmp_path) -> None:
    case_nos = [report(deps).case_no for _ in range(CASES)]
    for case_no in case_nos:
        to_handle(deps, case_no)
    handle_tasks = {case_no: open_task(deps, case_no).id for case_no in case_nos}
    deploy_edited(deps, tmp_path, RENAME_HANDLE)
    admin, handler = actor(deps, "admin"), actor(deps, "sanitation_650102")

    def handle_all() -> list[str]:
        outcomes = []
        for case_no in case_nos:
            try:
                tasks.complete_task(deps, handler, handle_tasks[case_no], {"outcome": "done"})
                outcomes.append("done")
            except Conflict:
                outcomes.append("conflict")  # the migration renewed the task under the handler's feet
        return outcomes

    moved, handled = _together(lambda: migration.migrate_cases(deps, admin, "case_lifecycle", 2), handle_all)
    assert not isinstance(moved, Exception) and not isinstance(handled, Exception), (moved, handled)
    verdicts = {c.case_no: c for c in moved.cases}  # type: ignore[union-attr]
    for n, case_no in enumerate(case_nos):
        case = verdicts[case_no]
        handled_it = _events(deps, case_no, "handle")
        assert handled_it == (1 if handled[n] == "done" else 0)  # a completion is stored once or not at all
        if case.migrated:
            assert version_of(deps, case_no) == 2 and _events(deps, case_no, "migrate") == 1
        else:  # untouched: still on version 1, and the reason is the handling that came first
            assert version_of(deps, case_no) == 1 and _events(deps, case_no, "migrate") == 0
            assert case.reasons == ("'handle' was already run and is changed in the target",)
            assert handled_it == 1
        stage = open_task(deps, case_no).stage
        assert stage == ("check" if handled_it else "handle")  # the workflow and its tasks agree
