"""社会服务管理: a 12345 consultation goes to the service-request process by the selection table, is answered
to the citizen (tracking page and SMS outbox), called back, reopened once when the citizen is unsatisfied,
and closes with the satisfaction as an evaluation fact."""

from __future__ import annotations

from sqlalchemy import select

from engine.cases import public, queries, reports
from engine.store.models import Case
from engine.store.rules_models import OutboxMessage
from tests.factories import GARBAGE, INSIDE, act, actor, open_task


def hotline(deps, channel_type: str = "consultation") -> reports.ReportResult:
    payload = reports.ReportInput(source="hotline", category_code=GARBAGE, description="垃圾什么时候清运？",
                                  lon=INSIDE[0], lat=INSIDE[1], reporter_name="李四", reporter_phone="13900000000",
                                  channel_type=channel_type)
    return reports.report_case(deps, actor(deps, "operator"), payload)


def test_a_consultation_is_answered_called_back_reopened_once_and_closed(deps) -> None:
    made = hotline(deps)
    assert made.case_no.startswith("FW")
    case = queries.get_case(deps, actor(deps, "admin"), made.case_no)
    assert case["status"] == "register"
    with deps.uow() as uow:
        assert uow.session.scalar(select(Case.process_key).where(Case.case_no == made.case_no)) == "service_request"
    act(deps, made.case_no, "register", {"decision": "accept", "summary": "咨询清运时间"})
    assert open_task(deps, made.case_no).department_code == "citizen_service"  # service_routing
    act(deps, made.case_no, "answer", {"answer": "每日 7 点和 19 点清运。"})
    tracked = public.track(deps, "127.0.0.1", made.tracking_code)
    assert [r["text"] for r in tracked["replies"]] == ["每日 7 点和 19 点清运。"]
    assert [e["action"] for e in tracked["timeline"]] == ["report", "register", "answer"]  # publicStages
    with deps.uow() as uow:
        sms = uow.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == "13900000000")).all()
        assert len(sms) == 1 and "每日 7 点" in sms[0].payload["text"]
    act(deps, made.case_no, "callback", {"satisfaction": "unsatisfied", "comment": "时间不对"})
    act(deps, made.case_no, "answer", {"answer": "已核实：天山区为每日 8 点清运。"})  # reopened once
    assert act(deps, made.case_no, "callback", {"satisfaction": "unsatisfied"}) == "closed"  # not twice
    timeline = queries.get_case(deps, actor(deps, "admin"), made.case_no)["timeline"]
    actions = [e["action"] for e in timeline]
    assert actions.count("reply") == 2 and actions.count("reopen") == 1
    evaluation = next(e for e in timeline if e["action"] == "evaluate")["data"]
    assert evaluation["satisfaction"] == "unsatisfied" and evaluation["process"] == "service_request"
    assert {s["stage"] for s in evaluation["stages"]} >= {"register", "answer", "callback"}


def test_a_satisfied_complaint_follows_the_routing_table_and_closes(deps) -> None:
    made = hotline(deps, "complaint")
    act(deps, made.case_no, "register", {"decision": "accept"})
    assert open_task(deps, made.case_no).department_code == "sanitation_650102"  # dispatch_routing's department
    act(deps, made.case_no, "answer", {"answer": "已清理。"})
    assert act(deps, made.case_no, "callback", {"satisfaction": "satisfied"}) == "closed"
    with deps.uow() as uow:
        assert uow.session.scalar(select(Case.satisfaction).where(Case.case_no == made.case_no)) == "satisfied"


def test_a_request_outside_the_remit_is_voided(deps) -> None:
    made = hotline(deps, "suggestion")
    assert act(deps, made.case_no, "register", {"decision": "void", "void_reason": "不属城管"}) == "void"


def test_a_report_names_its_process_only_if_the_reporter_may_start_it(deps) -> None:
    import pytest

    from engine.errors import Forbidden, Invalid

    def named(process: str, by: str) -> reports.ReportResult:
        payload = reports.ReportInput(source="inspector", category_code=GARBAGE, description="x", lon=INSIDE[0],
                                      lat=INSIDE[1], process=process)
        return reports.report_case(deps, actor(deps, by), payload)

    with pytest.raises(Forbidden):
        named("service_request", "inspector_650102_01")  # startRoles: citizen, operator, admin
    with pytest.raises(Invalid) as unknown:
        named("no_such_process", "operator")
    assert unknown.value.fields == {"process": "unknown process"}
    with pytest.raises(Invalid):
        named("district_command", "operator")  # called by the lifecycle, never started by a report
    assert named("service_request", "operator").case_no.startswith("FW")
