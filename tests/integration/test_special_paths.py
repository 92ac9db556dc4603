"""Centralised supervision, hierarchical command and every special path, with the clock:
district sub-centres and escalation, enforcement phases, return, extension, suspension, urge,
void after filing, self-handling and reassignment."""

from __future__ import annotations

from datetime import datetime

import pytest

from engine.cases import actions, queries, tasks
from engine.errors import Conflict, Forbidden, Invalid
from engine.time.city_calendar import work_calendar
from engine.time.clock import BEIJING
from tests.factories import INSIDE, INSPECTOR, MANHOLE, act, actor, open_task, report, who_takes

CITY_CASE = {"category": MANHOLE}  # 上水井盖 → water, a city department: the city command centre dispatches
VIOLATION = "20101"  # 私搭乱建: an enforcement class


def beijing(*args: int) -> datetime:
    return datetime(*args, tzinfo=BEIJING)


def get(deps, case_no):
    return queries.get_case(deps, actor(deps, "admin"), case_no)


def timeline_actions(deps, case_no):
    return [e["action"] for e in get(deps, case_no)["timeline"]]


def to_dispatch(deps, case_no):
    act(deps, case_no, "register", {"decision": "file"})
    act(deps, case_no, "file", {"decision": "file"})


def to_handle(deps, case_no, department="sanitation_650102"):
    to_dispatch(deps, case_no)
    act(deps, case_no, "dispatch", {"department_code": department})


def finish(deps, case_no):
    act(deps, case_no, "handle", {"outcome": "done"})
    act(deps, case_no, "check", {"passed": True})
    assert act(deps, case_no, "close", {}) == "closed"


# -- hierarchical command --------------------------------------------------------------------

def test_a_district_case_is_dispatched_by_its_district_sub_centre(deps):
    case_no = report(deps).case_no  # 暴露垃圾 in 天山区, which runs a sub-centre
    to_dispatch(deps, case_no)
    task = open_task(deps, case_no)
    assert (task.stage, task.lane, task.scope, task.district_code) == ("dispatch", "dispatcher", "district", "650102")
    assert [t.id for t in tasks.list_tasks(deps, actor(deps, "dispatcher_650102"))] == [task.id]
    assert tasks.list_tasks(deps, actor(deps, "dispatcher")) == []
    assert tasks.list_tasks(deps, actor(deps, "dispatcher_650103")) == []
    with pytest.raises(Forbidden):
        tasks.complete_task(deps, actor(deps, "dispatcher_650103"), task.id, {"department_code": "sanitation_650102"})
    act(deps, case_no, "dispatch", {"department_code": "sanitation_650102"})
    assert get(deps, case_no)["channel"] == "district"
    finish(deps, case_no)


def test_district_users_see_only_their_district(deps):
    case_no = report(deps).case_no
    assert queries.get_case(deps, actor(deps, "dispatcher_650102"), case_no)["district_code"] == "650102"
    with pytest.raises(Forbidden):
        queries.get_case(deps, actor(deps, "dispatcher_650103"), case_no)
    listed = queries.list_cases(deps, actor(deps, "dispatcher_650103"), queries.CaseFilter())
    assert listed["total"] == 0
    assert queries.list_cases(deps, actor(deps, "dispatcher"), queries.CaseFilter())["total"] == 1


def test_an_escalated_district_case_reaches_the_city_and_comes_back_to_a_city_department(deps):
    case_no = report(deps).case_no
    to_dispatch(deps, case_no)
    status = act(deps, case_no, "dispatch", {"decision": "escalate", "escalate_reason": "涉及多个部门，责任不清"})
    assert status == "coordinate"
    coordinate = open_task(deps, case_no)
    assert (coordinate.lane, coordinate.scope) == ("dispatcher", "city")
    assert coordinate.due_at is not None  # the city coordinates under its own time limit
    act(deps, case_no, "coordinate", {"department_code": "roads", "assisting_departments": ["sanitation_650102"],
                                      "instruction": "市政牵头，环卫配合"}, username="dispatcher")
    handle = open_task(deps, case_no)
    assert (handle.stage, handle.department_code) == ("handle", "roads")
    finish(deps, case_no)
    body = get(deps, case_no)
    assert body["escalated_at"] is not None and "escalate" in timeline_actions(deps, case_no)


def test_a_city_department_case_is_dispatched_by_the_city_command_centre(deps):
    case_no = report(deps, **CITY_CASE).case_no
    to_dispatch(deps, case_no)
    task = open_task(deps, case_no)
    assert (task.lane, task.scope) == ("dispatcher", "city")
    assert tasks.get_task(deps, actor(deps, "dispatcher"), task.id)["context"]["routing"]["department_code"] == "water"
    act(deps, case_no, "dispatch", {"department_code": "water"})
    assert get(deps, case_no)["channel"] == "city"


