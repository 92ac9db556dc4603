"""The standard case process (workflows/case_lifecycle.bpmn) and its forms, driven by the runtime.

No database: the workflow is started, run and completed with :class:`WorkflowRuntime` alone,
and serialized and restored at every user task, as the engine does between requests.
"""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from lxml import etree

from engine.runtime.parsing import check_bundle, parse_process
from engine.runtime.workflow import ParsedProcess, WorkflowRuntime

ROOT = Path(__file__).resolve().parents[2]
BPMN_FILE = ROOT / "workflows" / "case_lifecycle.bpmn"
USER_TASKS = ["register", "verify", "file", "dispatch", "handle", "check", "close"]
ROLES = ["operator", "inspector", "shift_leader", "dispatcher", "handler", "leader", "admin", "citizen"]
NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
    "dc": "http://www.omg.org/spec/DD/20100524/DC",
    "di": "http://www.omg.org/spec/DD/20100524/DI",
}
FLOW_NODES = ("startEvent", "endEvent", "userTask", "scriptTask", "exclusiveGateway")


def start_data(source: str = "inspector") -> dict[str, Any]:
    return {"source": source, "kind": "component", "category_code": "010101",
            "district_code": "650102", "grid_code": "65010200100101", "case_no": "TS2026000001"}


# -- fixtures -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def files() -> dict[str, str]:
    return {BPMN_FILE.name: BPMN_FILE.read_text(encoding="utf-8")}


@pytest.fixture(scope="module")
def forms() -> dict[str, Any]:
    forms_dir = ROOT / "forms"
    return {key: json.loads((forms_dir / f"{key}.json").read_text(encoding="utf-8")) for key in USER_TASKS}


@pytest.fixture(scope="module")
def parsed(files: dict[str, str]) -> ParsedProcess:
    return parse_process(files, "case_lifecycle")


class Driver:
    """Drive one case through the process, round-tripping the state at every user task."""

    def __init__(self, parsed: ParsedProcess, source: str = "inspector") -> None:
        self.calls: list[tuple[str, tuple[Any, ...]]] = []
        self.runtime = WorkflowRuntime(helpers={
            "record": lambda *args: self.calls.append(("record", args)),
            "evaluate_case": lambda *args: self.calls.append(("evaluate_case", args)),
        })
        self.parsed = parsed
        self.wf = self.runtime.start(parsed, start_data(source))
        self.runtime.run(self.wf)
        self._round_trip()

    def _round_trip(self) -> None:
        self.wf = self.runtime.load(self.runtime.dump(self.wf), self.parsed)

    def ready(self) -> list[str]:
        return [t.info.bpmn_id for t in self.runtime.ready_user_tasks(self.wf, self.parsed)]

    def do(self, bpmn_id: str, data: dict[str, Any]) -> None:
        tasks = self.runtime.ready_user_tasks(self.wf, self.parsed)
        assert [t.info.bpmn_id for t in tasks] == [bpmn_id]
        self.runtime.complete(self.wf, tasks[0].id, data)
        self._round_trip()

    def end(self) -> str | None:
        return self.runtime.end_event_reached(self.wf) if self.runtime.is_completed(self.wf) else None

    def status(self) -> str | None:
        end = self.end()
        return self.parsed.end_statuses[end] if end else None

    def records(self) -> list[str]:
        return [args[0] for name, args in self.calls if name == "record"]


def through_handling(d: Driver) -> None:
    """From a filed case: dispatch and handle it successfully, arriving at check."""
    d.do("dispatch", {"department_code": "D0101"})
    d.do("handle", {"outcome": "done"})
    assert d.ready() == ["check"]


# -- the bundle ---------------------------------------------------------------------------

def test_bundle_deploys_without_problems(files: dict[str, str], forms: dict[str, Any]) -> None:
    problems = check_bundle(files, forms, ROLES)
    assert [(p.file, p.element, p.reason) for p in problems] == []


