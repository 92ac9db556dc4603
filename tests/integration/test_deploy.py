"""Deploying processes: refusals name file, element and reason; versions are immutable."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from engine.cases import tasks
from engine.errors import DeployError, Forbidden, ProcessError
from engine.processes.definitions import PROJECT_ROOT, deploy_dirs, list_definitions
from engine.store.models import Case, CaseEvent, ProcessDefinition, WorkflowState
from tests.factories import act, actor, open_task, report

LIFECYCLE = (PROJECT_ROOT / "workflows" / "case_lifecycle.bpmn").read_text(encoding="utf-8")


@pytest.fixture
def bundle(tmp_path: Path) -> tuple[Path, Path]:
    """A copy of workflows/ and forms/ that a test may edit like a process designer."""
    wf, forms = tmp_path / "workflows", tmp_path / "forms"
    shutil.copytree(PROJECT_ROOT / "workflows", wf)
    shutil.copytree(PROJECT_ROOT / "forms", forms)
    return wf, forms


def edit(bundle, old: str, new: str) -> None:
    path = bundle[0] / "case_lifecycle.bpmn"
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def versions(deps):
    return [d["version"] for d in list_definitions(deps) if d["key"] == "case_lifecycle"]


def test_deploying_the_same_content_twice_creates_no_new_version(deps, bundle):
    before = versions(deps)
    results = deploy_dirs(deps, *bundle)
    assert {r.key: r.created for r in results} == {path.stem: False for path in bundle[0].glob("*.bpmn")}
    assert versions(deps) == before


def test_malformed_xml_is_refused_with_file_and_line(deps, bundle):
    (bundle[0] / "case_lifecycle.bpmn").write_text(LIFECYCLE[:500], encoding="utf-8")
    with pytest.raises(DeployError) as err:
        deploy_dirs(deps, *bundle)
    problem = err.value.problems[0]
    assert problem.file == "case_lifecycle.bpmn" and "XML" in problem.reason
    assert versions(deps) == [1]


def test_a_user_task_without_a_form_is_refused(deps, bundle):
    (bundle[1] / "check.json").unlink()
    with pytest.raises(DeployError) as err:
        deploy_dirs(deps, *bundle)
    assert [(p.element, p.reason) for p in err.value.problems] == [("check", "no form 'check.json' in forms/")]


def test_a_script_that_imports_os_is_refused(deps, bundle):
    edit(bundle, 'record("rework")', 'import os\nos.system("true")')
    with pytest.raises(DeployError) as err:
        deploy_dirs(deps, *bundle)
    problem = err.value.problems[0]
    assert problem.element == "record_rework" and "import is not allowed" in problem.reason


def test_a_gateway_without_default_and_a_bare_timer_are_refused(deps, bundle):
    edit(bundle, ' default="', ' data-default="')
    with pytest.raises(DeployError) as err:
        deploy_dirs(deps, *bundle)
    assert any(p.reason == "gateway has no default flow" for p in err.value.problems)


def test_a_form_that_is_not_json_schema_is_refused(deps, bundle):
    (bundle[1] / "close.json").write_text(json.dumps({"schema": {"type": "object", "required": 5}}), "utf-8")
    with pytest.raises(DeployError) as err:
        deploy_dirs(deps, *bundle)
    assert err.value.problems[0].file == "close.json"


def test_a_lane_that_is_no_role_is_refused(deps, bundle):
    edit(bundle, 'name="dispatcher"', 'name="派遣员"')
    with pytest.raises(DeployError) as err:
        deploy_dirs(deps, *bundle)
    assert any("lane '派遣员' is not a role" in p.reason for p in err.value.problems)


REVIEW_TASK = """<bpmn:userTask id="review" name="复核">
      <bpmn:incoming>flow_review_in</bpmn:incoming>
      <bpmn:outgoing>flow_review_out</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="flow_review_in" sourceRef="close" targetRef="review" />
    <bpmn:sequenceFlow id="flow_review_out" sourceRef="review" targetRef="evaluate" />
    """


def _add_review_task(bundle) -> None:
    """What a designer does in the modeler: insert a shift-leader review between close and evaluate."""
    import re

    path = bundle[0] / "case_lifecycle.bpmn"
    text = path.read_text(encoding="utf-8")
    flow = re.search(r'<bpmn:sequenceFlow id="([^"]+)"[^>]*sourceRef="close" targetRef="evaluate"', text)
    assert flow, "close → evaluate flow not found"
    flow_id = flow.group(1)
    text = re.sub(rf'<bpmn:sequenceFlow id="{flow_id}"[^>]*/>', "", text)
    text = re.sub(rf'<bpmn:sequenceFlow id="{flow_id}"[^>]*>.*?</bpmn:sequenceFlow>', "", text, flags=re.S)
    text = text.replace(f"<bpmn:outgoing>{flow_id}</bpmn:outgoing>", "<bpmn:outgoing>flow_review_in</bpmn:outgoing>")
    text = text.replace(f"<bpmn:incoming>{flow_id}</bpmn:incoming>", "<bpmn:incoming>flow_review_out</bpmn:incoming>")
    text = re.sub(r'<bpmndi:BPMNEdge id="[^"]*" bpmnElement="' + flow_id + r'".*?</bpmndi:BPMNEdge>', "", text,
                  flags=re.S)
    text = text.replace('<bpmn:flowNodeRef>close</bpmn:flowNodeRef>',
                        '<bpmn:flowNodeRef>close</bpmn:flowNodeRef>\n        <bpmn:flowNodeRef>review</bpmn:flowNodeRef>')
    text = text.replace("</bpmn:process>", REVIEW_TASK + "</bpmn:process>", 1)
    path.write_text(text, encoding="utf-8")
    (bundle[1] / "review.json").write_text(json.dumps({
        "title": "复核", "title_en": "Review",
        "schema": {"type": "object", "required": ["agree"],
                   "properties": {"agree": {"type": "boolean", "title": "同意结案"}}},
    }, ensure_ascii=False), encoding="utf-8")


def _to_close(deps, case_no):
    act(deps, case_no, "register", {"decision": "file"})
    act(deps, case_no, "file", {"decision": "file"})
    act(deps, case_no, "dispatch", {"department_code": "sanitation_650102"})
    act(deps, case_no, "handle", {"outcome": "done"})
    act(deps, case_no, "check", {"passed": True})


def test_new_cases_follow_a_new_version_while_running_cases_finish_on_theirs(deps, bundle):
    running = report(deps).case_no
    _add_review_task(bundle)
    result = next(r for r in deploy_dirs(deps, *bundle) if r.key == "case_lifecycle")
    assert result.created and result.version == 2
    fresh = report(deps).case_no
    _to_close(deps, running)
    assert act(deps, running, "close", {}) == "closed"
    _to_close(deps, fresh)
    assert act(deps, fresh, "close", {}) == "review"
    assert act(deps, fresh, "review", {"agree": True}, username="shift_leader") == "closed"
    with deps.uow() as uow:
        by_case = dict(uow.session.execute(select(Case.case_no, ProcessDefinition.version)
                                           .join(ProcessDefinition, ProcessDefinition.id == Case.definition_id)).all())
    assert by_case == {running: 1, fresh: 2}


def test_a_script_that_escapes_deploy_checks_fails_at_run_time_and_stores_nothing(deps):
    """A stored definition whose script imports os (e.g. written by hand into the database)."""
    case_no = report(deps).case_no
    with deps.uow(write=True) as uow:
        definition = uow.session.scalar(select(ProcessDefinition))
        files = dict(definition.files)
        files["case_lifecycle.bpmn"] = files["case_lifecycle.bpmn"].replace('record("return")',
                                                                            'import os\nos.listdir("/")')
        definition.files = files
        uow.commit()
    deps.runtime._cache.clear()
    act(deps, case_no, "register", {"decision": "file"})
    act(deps, case_no, "file", {"decision": "file"})
    act(deps, case_no, "dispatch", {"department_code": "water"})
    act(deps, case_no, "handle", {"outcome": "return", "return_reason": "不归我们"})
    task = open_task(deps, case_no)
    with deps.uow() as uow:
        state = uow.session.scalar(select(WorkflowState.state))
        events = len(uow.session.scalars(select(CaseEvent)).all())
    with pytest.raises(ProcessError) as err:
        tasks.complete_task(deps, actor(deps, "dispatcher_650102"), task.id, {"approved": True})
    assert err.value.element == "record_return" and "import" in err.value.message
    with deps.uow() as uow:
        assert uow.session.scalar(select(WorkflowState.state)) == state
        assert len(uow.session.scalars(select(CaseEvent)).all()) == events
    assert open_task(deps, case_no).id == task.id


def _shift_leader_approves_extensions(bundle) -> None:
    """What a designer does in the modeler: move 延期审批 into the shift leader's lane.

    The dispatcher's scope property goes too: shift leaders work at city level.
    """
    path = bundle[0] / "case_lifecycle.bpmn"
    text = path.read_text(encoding="utf-8")
    ref = "        <bpmn:flowNodeRef>approve_extension</bpmn:flowNodeRef>\n"
    assert ref in text
    text = text.replace(ref, "", 1)
    text = text.replace('<bpmn:flowNodeRef>file</bpmn:flowNodeRef>',
                        '<bpmn:flowNodeRef>file</bpmn:flowNodeRef>\n        ' + ref.strip(), 1)
    text = text.replace('<spiffworkflow:property name="scopeFrom" value="dispatch_scope" />\n        </spiffworkflow:properties>\n'
                        '      </bpmn:extensionElements>\n      <bpmn:incoming>flow_request_extend</bpmn:incoming>',
                        '</spiffworkflow:properties>\n      </bpmn:extensionElements>\n'
                        '      <bpmn:incoming>flow_request_extend</bpmn:incoming>', 1)
    assert 'value="dispatch_scope" />\n        </spiffworkflow:properties>\n      </bpmn:extensionElements>\n      <bpmn:incoming>flow_request_extend' not in text
    path.write_text(text, encoding="utf-8")


def test_a_designer_lets_the_shift_leader_approve_extensions_without_code(deps, bundle):
    _shift_leader_approves_extensions(bundle)
    result = next(r for r in deploy_dirs(deps, *bundle) if r.key == "case_lifecycle")
    assert result.created
    case_no = report(deps).case_no
    act(deps, case_no, "register", {"decision": "file"})
    act(deps, case_no, "file", {"decision": "file"})
    act(deps, case_no, "dispatch", {"department_code": "sanitation_650102"})
    act(deps, case_no, "handle", {"outcome": "extend", "extend_amount": 1, "extend_unit": "working_hours",
                                  "extend_reason": "设备"})
    task = open_task(deps, case_no)
    assert (task.stage, task.lane, task.scope) == ("approve_extension", "shift_leader", "city")
    with pytest.raises(Forbidden):
        tasks.complete_task(deps, actor(deps, "dispatcher_650102"), task.id, {"approved": True})
    tasks.complete_task(deps, actor(deps, "shift_leader"), task.id, {"approved": True})
    assert open_task(deps, case_no).stage == "handle"
