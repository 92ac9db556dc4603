"""Generate the diagram interchange (bpmndi) of a BPMN file written as semantic XML only.

Process designers open our BPMN files in Camunda Modeler / bpmn.io and the README shows a
picture of each process; both need shapes and edges, which hand-written XML lacks. This tool
lays the process out (pool, one band per lane, columns by longest path from the start) and
splices a fresh ``bpmndi:BPMNDiagram`` into the file. It edits the text, not a re-serialised
tree, so every byte of the semantic part stays as the author wrote it.

    python scripts/bpmn_layout.py FILE.bpmn [--check] [--force]
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import quoteattr

from lxml import etree

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI = "http://www.omg.org/spec/BPMN/20100524/DI"
DC = "http://www.omg.org/spec/DD/20100524/DC"
DI = "http://www.omg.org/spec/DD/20100524/DI"

EVENTS = {"startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent"}
GATEWAYS = {"exclusiveGateway", "parallelGateway", "inclusiveGateway", "eventBasedGateway",
            "complexGateway"}
ACTIVITIES = {"task", "userTask", "scriptTask", "serviceTask", "manualTask", "businessRuleTask",
              "sendTask", "receiveTask", "callActivity"}
CONTAINERS = {"subProcess", "transaction", "adHocSubProcess"}
FLOW_NODES = EVENTS | GATEWAYS | ACTIVITIES | CONTAINERS

TASK, EVENT, GATEWAY = (100.0, 80.0), (36.0, 36.0), (50.0, 50.0)
COL_GAP, ROW_GAP = 60.0, 70.0          # room between columns / stacked rows (labels, boundary flows)
BAND_PAD, SUB_PAD = 50.0, 30.0         # padding inside a lane band / an expanded subprocess
POOL_HEADER, LANE_HEADER = 30.0, 30.0
ORIGIN_X, ORIGIN_Y = 100.0, 60.0
LOOP_CLEARANCE = 22.0


@dataclass
class Box:
    """A placed shape: top-left corner and size, in diagram pixels."""

    x: float
    y: float
    w: float
    h: float

    @property
    def right(self) -> float:
        return self.x + self.w

    @property
    def bottom(self) -> float:
        return self.y + self.h

    @property
    def cy(self) -> float:
        return self.y + self.h / 2

    @property
    def cx(self) -> float:
        return self.x + self.w / 2

    def shifted(self, dx: float, dy: float) -> Box:
        return Box(self.x + dx, self.y + dy, self.w, self.h)


@dataclass
class Layout:
    """Shapes and edges of one container, relative to its own top-left corner."""

    w: float = 0.0
    h: float = 0.0
    shapes: dict[str, Box] = field(default_factory=dict)
    expanded: set[str] = field(default_factory=set)
    edges: dict[str, list[tuple[float, float]]] = field(default_factory=dict)
    labels: dict[str, Box] = field(default_factory=dict)
    gap_x: dict[str, float] = field(default_factory=dict)   # middle of the gap left of a node's column

    def absorb(self, other: Layout, dx: float, dy: float) -> None:
        """Copy a child container's shapes and edges, moved by (dx, dy), into this layout."""
        for key, box in other.shapes.items():
            self.shapes[key] = box.shifted(dx, dy)
        for key, points in other.edges.items():
            self.edges[key] = [(x + dx, y + dy) for x, y in points]
        self.expanded |= other.expanded
        for key, box in other.labels.items():
            self.labels[key] = box.shifted(dx, dy)
        for key, x in other.gap_x.items():
            self.gap_x[key] = x + dx


def local(el: etree._Element) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def bpmn_children(el: etree._Element, names: set[str]) -> list[etree._Element]:
    return [c for c in el if isinstance(c.tag, str) and etree.QName(c).namespace == BPMN
            and local(c) in names]


def is_event_subprocess(el: etree._Element) -> bool:
    return local(el) in CONTAINERS and el.get("triggeredByEvent") == "true"


# ---------------------------------------------------------------- ranking


