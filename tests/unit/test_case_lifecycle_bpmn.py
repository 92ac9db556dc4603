"""The case processes (workflows/*.bpmn) and their forms, driven by the runtime alone.

No database: workflows are started, run and completed with :class:`WorkflowRuntime`, with the
BPMN helpers replaced by stubs that record their calls, and serialized and restored at every
user task, as the engine does between requests.
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
from SpiffWorkflow import TaskState
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

from engine.deps import ROLES
from engine.runtime.parsing import check_bundle, parse_process
from engine.runtime.workflow import ParsedProcess, WorkflowRuntime

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / "workflows"
BPMN_FILE = WORKFLOWS / "case_lifecycle.bpmn"
NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
    "dc": "http://www.omg.org/spec/DD/20100524/DC",
    "di": "http://www.omg.org/spec/DD/20100524/DI",
}
FLOW_NODES = ("startEvent", "endEvent", "userTask", "scriptTask", "exclusiveGateway", "boundaryEvent", "callActivity")
SIZES = {"exclusiveGateway": ("50", "50"), "startEvent": ("36", "36"), "endEvent": ("36", "36"),
         "boundaryEvent": ("36", "36")}
FAR_FUTURE = "2099-01-01T10:00:00+08:00"
PAST = "2000-01-01T10:00:00+08:00"
LIFECYCLE_LANES = {"register": "operator", "confirm_self_handled": "operator", "verify": "inspector",
                   "check": "inspector", "file": "shift_leader", "close": "shift_leader", "urge": "shift_leader",
                   "approve_void": "shift_leader", "approve_suspension": "shift_leader", "resume": "shift_leader",
                   "dispatch": "dispatcher", "coordinate": "dispatcher", "approve_return": "dispatcher",
                   "approve_extension": "dispatcher", "handle": "handler", "answer_overdue_urge": "handler",
                   "answer_urge": "handler"}


def start_data(source: str = "inspector", **extra: Any) -> dict[str, Any]:
    return {"source": source, "kind": "incident", "category_code": "20102", "major_code": "01",
            "minor_code": "0102", "area_class": "B", "district_code": "650102", "grid_code": "65010200100101",
            "case_no": "TS2026000001", "urgency": "normal", "self_handled": False, "straight_to_file": False, **extra}


# -- fixtures -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def files() -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(WORKFLOWS.glob("*.bpmn"))}


@pytest.fixture(scope="module")
def forms() -> dict[str, Any]:
    return {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted((ROOT / "forms").glob("*.json"))}


@pytest.fixture(scope="module")
def parsed(files: dict[str, str]) -> ParsedProcess:
    return parse_process(files, "case_lifecycle")


class Driver:
    """Drive one case, round-tripping the state at every user task; helpers are recording stubs."""

    def __init__(self, parsed: ParsedProcess, source: str = "inspector", *, level: str = "city", auto: bool = False,
                 centre: bool = True, handle_due: str = FAR_FUTURE, **start: Any) -> None:
        self.calls: list[tuple[str, tuple[Any, ...]]] = []
        self.routing = {"department_code": "D0101", "level": level, "auto_dispatch": auto,
                        "table": "dispatch_routing", "version": 1, "rule": 3}

        def stub(name: str, result: Any = True) -> Any:
            return lambda *args, **kw: (self.calls.append((name, args)), result)[1]

        self.runtime = WorkflowRuntime(helpers={
            "record": stub("record"), "evaluate_case": stub("evaluate_case"),
            "decide": lambda table, **inputs: dict(self.routing, inputs=inputs),
            "due": lambda stage: handle_due, "district_center": lambda code: centre,
            "extend_deadline": stub("extend_deadline"), "suspend_clock": stub("suspend_clock"),
            "resume_clock": stub("resume_clock"), "reset_clock": stub("reset_clock"),
        })
        self.parsed = parsed
        self.wf = self.runtime.start(parsed, start_data(source, **start))
        self.runtime.run(self.wf)
        self._round_trip()

    def _round_trip(self) -> None:
        self._check_fast_scans()
        self.wf = self.runtime.load(self.runtime.dump(self.wf), self.parsed)
        self._check_fast_scans()

    def _check_fast_scans(self) -> None:
        """The dict walks the hot path uses find what SpiffWorkflow's tree iterator finds, on every path."""
        ready = {t.id for t in self.runtime.ready_user_tasks(self.wf, self.parsed)}
        assert self.runtime.ready_user_task_ids(self.wf, self.parsed) == ready
        waiting = {str(t.id) for t in self.wf.get_tasks(state=TaskState.WAITING)
                   if isinstance(getattr(t.task_spec, "event_definition", None), TimerEventDefinition)
                   and t.internal_data.get("event_value")}
        assert {w.task_id for w in self.runtime.waiting_timers(self.wf)} == waiting

    def ready(self) -> list[str]:
        return sorted(t.info.bpmn_id for t in self.runtime.ready_user_tasks(self.wf, self.parsed))

    def do(self, bpmn_id: str, data: dict[str, Any]) -> None:
        tasks = [t for t in self.runtime.ready_user_tasks(self.wf, self.parsed) if t.info.bpmn_id == bpmn_id]
        assert len(tasks) == 1, self.ready()
        self.runtime.complete(self.wf, tasks[0].id, data)
        self._round_trip()

    def send(self, name: str, payload: dict[str, Any]) -> None:
        self.runtime.send_message(self.wf, name, payload)
        self._round_trip()

    def end(self) -> str | None:
        if not self.runtime.is_completed(self.wf):
            return None
        return [e for e in self.runtime.completed_end_events(self.wf) if e in self.parsed.end_statuses][-1]

    def status(self) -> str | None:
        end = self.end()
        return self.parsed.end_statuses[end] if end else None

    def records(self) -> list[str]:
        return [args[0] for name, args in self.calls if name == "record"]

    def filed(self) -> Driver:
        self.do("register", {"decision": "file"})
        self.do("file", {"decision": "file"})
        return self

    def handling(self) -> Driver:
        self.filed().do("dispatch", {"decision": "dispatch", "department_code": "D0101"})
        assert self.ready() == ["handle"]
        return self

    def finish(self) -> None:
        self.do("handle", {"outcome": "done"})
        self.do("check", {"passed": True})
        self.do("close", {})
        assert self.status() == "closed"


