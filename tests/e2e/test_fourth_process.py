"""A process designer adds a fourth process with files alone: a BPMN file and its form in the folders, a row in
process_selection, `deploy`; an administrator activates the table's new version; cases of the new process run
through the API — and nothing in Python names it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from engine.processes.definitions import PROJECT_ROOT, deploy_dirs
from engine.rules import tables
from tests.factories import INSIDE, MANHOLE

KEY = "component_adoption"  # 部件认养: a citizen offers to look after a bench, a tree, a manhole cover
BPMN = f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="definitions_{KEY}"
    targetNamespace="https://example.org/bpmn">
  <bpmn:process id="{KEY}" name="部件认养" isExecutable="true">
    <bpmn:extensionElements>
      <spiffworkflow:properties>
        <spiffworkflow:property name="displayName" value="部件认养" />
        <spiffworkflow:property name="displayNameEn" value="Component adoption" />
        <spiffworkflow:property name="startRoles" value="citizen,operator" />
        <spiffworkflow:property name="caseNoPrefix" value="RY" />
      </spiffworkflow:properties>
    </bpmn:extensionElements>
    <bpmn:laneSet id="lanes">
      <bpmn:lane id="lane_operator" name="operator">
        <bpmn:documentation>受理员：审核认养申请。</bpmn:documentation>
        <bpmn:flowNodeRef>start</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>approve_adoption</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>gw</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>adopted</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>declined</bpmn:flowNodeRef>
      </bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="start" />
    <bpmn:userTask id="approve_adoption" name="审核认养">
      <bpmn:documentation>受理员审核市民的认养申请。</bpmn:documentation>
      <bpmn:extensionElements>
        <spiffworkflow:properties>
          <spiffworkflow:property name="stage" value="approve_adoption" />
        </spiffworkflow:properties>
      </bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:exclusiveGateway id="gw" default="flow_yes" />
    <bpmn:endEvent id="adopted">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="caseStatus" value="closed" />
      </spiffworkflow:properties></bpmn:extensionElements>
    </bpmn:endEvent>
    <bpmn:endEvent id="declined">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="caseStatus" value="void" />
      </spiffworkflow:properties></bpmn:extensionElements>
    </bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="approve_adoption" />
    <bpmn:sequenceFlow id="f2" sourceRef="approve_adoption" targetRef="gw" />
    <bpmn:sequenceFlow id="flow_yes" sourceRef="gw" targetRef="adopted" />
    <bpmn:sequenceFlow id="flow_no" sourceRef="gw" targetRef="declined">
      <bpmn:conditionExpression>approved == False</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
  </bpmn:process>
</bpmn:definitions>
"""
FORM = {"title": "审核认养", "title_en": "Approve adoption",
        "schema": {"type": "object", "required": ["approved"],
                   "properties": {"approved": {"type": "boolean", "title": "同意认养"},
                                  "comment": {"type": "string", "maxLength": 500}}}}
RULE = f"""      <rule id="rule_adoption">
        <description>认养申请（部件类，渠道类型 adoption）→ 部件认养</description>
        <inputEntry id="rule_adoption_in_1"><text>-</text></inputEntry>
        <inputEntry id="rule_adoption_in_2"><text>"component"</text></inputEntry>
        <inputEntry id="rule_adoption_in_3"><text>-</text></inputEntry>
        <inputEntry id="rule_adoption_in_4"><text>-</text></inputEntry>
        <inputEntry id="rule_adoption_in_5"><text>-</text></inputEntry>
        <inputEntry id="rule_adoption_in_6"><text>? == "adoption"</text></inputEntry>
        <inputEntry id="rule_adoption_in_7"><text>? &lt; 1</text></inputEntry>
        <outputEntry id="rule_adoption_out_1"><text>"{KEY}"</text></outputEntry>
        <outputEntry id="rule_adoption_out_2"><text>""</text></outputEntry>
      </rule>
"""


def designer_adds_the_process(tmp_path: Path) -> tuple[Path, Path]:
    workflows, forms = tmp_path / "workflows", tmp_path / "forms"
    shutil.copytree(PROJECT_ROOT / "workflows", workflows)
    shutil.copytree(PROJECT_ROOT / "forms", forms)
    (workflows / f"{KEY}.bpmn").write_text(BPMN, encoding="utf-8")
    (forms / "approve_adoption.json").write_text(json.dumps(FORM, ensure_ascii=False), encoding="utf-8")
    selection = workflows / "process_selection.dmn"
    xml = selection.read_text(encoding="utf-8")
    catch_all = xml.rindex("      <rule id=")
    selection.write_text(xml[:catch_all] + RULE + xml[catch_all:], encoding="utf-8")
    examples = workflows / "process_selection.examples.json"
    rows = json.loads(examples.read_text(encoding="utf-8"))
    rows.append({"note": "an offer to adopt a bench goes to component adoption",
                 "inputs": {**rows[-1]["inputs"], "kind": "component", "minor_code": "0101",
                            "channel_type": "adoption"},
                 "expected": {"process_key": KEY, "urgency": ""}})
    examples.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    return workflows, forms


def test_a_process_added_as_files_runs_through_the_api(deps, api, tmp_path) -> None:
    workflows, forms = designer_adds_the_process(tmp_path)
    deployed = {d.key: d.created for d in deploy_dirs(deps, workflows, forms, actor="designer")}
    assert deployed[KEY] is True and deployed["case_lifecycle"] is False
    draft = max(v["version"] for v in tables.list_versions(deps, "process_selection"))
    tables.activate(deps, "process_selection", draft, actor="admin")  # the table's four-eyes step
    assert KEY in {p["key"] for p in api.get("/api/v1/processes", "operator").get_json()["items"]}
    report = {"source": "citizen", "category_code": MANHOLE, "description": "我想认养小区门口的井盖",
              "lon": INSIDE[0], "lat": INSIDE[1], "channel_type": "adoption"}
    made = api.post("/api/v1/reports", json=report).get_json()
    assert made["case_no"].startswith("RY") and made["status"] == "approve_adoption"
    task = api.get("/api/v1/tasks", "operator").get_json()["items"][0]
    assert (task["case_no"], task["form_key"]) == (made["case_no"], "approve_adoption")
    bad = api.post(f"/api/v1/tasks/{task['id']}/complete", "operator", json={"approved": "yes"})
    assert bad.status_code == 422 and "approved" in bad.get_json()["fields"]
    done = api.post(f"/api/v1/tasks/{task['id']}/complete", "operator", json={"approved": True})
    assert done.get_json() == {"case_no": made["case_no"], "status": "closed"}
    case = api.get(f"/api/v1/cases/{made['case_no']}", "shift_leader").get_json()
    assert case["process_key"] == KEY
    listed = api.get(f"/api/v1/cases?process={KEY}", "shift_leader").get_json()["items"]
    assert [c["case_no"] for c in listed] == [made["case_no"]]


def test_no_python_module_names_the_new_process() -> None:
    """Nothing in Python names the new process (tests/unit/test_import_graph.py checks the shipped ones)."""
    named = [path.relative_to(PROJECT_ROOT).as_posix() for folder in ("engine", "web", "demo", "bench")
             for path in (PROJECT_ROOT / folder).rglob("*.py") if KEY in path.read_text(encoding="utf-8")]
    assert named == []