class Graph:
    """The flow nodes of one container with its sequence flows; boundary events ride on their host.

    Flows leaving a boundary event count as leaving the activity it is attached to, so the
    target lands one column to the right of the host.
    """

    def __init__(self, container: etree._Element) -> None:
        nodes = bpmn_children(container, FLOW_NODES)
        self.boundaries = [n for n in nodes if local(n) == "boundaryEvent"]
        self.event_subs = [n for n in nodes if is_event_subprocess(n)]
        skip = {id(n) for n in self.boundaries + self.event_subs}
        self.nodes = [n for n in nodes if id(n) not in skip]
        self.by_id = {n.get("id"): n for n in nodes}
        self.host = {b.get("id"): b.get("attachedToRef") for b in self.boundaries}
        self.flows = bpmn_children(container, {"sequenceFlow"})
        self.succ: dict[str, list[str]] = defaultdict(list)
        for flow in self.flows:
            src, tgt = self.host.get(flow.get("sourceRef"), flow.get("sourceRef")), flow.get("targetRef")
            if src in self.by_id and tgt in self.by_id and tgt not in self.host:
                self.succ[src].append(tgt)

    def order(self) -> list[str]:
        return [n.get("id") for n in self.nodes]

    def roots(self) -> list[str]:
        targets = {t for ts in self.succ.values() for t in ts}
        starts = [i for i in self.order() if local(self.by_id[i]) == "startEvent"]
        return starts + [i for i in self.order() if i not in targets and i not in starts]

    def forward_edges(self) -> set[tuple[str, str]]:
        """Edges that do not close a loop: a DFS from the roots drops every edge into the stack."""
        forward: set[tuple[str, str]] = set()
        state: dict[str, int] = {}
        for root in self.roots() + self.order():
            if root in state:
                continue
            stack = [(root, iter(self.succ[root]))]
            state[root] = 1
            while stack:
                node, it = stack[-1]
                nxt = next(it, None)
                if nxt is None:
                    state[node] = 2
                    stack.pop()
                elif state.get(nxt) != 1:
                    forward.add((node, nxt))
                    if nxt not in state:
                        state[nxt] = 1
                        stack.append((nxt, iter(self.succ[nxt])))
        return forward

    def ranks(self) -> dict[str, int]:
        """Longest-path column of every node, loops cut (Kahn's order over forward edges)."""
        forward = self.forward_edges()
        indeg = {i: 0 for i in self.order()}
        for _, t in forward:
            indeg[t] += 1
        rank = {i: 0 for i in self.order()}
        ready = [i for i in self.order() if indeg[i] == 0]
        while ready:
            node = ready.pop(0)
            for s, t in sorted(forward, key=lambda e: self.order().index(e[1])):
                if s == node:
                    rank[t] = max(rank[t], rank[s] + 1)
                    indeg[t] -= 1
                    if indeg[t] == 0:
                        ready.append(t)
        return rank


# ---------------------------------------------------------------- placing


def node_size(el: etree._Element, inner: dict[str, Layout]) -> tuple[float, float]:
    name = local(el)
    if el.get("id") in inner:
        lay = inner[el.get("id")]
        return max(lay.w, TASK[0]), max(lay.h, TASK[1])
    if name in EVENTS:
        return EVENT
    if name in GATEWAYS:
        return GATEWAY
    return TASK


def layout_container(container: etree._Element, lanes: list[tuple[str, set[str]]],
                     pad: float = BAND_PAD) -> tuple[Layout, list[float]]:
    """Lay out one process or subprocess; returns the layout and the lane band heights.

    ``lanes`` lists (lane id, ids of its flow nodes); a subprocess gets a single anonymous band.
    """
    graph = Graph(container)
    inner = {n.get("id"): layout_subprocess(n) for n in graph.nodes + graph.event_subs
             if local(n) in CONTAINERS}
    sizes = {i: node_size(graph.by_id[i], inner) for i in graph.order()}
    band_of = assign_bands(graph, lanes)
    rank = graph.ranks()
    cells = fill_cells(graph, rank, band_of)
    col_w = column_widths(rank, sizes)
    col_x = column_positions(col_w, pad)
    lay = Layout()
    heights = place_bands(lay, cells, sizes, (col_x, col_w), (len(lanes), pad), inner)
    place_event_subs(lay, graph, band_of, heights, inner, pad)
    grow_empty_bands(lay, heights, pad)
    place_boundaries(lay, graph)
    lay.w = max([b.right for b in lay.shapes.values()], default=0.0) + pad
    lay.h = sum(heights)
    route_all(lay, graph)
    return lay, heights