# -- the bundle ---------------------------------------------------------------------------

def test_bundle_deploys_without_problems(files: dict[str, str], forms: dict[str, Any]) -> None:
    problems = check_bundle(files, forms, ROLES)
    assert [(p.file, p.element, p.reason) for p in problems] == []


def test_user_tasks_have_lanes_forms_and_documentation(parsed: ParsedProcess) -> None:
    lanes = {key: info.lane for key, info in parsed.user_tasks.items()}
    assert {k: v for k, v in lanes.items() if k in LIFECYCLE_LANES} == LIFECYCLE_LANES
    for info in parsed.user_tasks.values():
        assert info.documentation, info.bpmn_id
    assert parsed.user_tasks["verify"].scope == "grid"
    assert parsed.user_tasks["handle"].scope == "department" and parsed.user_tasks["handle"].case_clock
    assert parsed.user_tasks["approve_return"].scope_key == "dispatch_scope"
    assert parsed.user_tasks["answer_urge"].priority > 0 and parsed.user_tasks["answer_urge"].side_task
    assert parsed.user_tasks["district_dispatch"].scope == "district"
    assert parsed.end_statuses == {"void": "void", "voided": "void", "closed": "closed", "closed_self": "closed"}
    assert parsed.messages["urge"].allowed_roles == ("shift_leader", "leader")


def test_every_form_belongs_to_a_task_or_a_message(files: dict[str, str], forms: dict[str, Any]) -> None:
    used: set[str] = set()
    for name in files:
        each = parse_process(files, name.removesuffix(".bpmn"))
        used |= {info.form_key for info in each.user_tasks.values()}
        used |= {m.form_key for m in each.messages.values() if m.form_key}
    assert used == set(forms)


