"""The checks a decision table must pass before szcg uses it.

City administrators edit the routing and time-limit tables themselves (dmn-js / Camunda
Modeler). SpiffWorkflow 3.2.0 forgives too much for that: UNIQUE behaves like "first match",
no match is silent, and a FEEL list like ``"0101","0102"`` simply never matches
(SPIFFWORKFLOW_NOTES §4). So a table is accepted only if :func:`check_table` returns no
problems:

* it parses (XML, DMN schema, structure; problems carry line numbers);
* every input expression and every input and output cell compiles in the sandbox, and only
  reads the table's declared inputs;
* its hit policy is UNIQUE;
* its last rule is the catch-all and no other rule overlaps another;
* every output cell of every rule but the catch-all is filled;
* its stored examples all give the expected outputs.

**szcg's convention.** Tables use hit policy UNIQUE, and their LAST rule is the catch-all:
every input cell ``-`` (or empty). The catch-all is the "otherwise" rule: it is exempt from the
overlap check and applies only when no other rule matches (evaluation takes the first match,
and no other rule may match together with another). Every other pair of rules must be
disjoint, so the order of the rules above it never matters and a reader can understand each
rule on its own.

**Overlap detection.** Cells are Python, so overlaps are decided per input column by testing
candidate values: every literal in that column's cells (including the items of ``in (...)``
tuples), the sentinel ``"other"``, each ``startswith`` prefix / ``endswith`` suffix extended by
a filler character (and prefixes joined to suffixes), the neighbours of every number (±0.5,
±1, and the midpoint between neighbouring numbers) and strings just above and below every
string literal. Two rules overlap iff in every column some candidate satisfies both cells (an
"any" cell is satisfied by everything); the problem names both rules and a witness input.

Limits. A reported overlap is always real when each cell reads only its own column's value
and the input columns are different variables (as in szcg's tables): the witness satisfies
both rules. So there are no false overlaps for equality, ``in``/``not in``,
``startswith``/``endswith``, slice-equality or comparison cells. It can miss an overlap
when no candidate lies in the common part (e.g. ``len(?) == 5`` against
``?.startswith("01")``). A cell that reads another column's variable, or that raises for a
candidate, counts as not satisfied by that candidate.

Why ``.format`` is refused statically: it compiles in RestrictedPython and reaches attributes
by name inside the format string; the sandbox stops it only when it runs, which for a rarely
used rule could be months later.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import combinations, pairwise
from typing import Any

from engine.runtime.dmn import (
    FIRST_MATCH_POLICIES,
    VALUE,
    DecisionError,
    DecisionTable,
    DmnError,
    Rule,
    cell_condition,
    evaluate,
    free_names,
    is_expression,
    parse_table,
    run_expression,
)
from engine.runtime.scripting import ScriptRejected, compile_script

SENTINEL = "other"
FORBIDDEN_ATTRIBUTES = {"format", "format_map"}
FILLER = "*"  # sorts before the digits, so prefix + FILLER is a new code between the literals
HIT_POLICY_REASONS = {
    "FIRST": "hit policy FIRST lets the order of the rules silently decide between overlapping rules; "
             "szcg tables use UNIQUE, so an overlap is found when the table is saved, not in a case",
    "COLLECT": "hit policy COLLECT returns lists (one item per matching rule), but a case needs exactly "
               "one decision; szcg tables use UNIQUE",
}


@dataclass(frozen=True)
class TableProblem:
    """One reason a table is refused, located as precisely as the checks can."""

    rule: int | None
    column: str | None
    reason: str
    example: int | None = None  # 1-based index into the examples
    line: int | None = None

    def __str__(self) -> str:
        where = [f"line {self.line}" if self.line else "", f"example {self.example}" if self.example else "",
                 f"rule {self.rule}" if self.rule else "", f"column {self.column}" if self.column else ""]
        prefix = ", ".join(part for part in where if part)
        return f"{prefix}: {self.reason}" if prefix else self.reason


def check_table(xml: str, examples: list[dict[str, Any]]) -> list[TableProblem]:
    """Every reason to refuse this table with these examples; an empty list means accepted."""
    try:
        table = parse_table(xml)
    except DmnError as exc:
        return [TableProblem(None, None, reason, line=line) for line, reason in exc.errors]
    problems = [*_check_hit_policy(table), *_check_columns(table), *_check_cells(table)]
    if any(p.rule or p.column for p in problems):
        return problems  # overlaps and examples need every cell to compile
    problems += _check_catch_all(table)
    problems += _check_overlaps(table)
    if table.hit_policy in FIRST_MATCH_POLICIES:  # other policies cannot be evaluated at all
        problems += _check_examples(table, examples)
    return problems


# ---------------------------------------------------------------- hit policy and columns


def _check_hit_policy(table: DecisionTable) -> list[TableProblem]:
    policy = table.hit_policy
    if policy == "UNIQUE":
        return []
    reason = HIT_POLICY_REASONS.get(policy) or (
        f"hit policy {policy} is not supported (SpiffWorkflow 3.2.0 would silently treat it as FIRST); "
        "szcg tables use UNIQUE")
    if table.aggregation:
        reason += f" (aggregation {table.aggregation} is not supported either)"
    return [TableProblem(None, None, reason)]


def _check_columns(table: DecisionTable) -> list[TableProblem]:
    problems = []
    for column in table.inputs:
        error = _compile_error(column.expression)
        if error:
            problems.append(TableProblem(None, column.expression, f"input expression {error}"))
    names = [column.name for column in table.outputs]
    for name in names:
        if not name.isidentifier() or name.startswith("_"):
            problems.append(TableProblem(None, name, "output name must be a plain variable name "
                                         "(letters, digits, underscores; not starting with _)"))
        elif names.count(name) > 1:
            problems.append(TableProblem(None, name, "two outputs have the same name"))
    return problems


def _compile_error(source: str) -> str | None:
    """Why ``source`` does not compile in the sandbox, or None if it does."""
    try:
        compile_script(source, "eval")
    except ScriptRejected as exc:
        return f"does not compile in the sandbox: {exc}"
    except (SyntaxError, ValueError) as exc:
        return f"does not compile: {exc}"
    return _forbidden_call(source)


def _forbidden_call(source: str) -> str | None:
    """``str.format`` compiles but reaches attributes by name; the sandbox only stops it at run time."""
    for node in ast.walk(ast.parse(source, mode="eval")):
        if isinstance(node, ast.Attribute) and node.attr in FORBIDDEN_ATTRIBUTES:
            return f"is refused by the sandbox: .{node.attr}() is not allowed in a table cell"
    return None


# ---------------------------------------------------------------- cells


def _check_cells(table: DecisionTable) -> list[TableProblem]:
    problems: list[TableProblem] = []
    last = len(table.rules)
    for rule in table.rules:
        for column, cell in zip(table.columns, rule.inputs, strict=True):
            if cell is not None:
                problems += _input_cell_problems(table, rule, column, cell)
        for output, cell in zip(table.output_names, rule.outputs, strict=True):
            if cell is not None:
                problems += _output_cell_problems(table, rule, output, cell)
            elif rule.number != last or not rule.matches_everything:
                problems.append(TableProblem(rule.number, output, "output cell is empty; every rule but the "
                                             "catch-all must set every output"))
    return problems


def _input_cell_problems(table: DecisionTable, rule: Rule, column: str, cell: str) -> list[TableProblem]:
    hint = _feel_hint(cell)
    if hint:
        return [TableProblem(rule.number, column, f"{cell!r}: {hint}")]
    error = _compile_error(cell_condition(cell, VALUE))
    if error:
        return [TableProblem(rule.number, column, f"{cell!r} {error}")]
    return _unknown_names(table, rule, column, cell, cell_condition(cell, VALUE))


def _output_cell_problems(table: DecisionTable, rule: Rule, column: str, cell: str) -> list[TableProblem]:
    error = _compile_error(cell)
    if error:
        return [TableProblem(rule.number, column, f"{cell!r} {error}")]
    return _unknown_names(table, rule, column, cell, cell)


def _unknown_names(table: DecisionTable, rule: Rule, column: str, cell: str, source: str) -> list[TableProblem]:
    known = {*table.variables, VALUE}
    return [TableProblem(rule.number, column, f"{cell!r} uses {name!r}, which is not an input of this table "
                         f"(inputs: {', '.join(table.variables)})")
            for name in free_names(source) if name not in known]


def _feel_hint(cell: str) -> str | None:
    """Catch FEEL habits that are valid Python but silently never (or always) match."""
    if "?" in cell or not is_expression(cell):
        if ".." in cell and cell[:1] in "[(]":
            return "FEEL ranges are not supported; cells are Python: write e.g. 1 <= ? <= 5"
        return None
    body = ast.parse(cell, mode="eval").body
    if isinstance(body, ast.Tuple):
        return 'a FEEL list compares the input with the whole tuple and never matches; write in ("a", "b")'
    if isinstance(body, ast.UnaryOp) and isinstance(body.op, ast.Not):
        return 'FEEL not(...) becomes "input == False" in Python; write not in ("a", "b") or != "a"'
    if isinstance(body, ast.BoolOp):
        return 'an "or"/"and" of values compares the input with only one of them; write in ("a", "b")'
    return None


# ---------------------------------------------------------------- catch-all and overlaps


def _check_catch_all(table: DecisionTable) -> list[TableProblem]:
    if not table.rules:
        return [TableProblem(None, None, "the table has no rules; its last rule must be the catch-all")]
    problems = [TableProblem(rule.number, None, "matches every input, so it shadows the rules below it; only "
                             "the last rule may be the catch-all")
                for rule in table.rules[:-1] if rule.matches_everything]
    if not table.rules[-1].matches_everything:
        problems.append(TableProblem(None, None, "no catch-all: the last rule must have '-' in every input "
                                     "column, so that every case gets a decision"))
    return problems


def _check_overlaps(table: DecisionTable) -> list[TableProblem]:
    """Report each overlapping pair once, on the later rule, with an input both match."""
    rules = [rule for rule in table.rules if not rule.matches_everything]
    columns = [_ColumnTruth.build(table, index, rules) for index in range(len(table.inputs))]
    problems = []
    for first, second in combinations(rules, 2):
        witness = [column.common(first.number, second.number) for column in columns]
        if all(value is not _NONE for value in witness):
            problems.append(TableProblem(second.number, None, f"overlaps rule {first.number}: both match "
                                         f"{_show_witness(table, witness)}; under UNIQUE at most one rule may "
                                         "match an input — narrow one of them"))
    return problems


_NONE = object()  # "no value satisfies both cells"
_ANY = object()  # "both cells are any"


@dataclass(frozen=True)
class _ColumnTruth:
    """For one input column: the candidate values and, per rule, the bitmask of those it accepts."""

    candidates: tuple[Any, ...]
    masks: dict[int, int | None]  # rule number -> bitmask; None = any cell

    @classmethod
    def build(cls, table: DecisionTable, index: int, rules: list[Rule]) -> _ColumnTruth:
        cells = {rule.number: rule.inputs[index] for rule in rules}
        conditions = {n: cell_condition(c, VALUE) for n, c in cells.items() if c is not None}
        candidates = tuple(candidate_values(conditions.values()))
        masks: dict[int, int | None] = {n: None for n, c in cells.items() if c is None}
        masks |= {n: _mask(condition, candidates) for n, condition in conditions.items()}
        return cls(candidates, masks)

    def common(self, first: int, second: int) -> Any:
        a, b = self.masks[first], self.masks[second]
        if a is None and b is None:
            return _ANY
        both = (a if a is not None else -1) & (b if b is not None else -1)
        if not both:
            return _NONE
        return self.candidates[(both & -both).bit_length() - 1]


def _mask(condition: str, candidates: tuple[Any, ...]) -> int:
    """Bit i set iff candidate i satisfies the condition; one sandbox call when nothing raises."""
    try:
        hits = run_expression(f"[bool({condition}) for {VALUE} in dmn_candidates]", {"dmn_candidates": candidates})
    except Exception:
        hits = [_satisfies(condition, value) for value in candidates]
    return sum(1 << i for i, hit in enumerate(hits) if hit)


def _satisfies(condition: str, value: Any) -> bool:
    try:
        return bool(run_expression(condition, {VALUE: value}))
    except Exception:
        return False  # a cell that raises for a value does not match it (documented limit)


def _show_witness(table: DecisionTable, witness: list[Any]) -> str:
    parts = [f"{column}={value!r}" for column, value in zip(table.columns, witness, strict=True) if value is not _ANY]
    return ", ".join(parts) if parts else "every input"


def candidate_values(conditions: Iterable[str]) -> list[Any]:
    """Values that satisfy or violate each condition of one column (see the module docstring)."""
    literals: list[Any] = []
    derived: list[Any] = []
    prefixes: list[str] = []
    suffixes: list[str] = []
    for condition in conditions:
        for kind, value in _literals(condition):
            literals.append(value)
            derived += _around(kind, value)
            prefixes += [value] if kind == "prefix" else []
            suffixes += [value] if kind == "suffix" else []
    derived += [p + s for p in prefixes for s in suffixes] + [p + FILLER + s for p in prefixes for s in suffixes]
    derived += _midpoints(literals)
    return _unique([*literals, SENTINEL, *derived])  # this order makes the witnesses in messages readable


def _literals(condition: str) -> Iterator[tuple[str, Any]]:
    tree = ast.parse(condition, mode="eval")
    affixes: dict[int, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.args:
            kind = {"startswith": "prefix", "endswith": "suffix"}.get(node.func.attr)
            args = node.args[0].elts if isinstance(node.args[0], ast.Tuple) else [node.args[0]]
            affixes |= {id(arg): kind for arg in args if kind and isinstance(arg, ast.Constant)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and node.value is not None and not isinstance(node.value, bytes):
            yield affixes.get(id(node), "literal"), node.value


def _around(kind: str, value: Any) -> list[Any]:
    """Values next to a literal: on either side of a bound, or extending a prefix/suffix."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return []
    if isinstance(value, int | float):
        return [value - 1, value - 0.5, value + 0.5, value + 1]
    if kind == "prefix":
        return [value + FILLER]
    if kind == "suffix":
        return [FILLER + value]
    below = value[:-1] + chr(ord(value[-1]) - 1) + "~" if value and ord(value[-1]) > 0 else ""
    return [value + FILLER, below]