def layout_subprocess(sub: etree._Element) -> Layout:
    """An expanded subprocess: its children laid out in one band, padded, sized to content."""
    lay, _ = layout_container(sub, [("", set())], SUB_PAD)
    lay.expanded.add(sub.get("id"))
    if not Graph(sub).nodes:
        lay.w, lay.h = 2 * TASK[0], 2 * TASK[1]
    return lay


def assign_bands(graph: Graph, lanes: list[tuple[str, set[str]]]) -> dict[str, int]:
    """Band of every node: its lane, else its subprocess children's lane, else its predecessor's."""
    band_of: dict[str, int] = {}
    for node_id in graph.order() + [e.get("id") for e in graph.event_subs]:
        el = graph.by_id[node_id]
        refs = [node_id] + [d.get("id") for d in el.iter() if isinstance(d.tag, str) and d.get("id")]
        for ref in refs:
            hits = [k for k, (_, members) in enumerate(lanes) if ref in members]
            if hits:
                band_of[node_id] = hits[0]
                break
    preds = {t: s for s, ts in graph.succ.items() for t in ts}
    for node_id in graph.order():
        seen = set()
        cur = node_id
        while cur not in band_of and cur in preds and cur not in seen:
            seen.add(cur)
            cur = preds[cur]
        band_of.setdefault(node_id, band_of.get(cur, 0))
    for sub in graph.event_subs:
        band_of.setdefault(sub.get("id"), len(lanes) - 1)
    return band_of


Cells = dict[tuple[int, int], list[tuple[int, str]]]


def fill_cells(graph: Graph, rank: dict[str, int], band_of: dict[str, int]) -> Cells:
    """(row, node) pairs of every (band, column), rows counted from the band's top.

    A node takes the row of its first predecessor in the same band when that row is free, so a
    chain stays on one line; a boundary event's target goes one row below its host.
    """
    cells: Cells = defaultdict(list)
    slot: dict[str, int] = {}
    preds: dict[str, list[str]] = defaultdict(list)
    for flow in graph.flows:
        src, tgt = flow.get("sourceRef"), flow.get("targetRef")
        if tgt in graph.by_id and tgt not in graph.host:
            preds[tgt].append(src)
    order = graph.order()
    for node_id in sorted(order, key=lambda i: (rank[i], order.index(i))):
        wanted = [slot[graph.host.get(p, p)] + (1 if p in graph.host else 0) for p in preds[node_id]
                  if graph.host.get(p, p) in slot and band_of[graph.host.get(p, p)] == band_of[node_id]]
        key = (band_of[node_id], rank[node_id])
        taken = {k for k, _ in cells[key]}
        row = min(wanted) if wanted else 0
        while row in taken:
            row += 1
        slot[node_id] = row
        cells[key].append((row, node_id))
    return cells


def column_widths(rank: dict[str, int], sizes: dict[str, tuple[float, float]]) -> list[float]:
    cols = max(rank.values(), default=-1) + 1
    widths = [EVENT[0]] * cols
    for node_id, col in rank.items():
        widths[col] = max(widths[col], sizes[node_id][0])
    return widths


def column_positions(widths: list[float], pad: float) -> list[float]:
    xs, x = [], pad
    for w in widths:
        xs.append(x)
        x += w + COL_GAP
    return xs


