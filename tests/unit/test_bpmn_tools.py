"""The BPMN layout tool: hand-written semantic XML gets a diagram that covers it, keeps it and parses.

New processes are written without diagram interchange; the README pictures and Camunda Modeler
need one, so the tool must cover every element and must never change what the engine runs.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest
from lxml import etree
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

ROOT = Path(__file__).resolve().parents[2]
BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI = "http://www.omg.org/spec/BPMN/20100524/DI"
DC = "http://www.omg.org/spec/DD/20100524/DC"
DI = "http://www.omg.org/spec/DD/20100524/DI"

# Lanes, a parallel split/join, a boundary timer, a multi-instance subprocess, an event
# subprocess and a loop back from the last gateway to the first task; no bpmndi at all.
SAMPLE = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="definitions_layout_sample" targetNamespace="https://szcg.example.org/bpmn">
  <bpmn:process id="layout_sample" name="排版样例" isExecutable="true">
    <bpmn:laneSet id="laneset_layout_sample">
      <bpmn:lane id="lane_operator" name="operator">
        <bpmn:flowNodeRef>start</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>register</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>split</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>notify</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>join</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>review</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>ok</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>done</bpmn:flowNodeRef>
      </bpmn:lane>
      <bpmn:lane id="lane_inspector" name="inspector">
        <bpmn:flowNodeRef>verify</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>verify_late</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>remind</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>checks</bpmn:flowNodeRef>
      </bpmn:lane>
      <bpmn:lane id="lane_shift_leader" name="shift_leader">
        <bpmn:flowNodeRef>urge_sub</bpmn:flowNodeRef>
      </bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="start" name="上报">
      <bpmn:outgoing>f_start</bpmn:outgoing>
    </bpmn:startEvent>
    <bpmn:userTask id="register" name="立案登记">
      <bpmn:incoming>f_start</bpmn:incoming>
      <bpmn:incoming>f_redo</bpmn:incoming>
      <bpmn:outgoing>f_split</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:parallelGateway id="split">
      <bpmn:incoming>f_split</bpmn:incoming>
      <bpmn:outgoing>f_verify</bpmn:outgoing>
      <bpmn:outgoing>f_notify</bpmn:outgoing>
    </bpmn:parallelGateway>
    <bpmn:userTask id="verify" name="现场核实">
      <bpmn:incoming>f_verify</bpmn:incoming>
      <bpmn:outgoing>f_checks</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:boundaryEvent id="verify_late" name="核实超时" cancelActivity="false" attachedToRef="verify">
      <bpmn:outgoing>f_remind</bpmn:outgoing>
      <bpmn:timerEventDefinition id="verify_late_timer">
        <bpmn:timeDuration xsi:type="bpmn:tFormalExpression">"PT2H"</bpmn:timeDuration>
      </bpmn:timerEventDefinition>
    </bpmn:boundaryEvent>
    <bpmn:scriptTask id="remind" name="提醒核实">
      <bpmn:incoming>f_remind</bpmn:incoming>
      <bpmn:outgoing>f_remind_end</bpmn:outgoing>
      <bpmn:script>reminded = True</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:endEvent id="remind_end">
      <bpmn:incoming>f_remind_end</bpmn:incoming>
    </bpmn:endEvent>
    <bpmn:subProcess id="checks" name="逐项复查">
      <bpmn:incoming>f_checks</bpmn:incoming>
      <bpmn:outgoing>f_checks_join</bpmn:outgoing>
      <bpmn:multiInstanceLoopCharacteristics isSequential="false">
        <bpmn:loopCardinality>3</bpmn:loopCardinality>
      </bpmn:multiInstanceLoopCharacteristics>
      <bpmn:startEvent id="check_start">
        <bpmn:outgoing>f_check_1</bpmn:outgoing>
      </bpmn:startEvent>
      <bpmn:scriptTask id="check_item" name="复查一项">
        <bpmn:incoming>f_check_1</bpmn:incoming>
        <bpmn:outgoing>f_check_2</bpmn:outgoing>
        <bpmn:script>checked = True</bpmn:script>
      </bpmn:scriptTask>
      <bpmn:endEvent id="check_end">
        <bpmn:incoming>f_check_2</bpmn:incoming>
      </bpmn:endEvent>
      <bpmn:sequenceFlow id="f_check_1" sourceRef="check_start" targetRef="check_item" />
      <bpmn:sequenceFlow id="f_check_2" sourceRef="check_item" targetRef="check_end" />
    </bpmn:subProcess>
    <bpmn:scriptTask id="notify" name="通知当事人">
      <bpmn:incoming>f_notify</bpmn:incoming>
      <bpmn:outgoing>f_notify_join</bpmn:outgoing>
      <bpmn:script>notified = True</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:parallelGateway id="join">
      <bpmn:incoming>f_checks_join</bpmn:incoming>
      <bpmn:incoming>f_notify_join</bpmn:incoming>
      <bpmn:outgoing>f_review</bpmn:outgoing>
    </bpmn:parallelGateway>
    <bpmn:userTask id="review" name="审核结案">
      <bpmn:incoming>f_review</bpmn:incoming>
      <bpmn:outgoing>f_ok</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:exclusiveGateway id="ok" name="通过？" default="f_done">
      <bpmn:incoming>f_ok</bpmn:incoming>
      <bpmn:outgoing>f_done</bpmn:outgoing>
      <bpmn:outgoing>f_redo</bpmn:outgoing>
    </bpmn:exclusiveGateway>
    <bpmn:endEvent id="done" name="结案">
      <bpmn:incoming>f_done</bpmn:incoming>
    </bpmn:endEvent>
    <bpmn:subProcess id="urge_sub" name="督办（随时）" triggeredByEvent="true">
      <bpmn:startEvent id="urge_start" name="收到督办" isInterrupting="false">
        <bpmn:outgoing>f_urge_1</bpmn:outgoing>
        <bpmn:messageEventDefinition id="urge_message" messageRef="msg_urge" />
      </bpmn:startEvent>
      <bpmn:scriptTask id="urge_record" name="记录督办">
        <bpmn:incoming>f_urge_1</bpmn:incoming>
        <bpmn:outgoing>f_urge_2</bpmn:outgoing>
        <bpmn:script>urged = True</bpmn:script>
      </bpmn:scriptTask>
      <bpmn:endEvent id="urge_end">
        <bpmn:incoming>f_urge_2</bpmn:incoming>
      </bpmn:endEvent>
      <bpmn:sequenceFlow id="f_urge_1" sourceRef="urge_start" targetRef="urge_record" />
      <bpmn:sequenceFlow id="f_urge_2" sourceRef="urge_record" targetRef="urge_end" />
    </bpmn:subProcess>
    <bpmn:sequenceFlow id="f_start" sourceRef="start" targetRef="register" />
    <bpmn:sequenceFlow id="f_split" sourceRef="register" targetRef="split" />
    <bpmn:sequenceFlow id="f_verify" sourceRef="split" targetRef="verify" />
    <bpmn:sequenceFlow id="f_notify" sourceRef="split" targetRef="notify" />
    <bpmn:sequenceFlow id="f_remind" sourceRef="verify_late" targetRef="remind" />
    <bpmn:sequenceFlow id="f_remind_end" sourceRef="remind" targetRef="remind_end" />
    <bpmn:sequenceFlow id="f_checks" sourceRef="verify" targetRef="checks" />
    <bpmn:sequenceFlow id="f_checks_join" sourceRef="checks" targetRef="join" />
    <bpmn:sequenceFlow id="f_notify_join" sourceRef="notify" targetRef="join" />
    <bpmn:sequenceFlow id="f_review" sourceRef="join" targetRef="review" />
    <bpmn:sequenceFlow id="f_ok" sourceRef="review" targetRef="ok" />
    <bpmn:sequenceFlow id="f_done" sourceRef="ok" targetRef="done" />
    <bpmn:sequenceFlow id="f_redo" name="退回" sourceRef="ok" targetRef="register">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">not approved</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
  </bpmn:process>
  <bpmn:message id="msg_urge" name="urge" />
</bpmn:definitions>
"""


