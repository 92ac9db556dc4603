"""社会安全与应急监管: a gas leak phoned in starts the emergency process; the response level comes from a
table and sets the limits and who is alerted; the lead and every assisting department get their tasks in
the same step as the inspector's on-site check; an unacknowledged task escalates on the continuous clock to
the shift leader, then the duty leader; the lead's "under control" ends every response task; the shift
leader's after-action review closes the case with its response times as evaluation facts."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from engine.cases import queries, reports, tasks
from engine.store.models import Case, Task
from engine.store.rules_models import Notification
from engine.time.clock import BEIJING
from engine.time.scheduler import tick
from tests.factories import INSIDE, INSIDE_A, actor

GAS_LEAK = "20403"  # incident 0403 燃气管道破裂
ROAD_COLLAPSE = "20401"  # incident 0401 路面塌陷
START = datetime(2026, 3, 10, 10, 0, tzinfo=BEIJING)


def phoned_in(deps, category: str = GAS_LEAK, *, injuries: int = 0, where=INSIDE, channel_type: str = "help",
              source: str = "hotline") -> reports.ReportResult:
    payload = reports.ReportInput(source=source, category_code=category, description="闻到很浓的燃气味",
                                  lon=where[0], lat=where[1], reporter_name="王五", reporter_phone="13700000000",
                                  channel_type=channel_type, injuries=injuries)
    return reports.report_case(deps, actor(deps, "operator"), payload)


def open_tasks(deps, case_no: str) -> list[Task]:
    with deps.uow() as uow:
        return list(uow.session.scalars(select(Task).join(Case, Case.id == Task.case_id)
                                        .where(Case.case_no == case_no, Task.state == "open")
                                        .order_by(Task.stage, Task.department_code)).all())


def by_stage(deps, case_no: str) -> dict[str, list[Task]]:
    found: dict[str, list[Task]] = {}
    for task in open_tasks(deps, case_no):
        found.setdefault(task.stage, []).append(task)
    return found


def complete(deps, task: Task, username: str, data: dict) -> str:
    return tasks.complete_task(deps, actor(deps, username), task.id, data).status


def timeline(deps, case_no: str) -> list[dict]:
    return queries.get_case(deps, actor(deps, "admin"), case_no)["timeline"]


def test_a_gas_leak_phoned_in_gives_every_department_its_task_in_the_same_step(deps) -> None:
    made = phoned_in(deps)
    assert made.case_no.startswith("YJ")
    with deps.uow() as uow:
        case = uow.session.scalar(select(Case).where(Case.case_no == made.case_no))
        assert (case.process_key, case.urgency, case.response_level) == ("emergency_incident", "urgent", "III")
    found = by_stage(deps, made.case_no)
    assert sorted(found) == ["acknowledge", "assist_acknowledge", "verify_on_site"]
    assert [t.department_code for t in found["acknowledge"]] == ["gas"]
    assert [t.department_code for t in found["assist_acknowledge"]] == ["enforcement", "traffic"]
    assert found["verify_on_site"][0].scope == "grid"
    created = {t.created_at for ts in found.values() for t in ts}
    assert len(created) == 1  # one step: nobody waits for the verification
    assert all(t.priority == 100 for ts in found.values() for t in ts)
    # level III: the lead acknowledges within 15 minutes, on the continuous clock
    assert found["acknowledge"][0].due_at == START + timedelta(minutes=15)
    assert (found["acknowledge"][0].limit_value, found["acknowledge"][0].limit_unit) == (15.0, "minutes")
    decided = [e["data"]["table"] for e in timeline(deps, made.case_no) if e["action"] == "decide"]
    assert decided == ["emergency_level", "emergency_routing"]
    alerts = [e for e in timeline(deps, made.case_no) if e["action"] == "alert"]
    assert [(a["data"]["roles"], a["data"]["recipients"]) for a in alerts] == [(["shift_leader"], 1)]
    with deps.uow() as uow:
        alerted = uow.session.scalars(select(Notification.message).where(Notification.kind == "alert")).all()
    assert alerted == [f"【{made.case_no}】突发事件 {made.case_no}：III 级响应"]


def test_injuries_raise_the_level_which_shortens_the_limits_and_alerts_the_leader(deps) -> None:
    made = phoned_in(deps, injuries=12)
    with deps.uow() as uow:
        assert uow.session.scalar(select(Case.response_level).where(Case.case_no == made.case_no)) == "I"
    alerts = [e for e in timeline(deps, made.case_no) if e["action"] == "alert"]
    assert [a["data"]["roles"] for a in alerts] == [["shift_leader", "leader"]]
    leader = actor(deps, "leader")
    with deps.uow() as uow:
        mine = uow.session.scalars(select(Notification.kind).where(Notification.recipient_id == leader.id)).all()
    assert mine == ["alert"]
    found = by_stage(deps, made.case_no)
    assert found["acknowledge"][0].due_at == START + timedelta(minutes=5)
    assert found["assist_acknowledge"][0].due_at == START + timedelta(minutes=10)


def test_the_core_area_raises_a_gas_leak_to_level_two(deps) -> None:
    made = phoned_in(deps, where=INSIDE_A)
    with deps.uow() as uow:
        case = uow.session.scalar(select(Case).where(Case.case_no == made.case_no))
        assert (case.area_class, case.response_level) == ("A", "II")


def test_a_road_collapse_at_night_is_level_three_and_the_clock_runs_through_the_night(deps, clock) -> None:
    clock.set(datetime(2026, 3, 14, 23, 30, tzinfo=BEIJING))  # a Saturday night
    made = phoned_in(deps, ROAD_COLLAPSE, source="inspector", channel_type="")
    with deps.uow() as uow:
        assert uow.session.scalar(select(Case.response_level).where(Case.case_no == made.case_no)) == "III"
    found = by_stage(deps, made.case_no)
    assert found["acknowledge"][0].department_code == "roads"
    assert found["acknowledge"][0].due_at == datetime(2026, 3, 14, 23, 45, tzinfo=BEIJING)
    assert [t.department_code for t in found["assist_acknowledge"]] == ["drainage", "traffic", "water"]


def test_an_unacknowledged_task_escalates_to_the_shift_leader_then_the_duty_leader(deps, clock) -> None:
    made = phoned_in(deps)  # level III: acknowledge 15 min, on to the leader at 30 min
    clock.set(START + timedelta(minutes=14))
    tick(deps)
    assert "urge_acknowledge" not in by_stage(deps, made.case_no)
    clock.set(START + timedelta(minutes=16))
    tick(deps)
    found = by_stage(deps, made.case_no)
    assert len(found["urge_acknowledge"]) == 1 and "leader_acknowledge" not in found
    inbox = tasks.list_tasks(deps, actor(deps, "shift_leader"))
    assert (inbox[0].stage, inbox[0].case_no, inbox[0].emergency) == ("urge_acknowledge", made.case_no, True)
    with deps.uow() as uow:
        case = uow.session.scalar(select(Case).where(Case.case_no == made.case_no))
        assert case.escalated_at == START + timedelta(minutes=16)
    clock.set(START + timedelta(minutes=31))
    tick(deps)
    assert tick(deps) == 0  # each timer fires once
    found = by_stage(deps, made.case_no)
    assert len(found["leader_acknowledge"]) == 1 and len(found["urge_acknowledge"]) == 1
    leader_inbox = tasks.list_tasks(deps, actor(deps, "leader"))
    assert leader_inbox[0].stage == "leader_acknowledge" and leader_inbox[0].emergency
    escalations = [e["data"]["to"] for e in timeline(deps, made.case_no) if e["action"] == "escalate"]
    assert escalations == ["shift_leader", "leader"]
    with deps.uow() as uow:
        notified = uow.session.scalars(select(Task.stage).join(Notification, Notification.task_id == Task.id)
                                       .where(Notification.kind == "task")).all()
    assert {"urge_acknowledge", "leader_acknowledge"} <= set(notified)


def test_acknowledged_in_time_nothing_escalates(deps, clock) -> None:
    made = phoned_in(deps)
    clock.set(START + timedelta(minutes=5))
    complete(deps, by_stage(deps, made.case_no)["acknowledge"][0], "gas", {"eta_minutes": 10})
    clock.set(START + timedelta(hours=2))
    tick(deps)
    found = by_stage(deps, made.case_no)
    assert "urge_acknowledge" not in found and "leader_acknowledge" not in found
    assert [t.department_code for t in found["respond"]] == ["gas"]


def test_every_department_reports_until_the_lead_declares_control_then_the_review_closes(deps, clock) -> None:
    made = phoned_in(deps)
    case_no = made.case_no
    found = by_stage(deps, case_no)
    clock.set(START + timedelta(minutes=4))
    complete(deps, found["acknowledge"][0], "gas", {"eta_minutes": 8, "comment": "抢修车已出发"})
    for task in found["assist_acknowledge"]:
        complete(deps, task, task.department_code, {"eta_minutes": 15})
    found = by_stage(deps, case_no)
    assert [t.department_code for t in found["assist"]] == ["enforcement", "traffic"]
    traffic = next(t for t in found["assist"] if t.department_code == "traffic")
    complete(deps, traffic, "traffic", {"progress": "已封闭路段，绕行指示已设", "done": True})
    clock.set(START + timedelta(minutes=30))
    complete(deps, found["respond"][0], "gas", {"progress": "已关闭阀门，正在排查", "under_control": False})
    found = by_stage(deps, case_no)
    complete(deps, found["respond"][0], "gas", {"progress": "泄漏点已封堵", "under_control": True})
    found = by_stage(deps, case_no)
    assert sorted(found) == ["verify_on_site"]  # the enforcement bureau's open task ended with the response
    with deps.uow() as uow:
        cancelled = uow.session.scalars(select(Task.department_code).join(Case, Case.id == Task.case_id)
                                        .where(Case.case_no == case_no, Task.state == "cancelled")).all()
    assert cancelled == ["enforcement"]
    complete(deps, found["verify_on_site"][0], "inspector_650102_01",
             {"confirmed": True, "situation": "现场已警戒，无人员伤亡"})
    review = by_stage(deps, case_no)["review"][0]
    clock.set(START + timedelta(hours=3))
    status = complete(deps, review, "shift_leader", {"cause": "施工挖断燃气管", "losses": "无伤亡，停气 2 小时",
                                                      "measures": "关阀、封堵、交通管制", "false_alarm": False})
    assert status == "closed"
    events = timeline(deps, case_no)
    assert [e["action"] for e in events].count("respond") == 2
    evaluation = next(e for e in events if e["action"] == "evaluate")["data"]
    assert (evaluation["process"], evaluation["response_level"], evaluation["assisting"]) == \
        ("emergency_incident", "III", 2)
    seconds = {s["stage"]: s["seconds"] for s in evaluation["stages"]}
    assert seconds["acknowledge"] == 240 and evaluation["false_alarm"] is False
    assert all(s["on_time"] for s in evaluation["stages"] if s["stage"] == "acknowledge")


def test_a_request_without_assisting_departments_runs_with_the_lead_alone(deps) -> None:
    made = phoned_in(deps, "20102", injuries=1, channel_type="")  # a garbage pile that hurt someone
    found = by_stage(deps, made.case_no)
    assert sorted(found) == ["acknowledge", "verify_on_site"]
    assert found["acknowledge"][0].department_code == "sanitation_650102"  # dispatch_routing's department
