"""The order of a process's stages, read from its diagram: what the inbox counts and the big screen show.

A process declares its stages on its user tasks (``stage``); their order is the order a case meets them,
which is a property of the flows, not of the XML. It is the *longest* way from the start along the
sequence flows, with loops back (a rework, a return) cut: the longest way keeps handle before check
although a special path (enforcement) reaches check sooner. Embedded subprocesses and called processes
are walked in place; boundary events follow the activity they are attached to (a subprocess's after its
inside, which is where an escalation to its boundary comes from); event subprocesses (an urge from a
leader) come after the main flow.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from lxml import etree

_SUBPROCESSES = ("subProcess", "transaction")


def stage_order(processes: dict[str, Any], key: str, stage_of: dict[str, str]) -> list[str]:
    """Stages of process ``key`` in the order a case meets them.

    ``processes`` maps process ids to their ``bpmn:process`` elements (for call activities);
    ``stage_of`` maps user task ids to their stage.
    """
    graph = _FlowGraph(processes, stage_of)
    starts, _ends = graph.container(processes[key], "", frozenset({key}))
    ranks = graph.ranks(starts)
    for roots in graph.event_roots:
        offset = max(ranks.values(), default=0) + 1
        for node, rank in graph.ranks(roots).items():
            ranks.setdefault(node, rank + offset)
    best: dict[str, tuple[int, int]] = {}
    for node, stage in graph.stage_at.items():
        if node in ranks:
            place = (ranks[node], graph.found[node])
            best[stage] = min(best.get(stage, place), place)
    return sorted(best, key=best.__getitem__)


class _FlowGraph:
    """Flow nodes of a process, its subprocesses and called processes flattened into one graph."""

    def __init__(self, processes: dict[str, Any], stage_of: dict[str, str]) -> None:
        self.processes, self.stage_of = processes, stage_of
        self.edges: dict[str, list[str]] = defaultdict(list)
        self.stage_at: dict[str, str] = {}
        self.found: dict[str, int] = {}  # discovery order: the tie-break between equal ranks
        self.composite: set[str] = set()
        self.event_roots: list[list[str]] = []

    def _node(self, node: str) -> str:
        self.found.setdefault(node, len(self.found))
        return node

    def _edge(self, source: str, target: str) -> None:
        self.edges[self._node(source)].append(self._node(target))

    def container(self, element: Any, prefix: str, called: frozenset[str]) -> tuple[list[str], list[str]]:
        """Add a process's or subprocess's nodes; return its start and end nodes."""
        starts: list[str] = []
        ends: list[str] = []
        children = [c for c in element if isinstance(c.tag, str) and c.get("id")]
        for child in children:  # nodes first: a flow may leave a subprocess defined after it
            local, node = etree.QName(child).localname, prefix + child.get("id")
            if local == "startEvent":
                starts.append(self._node(node))
            elif local == "endEvent":
                ends.append(self._node(node))
            elif local == "userTask" and child.get("id") in self.stage_of:
                self.stage_at[self._node(node)] = self.stage_of[child.get("id")]
            elif local in _SUBPROCESSES and child.get("triggeredByEvent") == "true":
                self.event_roots.append(self.container(child, prefix, called)[0])
            elif local in _SUBPROCESSES:
                self._inline(node, *self.container(child, prefix, called))
            elif local == "callActivity" and child.get("calledElement") in self.processes \
                    and child.get("calledElement") not in called:
                name = child.get("calledElement")
                self._inline(node, *self.container(self.processes[name], f"{prefix}{name}:", called | {name}))
        for child in children:
            local = etree.QName(child).localname
            if local == "sequenceFlow":
                self._edge(self._exit(prefix + child.get("sourceRef")), prefix + child.get("targetRef"))
            elif local == "boundaryEvent":
                # on a subprocess, after its inside: an escalation from within (under control) ends it
                self._edge(self._exit(prefix + child.get("attachedToRef")), prefix + child.get("id"))
        return starts, ends

    def _inline(self, node: str, starts: list[str], ends: list[str]) -> None:
        """A subprocess or call activity: its start events follow it, its ends lead out of it."""
        self.composite.add(node)
        for start in starts:
            self._edge(node, start)
        for end in ends:
            self._edge(end, node + "#exit")

    def _exit(self, node: str) -> str:
        return node + "#exit" if node in self.composite else node

    def ranks(self, roots: list[str]) -> dict[str, int]:
        """Longest distance from ``roots`` of every node they reach, edges back onto the path cut."""
        forward: dict[str, list[str]] = defaultdict(list)
        state: dict[str, int] = {}  # 1 on the current path, 2 done
        for root in roots:
            if root in state:
                continue
            state[root] = 1
            stack = [(root, iter(self.edges.get(root, ())))]
            while stack:
                node, successors = stack[-1]
                nxt = next(successors, None)
                if nxt is None:
                    state[node] = 2
                    stack.pop()
                elif state.get(nxt) != 1:  # an edge onto the current path is a loop back: cut
                    forward[node].append(nxt)
                    if nxt not in state:
                        state[nxt] = 1
                        stack.append((nxt, iter(self.edges.get(nxt, ()))))
        indegree: dict[str, int] = defaultdict(int)
        for targets in forward.values():
            for target in targets:
                indegree[target] += 1
        rank = {node: 0 for node in state}
        ready = [node for node in state if indegree[node] == 0]
        while ready:
            node = ready.pop()
            for target in forward.get(node, ()):
                rank[target] = max(rank[target], rank[node] + 1)
                indegree[target] -= 1
                if indegree[target] == 0:
                    ready.append(target)
        return rank