def test_lanes_are_named_by_role_code_with_chinese_documentation(files: dict[str, str]) -> None:
    for xml in files.values():
        root = etree.fromstring(xml.encode("utf-8"))
        lanes = root.findall(".//bpmn:lane", NS)
        assert {lane.get("name") for lane in lanes} <= set(ROLES)
        assert all(lane.get("id") == f"lane_{lane.get('name')}" for lane in lanes)
        assert all(lane.findtext("bpmn:documentation", namespaces=NS) for lane in lanes)


@pytest.mark.parametrize("name", ["case_lifecycle.bpmn", "district_command.bpmn", "enforcement.bpmn"])
def test_every_element_has_a_diagram_shape_or_edge(files: dict[str, str], name: str) -> None:
    root = etree.fromstring(files[name].encode("utf-8"))
    shapes = {s.get("bpmnElement"): s for s in root.iterfind(".//bpmndi:BPMNShape", NS)}
    edges = {e.get("bpmnElement"): e for e in root.iterfind(".//bpmndi:BPMNEdge", NS)}
    nodes = [n for tag in FLOW_NODES for n in root.iterfind(f".//bpmn:{tag}", NS)]
    wanted = [*nodes, *root.iterfind(".//bpmn:lane", NS), *root.iterfind(".//bpmn:participant", NS),
              *root.iterfind(".//bpmn:subProcess", NS)]
    assert sorted(n.get("id") for n in wanted if n.get("id") not in shapes) == []
    for node in nodes:
        tag = etree.QName(node).localname
        bounds = shapes[node.get("id")].find("dc:Bounds", NS)
        assert (bounds.get("width"), bounds.get("height")) == SIZES.get(tag, ("100", "80")), node.get("id")
        if tag in SIZES:
            assert shapes[node.get("id")].find("bpmndi:BPMNLabel/dc:Bounds", NS) is not None, node.get("id")
    for flow in root.iterfind(".//bpmn:sequenceFlow", NS):
        points = [(float(p.get("x")), float(p.get("y"))) for p in edges[flow.get("id")].iterfind("di:waypoint", NS)]
        assert len(points) >= 2, flow.get("id")
        assert all(a[0] == b[0] or a[1] == b[1] for a, b in itertools.pairwise(points)), flow.get("id")


@pytest.mark.parametrize("name", ["case_lifecycle.bpmn", "district_command.bpmn", "enforcement.bpmn"])
def test_every_flow_node_lies_inside_its_lane(files: dict[str, str], name: str) -> None:
    root = etree.fromstring(files[name].encode("utf-8"))
    box = {s.get("bpmnElement"): [float(s.find("dc:Bounds", NS).get(k)) for k in ("x", "y", "width", "height")]
           for s in root.iterfind(".//bpmndi:BPMNShape", NS)}
    for lane in root.iterfind(".//bpmn:lane", NS):
        lx, ly, lw, lh = box[lane.get("id")]
        for ref in lane.iterfind("bpmn:flowNodeRef", NS):
            x, y, w, h = box[ref.text]
            assert lx <= x and x + w <= lx + lw and ly <= y and y + h <= ly + lh, ref.text


# -- intake -------------------------------------------------------------------------------

def test_inspector_report_goes_straight_through_to_closed(parsed: ParsedProcess) -> None:
    d = Driver(parsed)
    assert d.ready() == ["register"]
    d.handling().finish()
    assert d.calls[-1] == ("evaluate_case", ())
    assert d.runtime.data(d.wf)["channel"] == "city"


@pytest.mark.parametrize("source", ["citizen", "hotline", "media", "video"])
def test_public_report_is_verified_even_when_operator_proposes_filing(parsed: ParsedProcess, source: str) -> None:
    d = Driver(parsed, source=source)
    d.do("register", {"decision": "file"})
    assert d.ready() == ["verify"]
    d.do("verify", {"confirmed": True})
    assert d.ready() == ["file"]


@pytest.mark.parametrize(("source", "steps"), [
    ("inspector", [("register", {"decision": "void", "void_reason": "重复上报"})]),
    ("citizen", [("register", {"decision": "verify"}), ("verify", {"confirmed": False})]),
    ("citizen", [("register", {"decision": "verify"}), ("verify", {"confirmed": True}),
                 ("file", {"decision": "void", "void_reason": "不属于城管职责"})]),
])
def test_reports_can_be_voided_before_filing(parsed: ParsedProcess, source: str, steps: list) -> None:
    d = Driver(parsed, source=source)
    for task, data in steps:
        d.do(task, data)
    assert d.end() == "void" and d.status() == "void"


