"""The designer's use cases: the deployed file, deploy's checks on an edited one, deploying it as a new
version (audited, others untouched), and the elements that changed between two versions."""

from __future__ import annotations

import pytest

from engine.errors import DeployError, Forbidden, Invalid
from engine.people import audit
from engine.processes import designer
from tests.factories import actor

TASK = '<bpmn:userTask id="answer" name="答复">'


def test_check_names_the_element_and_deploy_stores_a_new_version_only_of_that_process(deps) -> None:
    admin = actor(deps, "admin")
    found = designer.source(deps, admin, "service_request")
    assert (found["file"], found["version"]) == ("service_request.bpmn", 1) and TASK in found["xml"]
    broken = found["xml"].replace('name="stage" value="answer"', 'name="scope" value="galaxy"')
    problems = designer.check(deps, admin, "service_request", broken)
    assert [(p["element"], "galaxy" in p["reason"]) for p in problems] == [("answer", True)]
    with pytest.raises(DeployError):
        designer.deploy_edit(deps, admin, "service_request", broken)
    edited = found["xml"].replace(TASK, '<bpmn:userTask id="answer" name="答复市民">')
    assert designer.check(deps, admin, "service_request", edited) == []
    done = designer.deploy_edit(deps, admin, "service_request", edited)
    assert (done["version"], done["created"]) == (2, True)
    assert "answer" in done["changes"]["changed"] and done["changes"]["added"] == []
    others = {d["key"]: d["created"] for d in done["deployed"] if d["key"] != "service_request"}
    assert others and not any(others.values())  # the other processes keep their versions
    assert designer.source(deps, admin, "service_request")["version"] == 2
    events = audit.list_events(deps, admin, target_type="process", target="service_request")
    assert events[0]["action"] == "deploy_process" and events[0]["data"]["version"] == 2
    diff = designer.compare(deps, admin, "service_request", 1, 2)
    assert "answer" in diff["changed"] and diff["removed"] == []


def test_only_administrators_and_real_xml(deps) -> None:
    with pytest.raises(Forbidden):
        designer.source(deps, actor(deps, "shift_leader"), "service_request")
    with pytest.raises(Invalid) as err:
        designer.check(deps, actor(deps, "admin"), "service_request", "")
    assert err.value.fields == {"xml": "required"}
    problems = designer.check(deps, actor(deps, "admin"), "service_request", "<not-xml")
    assert problems and problems[0]["file"] == "service_request.bpmn"


def test_diff_elements_sees_added_removed_and_changed() -> None:
    old = ('<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"><bpmn:process id="p">'
           '<bpmn:task id="a" name="A"/><bpmn:task id="b"/></bpmn:process></bpmn:definitions>')
    new = old.replace('name="A"', 'name="A2"').replace('<bpmn:task id="b"/>', '<bpmn:task id="c"/>')
    assert designer.diff_elements(old, new, "p") == {"added": ["c"], "removed": ["b"], "changed": ["a"]}


def test_a_form_edit_is_checked_and_deployed_and_unknown_forms_are_refused(deps) -> None:
    admin = actor(deps, "admin")
    forms = {f["name"]: f for f in designer.forms_of(deps, admin, "service_request")}
    assert set(forms) == {"register_request", "answer", "callback"} and not any(f["missing"] for f in forms.values())
    doc = forms["answer"]["form"]
    bad = {**doc, "schema": {**doc["schema"], "type": "objekt"}}
    assert [p["file"] for p in designer.check_form(deps, admin, "service_request", "answer", bad)] == ["answer.json"]
    with pytest.raises(DeployError):
        designer.deploy_form(deps, admin, "service_request", "answer", bad)
    better = {**doc, "title": "答复市民"}
    assert designer.check_form(deps, admin, "service_request", "answer", better) == []
    done = designer.deploy_form(deps, admin, "service_request", "answer", better)
    assert (done["version"], done["created"]) == (2, True)
    assert designer.forms_of(deps, admin, "service_request")[0]["form"]["title"] == "答复市民"
    with pytest.raises(Invalid) as err:
        designer.check_form(deps, admin, "service_request", "handle", better)
    assert err.value.fields == {"form": "unknown form"}


def test_the_pickers_offer_what_is_deployed(deps) -> None:
    offered = designer.palette(deps, actor(deps, "admin"))
    assert {"operator", "inspector", "shift_leader", "dispatcher", "handler"} <= set(offered["roles"])
    assert "citizen" not in offered["roles"] and offered["scopes"] == ["city", "department", "district", "grid"]
    assert {"register", "dispatch", "answer"} <= set(offered["forms"])
    assert {"case_lifecycle", "district_command", "enforcement", "service_request"} <= set(offered["processes"])
    routing = {t["key"]: t for t in offered["tables"]}["dispatch_routing"]
    assert "department_code" in routing["outputs"] and {"kind", "district_code"} <= set(routing["inputs"])
    with pytest.raises(Forbidden):
        designer.palette(deps, actor(deps, "dispatcher"))


def test_a_script_condition_or_timer_is_compiled_in_the_sandbox_on_its_own(deps) -> None:
    admin = actor(deps, "admin")
    assert designer.check_code(admin, "script", 'routing = decide("dispatch_routing", kind=kind)') == []
    assert designer.check_code(admin, "condition", "outcome == 'done'") == []
    assert "not allowed" in designer.check_code(admin, "condition", "limit ** 2")[0]
    assert "import" in designer.check_code(admin, "script", "import os")[0]
    assert "bare ISO value" in designer.check_code(admin, "timeDuration", "PT2H")[0]
    assert designer.check_code(admin, "timeDate", 'due("handle")') == []
    with pytest.raises(Invalid) as err:
        designer.check_code(admin, "gateway", "x")
    assert err.value.fields == {"kind": "unknown kind"}
    with pytest.raises(Forbidden):
        designer.check_code(actor(deps, "operator"), "script", "x = 1")