def place_bands(lay: Layout, cells: Cells,
                sizes: dict[str, tuple[float, float]], columns: tuple[list[float], list[float]],
                bands_pad: tuple[int, float], inner: dict[str, Layout]) -> list[float]:
    """Stack each band's cells in rows shared across the band, so chains run on one line."""
    heights: list[float] = []
    top = 0.0
    col_x, col_w = columns
    bands, pad = bands_pad
    for band in range(bands):
        rows: dict[int, float] = defaultdict(float)
        for (b, _), items in cells.items():
            for k, node_id in items if b == band else []:
                rows[k] = max(rows[k], sizes[node_id][1])
        row_y, y = {}, top + pad
        for k in range(max(rows, default=-1) + 1):
            row_y[k] = y
            y += rows.get(k, 0.0) + ROW_GAP
        for (b, col), items in cells.items():
            for k, node_id in items if b == band else []:
                w, h = sizes[node_id]
                box = Box(col_x[col] + (col_w[col] - w) / 2, row_y[k] + (rows[k] - h) / 2, w, h)
                lay.shapes[node_id] = box
                lay.gap_x[node_id] = col_x[col] - COL_GAP / 2
                if node_id in inner:
                    lay.absorb(inner[node_id], box.x, box.y)
        heights.append((y - ROW_GAP + pad - top) if rows else 0.0)
        top += heights[-1]
    return heights


def place_event_subs(lay: Layout, graph: Graph, band_of: dict[str, int], heights: list[float],
                     inner: dict[str, Layout], pad: float) -> None:
    """Event subprocesses go expanded in a row under the flow of their band, which grows to hold them.

    Runs before boundary events and edges are placed, so only node shapes need to move down.
    """
    by_band: dict[int, list[str]] = defaultdict(list)
    for sub in graph.event_subs:
        by_band[band_of[sub.get("id")]].append(sub.get("id"))
    for band in sorted(by_band, reverse=True):
        subs = by_band[band]
        bottom = sum(heights[:band + 1])
        lead = 0.0 if heights[band] else pad
        grow = max(inner[s].h for s in subs) + pad + lead
        for key, other in list(lay.shapes.items()):
            if other.y >= bottom:
                lay.shapes[key] = other.shifted(0, grow)
        heights[band] += grow
        x = pad
        for sub_id in subs:
            box = Box(x, bottom + lead, inner[sub_id].w, inner[sub_id].h)
            lay.shapes[sub_id] = box
            lay.absorb(inner[sub_id], box.x, box.y)
            x = box.right + COL_GAP


def grow_empty_bands(lay: Layout, heights: list[float], pad: float) -> None:
    """A lane with nothing in it still gets a band tall enough to read its name."""
    bottom = 0.0
    for band, height in enumerate(heights):
        bottom += height
        if height < TASK[1] + 2 * pad:
            grow = TASK[1] + 2 * pad - height
            for key, other in list(lay.shapes.items()):
                if other.y >= bottom:
                    lay.shapes[key] = other.shifted(0, grow)
            heights[band] += grow
            bottom += grow


def is_inside(inner: Box, outer: Box) -> bool:
    return inner.x >= outer.x and inner.y >= outer.y and inner.right <= outer.right and inner.bottom <= outer.bottom


def place_boundaries(lay: Layout, graph: Graph) -> None:
    """Boundary events sit on the bottom edge of their host, right to left."""
    count: dict[str, int] = defaultdict(int)
    for event in graph.boundaries:
        host = lay.shapes.get(event.get("attachedToRef", ""))
        if host is None:
            continue
        k = count[event.get("attachedToRef")]
        count[event.get("attachedToRef")] += 1
        x = host.right - EVENT[0] - 12 - k * (EVENT[0] + 10)
        box = Box(max(x, host.x), host.bottom - EVENT[1] / 2, *EVENT)
        lay.shapes[event.get("id")] = box
        if event.get("name"):
            # to the right, clear of the flow that leaves the event downward
            lay.labels[event.get("id")] = Box(box.right + 2, box.bottom - 8, 14.0 * len(event.get("name")), 14.0)