def test_enforcement_cases_go_through_the_enforcement_sub_centre_in_phases(deps, clock):
    case_no = report(deps, category=VIOLATION).case_no
    act(deps, case_no, "register", {"decision": "file"})
    act(deps, case_no, "file", {"decision": "file", "filing_condition": "20101-2"})  # 停工4 / 处罚7 / 拆除20
    dispatch = open_task(deps, case_no)
    assert (dispatch.scope, dispatch.department_code) == ("department", "enforcement")
    act(deps, case_no, "dispatch", {"department_code": "enforcement_650102"}, username="enforcement_center")
    stop = open_task(deps, case_no)
    assert (stop.stage, stop.department_code) == ("stop_work", "enforcement_650102")
    assert (stop.limit_value, stop.limit_unit) == (4.0, "working_hours")
    clock.advance(hours=1)
    act(deps, case_no, "stop_work", {"report": "已责令停工", "resolved": False})
    penalty = open_task(deps, case_no)
    assert (penalty.stage, penalty.limit_value, penalty.limit_unit) == ("penalty", 7.0, "working_days")
    act(deps, case_no, "penalty", {"report": "处罚决定书已送达", "resolved": False})
    demolition = open_task(deps, case_no)
    assert (demolition.limit_value, demolition.limit_unit) == (20.0, "working_days")
    act(deps, case_no, "demolition", {"report": "已拆除", "resolved": True})
    assert open_task(deps, case_no).stage == "check"
    act(deps, case_no, "check", {"passed": True})
    assert act(deps, case_no, "close", {}) == "closed"
    assert get(deps, case_no)["channel"] == "enforcement"


# -- return, extension, suspension ----------------------------------------------------------

def test_return_approved_redispatches_and_refused_keeps_the_department(deps):
    case_no = report(deps).case_no
    to_handle(deps, case_no, "water")
    assert act(deps, case_no, "handle", {"outcome": "return", "return_reason": "非本单位职责"}) == "approve_return"
    assert open_task(deps, case_no).scope == "district"  # approved by the sub-centre that dispatched it
    assert act(deps, case_no, "approve_return", {"approved": False}) == "handle"
    assert open_task(deps, case_no).department_code == "water"
    act(deps, case_no, "handle", {"outcome": "return", "return_reason": "确非本单位职责"})
    assert act(deps, case_no, "approve_return", {"approved": True}) == "dispatch"
    act(deps, case_no, "dispatch", {"department_code": "sanitation_650102"})
    body = get(deps, case_no)
    assert body["return_count"] == 1 and body["flags"] == []
    assert timeline_actions(deps, case_no).count("return_refused") == 1


def test_a_handler_lists_its_cases_and_those_it_returned_but_no_others(deps):
    mine = report(deps).case_no
    to_handle(deps, mine, "water")
    returned = report(deps).case_no
    to_handle(deps, returned, "water")
    act(deps, returned, "handle", {"outcome": "return", "return_reason": "非本单位职责"})
    act(deps, returned, "approve_return", {"approved": True})
    act(deps, returned, "dispatch", {"department_code": "sanitation_650102"})
    to_handle(deps, report(deps).case_no, "gas")

    water = actor(deps, "water")
    listed = queries.list_cases(deps, water, queries.CaseFilter())
    assert ([c["case_no"] for c in listed["items"]], listed["total"]) == ([returned, mine], 2)  # newest first
    first = queries.list_cases(deps, water, queries.CaseFilter(), per_page=1)
    rest = queries.list_cases(deps, water, queries.CaseFilter(), per_page=1, after=first["next"])
    assert [c["case_no"] for c in first["items"] + rest["items"]] == [returned, mine]
    reported = queries.list_cases(deps, actor(deps, INSPECTOR), queries.CaseFilter())
    assert reported["total"] == 3  # the inspector reported all three
    assert queries.list_cases(deps, actor(deps, "inspector_650103_01"), queries.CaseFilter())["total"] == 0


def test_repeated_returns_are_flagged(deps):
    case_no = report(deps).case_no
    to_handle(deps, case_no, "water")
    for department in ("gas", "sanitation_650102"):
        act(deps, case_no, "handle", {"outcome": "return", "return_reason": "非本单位职责"})
        act(deps, case_no, "approve_return", {"approved": True})
        act(deps, case_no, "dispatch", {"department_code": department})
    body = get(deps, case_no)
    assert body["return_count"] == 2 and body["flags"] == ["repeated_returns"]


