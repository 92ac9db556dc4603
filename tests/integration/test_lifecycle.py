"""Every path of the case lifecycle at the engine layer (use cases against a real database)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.cases import queries, tasks
from engine.errors import Forbidden, Invalid, OutsideManagedArea, TaskNotReady
from engine.store.models import Case, CaseEvent, Task, WorkflowState
from tests.factories import (
    INSPECTOR,
    OUTSIDE,
    act,
    actor,
    open_task,
    report,
    straight_through,
)


def timeline(deps, case_no):
    return [e["action"] for e in queries.get_case(deps, actor(deps, "admin"), case_no)["timeline"]]


def test_inspector_report_goes_straight_through_to_closed(deps):
    made = report(deps)
    assert made.status == "register"
    assert made.grid_code == "65010200100101" and made.district_code == "650102"
    straight_through(deps, made.case_no)
    case = queries.get_case(deps, actor(deps, "admin"), made.case_no)
    assert case["status"] == "closed"
    assert case["department_code"] == "sanitation_650102"
    assert case["closed_at"] is not None and case["evaluated_at"] is not None
    assert timeline(deps, made.case_no) == ["report", "register", "file", "decide", "dispatch", "handle", "check",
                                            "close", "evaluate", "closed"]
    evaluate = next(e for e in case["timeline"] if e["action"] == "evaluate")
    assert [s["stage"] for s in evaluate["data"]["stages"]] == ["register", "file", "dispatch", "handle", "check",
                                                                 "close"]


def test_citizen_report_is_verified_even_when_the_operator_files_it(deps):
    made = report(deps, source="citizen")
    assert act(deps, made.case_no, "register", {"decision": "file"}) == "verify"
    assert open_task(deps, made.case_no).assignee_id is not None
    assert act(deps, made.case_no, "verify", {"confirmed": True}) == "file"


def test_void_at_register(deps):
    made = report(deps)
    assert act(deps, made.case_no, "register", {"decision": "void", "void_reason": "重复上报"}) == "void"
    case = queries.get_case(deps, actor(deps, "admin"), made.case_no)
    assert case["voided_at"] is not None and case["tasks"] == []


def test_not_confirmed_at_verify_voids(deps):
    made = report(deps, source="hotline")
    act(deps, made.case_no, "register", {"decision": "verify"})
    assert act(deps, made.case_no, "verify", {"confirmed": False}) == "void"


def test_void_at_file(deps):
    made = report(deps)
    act(deps, made.case_no, "register", {"decision": "file"})
    assert act(deps, made.case_no, "file", {"decision": "void"}) == "void"


def test_return_from_handle_goes_back_to_dispatch_and_is_counted(deps):
    made = report(deps)
    act(deps, made.case_no, "register", {"decision": "file"})
    act(deps, made.case_no, "file", {"decision": "file"})
    act(deps, made.case_no, "dispatch", {"department_code": "water"})
    assert act(deps, made.case_no, "handle", {"outcome": "return", "return_reason": "不属于本单位"}) == "approve_return"
    assert act(deps, made.case_no, "approve_return", {"approved": True}) == "dispatch"
    act(deps, made.case_no, "dispatch", {"department_code": "sanitation_650102"})
    assert open_task(deps, made.case_no).department_code == "sanitation_650102"
    act(deps, made.case_no, "handle", {"outcome": "done"})
    act(deps, made.case_no, "check", {"passed": True})
    act(deps, made.case_no, "close", {})
    case = queries.get_case(deps, actor(deps, "admin"), made.case_no)
    assert case["return_count"] == 1 and case["status"] == "closed"
    assert "return" in timeline(deps, made.case_no)


@pytest.mark.parametrize("reworks", [1, 3])
def test_failed_checks_send_the_case_back_for_rework(deps, reworks):
    made = report(deps)
    act(deps, made.case_no, "register", {"decision": "file"})
    act(deps, made.case_no, "file", {"decision": "file"})
    act(deps, made.case_no, "dispatch", {"department_code": "sanitation_650102"})
    for _ in range(reworks):
        act(deps, made.case_no, "handle", {"outcome": "done"})
        assert act(deps, made.case_no, "check", {"passed": False}) == "handle"
    act(deps, made.case_no, "handle", {"outcome": "done"})
    act(deps, made.case_no, "check", {"passed": True})
    assert act(deps, made.case_no, "close", {}) == "closed"
    case = queries.get_case(deps, actor(deps, "admin"), made.case_no)
    assert case["rework_count"] == reworks
    assert timeline(deps, made.case_no).count("rework") == reworks


def test_a_report_outside_every_grid_is_refused_and_stores_nothing(deps):
    with pytest.raises(OutsideManagedArea):
        report(deps, where=OUTSIDE)
    with deps.uow() as uow:
        assert uow.session.scalar(select(Case.id)) is None


def test_invalid_form_data_change_nothing(deps):
    made = report(deps)
    task = open_task(deps, made.case_no)
    with pytest.raises(Invalid) as err:
        tasks.complete_task(deps, actor(deps, "operator"), task.id, {"decision": "maybe", "colour": "red"})
    assert set(err.value.fields) == {"decision", "colour"}
    assert open_task(deps, made.case_no).id == task.id


def test_unknown_department_is_refused_at_dispatch(deps):
    made = report(deps)
    act(deps, made.case_no, "register", {"decision": "file"})
    act(deps, made.case_no, "file", {"decision": "file"})
    with pytest.raises(Invalid) as err:
        act(deps, made.case_no, "dispatch", {"department_code": "nosuch"})
    assert "department_code" in err.value.fields


def test_a_completed_task_cannot_be_completed_again(deps):
    made = report(deps)
    task = open_task(deps, made.case_no)
    tasks.complete_task(deps, actor(deps, "operator"), task.id, {"decision": "file"})
    with pytest.raises(TaskNotReady):
        tasks.complete_task(deps, actor(deps, "operator"), task.id, {"decision": "file"})


def test_a_crash_between_run_and_commit_leaves_the_case_unchanged(deps, monkeypatch):
    made = report(deps)
    task = open_task(deps, made.case_no)
    with deps.uow() as uow:
        before_state = uow.session.scalar(select(WorkflowState.state))
        before_events = len(uow.session.scalars(select(CaseEvent)).all())

    from engine.cases import steps

    def crash(self):
        raise RuntimeError("power cut")

    monkeypatch.setattr(steps.Step, "_write_state", crash)
    with pytest.raises(RuntimeError):
        tasks.complete_task(deps, actor(deps, "operator"), task.id, {"decision": "file"})
    with deps.uow() as uow:
        assert uow.session.scalar(select(WorkflowState.state)) == before_state
        assert len(uow.session.scalars(select(CaseEvent)).all()) == before_events
        assert uow.session.get(Task, task.id).state == "open"
        assert uow.session.scalar(select(Case.status)) == "register"


def test_the_inspector_of_another_beat_may_not_verify(deps):
    made = report(deps, source="citizen")
    act(deps, made.case_no, "register", {"decision": "verify"})
    task = open_task(deps, made.case_no)
    with pytest.raises(Forbidden):
        tasks.complete_task(deps, actor(deps, "inspector_650103_01"), task.id, {"confirmed": True})
    assert tasks.complete_task(deps, actor(deps, INSPECTOR), task.id, {"confirmed": True}).status == "file"