# ---------------------------------------------------------------- routing


def route_all(lay: Layout, graph: Graph) -> None:
    for flow in graph.flows:
        src, tgt = lay.shapes.get(flow.get("sourceRef", "")), lay.shapes.get(flow.get("targetRef", ""))
        if src is None or tgt is None:
            continue
        if flow.get("sourceRef") in graph.host:
            lay.edges[flow.get("id")] = route_down(src, tgt)
        else:
            mid = lay.gap_x.get(flow.get("targetRef", ""), tgt.x - COL_GAP / 2)
            lay.edges[flow.get("id")] = route(src, tgt, max(mid, src.right + 5))


def route(src: Box, tgt: Box, mid: float) -> list[tuple[float, float]]:
    """Right-middle to left-middle with bends in the gap before the target; loops go over the top."""
    sx, sy, tx, ty = src.right, src.cy, tgt.x, tgt.cy
    if tx > sx:
        if abs(sy - ty) < 1:
            return [(sx, sy), (tx, ty)]
        return [(sx, sy), (mid, sy), (mid, ty), (tx, ty)]
    channel = min(src.y, tgt.y) - LOOP_CLEARANCE
    return [(src.cx, src.y), (src.cx, channel), (tgt.cx, channel), (tgt.cx, tgt.y)]


def route_down(src: Box, tgt: Box) -> list[tuple[float, float]]:
    """From a boundary event's bottom, down then right into the target (or around to its left)."""
    sx, sy = src.cx, src.bottom
    if tgt.cy > sy + 5 and tgt.x > sx:
        return [(sx, sy), (sx, tgt.cy), (tgt.x, tgt.cy)]
    drop = max(sy, tgt.bottom) + LOOP_CLEARANCE
    back = tgt.x - COL_GAP / 3
    return [(sx, sy), (sx, drop), (back, drop), (back, tgt.cy), (tgt.x, tgt.cy)]



# ---------------------------------------------------------------- the file


def process_lanes(process: etree._Element) -> list[tuple[str, str, set[str]]]:
    """(id, name, member ids) of the process's lanes in laneSet order; nested lane sets flattened."""
    lanes = []
    for lane in process.iterfind(f"{{{BPMN}}}laneSet/{{{BPMN}}}lane"):
        refs = {r.text.strip() for r in lane.iterfind(f"{{{BPMN}}}flowNodeRef") if r.text}
        lanes.append((lane.get("id"), lane.get("name", ""), refs))
    return lanes


def layout_process(process: etree._Element, top: float) -> tuple[Layout, list[tuple[str, Box]], Box]:
    """A whole process in its pool: returns shapes/edges, lane boxes and the pool box."""
    lanes = process_lanes(process)
    bands = [(lid, refs) for lid, _, refs in lanes] or [("", set())]
    lay, heights = layout_container(process, bands)
    left = ORIGIN_X + POOL_HEADER + (LANE_HEADER if lanes else 0)
    width = max(lay.w, 600.0)
    out = Layout()
    out.absorb(lay, left, top)
    lane_boxes, y = [], top
    for (lid, _, _), h in zip(lanes, heights[:len(lanes)], strict=True):
        lane_boxes.append((lid, Box(ORIGIN_X + POOL_HEADER, y, width + LANE_HEADER, h)))
        y += h
    pool = Box(ORIGIN_X, top, width + POOL_HEADER + (LANE_HEADER if lanes else 0), sum(heights))
    return out, lane_boxes, pool


def all_flow_ids(process: etree._Element) -> tuple[set[str], set[str]]:
    nodes = {e.get("id") for e in process.iter() if isinstance(e.tag, str)
             and etree.QName(e).namespace == BPMN and local(e) in FLOW_NODES}
    flows = {e.get("id") for e in process.iter(f"{{{BPMN}}}sequenceFlow")}
    return nodes, flows