def test_an_extension_moves_the_deadline_by_the_approved_working_time(deps, clock):
    case_no = report(deps).case_no
    to_handle(deps, case_no)
    before = open_task(deps, case_no).due_at  # 2026-03-10 19:30 (1 working day from the opening)
    assert before == beijing(2026, 3, 10, 19, 30)
    clock.advance(hours=1)
    act(deps, case_no, "handle", {"outcome": "extend", "extend_amount": 2, "extend_unit": "working_hours",
                                  "extend_reason": "需调运设备"})
    assert act(deps, case_no, "approve_extension", {"approved": True}) == "handle"
    after = open_task(deps, case_no).due_at
    # 2 working hours after Tuesday 19:30 (closing): Wednesday 10:00–12:00.
    assert after == beijing(2026, 3, 11, 12, 0)
    body = get(deps, case_no)
    assert body["extension_count"] == 1 and body["deadline_at"] == "2026-03-11T12:00:00+08:00"


def test_a_refused_extension_leaves_the_deadline(deps):
    case_no = report(deps).case_no
    to_handle(deps, case_no)
    before = open_task(deps, case_no).due_at
    act(deps, case_no, "handle", {"outcome": "extend", "extend_amount": 1, "extend_unit": "working_days",
                                  "extend_reason": "需调运设备"})
    act(deps, case_no, "approve_extension", {"approved": False})
    assert open_task(deps, case_no).due_at == before and get(deps, case_no)["extension_count"] == 0


def test_a_suspension_of_three_days_leaves_the_handling_time_unchanged(deps, clock):
    case_no = report(deps).case_no
    to_handle(deps, case_no)
    clock.advance(hours=2)  # Tuesday 12:00: two of eight working hours used
    due = open_task(deps, case_no).due_at
    act(deps, case_no, "handle", {"outcome": "suspend", "suspend_reason": "冬季无法施工"})
    assert act(deps, case_no, "approve_suspension", {"approved": True}) == "suspended"
    suspended_at = clock.now()
    listed = queries.list_cases(deps, actor(deps, "shift_leader"), queries.CaseFilter(status="suspended"))
    assert [c["case_no"] for c in listed["items"]] == [case_no]
    clock.advance(days=3)  # Friday 12:00
    assert act(deps, case_no, "suspended", {}, username="shift_leader") == "handle"
    new_due = open_task(deps, case_no).due_at
    with deps.uow() as uow:
        calendar = work_calendar(deps, uow.session)
    remaining_before = calendar.working_seconds_between(suspended_at, due)
    remaining_after = calendar.working_seconds_between(clock.now(), new_due)
    assert remaining_before == remaining_after == 6 * 3600
    body = get(deps, case_no)
    assert body["suspension_count"] == 1 and body["suspended_seconds"] == 3 * 86400
    assert body["suspended_at"] is None


def test_evaluation_facts_record_the_special_paths(deps, clock):
    case_no = report(deps).case_no
    to_handle(deps, case_no, "water")
    act(deps, case_no, "handle", {"outcome": "return", "return_reason": "非本单位职责"})
    act(deps, case_no, "approve_return", {"approved": True})
    act(deps, case_no, "dispatch", {"department_code": "sanitation_650102"})
    act(deps, case_no, "handle", {"outcome": "extend", "extend_amount": 1, "extend_unit": "working_days",
                                  "extend_reason": "设备"})
    act(deps, case_no, "approve_extension", {"approved": True})
    act(deps, case_no, "handle", {"outcome": "suspend", "suspend_reason": "资金"})
    act(deps, case_no, "approve_suspension", {"approved": True})
    clock.advance(days=1)
    act(deps, case_no, "suspended", {}, username="shift_leader")
    act(deps, case_no, "handle", {"outcome": "done"})
    act(deps, case_no, "check", {"passed": False})
    finish(deps, case_no)
    facts = next(e for e in get(deps, case_no)["timeline"] if e["action"] == "evaluate")["data"]
    assert (facts["returns"], facts["extensions"], facts["suspensions"], facts["reworks"]) == (1, 1, 1, 1)
    assert facts["suspended_seconds"] == 86400
    assert all(s["on_time"] is not None for s in facts["stages"] if s["stage"] == "handle")


# -- urge, void, self-handling, reassignment -------------------------------------------------

def test_a_leader_urges_and_the_department_answers_from_the_top_of_its_list(deps):
    case_no = report(deps).case_no
    to_handle(deps, case_no)
    with pytest.raises(Forbidden):
        actions.send_message(deps, actor(deps, "operator"), case_no, "urge", {"instruction": "快"})
    with pytest.raises(Invalid):
        actions.send_message(deps, actor(deps, "leader"), case_no, "urge", {})
    actions.send_message(deps, actor(deps, "leader"), case_no, "urge", {"instruction": "请今日内处置完毕"})
    handler = actor(deps, "sanitation_650102")
    inbox = tasks.list_tasks(deps, handler)
    assert [t.stage for t in inbox] == ["answer_urge", "handle"]
    detail = tasks.get_task(deps, handler, inbox[0].id)
    assert detail["context"]["urge"]["instruction"] == "请今日内处置完毕"
    assert detail["context"]["urge"]["by"] == "leader"
    tasks.complete_task(deps, handler, inbox[0].id, {"answer": "已安排，下午完成"})
    body = get(deps, case_no)
    assert body["urge_count"] == 1 and body["status"] == "handle"
    finish(deps, case_no)
    with pytest.raises(Conflict):
        actions.send_message(deps, actor(deps, "shift_leader"), case_no, "urge", {"instruction": "再催"})