def test_user_tasks_have_lanes_forms_and_documentation(parsed: ParsedProcess) -> None:
    lanes = {key: info.lane for key, info in parsed.user_tasks.items()}
    assert lanes == {"register": "operator", "verify": "inspector", "file": "shift_leader",
                     "dispatch": "dispatcher", "handle": "handler", "check": "inspector",
                     "close": "shift_leader"}
    for key, info in parsed.user_tasks.items():
        assert info.form_key == key
        assert info.stage == key
        assert info.documentation
    assert parsed.user_tasks["verify"].scope == "grid"
    assert parsed.user_tasks["handle"].scope == "department"
    assert parsed.end_statuses == {"void": "void", "closed": "closed"}


def test_every_form_belongs_to_a_user_task(parsed: ParsedProcess) -> None:
    on_disk = {p.stem for p in (ROOT / "forms").glob("*.json")}
    assert set(USER_TASKS) <= on_disk
    assert set(parsed.user_tasks) == set(USER_TASKS)


def test_lanes_are_named_by_role_code_with_chinese_documentation(files: dict[str, str]) -> None:
    root = etree.fromstring(files[BPMN_FILE.name].encode("utf-8"))
    lanes = root.findall(".//bpmn:lane", NS)
    assert [lane.get("name") for lane in lanes] == ["operator", "inspector", "shift_leader", "dispatcher",
                                                    "handler"]
    assert all(lane.get("id") == f"lane_{lane.get('name')}" for lane in lanes)
    assert all(lane.findtext("bpmn:documentation", namespaces=NS) for lane in lanes)


def test_every_element_has_a_diagram_shape_or_edge(files: dict[str, str]) -> None:
    root = etree.fromstring(files[BPMN_FILE.name].encode("utf-8"))
    shapes = {s.get("bpmnElement"): s for s in root.iterfind(".//bpmndi:BPMNShape", NS)}
    edges = {e.get("bpmnElement"): e for e in root.iterfind(".//bpmndi:BPMNEdge", NS)}
    nodes = [n for tag in FLOW_NODES for n in root.iterfind(f".//bpmn:{tag}", NS)]
    wanted = [*nodes, *root.iterfind(".//bpmn:lane", NS), *root.iterfind(".//bpmn:participant", NS)]
    assert sorted(n.get("id") for n in wanted if n.get("id") not in shapes) == []
    for node in nodes:
        tag = etree.QName(node).localname
        bounds = shapes[node.get("id")].find("dc:Bounds", NS)
        size = (bounds.get("width"), bounds.get("height"))
        expected = {"exclusiveGateway": ("50", "50"), "startEvent": ("36", "36"),
                    "endEvent": ("36", "36")}.get(tag, ("100", "80"))
        assert size == expected, node.get("id")
        if tag in ("exclusiveGateway", "startEvent", "endEvent"):
            assert shapes[node.get("id")].find("bpmndi:BPMNLabel/dc:Bounds", NS) is not None, node.get("id")
    for flow in root.iterfind(".//bpmn:sequenceFlow", NS):
        waypoints = edges[flow.get("id")].iterfind("di:waypoint", NS)
        points = [(float(p.get("x")), float(p.get("y"))) for p in waypoints]
        assert len(points) >= 2, flow.get("id")
        assert all(a[0] == b[0] or a[1] == b[1] for a, b in itertools.pairwise(points)), flow.get("id")


def test_every_flow_node_lies_inside_its_lane(files: dict[str, str]) -> None:
    root = etree.fromstring(files[BPMN_FILE.name].encode("utf-8"))
    box = {
        s.get("bpmnElement"): [float(s.find("dc:Bounds", NS).get(k)) for k in ("x", "y", "width", "height")]
        for s in root.iterfind(".//bpmndi:BPMNShape", NS)
    }
    for lane in root.iterfind(".//bpmn:lane", NS):
        lx, ly, lw, lh = box[lane.get("id")]
        for ref in lane.iterfind("bpmn:flowNodeRef", NS):
            x, y, w, h = box[ref.text]
            assert lx <= x and x + w <= lx + lw and ly <= y and y + h <= ly + lh, ref.text


# -- paths through the process ------------------------------------------------------------

def test_inspector_report_goes_straight_through_to_closed(parsed: ParsedProcess) -> None:
    d = Driver(parsed, source="inspector")
    assert d.ready() == ["register"]
    d.do("register", {"decision": "file"})
    d.do("file", {"decision": "file", "urgency": "normal"})
    through_handling(d)
    d.do("check", {"passed": True})
    assert d.ready() == ["close"]
    d.do("close", {"comment": "结案存档"})
    assert d.end() == "closed"
    assert d.status() == "closed"
    assert d.calls == [("evaluate_case", ())]
    assert d.runtime.data(d.wf)["department_code"] == "D0101"


