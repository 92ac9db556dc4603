"""The house rules of the code, checked on its import graph (docs/DEVELOPING.md "What may import what").

Every ``import`` counts, at module level or inside a function: a lazy import only hides a circle
from the interpreter, not from the reader. The graph is read from the source text (``ast``), so
nothing is executed and a new circle or an upward import fails here before it confuses anyone.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("engine", "web", "demo", "bench")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            found[module_name(path)] = path
    return found


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """The modules (ours or third-party top-level names) that the module at ``path`` imports."""
    is_package = path.name == "__init__.py"
    targets: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".") if is_package else name.split(".")[:-1]
                base = base[: len(base) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            for alias in node.names:
                candidate = f"{source}.{alias.name}"
                targets.add(candidate if candidate in known else source)
    return targets


def import_graph() -> dict[str, set[str]]:
    found = modules()
    known = set(found)
    return {name: imports_of(name, path, known) for name, path in found.items()}


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module, or a module importing itself (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0

    def visit(start: str) -> None:
        nonlocal counter
        work = [(start, iter(sorted(graph.get(start, ()))))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1 or node in graph.get(node, ()):
                        found.append(sorted(component))
                continue
            if child not in graph:
                continue
            if child not in index:
                index[child] = low[child] = counter
                counter += 1
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(sorted(graph.get(child, ())))))
            elif child in on_stack:
                low[node] = min(low[node], index[child])

    for name in sorted(graph):
        if name not in index:
            visit(name)
    return found


def offending(graph: dict[str, set[str]], importer: str, imported: tuple[str, ...],
              allowed: tuple[str, ...] = ()) -> list[str]:
    """``importer → target`` edges where ``target`` is under one of ``imported``, unless the importer is allowed."""
    def under(module: str, prefixes: tuple[str, ...]) -> bool:
        return any(module == p or module.startswith(p + ".") for p in prefixes)

    return sorted(f"{src} → {dst}" for src, dsts in graph.items() if under(src, (importer,))
                  and not under(src, allowed) for dst in dsts if under(dst, imported))


def test_the_checker_finds_a_circle_and_an_upward_import() -> None:
    graph = {"engine.a": {"engine.b"}, "engine.b": {"engine.c"}, "engine.c": {"engine.a"}, "engine.d": {"web.x"},
             "web.x": set()}
    assert circles(graph) == [["engine.a", "engine.b", "engine.c"]]
    assert offending(graph, "engine", ("web",)) == ["engine.d → web.x"]
    assert circles({"engine.a": {"engine.a"}}) == [["engine.a"]]


def test_the_graph_is_read_whole() -> None:
    graph = import_graph()
    # a lazy import inside a function counts, and `from package import module` names the module
    assert "engine.cases.steps" in graph["engine.cases.tasks"]
    assert "engine.runtime.workflow" in graph["engine.deps"] or "engine.runtime.workflow" in graph["web.app"]
    assert len(graph) > 100


def test_no_import_circles() -> None:
    assert circles(import_graph()) == []


@pytest.mark.parametrize(("importer", "imported", "allowed"), [
    ("engine", ("web", "demo", "bench", "flask", "flask_babel", "flask_wtf", "werkzeug"), ()),
    ("web", ("SpiffWorkflow", "engine.runtime"), ()),
    ("demo", ("web", "bench"), ()),
    ("web", ("demo", "bench"), ("web.cli",)),
])
def test_layers(importer: str, imported: tuple[str, ...], allowed: tuple[str, ...]) -> None:
    assert offending(import_graph(), importer, imported, allowed) == []


def test_only_the_runtime_imports_spiffworkflow() -> None:
    assert offending(import_graph(), "engine", ("SpiffWorkflow",), ("engine.runtime",)) == []


def process_ids() -> set[str]:
    ids: set[str] = set()
    for path in (ROOT / "workflows").glob("*.bpmn"):
        ids.update(re.findall(r'<(?:bpmn:)?process\b[^>]*\bid="([^"]+)"', path.read_text(encoding="utf-8")))
    return ids


def table_values() -> set[str]:
    """String values the decision tables output other than a process key (a routing level, a department)."""
    values: set[str] = set()
    for path in (ROOT / "workflows").glob("*.dmn"):
        text = path.read_text(encoding="utf-8")
        names = re.findall(r'<output\b[^>]*\bname="([^"]+)"', text)
        for rule in re.findall(r"<rule\b.*?</rule>", text, re.S):
            cells = re.findall(r"<outputEntry[^>]*>\s*<text>([^<]*)</text>", rule)
            for name, cell in zip(names, cells, strict=False):
                if name != "process_key":
                    values.update(re.findall(r'"([\w-]+)"', cell))
    return values


def test_no_python_module_names_a_bpmn_process() -> None:
    """Which process a report starts is data; a process id in Python would tie the code to one diagram.

    A word that is also a value the decision tables output (``enforcement`` is a routing level as well
    as the enforcement sub-centre's process) names that value, not the process, and is not counted.
    """
    ids = process_ids() - table_values()
    assert "case_lifecycle" in ids
    named = []
    for name, path in modules().items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and node.value in ids:
                named.append(f"{name}:{node.lineno} {node.value!r}")
    assert named == []
