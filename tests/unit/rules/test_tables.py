"""Accepting or refusing a decision table (engine.rules.checks.check_table)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.rules.checks import TableProblem, check_table
from tests.unit.rules.dmn_builder import ROUTING, Row, make_dmn

WORKFLOWS = Path(__file__).resolve().parents[3] / "workflows"
GOOD_EXAMPLES = [
    {"inputs": {"kind": "component", "minor_code": "0101", "district_code": "650102"},
     "expected": {"department_code": "water"}},
    {"note": "catch-all", "inputs": {"kind": "incident", "minor_code": "0501", "district_code": "650102"},
     "expected": {"department_code": "municipal"}},
]


def with_rule(number: int, row: Row, rules: list[Row] = ROUTING) -> list[Row]:
    """ROUTING with rule ``number`` (1-based) replaced by ``row``."""
    return [row if n == number else r for n, r in enumerate(rules, 1)]


def test_a_valid_table_with_passing_examples_is_accepted() -> None:
    assert check_table(make_dmn(ROUTING), GOOD_EXAMPLES) == []


@pytest.mark.parametrize("name", ["dispatch_routing", "time_limits"])
def test_the_shipped_tables_pass_with_their_examples(name: str) -> None:
    xml = (WORKFLOWS / f"{name}.dmn").read_text(encoding="utf-8")
    examples = json.loads((WORKFLOWS / f"{name}.examples.json").read_text(encoding="utf-8"))
    assert [str(p) for p in check_table(xml, examples)] == []


def test_unparseable_xml_is_refused_with_its_line() -> None:
    problems = check_table(make_dmn(ROUTING).replace("</rule>", "</rul>", 1), [])
    assert len(problems) == 1 and problems[0].line  # libxml2 names the line of the enclosing end tag
    assert str(problems[0]).startswith(f"line {problems[0].line}: XML syntax error: Opening and ending tag mismatch")


def test_a_cell_that_does_not_compile_is_refused_with_rule_and_column() -> None:
    problems = check_table(make_dmn(with_rule(2, (['"component"', '?.startswith("02"', "-"], ['"roads"']))), [])
    assert [(p.rule, p.column) for p in problems] == [(2, "minor_code")]
    assert "syntax error" in problems[0].reason
    assert str(problems[0]).startswith("rule 2, column minor_code: ")


def test_an_output_cell_that_does_not_compile_is_refused() -> None:
    problems = check_table(make_dmn(with_rule(1, (['"component"', '"0101"', "-"], ['"water" +']))), [])
    assert [(p.rule, p.column) for p in problems] == [(1, "department_code")]


@pytest.mark.parametrize("cell", ['__import__("os")', "().__class__", '?.__class__.__mro__',
                                  '"{0.__class__}".format(?)'])
@pytest.mark.parametrize("where", ["input", "output"])
def test_sandbox_escapes_are_refused(cell: str, where: str) -> None:
    row = (['"component"', cell, "-"], ['"water"']) if where == "input" else \
        (['"component"', '"0101"', "-"], [cell.replace("?", "minor_code")])
    problems = check_table(make_dmn(with_rule(1, row)), [])
    assert [p.rule for p in problems] == [1]
    assert "sandbox" in problems[0].reason


def test_a_name_that_is_not_a_declared_input_is_refused() -> None:
    problems = check_table(make_dmn(with_rule(3, (['"incident"', '"0102"', "-"], ['"sanitation_" + district']))), [])
    assert [(p.rule, p.column) for p in problems] == [(3, "department_code")]
    assert "'district', which is not an input of this table" in problems[0].reason


def test_a_feel_list_is_refused_with_a_hint() -> None:
    problems = check_table(make_dmn(with_rule(1, (['"component"', '"0101","0102"', "-"], ['"water"']))), [])
    assert [(p.rule, p.column) for p in problems] == [(1, "minor_code")]
    assert 'in ("a", "b")' in problems[0].reason


def test_a_table_without_catch_all_is_refused() -> None:
    problems = check_table(make_dmn(ROUTING[:-1]), [])
    assert [str(p) for p in problems] == ["no catch-all: the last rule must have '-' in every input column, so "
                                          "that every case gets a decision"]


def test_a_catch_all_that_is_not_last_is_refused() -> None:
    rules = [ROUTING[-1], *ROUTING]
    problems = check_table(make_dmn(rules), [])
    assert [p.rule for p in problems] == [1]
    assert "only the last rule may be the catch-all" in problems[0].reason


@pytest.mark.parametrize(("first", "second"), [
    ('"0101"', '?.startswith("01")'),
    ('? in ("0101", "0102")', '"0102"'),
    ('?.startswith("01")', '?.startswith("0")'),
    ('?.startswith("01")', '? != "0101"'),
    ('?.endswith("1")', '?.startswith("02")'),
    ('?[:2] == "01"', '? not in ("0101",)'),
])
def test_overlapping_rules_are_refused_naming_both(first: str, second: str) -> None:
    rules = [(['"component"', first, "-"], ['"a"']), (['"component"', second, "-"], ['"b"']), (["-"] * 3, ['"c"'])]
    problems = check_table(make_dmn(rules), [])
    assert [p.rule for p in problems] == [2]
    assert problems[0].reason.startswith("overlaps rule 1: both match kind='component', minor_code=")


@pytest.mark.parametrize(("first", "second"), [
    ('?.startswith("01")', '?.startswith("02")'),
    ('"A"', '? != "A"'),
    ('? in ("0101", "0102")', '? not in ("0101", "0102")'),
    ('"0101"', '"0102"'),
])
def test_disjoint_rules_are_not_overlaps(first: str, second: str) -> None:
    rules = [(['"component"', first, "-"], ['"a"']), (['"component"', second, "-"], ['"b"']), (["-"] * 3, ['"c"'])]
    assert check_table(make_dmn(rules), []) == []


@pytest.mark.parametrize(("first", "second", "overlap"), [
    ("< 5", ">= 5", False), ("< 5", "> 4", True), ("<= 5", ">= 5", True), ("1 <= ? <= 3", "> 3", False),
    ("? < 2.5", "? > 2", True),
])
def test_numeric_comparisons_overlap_only_when_they_share_a_value(first: str, second: str, overlap: bool) -> None:
    rules = [([first], ['"a"']), ([second], ['"b"']), (["-"], ['"c"'])]
    problems = check_table(make_dmn(rules, inputs=("size",)), [])
    assert bool(problems) is overlap, problems


def test_rules_differing_in_another_column_do_not_overlap() -> None:
    rules = [(['"component"', '"0102"', '"650102"'], ['"a"']), (['"component"', '"0102"', '? != "650102"'], ['"b"']),
             (["-"] * 3, ['"c"'])]
    assert check_table(make_dmn(rules), []) == []


def test_the_catch_all_is_exempt_from_the_overlap_check() -> None:
    assert check_table(make_dmn(ROUTING), []) == []


def test_a_failing_example_reports_expected_got_and_the_rule_that_fired() -> None:
    examples = [GOOD_EXAMPLES[0], {"inputs": {"kind": "component", "minor_code": "0205", "district_code": "650102"},
                                   "expected": {"department_code": "traffic"}}]
    problems = check_table(make_dmn(ROUTING), examples)
    assert [(p.example, p.rule) for p in problems] == [(2, 2)]
    assert str(problems[0]) == ("example 2, rule 2: expected department_code='traffic', "
                                "got department_code='roads' (rule 2 fired)")


def test_a_boolean_output_must_really_be_a_boolean() -> None:
    rules = [(["-", "-", "-"], ["1"])]
    examples = [{"inputs": GOOD_EXAMPLES[0]["inputs"], "expected": {"department_code": True}}]
    assert [p.example for p in check_table(make_dmn(rules), examples)] == [1]


@pytest.mark.parametrize(("example", "reason"), [
    ({"inputs": {"kind": "component"}, "expected": {}}, "missing input(s) minor_code, district_code"),
    ({"inputs": {**GOOD_EXAMPLES[0]["inputs"], "grid": "x"}, "expected": {}}, "grid is not an input"),
    ({"inputs": GOOD_EXAMPLES[0]["inputs"], "expected": {"dept": "x"}}, "dept is not an output"),
    ({"input": {}, "expected": {}}, 'an example is {"inputs"'),
])
def test_malformed_examples_are_refused(example: dict, reason: str) -> None:
    problems = check_table(make_dmn(ROUTING), [example])
    assert [p.example for p in problems] == [1]
    assert reason in problems[0].reason


def test_an_example_whose_evaluation_fails_names_the_cell() -> None:
    example = {"inputs": {"kind": "component", "minor_code": 7, "district_code": "650102"},
               "expected": {"department_code": "x"}}
    problems = check_table(make_dmn(ROUTING), [example])
    assert [(p.example, p.rule, p.column) for p in problems] == [(1, 2, "minor_code")]


@pytest.mark.parametrize(("policy", "reason"), [
    ("FIRST", "order of the rules silently decide"),
    ("COLLECT", "returns lists"),
    ("ANY", "not supported"),
    ("RULE ORDER", "not supported"),
])
def test_hit_policies_other_than_unique_are_refused(policy: str, reason: str) -> None:
    problems = check_table(make_dmn(ROUTING, hit_policy=policy), GOOD_EXAMPLES)
    assert len(problems) == 1 and problems[0].rule is None
    assert reason in problems[0].reason and "UNIQUE" in problems[0].reason


def test_an_empty_output_is_refused_except_in_the_catch_all() -> None:
    rules = [(['"component"', '"0101"', "-"], ['"water"', ""]), (["-"] * 3, ['"municipal"', ""])]
    problems = check_table(make_dmn(rules, outputs=("department_code", "level")), [])
    assert [(p.rule, p.column) for p in problems] == [(1, "level")]


def test_an_output_name_must_be_a_variable_name() -> None:
    problems = check_table(make_dmn(ROUTING, outputs=("department.code",)), [])
    assert [p.column for p in problems] == ["department.code"]


def test_problem_text_names_what_the_editor_must_fix() -> None:
    assert str(TableProblem(7, "minor_code", "bad")) == "rule 7, column minor_code: bad"
    assert str(TableProblem(None, None, "bad")) == "bad"
    assert str(TableProblem(3, None, "bad", example=2)) == "example 2, rule 3: bad"