@pytest.mark.parametrize("source", ["citizen", "hotline", "media", "video"])
def test_public_report_is_verified_even_when_operator_proposes_filing(parsed: ParsedProcess,
                                                                     source: str) -> None:
    d = Driver(parsed, source=source)
    d.do("register", {"decision": "file"})
    assert d.ready() == ["verify"]
    d.do("verify", {"confirmed": True})
    assert d.ready() == ["file"]


@pytest.mark.parametrize("source", ["inspector", "leader", "department"])
def test_operator_may_send_any_report_to_verify(parsed: ParsedProcess, source: str) -> None:
    d = Driver(parsed, source=source)
    d.do("register", {"decision": "verify"})
    assert d.ready() == ["verify"]


@pytest.mark.parametrize("source", ["inspector", "citizen"])
def test_void_at_register_ends_void(parsed: ParsedProcess, source: str) -> None:
    d = Driver(parsed, source=source)
    d.do("register", {"decision": "void", "void_reason": "重复上报"})
    assert d.ready() == []
    assert d.end() == "void"
    assert d.status() == "void"
    assert d.calls == []


@pytest.mark.parametrize("moved_y", [0, 2000])
def test_routing_does_not_depend_on_where_the_diagram_puts_the_targets(files: dict[str, str],
                                                                      moved_y: int) -> None:
    # SpiffWorkflow tries a gateway's conditions in the order of the targets' y coordinates
    # in the diagram, not in document order; the conditions therefore must not overlap.
    xml = files[BPMN_FILE.name]
    for target in ("void", "verify", "file"):
        moved = re.sub(rf'(bpmnElement="{target}">\s*<dc:Bounds x="\d+" y=")\d+', rf"\g<1>{moved_y}", xml)
        assert moved != xml
        parsed = parse_process({BPMN_FILE.name: moved}, "case_lifecycle")
        voided = Driver(parsed, source="citizen")
        voided.do("register", {"decision": "void", "void_reason": "重复上报"})
        assert voided.end() == "void", target
        public = Driver(parsed, source="citizen")
        public.do("register", {"decision": "file"})
        assert public.ready() == ["verify"], target
        filed = Driver(parsed, source="inspector")
        filed.do("register", {"decision": "file"})
        assert filed.ready() == ["file"], target


def test_unconfirmed_report_is_voided_at_verify(parsed: ParsedProcess) -> None:
    d = Driver(parsed, source="citizen")
    d.do("register", {"decision": "verify"})
    d.do("verify", {"confirmed": False, "comment": "现场未发现问题"})
    assert d.end() == "void"


def test_shift_leader_may_void_at_file(parsed: ParsedProcess) -> None:
    d = Driver(parsed, source="citizen")
    d.do("register", {"decision": "verify"})
    d.do("verify", {"confirmed": True})
    d.do("file", {"decision": "void", "void_reason": "不属于城管职责"})
    assert d.end() == "void"
    assert d.status() == "void"


def test_return_from_handle_is_recorded_and_goes_back_to_dispatch(parsed: ParsedProcess) -> None:
    d = Driver(parsed)
    d.do("register", {"decision": "file"})
    d.do("file", {"decision": "file"})
    d.do("dispatch", {"department_code": "D0101"})
    d.do("handle", {"outcome": "return", "return_reason": "不属本部门职责"})
    assert d.records() == ["return"]
    assert d.ready() == ["dispatch"]
    d.do("dispatch", {"department_code": "D0202"})
    d.do("handle", {"outcome": "done"})
    d.do("check", {"passed": True})
    d.do("close", {})
    assert d.end() == "closed"
    assert d.records() == ["return"]
    assert d.runtime.data(d.wf)["department_code"] == "D0202"