def _midpoints(literals: list[Any]) -> list[float]:
    """A value strictly between each pair of neighbouring numbers: inside open intervals like 2 < ? < 2.5."""
    numbers = sorted({v for v in literals if isinstance(v, int | float) and not isinstance(v, bool)})
    return [(a + b) / 2 for a, b in pairwise(numbers)]


def _unique(values: list[Any]) -> list[Any]:
    seen: set[tuple[type, Any]] = set()
    result = []
    for value in values:
        key = (type(value), value)
        if key not in seen:
            seen.add(key)
            result.append(value)
    return result


# ---------------------------------------------------------------- examples


def _check_examples(table: DecisionTable, examples: list[dict[str, Any]]) -> list[TableProblem]:
    problems: list[TableProblem] = []
    for number, example in enumerate(examples, 1):
        problems += _check_example(table, number, example)
    return problems


def _check_example(table: DecisionTable, number: int, example: Any) -> list[TableProblem]:
    shape = _example_shape_problem(table, example)
    if shape:
        return [TableProblem(None, None, shape, example=number)]
    try:
        decision = evaluate(table, example["inputs"])
    except DecisionError as exc:
        return [TableProblem(exc.rule, exc.column, f"evaluation failed: {exc}", example=number)]
    expected = example["expected"]
    wrong = [name for name, value in expected.items() if not _same(value, decision.outputs.get(name, _NONE))]
    if not wrong:
        return []
    fired = f"rule {decision.rule_number} fired" if decision.rule_number else "no rule matched"
    want = ", ".join(f"{name}={expected[name]!r}" for name in wrong)
    got = ", ".join(f"{name}={decision.outputs.get(name)!r}" for name in wrong)
    return [TableProblem(decision.rule_number, None, f"expected {want}, got {got} ({fired})", example=number)]


def _example_shape_problem(table: DecisionTable, example: Any) -> str | None:
    if not isinstance(example, dict) or not isinstance(example.get("inputs"), dict) \
            or not isinstance(example.get("expected"), dict):
        return 'an example is {"inputs": {...}, "expected": {...}} (and optionally "note")'
    extra = set(example) - {"inputs", "expected", "note"}
    unknown_inputs = [name for name in example["inputs"] if name not in table.variables]
    missing = [name for name in table.variables if name not in example["inputs"]]
    unknown_outputs = [name for name in example["expected"] if name not in table.output_names]
    reasons = [f"unknown key(s) {', '.join(sorted(extra))}" if extra else "",
               f"{', '.join(unknown_inputs)} is not an input of this table" if unknown_inputs else "",
               f"missing input(s) {', '.join(missing)}" if missing else "",
               f"{', '.join(unknown_outputs)} is not an output of this table" if unknown_outputs else ""]
    return "; ".join(r for r in reasons if r) or None


def _same(expected: Any, got: Any) -> bool:
    """Equal, but without Python's True == 1: a boolean output must really be a boolean."""
    if isinstance(expected, bool) or isinstance(got, bool):
        return expected is got
    return bool(expected == got)
