"""Migrating running cases onto a new version: the dry run's verdict per case with its reason, safe cases
moved one transaction each with a timeline line, unsafe ones untouched, unchanged timers keeping their
deadlines, a second run harmless, and only administrators allowed."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from engine.cases import migration, queries
from engine.errors import Forbidden, Invalid
from engine.processes.definitions import PROJECT_ROOT, deploy_dirs
from engine.store.models import Case, Task
from engine.store.rules_models import Timer
from tests.factories import act, actor, open_task, report


def deploy_edited(deps, tmp_path: Path, *edits: tuple[str, str], forms: dict[str, str] | None = None) -> None:
    """Deploy a copy of workflows/ and forms/ with the lifecycle edited as a designer would."""
    wf, fm = tmp_path / "workflows", tmp_path / "forms"
    shutil.copytree(PROJECT_ROOT / "workflows", wf)
    shutil.copytree(PROJECT_ROOT / "forms", fm)
    path = wf / "case_lifecycle.bpmn"
    text = path.read_text(encoding="utf-8")
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new)
    path.write_text(text, encoding="utf-8")
    for new, old in (forms or {}).items():
        shutil.copy(fm / f"{old}.json", fm / f"{new}.json")
    created = {d.key: d.created for d in deploy_dirs(deps, wf, fm, actor="designer")}
    assert created["case_lifecycle"] is True


def to_handle(deps, case_no: str) -> None:
    act(deps, case_no, "register", {"decision": "file"})
    act(deps, case_no, "file", {"decision": "file"})
    act(deps, case_no, "dispatch", {"department_code": "sanitation_650102"})


def version_of(deps, case_no: str) -> int:
    return queries.get_case(deps, actor(deps, "admin"), case_no)["process_version"]


RENAME_HANDLE = ('<bpmn:userTask id="handle" name="处置">', '<bpmn:userTask id="handle" name="处置（含回访）">')


def test_the_dry_run_says_which_cases_may_move_and_why_not_and_changes_nothing(deps, tmp_path) -> None:
    at_handle = report(deps).case_no
    to_handle(deps, at_handle)
    at_check = report(deps).case_no
    to_handle(deps, at_check)
    act(deps, at_check, "handle", {"outcome": "done"})
    deploy_edited(deps, tmp_path, RENAME_HANDLE)
    plan = migration.dry_run(deps, actor(deps, "admin"), "case_lifecycle", 2)
    verdicts = {c.case_no: (c.safe, c.reasons) for c in plan.cases}
    assert verdicts[at_handle] == (True, ())  # waits in handle: a changed task it has not run yet
    assert verdicts[at_check] == (False, ("'handle' was already run and is changed in the target",))
    assert version_of(deps, at_handle) == version_of(deps, at_check) == 1


def test_safe_cases_move_unsafe_ones_stay_and_a_second_run_is_harmless(deps, tmp_path, clock) -> None:
    at_handle = report(deps).case_no
    to_handle(deps, at_handle)
    at_check = report(deps).case_no
    to_handle(deps, at_check)
    act(deps, at_check, "handle", {"outcome": "done"})
    with deps.uow() as uow:
        before = uow.session.scalars(select(Timer.due_at).join(Case, Case.id == Timer.case_id)
                                     .where(Case.case_no == at_handle, Timer.kind == "bpmn")).all()
    assert before  # the BPMN overdue timer on handle
    deploy_edited(deps, tmp_path, RENAME_HANDLE)
    clock.set(clock.now() + timedelta(hours=1))
    done = migration.migrate_cases(deps, actor(deps, "admin"), "case_lifecycle", 2)
    assert {c.case_no: c.migrated for c in done.cases} == {at_handle: True, at_check: False}
    assert (version_of(deps, at_handle), version_of(deps, at_check)) == (2, 1)
    task = open_task(deps, at_handle)
    assert (task.stage, task.name) == ("handle", "处置（含回访）")  # the open task took the new version's name
    with deps.uow() as uow:
        after = uow.session.scalars(select(Timer.due_at).join(Case, Case.id == Timer.case_id)
                                    .where(Case.case_no == at_handle, Timer.kind == "bpmn",
                                           Timer.fired_at.is_(None))).all()
    assert after == before  # the unchanged timer kept its deadline (not re-armed from now)
    line = [e for e in queries.get_case(deps, actor(deps, "admin"), at_handle)["timeline"] if e["action"] == "migrate"]
    assert [(e["actor"], e["data"]) for e in line] == [("admin", {"from_version": 1, "to_version": 2})]
    again = migration.migrate_cases(deps, actor(deps, "admin"), "case_lifecycle", 2)
    assert [c.case_no for c in again.cases] == [at_check] and not again.cases[0].migrated
    act(deps, at_handle, "handle", {"outcome": "done"})  # the moved case runs on to the end
    act(deps, at_handle, "check", {"passed": True})
    assert act(deps, at_handle, "close", {}) == "closed"


def test_a_case_waiting_in_a_task_the_target_lacks_stays(deps, tmp_path) -> None:
    waiting = report(deps).case_no  # at register
    deploy_edited(deps, tmp_path, ('id="register"', 'id="register_case"'), ('>register<', '>register_case<'),
                  ('"register"', '"register_case"'), forms={"register_case": "register"})
    plan = migration.dry_run(deps, actor(deps, "admin"), "case_lifecycle", 2)
    assert [(c.case_no, c.safe) for c in plan.cases] == [(waiting, False)]
    assert plan.cases[0].reasons == ("'gw_source' was already run and is changed in the target",  # its flow moved
                                     "the case waits in 'register', which the target does not have")
    result = migration.migrate_cases(deps, actor(deps, "admin"), "case_lifecycle", 2)
    assert not result.cases[0].migrated and version_of(deps, waiting) == 1


def test_only_administrators_migrate_and_bad_versions_are_named(deps, tmp_path) -> None:
    report(deps)
    with pytest.raises(Forbidden):
        migration.dry_run(deps, actor(deps, "shift_leader"), "case_lifecycle", 1)
    with pytest.raises(Invalid) as err:
        migration.migrate_cases(deps, actor(deps, "admin"), "case_lifecycle", 9)
    assert err.value.fields == {"to_version": "unknown version"}
    with pytest.raises(Invalid):
        migration.dry_run(deps, actor(deps, "admin"), "case_lifecycle", "2")


def test_versions_count_their_running_cases(deps, tmp_path) -> None:
    first = report(deps).case_no
    report(deps)
    deploy_edited(deps, tmp_path, RENAME_HANDLE)
    report(deps)
    listed = migration.versions(deps, "case_lifecycle")
    assert [(v["version"], v["running_cases"]) for v in listed] == [(2, 1), (1, 2)]
    act(deps, first, "register", {"decision": "void", "void_reason": "重复"})
    assert [v["running_cases"] for v in migration.versions(deps, "case_lifecycle")] == [1, 1]
    with deps.uow() as uow:
        assert uow.session.scalar(select(Task.state).where(Task.bpmn_id == "register").limit(1)) is not None


def test_a_crash_in_the_middle_leaves_each_case_moved_or_untouched_and_a_rerun_finishes(deps, tmp_path,
                                                                                       monkeypatch) -> None:
    first, second = report(deps).case_no, report(deps).case_no
    for case_no in (first, second):
        to_handle(deps, case_no)
    deploy_edited(deps, tmp_path, RENAME_HANDLE)
    real, calls = migration.migrate, []

    def crash_on_the_second(runtime, workflow, target):  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("power cut")
        real(runtime, workflow, target)

    monkeypatch.setattr(migration, "migrate", crash_on_the_second)
    with pytest.raises(RuntimeError):
        migration.migrate_cases(deps, actor(deps, "admin"), "case_lifecycle", 2)
    assert (version_of(deps, first), version_of(deps, second)) == (2, 1)
    assert open_task(deps, second).name == "处置"  # nothing of the failed case was written
    monkeypatch.setattr(migration, "migrate", real)
    rerun = migration.migrate_cases(deps, actor(deps, "admin"), "case_lifecycle", 2)
    assert [(c.case_no, c.migrated) for c in rerun.cases] == [(second, True)]
    assert version_of(deps, second) == 2


def test_the_api_and_the_cli_run_the_same_migration(deps, tmp_path, client) -> None:
    from click.testing import CliRunner

    from tests.e2e.conftest import Api
    from web.cli import main

    case_no = report(deps).case_no
    to_handle(deps, case_no)
    deploy_edited(deps, tmp_path, RENAME_HANDLE)
    api = Api(client)
    versions = api.get("/api/v1/admin/processes/case_lifecycle/versions", "admin").get_json()["items"]
    assert [(v["version"], v["running_cases"]) for v in versions] == [(2, 0), (1, 1)]  # newest first, paged
    assert api.get("/api/v1/admin/processes/case_lifecycle/versions", "shift_leader").status_code == 403
    url = "/api/v1/admin/processes/case_lifecycle/migrations"
    dry = api.post(url, "admin", json={"to_version": 2}).get_json()
    assert (dry["dry_run"], dry["safe"], dry["migrated"]) == (True, 1, 0)
    assert api.post(url, "admin", json={"to_version": "two"}).status_code == 422
    assert api.post(url, "admin", json={"to_version": 2, "case_nos": "x"}).status_code == 400
    out = CliRunner().invoke(main, ["processes", "migrate", "case_lifecycle", "--to", "2", "--dry-run"],
                             obj={"deps": deps}, catch_exceptions=False)
    assert out.exit_code == 0 and f"{case_no}  v1 → v2  safe" in out.output
    out = CliRunner().invoke(main, ["processes", "migrate", "case_lifecycle", "--to", "2"], obj={"deps": deps},
                             catch_exceptions=False)
    assert f"{case_no}  v1 → v2  migrated" in out.output and version_of(deps, case_no) == 2
    out = CliRunner().invoke(main, ["processes", "versions", "case_lifecycle"], obj={"deps": deps})
    assert out.output.splitlines()[0].startswith("v2") and "1 running" in out.output.splitlines()[0]
    out = CliRunner().invoke(main, ["processes", "migrate", "case_lifecycle", "--to", "7"], obj={"deps": deps})
    assert out.exit_code == 1 and "no version 7" in out.output