def di_elements(root: etree._Element) -> tuple[set[str], set[str]]:
    """Ids that have a BPMNShape / BPMNEdge in the file's existing DI."""
    shapes = {s.get("bpmnElement") for s in root.iter(f"{{{BPMNDI}}}BPMNShape")}
    edges = {s.get("bpmnElement") for s in root.iter(f"{{{BPMNDI}}}BPMNEdge")}
    return shapes, edges


def missing_di(root: etree._Element) -> list[str]:
    shapes, edges = di_elements(root)
    missing: list[str] = []
    for process in root.iterfind(f"{{{BPMN}}}process"):
        nodes, flows = all_flow_ids(process)
        missing += sorted(nodes - shapes) + sorted(flows - edges)
    return missing


class Writer:
    """Emits DI markup with the prefixes the file already declares (or declares its own)."""

    def __init__(self, root: etree._Element) -> None:
        reverse = {uri: prefix for prefix, uri in root.nsmap.items() if prefix}
        self.decls = ""
        self.p: dict[str, str] = {}
        for uri, default in ((BPMNDI, "bpmndi"), (DC, "dc"), (DI, "di")):
            if uri in reverse:
                self.p[uri] = reverse[uri]
            else:
                self.p[uri] = default
                self.decls += f" xmlns:{default}={quoteattr(uri)}"
        self.lines: list[str] = []

    def tag(self, uri: str, name: str) -> str:
        return f"{self.p[uri]}:{name}"

    def shape(self, element: str, box: Box, *, horizontal: bool = False, expanded: bool = False,
              label: Box | None = None) -> None:
        attrs = f' id={quoteattr(element + "_di")} bpmnElement={quoteattr(element)}'
        if horizontal:
            attrs += ' isHorizontal="true"'
        if expanded:
            attrs += ' isExpanded="true"'
        bounds = f'x="{box.x:.0f}" y="{box.y:.0f}" width="{box.w:.0f}" height="{box.h:.0f}"'
        self.lines += [f"      <{self.tag(BPMNDI, 'BPMNShape')}{attrs}>",
                       f"        <{self.tag(DC, 'Bounds')} {bounds} />"]
        if label is not None:
            self.lines += [f"        <{self.tag(BPMNDI, 'BPMNLabel')}>",
                           f'          <{self.tag(DC, "Bounds")} x="{label.x:.0f}" y="{label.y:.0f}" '
                           f'width="{label.w:.0f}" height="{label.h:.0f}" />',
                           f"        </{self.tag(BPMNDI, 'BPMNLabel')}>"]
        self.lines.append(f"      </{self.tag(BPMNDI, 'BPMNShape')}>")

    def edge(self, element: str, points: list[tuple[float, float]]) -> None:
        self.lines.append(f"      <{self.tag(BPMNDI, 'BPMNEdge')} id={quoteattr(element + '_di')} "
                          f"bpmnElement={quoteattr(element)}>")
        self.lines += [f'        <{self.tag(DI, "waypoint")} x="{x:.0f}" y="{y:.0f}" />' for x, y in points]
        self.lines.append(f"      </{self.tag(BPMNDI, 'BPMNEdge')}>")

    def diagram(self, plane_for: str) -> str:
        head = (f"  <{self.tag(BPMNDI, 'BPMNDiagram')} id={quoteattr('diagram_' + plane_for)}{self.decls}>\n"
                f"    <{self.tag(BPMNDI, 'BPMNPlane')} id={quoteattr('plane_' + plane_for)} "
                f"bpmnElement={quoteattr(plane_for)}>\n")
        tail = f"\n    </{self.tag(BPMNDI, 'BPMNPlane')}>\n  </{self.tag(BPMNDI, 'BPMNDiagram')}>\n"
        return head + "\n".join(self.lines) + tail