@pytest.mark.parametrize("moved_y", [0, 3000])
def test_routing_does_not_depend_on_where_the_diagram_puts_the_targets(files: dict[str, str], moved_y: int) -> None:
    # SpiffWorkflow tries a gateway's conditions in the order of the targets' y coordinates
    # in the diagram, not in document order; the conditions therefore must not overlap.
    xml = files[BPMN_FILE.name]
    for target in ("void", "verify", "file"):
        moved = re.sub(rf'(bpmnElement="{target}">\s*<dc:Bounds x="\d+" y=")\d+', rf"\g<1>{moved_y}", xml)
        assert moved != xml
        parsed = parse_process({**files, BPMN_FILE.name: moved}, "case_lifecycle")
        voided = Driver(parsed, source="citizen")
        voided.do("register", {"decision": "void", "void_reason": "重复上报"})
        assert voided.end() == "void", target
        public = Driver(parsed, source="citizen")
        public.do("register", {"decision": "file"})
        assert public.ready() == ["verify"], target


def test_a_self_handled_report_is_confirmed_and_closed_or_voided(parsed: ParsedProcess) -> None:
    d = Driver(parsed, self_handled=True)
    assert d.ready() == ["confirm_self_handled"]
    d.do("confirm_self_handled", {"confirmed": True})
    assert d.status() == "closed" and d.records() == ["self_handled"]
    refused = Driver(parsed, self_handled=True)
    refused.do("confirm_self_handled", {"confirmed": False})
    assert refused.status() == "void"


def test_a_report_its_intake_files_at_once_skips_registering_and_verifying(parsed: ParsedProcess) -> None:
    d = Driver(parsed, source="video", straight_to_file=True)
    assert d.ready() == ["file"]
    d.do("file", {"decision": "file"})
    assert d.ready() == ["dispatch"]
    usual = Driver(parsed, source="video")
    assert usual.ready() == ["register"]


# -- dispatch channels --------------------------------------------------------------------

def test_an_automatic_rule_skips_the_dispatcher(parsed: ParsedProcess) -> None:
    d = Driver(parsed, auto=True).filed()
    assert d.ready() == ["handle"] and d.records() == ["auto_dispatch"]
    assert d.runtime.data(d.wf)["department_code"] == "D0101"


def test_the_dispatch_task_shows_the_routing_suggestion(parsed: ParsedProcess) -> None:
    d = Driver(parsed).filed()
    ready = d.runtime.ready_user_tasks(d.wf, parsed)[0]
    assert ready.info.show_data == ("routing",)
    assert ready.data["routing"]["inputs"] == {"kind": "incident", "major_code": "01", "minor_code": "0102",
                                               "district_code": "650102", "area_class": "B", "source": "inspector"}


def test_a_district_case_goes_to_the_district_sub_centre_and_may_be_escalated(parsed: ParsedProcess) -> None:
    d = Driver(parsed, level="district").filed()
    assert d.ready() == ["district_dispatch"]
    d.do("district_dispatch", {"decision": "dispatch", "department_code": "D0202"})
    assert d.ready() == ["handle"] and d.runtime.data(d.wf)["department_code"] == "D0202"
    escalated = Driver(parsed, level="district").filed()
    escalated.do("district_dispatch", {"decision": "escalate", "escalate_reason": "涉及多个部门"})
    assert escalated.ready() == ["coordinate"] and escalated.records() == ["escalate"]
    escalated.do("coordinate", {"department_code": "roads", "instruction": "市政牵头"})
    assert escalated.ready() == ["handle"]
    escalated.finish()


def test_without_a_sub_centre_a_district_case_goes_to_the_city(parsed: ParsedProcess) -> None:
    d = Driver(parsed, level="district", centre=False).filed()
    assert d.ready() == ["dispatch"]


