"""Decision tables (DMN) as szcg reads and runs them: parsed once, evaluated in the sandbox.

City administrators edit routing and time-limit tables in dmn-js / Camunda Modeler, so a table
arrives as DMN XML. This module is the SpiffWorkflow-facing half: it turns the XML into a plain
:class:`DecisionTable` (with line numbers for every rule, so problems can be shown to the
person who edited it) and evaluates it. :mod:`engine.rules.checks` decides whether a table is
acceptable.

Cell semantics are SpiffWorkflow 3.2.0's (SPIFFWORKFLOW_NOTES §4): cells are Python, ``-`` or
an empty cell means "any", ``?`` stands for the column's input value (``?.startswith("03")``),
a cell that is an expression on its own is compared with ``==`` (``"0101"``), and a cell that
is not (``< 5``, ``not in ("a", "b")``) is appended to the input. Two deliberate differences:
cell text is stripped and a space is put between the input and an operator cell, so
``in ("a", "b")`` works (SpiffWorkflow builds ``kindin (...)`` and fails); and an empty output
cell gives ``None`` (SpiffWorkflow gives ``""``).

Why not call SpiffWorkflow's ``DMNEngine`` per evaluation: through the sandbox it costs about
25–30 µs per rule tried (it re-parses cells with ``ast`` and enters the sandbox once per cell
on every call), so 1.3–1.6 ms to reach the catch-all of the shipped tables. Instead the whole
table is compiled once into one sandboxed expression that returns the number of the first
matching rule, and the outputs of that rule are a second one: 11 µs (first rule) to ~60 µs
(catch-all of 60 rules). Every cell still runs in :class:`SandboxEnvironment`, never in
SpiffWorkflow's default ``eval``. SpiffWorkflow's own parsed table is kept on the object
(:attr:`DecisionTable.spiff`) and :func:`evaluate_with_spiff` runs it, so tests can prove
both give the same answer.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.dmn.engine.DMNEngine import DMNEngine
from SpiffWorkflow.dmn.parser.BpmnDmnParser import SCHEMAS, BpmnDmnParser

from engine.errors import Invalid, ProcessError
from engine.runtime.scripting import BASE_GLOBALS, SandboxEnvironment, SandboxScriptEngine

DMN_NAMESPACES = tuple(SCHEMAS)  # DMN 1.1, 1.2 and 1.3: what SpiffWorkflow 3.2.0 ships schemas for
VALUE = "dmn_value"  # the name a cell's ``?`` becomes when a column is tested on its own
BUILTIN_NAMES = frozenset(BASE_GLOBALS["__builtins__"])
FIRST_MATCH_POLICIES = ("UNIQUE", "FIRST")  # both evaluate as "first matching rule"

# SpiffWorkflow's own rule for "a ? outside quotes" (DMNEngine.evaluate), so cells mean the same.
_QUESTION = re.compile(r"""(\?)(?=(?:[^'"]|['"][^'"]*['"])*$)""")
_SCRIPT_ENGINE = SandboxScriptEngine(SandboxEnvironment({}))


class DmnError(Invalid):
    """The XML is not a decision table szcg can read; ``errors`` are (line, reason) pairs."""

    code = "dmn_invalid"

    def __init__(self, errors: list[tuple[int | None, str]]) -> None:
        text = "; ".join(f"line {line}: {reason}" if line else reason for line, reason in errors)
        super().__init__(f"not a readable decision table: {text}",
                         problems=[{"line": line, "reason": reason} for line, reason in errors])
        self.errors = errors


class DecisionError(ProcessError):
    """Evaluating a table failed: a missing input, or a cell that raised for this input."""

    code = "decision_failed"

    def __init__(self, message: str, *, decision: str, rule: int | None = None,
                 column: str | None = None) -> None:
        super().__init__(message, element=decision)
        self.rule, self.column = rule, column


@dataclass(frozen=True)
class InputColumn:
    """An input column; ``expression`` is normally just the variable name (``minor_code``)."""

    id: str
    label: str
    expression: str


@dataclass(frozen=True)
class OutputColumn:
    """An output column; ``name`` is the key the decision's outputs use."""

    id: str
    label: str
    name: str


@dataclass(frozen=True)
class Rule:
    """One row. ``inputs`` holds cell texts, ``None`` for "any"; ``outputs`` ``None`` for empty."""

    number: int  # 1-based, as dmn-js shows it
    id: str
    inputs: tuple[str | None, ...]
    outputs: tuple[str | None, ...]
    description: str = ""
    line: int | None = None

    @property
    def matches_everything(self) -> bool:
        """Every input cell is "any": the shape of the catch-all rule."""
        return all(cell is None for cell in self.inputs)


@dataclass(frozen=True)
class Decision:
    """What a table decided: the outputs of the rule that fired, or nothing if none did."""

    outputs: dict[str, Any]
    rule_number: int | None


@dataclass(frozen=True, eq=False)
class DecisionTable:
    """A parsed decision table: plain data plus a lazily compiled evaluation plan."""

    id: str
    name: str
    hit_policy: str
    inputs: tuple[InputColumn, ...]
    outputs: tuple[OutputColumn, ...]
    rules: tuple[Rule, ...]
    description: str = ""
    aggregation: str | None = None
    spiff: Any = field(default=None, repr=False)  # SpiffWorkflow's DecisionTable, None if it refused

    @property
    def columns(self) -> tuple[str, ...]:
        """Input column names as problems and messages show them (the input expressions)."""
        return tuple(column.expression for column in self.inputs)

    @property
    def output_names(self) -> tuple[str, ...]:
        """The keys :attr:`Decision.outputs` has."""
        return tuple(column.name for column in self.outputs)

    @cached_property
    def variables(self) -> tuple[str, ...]:
        """The variables the input expressions read: what :func:`evaluate` needs in ``inputs``."""
        names: list[str] = []
        for column in self.inputs:
            names += [n for n in free_names(column.expression) if n not in names]
        return tuple(names)

    @cached_property
    def _plan(self) -> _Plan:
        return _Plan.build(self)


# ---------------------------------------------------------------- cells


def cell_condition(cell: str, value: str) -> str:
    """The Python condition an input cell means when the column's value is in variable ``value``.

    Mirrors SpiffWorkflow's DMNEngine.evaluate so that a table means the same in both.
    """
    if _QUESTION.search(cell):
        return _QUESTION.sub(value, cell)
    if is_expression(cell):
        return f"({value}) == ({cell})"
    return f"{value} {cell}"


def is_expression(text: str) -> bool:
    """True if ``text`` parses as a Python expression on its own."""
    try:
        ast.parse(text, mode="eval")
    except SyntaxError:
        return False
    return True


def free_names(source: str) -> list[str]:
    """Names an expression reads that it does not bind itself, minus sandbox builtins.

    Returns [] for text that does not parse; compiling reports that separately.
    """
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError:
        return []
    bound = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    bound |= {a.arg for n in ast.walk(tree) if isinstance(n, ast.Lambda) for a in n.args.args}
    names: list[str] = []
    for node in ast.walk(tree):
        if (isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id not in bound
                and node.id not in BUILTIN_NAMES and node.id not in names):
            names.append(node.id)
    return names


def run_expression(source: str, context: Mapping[str, Any]) -> Any:
    """Evaluate ``source`` in the sandbox: the one way any DMN cell is ever evaluated."""
    return _SCRIPT_ENGINE.environment.evaluate(source, dict(context))


# ---------------------------------------------------------------- evaluation


@dataclass(frozen=True)
class _Plan:
    """The table compiled to two sandboxed expressions: which rule fires, and its outputs."""

    lookups: tuple[str | None, ...]  # per column: the variable name, or None to evaluate
    selector: str
    outputs: tuple[str, ...]  # per rule: a tuple expression of its output cells

    @classmethod
    def build(cls, table: DecisionTable) -> _Plan:
        lookups = tuple(c.expression if c.expression.isidentifier() else None for c in table.inputs)
        branches = [f"{rule.number} if {_rule_condition(table, rule)} else " for rule in table.rules]
        outputs = tuple(_output_tuple(table, rule) for rule in table.rules)
        return cls(lookups, "(" + "".join(branches) + "0)", outputs)


def _slot(index: int) -> str:
    return f"dmn_in_{index}"


def _rule_condition(table: DecisionTable, rule: Rule) -> str:
    parts = [_atom(table, rule, table.columns[i], cell_condition(cell, _slot(i)))
             for i, cell in enumerate(rule.inputs) if cell is not None]
    return "(" + " and ".join(parts) + ")" if parts else "True"


def _output_tuple(table: DecisionTable, rule: Rule) -> str:
    cells = [_atom(table, rule, column, cell) if cell else "None"
             for column, cell in zip(table.output_names, rule.outputs, strict=True)]
    return "(" + "".join(f"{cell}, " for cell in cells) + ")"


def _atom(table: DecisionTable, rule: Rule, column: str, source: str) -> str:
    """``source`` as one parenthesised unit of the plan, or an error naming its cell.

    Only text that parses on its own may be spliced in, and it gets its own lines, so a
    ``#`` comment or a stray parenthesis in one cell cannot change the meaning of the others.
    """
    if not is_expression(source):
        raise DecisionError(f"decision {table.id}, rule {rule.number}, column {column}: "
                            f"{source!r} is not a valid expression", decision=table.id, rule=rule.number,
                            column=column)
    return f"(\n{source}\n)"


def evaluate(table: DecisionTable, inputs: Mapping[str, Any]) -> Decision:
    """Decide for ``inputs`` (variable name → value): the first matching rule's outputs.

    Accepted tables are UNIQUE with no overlaps and a catch-all last, so the first match is
    the only match. Raises :class:`DecisionError` for a missing input, a cell that fails for
    this input (naming rule and column), or a hit policy other than UNIQUE/FIRST.
    """
    if table.hit_policy not in FIRST_MATCH_POLICIES:
        raise DecisionError(f"decision {table.id}: hit policy {table.hit_policy} cannot be evaluated",
                            decision=table.id)
    context = _context(table, inputs)
    number = _select(table, context)
    if not number:
        return Decision({}, None)
    return Decision(_outputs(table, table.rules[number - 1], context), number)


def _context(table: DecisionTable, inputs: Mapping[str, Any]) -> dict[str, Any]:
    missing = [name for name in table.variables if name not in inputs]
    if missing:
        raise DecisionError(f"decision {table.id}: missing input(s) {', '.join(missing)}", decision=table.id)
    context = {name: inputs[name] for name in table.variables}  # never pass other keys into the sandbox
    for index, (lookup, column) in enumerate(zip(table._plan.lookups, table.inputs, strict=True)):
        context[_slot(index)] = context[lookup] if lookup else _run_input(table, column, context)
    return context


def _run_input(table: DecisionTable, column: InputColumn, context: dict[str, Any]) -> Any:
    try:
        return run_expression(column.expression, context)
    except Exception as exc:
        raise DecisionError(f"decision {table.id}, column {column.expression}: {_describe(exc)}",
                            decision=table.id, column=column.expression) from exc


def _select(table: DecisionTable, context: dict[str, Any]) -> int:
    try:
        return int(run_expression(table._plan.selector, context))
    except Exception as exc:
        rule, column, error = _locate_failure(table, context, exc)
        where = f"decision {table.id}, rule {rule}, column {column}" if rule else f"decision {table.id}"
        raise DecisionError(f"{where}: {_describe(error)}", decision=table.id, rule=rule,
                            column=column) from exc


def _locate_failure(table: DecisionTable, context: dict[str, Any],
                    error: Exception) -> tuple[int | None, str | None, Exception]:
    """Re-run the rules cell by cell to say which cell raised: the admin must fix that one."""
    for rule in table.rules:
        for index, cell in enumerate(rule.inputs):
            if cell is None:
                continue
            try:
                if not run_expression(cell_condition(cell, _slot(index)), context):
                    break
            except Exception as exc:
                return rule.number, table.columns[index], exc
    return None, None, error


def _outputs(table: DecisionTable, rule: Rule, context: dict[str, Any]) -> dict[str, Any]:
    try:
        values = run_expression(table._plan.outputs[rule.number - 1], context)
    except Exception as exc:
        column = _failing_output(table, rule, context)
        raise DecisionError(f"decision {table.id}, rule {rule.number}, column {column}: {_describe(exc)}",
                            decision=table.id, rule=rule.number, column=column) from exc
    return {column.name: value for column, value in zip(table.outputs, values, strict=True)}


def _failing_output(table: DecisionTable, rule: Rule, context: dict[str, Any]) -> str | None:
    for column, cell in zip(table.outputs, rule.outputs, strict=True):
        try:
            if cell:
                run_expression(cell, context)
        except Exception:
            return column.name
    return None


def _describe(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}"


class _Workflow:
    script_engine = _SCRIPT_ENGINE


class _TaskShim:
    """The two attributes SpiffWorkflow's DMNEngine reads from a task."""

    workflow = _Workflow

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data


def evaluate_with_spiff(table: DecisionTable, inputs: Mapping[str, Any]) -> Decision:
    """SpiffWorkflow's own DMNEngine on the same table, cells in the sandbox.

    The reference :func:`evaluate` is tested against; ~13 µs per rule tried, so not for
    production. Empty output cells come back as ``""`` here.
    """
    if table.spiff is None:
        raise DecisionError(f"decision {table.id}: SpiffWorkflow could not parse this table", decision=table.id)
    engine, task = DMNEngine(table.spiff), _TaskShim(dict(inputs))
    matched = engine.decide(task)
    if not matched:
        return Decision({}, None)
    return Decision(dict(matched[0].output_as_dict(task)), matched[0].row_number)


# ---------------------------------------------------------------- parsing


def parse_table(xml: str | bytes) -> DecisionTable:
    """Parse DMN XML holding one decision with one decision table.

    Raises :class:`DmnError` with line numbers for XML syntax, schema (XSD) and structure
    problems. Cell contents are not judged here, so a table with a broken cell still parses
    and the checks can name the rule and column.
    """
    root = _parse_xml(xml)
    ns = _namespace(root)
    _validate_schema(root, ns)
    decision, table_element = _find_table(root, ns)
    table = _read_table(decision, table_element, ns)
    return _with_spiff(table, root)


def _parse_xml(xml: str | bytes) -> etree._Element:
    data = xml.encode("utf-8") if isinstance(xml, str) else xml
    try:
        # a parser per call: lxml parser objects must not be shared between threads
        parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True, remove_pis=True)
        return etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise DmnError([(exc.lineno, f"XML syntax error: {exc.msg}")]) from None


def _namespace(root: etree._Element) -> str:
    qname = etree.QName(root)
    if qname.localname != "definitions" or qname.namespace not in DMN_NAMESPACES:
        raise DmnError([(root.sourceline, f"not a DMN document: root element is {{{qname.namespace}}}"
                         f"{qname.localname}, expected <definitions> in a DMN 1.1/1.2/1.3 namespace")])
    return qname.namespace


@lru_cache(maxsize=4)
def _schema(ns: str) -> etree.XMLSchema | None:
    """SpiffWorkflow's bundled XSD for this DMN version, loaded once (it takes ~50 ms).

    None when lxml cannot load it: SpiffWorkflow 3.2.0's DMN 1.2 schema does not resolve its
    DMNDI import. Such files still get the structure checks of :func:`_structure_errors`.
    """
    try:
        return etree.XMLSchema(etree.parse(SCHEMAS[ns]))
    except etree.XMLSchemaParseError:
        return None


def _validate_schema(root: etree._Element, ns: str) -> None:
    schema = _schema(ns)
    if schema is None or schema.validate(root):
        return
    errors = [(e.line, _shorten(e.message, ns)) for e in list(schema.error_log)[:20]]
    raise DmnError(errors)


def _shorten(message: str, ns: str) -> str:
    return message.replace("{" + ns + "}", "")


def _find_table(root: etree._Element, ns: str) -> tuple[etree._Element, etree._Element]:
    decisions = root.findall(f"{{{ns}}}decision")
    if len(decisions) != 1:
        raise DmnError([(root.sourceline, f"expected exactly one <decision>, found {len(decisions)}")])
    tables = decisions[0].findall(f"{{{ns}}}decisionTable")
    if len(tables) != 1:
        raise DmnError([(decisions[0].sourceline,
                         f"decision must hold exactly one <decisionTable>, found {len(tables)}")])
    return decisions[0], tables[0]


def _read_table(decision: etree._Element, element: etree._Element, ns: str) -> DecisionTable:
    errors = _structure_errors(element, ns)
    if errors:
        raise DmnError(errors)
    inputs = tuple(_read_input(e, ns) for e in element.findall(f"{{{ns}}}input"))
    outputs = tuple(OutputColumn(e.get("id", ""), e.get("label", ""), e.get("name", ""))
                    for e in element.findall(f"{{{ns}}}output"))
    rules = tuple(_read_rule(number, e, ns) for number, e in enumerate(element.findall(f"{{{ns}}}rule"), 1))
    return DecisionTable(
        id=decision.get("id", ""), name=decision.get("name", ""),
        hit_policy=element.get("hitPolicy", "UNIQUE").upper(), inputs=inputs, outputs=outputs,
        rules=rules, description=_text(decision.find(f"{{{ns}}}description")) or "",
        aggregation=element.get("aggregation"))


def _structure_errors(element: etree._Element, ns: str) -> list[tuple[int | None, str]]:
    """What SpiffWorkflow's parser would crash on or silently misread, with line numbers."""
    errors: list[tuple[int | None, str]] = []
    inputs = element.findall(f"{{{ns}}}input")
    outputs = element.findall(f"{{{ns}}}output")
    if not inputs or not outputs:
        errors.append((element.sourceline, "a decision table needs at least one input and one output"))
    for child in element:
        if etree.QName(child).localname not in ("input", "output", "rule"):
            errors.append((child.sourceline, f"<{etree.QName(child).localname}> is not allowed in a "
                           "decisionTable here (SpiffWorkflow 3.2.0 accepts only input, output and rule; "
                           "put a description on the <decision>)"))
    for node in [element, *inputs, *outputs, *element.findall(f"{{{ns}}}rule")]:
        if not node.get("id"):
            errors.append((node.sourceline, f"<{etree.QName(node).localname}> has no id attribute"))
    errors += [(e.sourceline, "input has no <inputExpression><text>") for e in inputs if not _input_text(e, ns)]
    errors += [(e.sourceline, "output has no name attribute") for e in outputs if not e.get("name")]
    errors += _entry_count_errors(element, ns, len(inputs), len(outputs))
    return errors


def _entry_count_errors(element: etree._Element, ns: str, n_in: int, n_out: int) -> list[tuple[int | None, str]]:
    errors: list[tuple[int | None, str]] = []
    for number, rule in enumerate(element.findall(f"{{{ns}}}rule"), 1):
        got_in, got_out = len(rule.findall(f"{{{ns}}}inputEntry")), len(rule.findall(f"{{{ns}}}outputEntry"))
        if (got_in, got_out) != (n_in, n_out):
            errors.append((rule.sourceline, f"rule {number} has {got_in} input and {got_out} output cells; "
                           f"the table has {n_in} inputs and {n_out} outputs"))
        for entry in [*rule.findall(f"{{{ns}}}inputEntry"), *rule.findall(f"{{{ns}}}outputEntry")]:
            if not entry.get("id"):
                errors.append((entry.sourceline, f"a cell of rule {number} has no id attribute"))
    return errors


def _input_text(element: etree._Element, ns: str) -> str | None:
    return _text(element.find(f"{{{ns}}}inputExpression/{{{ns}}}text"))


def _read_input(element: etree._Element, ns: str) -> InputColumn:
    return InputColumn(element.get("id", ""), element.get("label", ""), _input_text(element, ns) or "")


def _read_rule(number: int, element: etree._Element, ns: str) -> Rule:
    inputs = tuple(_cell(e, ns, any_dash=True) for e in element.findall(f"{{{ns}}}inputEntry"))
    outputs = tuple(_cell(e, ns, any_dash=False) for e in element.findall(f"{{{ns}}}outputEntry"))
    description = _text(element.find(f"{{{ns}}}description")) or ""
    return Rule(number, element.get("id", ""), inputs, outputs, description, element.sourceline)


def _cell(entry: etree._Element, ns: str, *, any_dash: bool) -> str | None:
    text = _text(entry.find(f"{{{ns}}}text"))
    if not text or (any_dash and text == "-"):
        return None
    return text


def _text(node: etree._Element | None) -> str | None:
    if node is None or node.text is None:
        return None
    return node.text.strip()


def _with_spiff(table: DecisionTable, root: etree._Element) -> DecisionTable:
    """Attach SpiffWorkflow's parse of the same XML (None if it refuses a malformed output cell)."""
    parser = BpmnDmnParser()
    try:
        parser.add_dmn_xml(root)
        dmn_parser = parser.dmn_parsers[table.id]
        dmn_parser.parse()
        spiff = dmn_parser.decision.decisionTables[0]
    except (ValidationException, etree.LxmlError, LookupError):  # e.g. a malformed output cell
        spiff = None
    return replace(table, spiff=spiff)