def build_di(root: etree._Element, collaboration_id: str, participants: dict[str, str]) -> str:
    """The whole BPMNDiagram: one pool per process, stacked top to bottom."""
    writer = Writer(root)
    top = ORIGIN_Y
    for process in root.iterfind(f"{{{BPMN}}}process"):
        lay, lanes, pool = layout_process(process, top)
        writer.shape(participants[process.get("id")], pool, horizontal=True)
        for lane_id, box in lanes:
            writer.shape(lane_id, box, horizontal=True)
        for element, box in lay.shapes.items():
            writer.shape(element, box, expanded=element in lay.expanded, label=lay.labels.get(element))
        for element, points in lay.edges.items():
            writer.edge(element, points)
        top = pool.bottom + 60
    return writer.diagram(collaboration_id)


def prefix_of(root: etree._Element) -> str:
    return f"{root.prefix}:" if root.prefix else ""


def ensure_collaboration(text: str, root: etree._Element) -> tuple[str, str, dict[str, str]]:
    """Add a pool (participant) for each process that has none, so lanes render inside it."""
    pre = prefix_of(root)
    collab = root.find(f"{{{BPMN}}}collaboration")
    have = {} if collab is None else {p.get("processRef"): p.get("id")
                                     for p in collab.iterfind(f"{{{BPMN}}}participant")}
    new = []
    for process in root.iterfind(f"{{{BPMN}}}process"):
        pid = process.get("id")
        if pid not in have:
            have[pid] = f"participant_{pid}"
            name = process.get("name", pid)
            new.append(f'<{pre}participant id={quoteattr(have[pid])} name={quoteattr(name)} '
                       f'processRef={quoteattr(pid)} />')
    if not new:
        return text, collab.get("id"), have
    if collab is None:
        first = root.find(f"{{{BPMN}}}process").get("id")
        collab_id = f"collaboration_{first}"
        block = (f"<{pre}collaboration id={quoteattr(collab_id)}>\n    " + "\n    ".join(new)
                 + f"\n  </{pre}collaboration>\n  ")
        at = re.search(rf"<{re.escape(pre)}process\b", text).start()
        return text[:at] + block + text[at:], collab_id, have
    close = re.search(rf"(</{re.escape(pre)}collaboration>|<{re.escape(pre)}collaboration\b[^>]*?/>)", text)
    if close.group(0).endswith("/>"):
        opened = close.group(0)[:-2].rstrip() + ">"
        block = opened + "\n    " + "\n    ".join(new) + f"\n  </{pre}collaboration>"
        return text[:close.start()] + block + text[close.end():], collab.get("id"), have
    block = "  " + "\n    ".join(new) + "\n  "
    return text[:close.start()] + block + text[close.start():], collab.get("id"), have


DIAGRAM_RE = re.compile(r"[ \t]*<(?P<p>[\w.-]+:)?BPMNDiagram\b.*?</(?P=p)?BPMNDiagram>[ \t]*\n?", re.S)


def strip_di(text: str) -> str:
    return DIAGRAM_RE.sub("", text)


def relayout(text: str) -> str:
    """The file's text with a fresh DI section (and a pool added where the process had none)."""
    body = strip_di(text)
    root = etree.fromstring(body.encode("utf-8"))
    body, collab_id, participants = ensure_collaboration(body, root)
    root = etree.fromstring(body.encode("utf-8"))
    di = build_di(root, collab_id, participants)
    close = body.rfind("</")
    return body[:close] + di + body[close:]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--check", action="store_true", help="exit 1 if DI is missing or incomplete")
    parser.add_argument("--force", action="store_true", help="re-layout even when the DI is complete")
    args = parser.parse_args(argv)
    text = args.file.read_text(encoding="utf-8")
    missing = missing_di(etree.fromstring(text.encode("utf-8")))
    if args.check:
        if missing:
            print(f"{args.file}: no diagram for {', '.join(missing)}", file=sys.stderr)
            return 1
        return 0
    if not missing and not args.force:
        print(f"{args.file}: diagram complete, left alone (--force to re-layout)")
        return 0
    args.file.write_text(relayout(text), encoding="utf-8")
    print(f"{args.file}: diagram written")
    return 0


if __name__ == "__main__":
    sys.exit(main())