def test_enforcement_cases_run_their_phases_until_the_violation_is_removed(parsed: ParsedProcess) -> None:
    d = Driver(parsed, level="enforcement").filed()
    assert d.ready() == ["enforcement_dispatch"]
    d.do("enforcement_dispatch", {"department_code": "enforcement_650102"})
    d.do("stop_work", {"report": "已责令停工", "resolved": False})
    d.do("penalty", {"report": "已处罚", "resolved": True})
    assert d.ready() == ["check"]
    quick = Driver(parsed, level="enforcement").filed()
    quick.do("enforcement_dispatch", {"department_code": "enforcement_650102"})
    quick.do("stop_work", {"report": "已自行拆除", "resolved": True})
    assert quick.ready() == ["check"]


def test_void_after_filing_needs_approval(parsed: ParsedProcess) -> None:
    d = Driver(parsed).filed()
    d.do("dispatch", {"decision": "void", "void_reason": "不属于城管职责"})
    d.do("approve_void", {"approved": False})
    assert d.ready() == ["dispatch"]
    d.do("dispatch", {"decision": "void", "void_reason": "不属于城管职责"})
    d.do("approve_void", {"approved": True})
    assert d.end() == "voided" and d.status() == "void"


# -- handling and its special paths -------------------------------------------------------

def test_return_approved_resets_the_clock_and_redispatches(parsed: ParsedProcess) -> None:
    d = Driver(parsed).handling()
    d.do("handle", {"outcome": "return", "return_reason": "不属本部门职责"})
    d.do("approve_return", {"approved": False})
    assert d.ready() == ["handle"] and d.records() == ["return_refused"]
    d.do("handle", {"outcome": "return", "return_reason": "不属本部门职责"})
    d.do("approve_return", {"approved": True})
    assert d.ready() == ["dispatch"] and d.records()[-1] == "return"
    assert ("reset_clock", ()) in d.calls
    district = Driver(parsed, level="district").filed()
    district.do("district_dispatch", {"department_code": "D0202"})
    district.do("handle", {"outcome": "return", "return_reason": "不属本部门职责"})
    district.do("approve_return", {"approved": True})
    assert district.ready() == ["district_dispatch"]


def test_extension_and_suspension_paths(parsed: ParsedProcess) -> None:
    d = Driver(parsed).handling()
    d.do("handle", {"outcome": "extend", "extend_amount": 2, "extend_unit": "working_hours", "extend_reason": "设备"})
    d.do("approve_extension", {"approved": True})
    assert d.ready() == ["handle"] and ("extend_deadline", (2, "working_hours")) in d.calls
    d.do("handle", {"outcome": "extend", "extend_amount": 1, "extend_unit": "working_days", "extend_reason": "设备"})
    d.do("approve_extension", {"approved": False})
    d.do("handle", {"outcome": "suspend", "suspend_reason": "冬季"})
    d.do("approve_suspension", {"approved": True})
    assert d.ready() == ["resume"] and ("suspend_clock", ()) in d.calls
    d.do("resume", {})
    assert d.ready() == ["handle"] and ("resume_clock", ()) in d.calls
    d.do("handle", {"outcome": "suspend", "suspend_reason": "资金"})
    d.do("approve_suspension", {"approved": False})
    d.finish()
    assert d.records() == ["extension", "extension_refused", "suspension", "resume", "suspension_refused"]


def test_failed_checks_send_the_case_back_for_rework(parsed: ParsedProcess) -> None:
    d = Driver(parsed).handling()
    for _ in range(3):
        d.do("handle", {"outcome": "done"})
        d.do("check", {"passed": False})
    assert d.records() == ["rework"] * 3 and d.ready() == ["handle"]
    d.finish()


def test_overdue_handling_asks_the_shift_leader_to_urge_while_handling_goes_on(parsed: ParsedProcess) -> None:
    d = Driver(parsed, handle_due=PAST).filed()
    d.do("dispatch", {"department_code": "D0101"})
    assert d.ready() == ["handle", "urge"]
    d.do("urge", {"instruction": "请立即处置"})
    assert d.ready() == ["answer_overdue_urge", "handle"]
    d.do("answer_overdue_urge", {"answer": "下午完成"})
    d.finish()