def load_script(name: str) -> ModuleType:
    """scripts/ is not a package (nor part of the import graph), so load the file itself."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(name, module)  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def layout() -> ModuleType:
    return load_script("bpmn_layout")


@pytest.fixture
def laid_out(layout: ModuleType, tmp_path: Path) -> tuple[Path, str]:
    path = tmp_path / "layout_sample.bpmn"
    path.write_text(SAMPLE, encoding="utf-8")
    assert layout.main([str(path)]) == 0
    return path, path.read_text(encoding="utf-8")


def bounds(root: etree._Element) -> dict[str, tuple[float, float, float, float]]:
    out = {}
    for shape in root.iter(f"{{{BPMNDI}}}BPMNShape"):
        b = shape.find(f"{{{DC}}}Bounds")
        out[shape.get("bpmnElement")] = tuple(float(b.get(k)) for k in ("x", "y", "width", "height"))
    return out


def test_every_element_has_a_shape_and_every_flow_waypoints(laid_out: tuple[Path, str]) -> None:
    root = etree.fromstring(laid_out[1].encode())
    shapes = bounds(root)
    nodes = [e.get("id") for e in root.iter() if isinstance(e.tag, str) and etree.QName(e).namespace == BPMN
             and etree.QName(e).localname.endswith(("Task", "Event", "Gateway", "subProcess"))]
    lanes = [lane.get("id") for lane in root.iter(f"{{{BPMN}}}lane")]
    assert len(nodes) == 20
    assert set(nodes + lanes + ["participant_layout_sample"]) <= set(shapes)
    edges = {e.get("bpmnElement"): e.findall(f"{{{DI}}}waypoint") for e in root.iter(f"{{{BPMNDI}}}BPMNEdge")}
    flows = [f.get("id") for f in root.iter(f"{{{BPMN}}}sequenceFlow")]
    assert set(flows) == set(edges)
    assert all(len(edges[f]) >= 2 for f in flows)
    expanded = {s.get("bpmnElement") for s in root.iter(f"{{{BPMNDI}}}BPMNShape") if s.get("isExpanded")}
    assert expanded == {"checks", "urge_sub"}


def test_shapes_of_a_lane_lie_inside_its_band(laid_out: tuple[Path, str]) -> None:
    root = etree.fromstring(laid_out[1].encode())
    shapes = bounds(root)
    bands = []
    for lane in root.iter(f"{{{BPMN}}}lane"):
        lx, ly, lw, lh = shapes[lane.get("id")]
        bands.append((ly, ly + lh))
        for ref in lane.iter(f"{{{BPMN}}}flowNodeRef"):
            x, y, w, h = shapes[ref.text]
            assert lx <= x and x + w <= lx + lw and ly <= y and y + h <= ly + lh, ref.text
    assert [b[1] for b in bands[:-1]] == [b[0] for b in bands[1:]]  # stacked in laneSet order


def test_no_two_shapes_of_one_container_overlap(laid_out: tuple[Path, str]) -> None:
    root = etree.fromstring(laid_out[1].encode())
    shapes = bounds(root)
    for container in [*root.iter(f"{{{BPMN}}}process"), *root.iter(f"{{{BPMN}}}subProcess")]:
        ids = [c.get("id") for c in container if isinstance(c.tag, str) and c.get("id") in shapes
               and etree.QName(c).localname != "boundaryEvent"]
        for i, a in enumerate(ids):
            for b in ids[i + 1:]:
                ax, ay, aw, ah = shapes[a]
                bx, by, bw, bh = shapes[b]
                assert ax + aw <= bx or bx + bw <= ax or ay + ah <= by or by + bh <= ay, (a, b)


def test_boundary_event_sits_on_the_bottom_edge_of_its_host(laid_out: tuple[Path, str]) -> None:
    shapes = bounds(etree.fromstring(laid_out[1].encode()))
    hx, hy, hw, hh = shapes["verify"]
    x, y, w, h = shapes["verify_late"]
    assert hx <= x and x + w <= hx + hw and y + h / 2 == hy + hh


def test_semantic_part_is_unchanged_but_for_the_added_pool(laid_out: tuple[Path, str], layout: ModuleType) -> None:
    text = laid_out[1]
    added = re.search(r"<bpmn:collaboration id=\"collaboration_layout_sample\">.*?</bpmn:collaboration>\n  ",
                      text, re.S)
    assert added and 'name="排版样例"' in added.group(0)
    assert layout.strip_di(text).replace(added.group(0), "") == SAMPLE


def test_spiffworkflow_parses_the_same_process(laid_out: tuple[Path, str]) -> None:
    def specs(xml: str) -> set[str]:
        parser = SpiffBpmnParser()
        parser.add_bpmn_str(xml.encode(), "layout_sample.bpmn")
        return set(parser.get_spec("layout_sample").task_specs)

    assert specs(laid_out[1]) == specs(SAMPLE)


def test_check_and_force(laid_out: tuple[Path, str], layout: ModuleType, tmp_path: Path) -> None:
    path, text = laid_out
    assert layout.main([str(path), "--check"]) == 0
    assert layout.main([str(path)]) == 0 and path.read_text(encoding="utf-8") == text  # left alone
    assert layout.main([str(path), "--force"]) == 0 and path.read_text(encoding="utf-8") == text  # stable
    bare = tmp_path / "bare.bpmn"
    bare.write_text(SAMPLE, encoding="utf-8")
    assert layout.main([str(bare), "--check"]) == 1
    partial = tmp_path / "partial.bpmn"
    partial.write_text(re.sub(r"\s*<bpmndi:BPMNEdge id=\"f_redo_di\".*?</bpmndi:BPMNEdge>", "", text, flags=re.S),
                       encoding="utf-8")
    assert layout.main([str(partial), "--check"]) == 1


def test_existing_workflows_keep_a_complete_diagram(layout: ModuleType) -> None:
    for path in sorted((ROOT / "workflows").glob("*.bpmn")):
        assert layout.main([str(path), "--check"]) == 0, path.name


def test_default_namespace_without_lanes_gets_a_pool(layout: ModuleType, tmp_path: Path) -> None:
    """No prefix, no lanes, a call activity and a loop: the DI declares its own prefixes."""
    plain = ('<?xml version="1.0" encoding="UTF-8"?>\n'
             f'<definitions xmlns="{BPMN}" id="d" targetNamespace="x">\n'
             '  <process id="p" name="无泳道" isExecutable="true">\n'
             '    <startEvent id="s"/><callActivity id="c" calledElement="other"/>\n'
             '    <exclusiveGateway id="g"/><task id="t"/><endEvent id="e"/>\n'
             '    <sequenceFlow id="f1" sourceRef="s" targetRef="c"/>\n'
             '    <sequenceFlow id="f2" sourceRef="c" targetRef="g"/>\n'
             '    <sequenceFlow id="f3" sourceRef="g" targetRef="e"/>\n'
             '    <sequenceFlow id="f4" sourceRef="g" targetRef="t"/>\n'
             '    <sequenceFlow id="f5" sourceRef="t" targetRef="c"/>\n'
             '  </process>\n</definitions>\n')
    path = tmp_path / "plain.bpmn"
    path.write_text(plain, encoding="utf-8")
    assert layout.main([str(path)]) == 0 and layout.main([str(path), "--check"]) == 0
    root = etree.fromstring(path.read_bytes())
    assert root.find(f"{{{BPMN}}}collaboration/{{{BPMN}}}participant").get("processRef") == "p"
    shapes = bounds(root)
    assert shapes["c"][2:] == (100.0, 80.0) and shapes["s"][2:] == (36.0, 36.0) and shapes["g"][2:] == (50.0, 50.0)
    assert shapes["c"][0] < shapes["g"][0] < shapes["t"][0]  # the loop back does not move c right