def test_failed_check_is_recorded_as_rework_and_goes_back_to_handle(parsed: ParsedProcess) -> None:
    d = Driver(parsed)
    d.do("register", {"decision": "file"})
    d.do("file", {"decision": "file"})
    through_handling(d)
    d.do("check", {"passed": False, "comment": "垃圾未清运"})
    assert d.records() == ["rework"]
    assert d.ready() == ["handle"]
    d.do("handle", {"outcome": "done"})
    d.do("check", {"passed": True})
    d.do("close", {})
    assert d.end() == "closed"


def test_several_reworks_and_a_return_in_one_case(parsed: ParsedProcess) -> None:
    d = Driver(parsed, source="hotline")
    d.do("register", {"decision": "file"})
    d.do("verify", {"confirmed": True})
    d.do("file", {"decision": "file", "urgency": "urgent"})
    through_handling(d)
    for _ in range(3):
        d.do("check", {"passed": False})
        d.do("handle", {"outcome": "done"})
    d.do("check", {"passed": False})
    d.do("handle", {"outcome": "return", "return_reason": "应由供水部门处置"})
    through_handling(d)
    d.do("check", {"passed": True})
    d.do("close", {})
    assert d.end() == "closed"
    assert d.records() == ["rework"] * 4 + ["return"]
    assert d.calls[-1] == ("evaluate_case", ())


# -- forms --------------------------------------------------------------------------------

VALID = {
    "register": [{"decision": "verify"}, {"decision": "file", "comment": "监督员上报，直接提请立案"},
                 {"decision": "void", "void_reason": "重复上报"}],
    "verify": [{"confirmed": True}, {"confirmed": False, "comment": "现场未发现"}],
    "file": [{"decision": "file"}, {"decision": "file", "urgency": "urgent"},
             {"decision": "void", "void_reason": "不属于城管职责"}],
    "dispatch": [{"department_code": "D0101"}],
    "handle": [{"outcome": "done"}, {"outcome": "return", "return_reason": "不属本部门职责"}],
    "check": [{"passed": True}, {"passed": False, "comment": "未处置完毕"}],
    "close": [{}, {"comment": "结案存档"}],
}
INVALID = {
    "register": [{}, {"decision": "void"}, {"decision": "void", "void_reason": ""}, {"decision": "maybe"},
                 {"decision": "file", "comment": "x" * 2001}],
    "verify": [{}, {"confirmed": "yes"}],
    "file": [{}, {"decision": "verify"}, {"decision": "file", "urgency": "later"}],
    "dispatch": [{}, {"department_code": 101}, {"department_code": ""}],
    "handle": [{}, {"outcome": "return"}, {"outcome": "later"}],
    "check": [{}, {"passed": None}],
    "close": [{"comment": 5}],
}


@pytest.mark.parametrize("key", USER_TASKS)
def test_form_accepts_its_examples_and_refuses_bad_data(forms: dict[str, Any], key: str) -> None:
    validator = jsonschema.Draft202012Validator(forms[key]["schema"])
    for data in VALID[key]:
        assert list(validator.iter_errors(data)) == [], data
    for data in INVALID[key]:
        assert list(validator.iter_errors(data)), data


@pytest.mark.parametrize("key", USER_TASKS)
def test_form_layout_is_complete(forms: dict[str, Any], key: str, parsed: ParsedProcess) -> None:
    doc = forms[key]
    schema = doc["schema"]
    assert doc["title"] == parsed.user_tasks[key].name
    assert doc["title_en"]
    assert "additionalProperties" not in schema
    assert schema["properties"]["comment"] == {"type": "string", "title": "意见说明", "x-title-en": "Comment",
                                               "maxLength": 2000}
    assert doc["ui"]["widgets"]["comment"] == "textarea"
    assert sorted(doc["ui"]["order"]) == sorted(schema["properties"])
    for name, field in schema["properties"].items():
        assert field["title"] and field["x-title-en"], name
        if field["type"] == "string" and "oneOf" not in field:
            assert "maxLength" in field, name
        for option in field.get("oneOf", []):
            assert option["title"] and option["x-title-en"], (name, option)


def test_dispatch_form_asks_for_a_known_department(forms: dict[str, Any]) -> None:
    field = forms["dispatch"]["schema"]["properties"]["department_code"]
    assert field["format"] == "department_code"
    assert forms["dispatch"]["ui"]["widgets"]["department_code"] == "department"