def test_an_urge_may_arrive_at_any_time_and_is_answered(parsed: ParsedProcess) -> None:
    d = Driver(parsed).handling()
    d.send("urge", {"instruction": "请尽快", "by": "leader"})
    d.send("urge", {"instruction": "再次督办", "by": "shift_leader"})
    assert d.ready() == ["answer_urge", "answer_urge", "handle"]
    assert d.records() == ["urge", "urge"]
    d.do("handle", {"outcome": "done"})
    assert d.ready() == ["answer_urge", "answer_urge", "check"]


# -- forms --------------------------------------------------------------------------------

VALID = {
    "register": [{"decision": "verify"}, {"decision": "void", "void_reason": "重复上报"}],
    "verify": [{"confirmed": True}, {"confirmed": False, "comment": "现场未发现"}],
    "file": [{"decision": "file"}, {"decision": "file", "urgency": "urgent", "filing_condition": "20102-1"}],
    "dispatch": [{"department_code": "D0101"}, {"decision": "void", "void_reason": "不属于城管职责"}],
    "district_dispatch": [{"department_code": "D0101"}, {"decision": "escalate", "escalate_reason": "责任不清"}],
    "handle": [{"outcome": "done"}, {"outcome": "return", "return_reason": "不属本部门职责"},
               {"outcome": "extend", "extend_amount": 2, "extend_unit": "working_hours", "extend_reason": "设备"},
               {"outcome": "suspend", "suspend_reason": "冬季无法施工"}],
    "check": [{"passed": True}, {"passed": False, "comment": "未处置完毕"}],
    "close": [{}, {"comment": "结案存档"}],
    "approve_return": [{"approved": True}], "approve_extension": [{"approved": False}],
    "coordinate": [{"department_code": "roads", "assisting_departments": ["water"], "instruction": "牵头"}],
    "enforcement_phase": [{"report": "已停工", "resolved": False}],
    "answer_urge": [{"answer": "下午完成"}], "urge_message": [{"instruction": "请尽快"}],
}
INVALID = {
    "register": [{}, {"decision": "void"}, {"decision": "maybe"}],
    "verify": [{}, {"confirmed": "yes"}],
    "file": [{}, {"decision": "file", "urgency": "later"}, {"decision": "file", "filing_condition": "garbage"}],
    "dispatch": [{"department_code": 101}, {"decision": "void"}],
    "district_dispatch": [{"decision": "escalate"}],
    "handle": [{}, {"outcome": "return"}, {"outcome": "extend", "extend_amount": 0, "extend_unit": "working_hours",
                                           "extend_reason": "x"}, {"outcome": "suspend"}],
    "check": [{}, {"passed": None}],
    "approve_return": [{}], "coordinate": [{"department_code": "roads"}],
    "answer_urge": [{}], "urge_message": [{"instruction": ""}],
}


@pytest.mark.parametrize("key", sorted(VALID))
def test_form_accepts_its_examples_and_refuses_bad_data(forms: dict[str, Any], key: str) -> None:
    from engine.processes.forms import with_defaults

    schema = forms[key]["schema"]
    validator = jsonschema.Draft202012Validator(schema)
    for data in VALID[key]:
        assert list(validator.iter_errors(with_defaults(schema, data))) == [], data
    for data in INVALID.get(key, []):
        assert list(validator.iter_errors(with_defaults(schema, data))), data


def test_every_form_is_laid_out_and_labelled(forms: dict[str, Any]) -> None:
    for key, doc in forms.items():
        schema = doc["schema"]
        assert doc["title"] and doc["title_en"], key
        assert "additionalProperties" not in schema, key
        assert sorted(doc["ui"]["order"]) == sorted(schema["properties"]), key
        for name, field in schema["properties"].items():
            assert field["title"] and field["x-title-en"], (key, name)
            if field.get("type") == "string" and "oneOf" not in field:
                assert "maxLength" in field, (key, name)
            for option in field.get("oneOf", []):
                assert option["title"] and option["x-title-en"], (key, name, option)


def test_dispatch_forms_ask_for_a_known_department(forms: dict[str, Any]) -> None:
    for key in ("dispatch", "district_dispatch", "enforcement_dispatch", "coordinate"):
        assert forms[key]["schema"]["properties"]["department_code"]["format"] == "department_code", key