def test_void_after_filing_needs_the_shift_leaders_approval(deps):
    case_no = report(deps, **CITY_CASE).case_no
    to_dispatch(deps, case_no)
    assert act(deps, case_no, "dispatch", {"decision": "void", "void_reason": "不属于城管职责"}) == "approve_void"
    assert act(deps, case_no, "approve_void", {"approved": False}) == "dispatch"
    act(deps, case_no, "dispatch", {"decision": "void", "void_reason": "确认不属于城管职责"})
    assert act(deps, case_no, "approve_void", {"approved": True}) == "void"
    assert get(deps, case_no)["voided_at"] is not None


def test_a_self_handled_report_is_confirmed_and_closed(deps):
    from engine.cases import reports

    who = actor(deps, INSPECTOR)
    made = reports.report_case(deps, who, reports.parse_report({
        "source": "inspector", "category_code": "20102", "description": "路边垃圾已当场清理", "lon": INSIDE[0],
        "lat": INSIDE[1], "self_handled": True}))
    assert made.status == "confirm_self_handled"
    assert act(deps, made.case_no, "confirm_self_handled", {"confirmed": True}) == "closed"
    assert timeline_actions(deps, made.case_no)[-3:] == ["self_handled", "evaluate", "closed"]
    with pytest.raises(Invalid) as err:
        reports.parse_report({"source": "citizen", "category_code": "20102", "description": "x", "lon": INSIDE[0],
                              "lat": INSIDE[1], "self_handled": True})
    assert "self_handled" in err.value.fields


def test_a_shift_leader_reassigns_a_verify_task_to_another_inspector(deps):
    case_no = report(deps, source="citizen").case_no
    act(deps, case_no, "register", {"decision": "verify"})
    task = open_task(deps, case_no)
    with pytest.raises(Forbidden):
        actions.reassign_task(deps, actor(deps, "dispatcher"), task.id, "inspector_650103_01")
    actions.reassign_task(deps, actor(deps, "shift_leader"), task.id, "inspector_650103_01", "原监督员休假")
    assert tasks.list_tasks(deps, actor(deps, INSPECTOR)) == []
    assert [t.id for t in tasks.list_tasks(deps, actor(deps, "inspector_650103_01"))] == [task.id]
    with pytest.raises(Invalid):
        actions.reassign_task(deps, actor(deps, "shift_leader"), task.id, "operator")
    act(deps, case_no, "verify", {"confirmed": True}, username="inspector_650103_01")
    reassign = next(e for e in get(deps, case_no)["timeline"] if e["action"] == "reassign")
    assert reassign["actor"] == "shift_leader" and reassign["data"]["to"] == "inspector_650103_01"
    assert reassign["comment"] == "原监督员休假"


def test_a_department_task_reassigned_to_one_handler_is_theirs_alone(deps):
    from engine.people.accounts import Grant, add_user

    with deps.uow(write=True) as uow:
        add_user(uow.session, "hw_zhang", "demo", "环卫张师傅", [Grant("handler", department_code="sanitation_650102")],
                 now_ts=deps.clock.now())
        uow.commit()
    case_no = report(deps).case_no
    to_handle(deps, case_no)
    task = open_task(deps, case_no)
    assert who_takes(task) == "sanitation_650102"
    actions.reassign_task(deps, actor(deps, "shift_leader"), task.id, "hw_zhang")
    assert tasks.list_tasks(deps, actor(deps, "sanitation_650102")) == []
    assert [t.id for t in tasks.list_tasks(deps, actor(deps, "hw_zhang"))] == [task.id]


def test_reassigning_a_task_keeps_its_timers(deps, clock):
    from sqlalchemy import func, select

    from engine.store.rules_models import Timer

    case_no = report(deps, source="citizen").case_no
    act(deps, case_no, "register", {"decision": "verify"})
    task = open_task(deps, case_no)

    def timers_of_task():
        with deps.uow() as uow:
            return uow.session.scalar(select(func.count(Timer.id)).where(Timer.task_id == task.id))

    before = timers_of_task()
    assert before == 2  # warning and overdue of the verify limit
    actions.reassign_task(deps, actor(deps, "shift_leader"), task.id, "inspector_650103_01")
    assert timers_of_task() == before
