"""Parsing and evaluating decision tables (engine.runtime.dmn)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from engine.runtime.dmn import Decision, DecisionError, DmnError, evaluate, evaluate_with_spiff, parse_table
from tests.unit.rules.dmn_builder import ROUTING, make_dmn

WORKFLOWS = Path(__file__).resolve().parents[3] / "workflows"
SHIPPED = ["dispatch_routing", "time_limits"]


def case(kind: str, minor_code: str, district_code: str = "650102") -> dict[str, str]:
    return {"kind": kind, "minor_code": minor_code, "district_code": district_code}


@pytest.mark.parametrize(("inputs", "department", "rule"), [
    (case("component", "0101"), "water", 1),
    (case("component", "0203"), "roads", 2),
    (case("incident", "0103", "650104"), "sanitation_650104", 3),
])
def test_routes_by_the_matching_rule_and_reports_its_number(inputs: dict, department: str, rule: int) -> None:
    decision = evaluate(parse_table(make_dmn(ROUTING)), inputs)
    assert decision.outputs == {"department_code": department}
    assert decision.rule_number == rule


@pytest.mark.parametrize("inputs", [case("incident", "0501"), case("component", "9999"),
                                    case("incident", "0102", "650107"), case("other", "0101")])
def test_unknown_input_falls_to_the_catch_all(inputs: dict) -> None:
    decision = evaluate(parse_table(make_dmn(ROUTING)), inputs)
    assert decision.outputs == {"department_code": "municipal"}
    assert decision.rule_number == 4


def test_no_match_without_catch_all_gives_no_outputs_and_no_rule() -> None:
    decision = evaluate(parse_table(make_dmn(ROUTING[:-1])), case("incident", "0501"))
    assert decision.outputs == {}
    assert decision.rule_number is None


def test_a_missing_input_is_an_error_naming_it() -> None:
    with pytest.raises(DecisionError, match=r"missing input.*district_code"):
        evaluate(parse_table(make_dmn(ROUTING)), {"kind": "component", "minor_code": "0101"})


def test_a_cell_that_fails_at_run_time_names_rule_and_column() -> None:
    with pytest.raises(DecisionError) as raised:
        evaluate(parse_table(make_dmn(ROUTING)), case("component", 5))  # type: ignore[arg-type]
    assert (raised.value.rule, raised.value.column) == (2, "minor_code")
    assert "rule 2, column minor_code" in str(raised.value)


def test_operator_cells_work_without_a_question_mark_or_leading_space() -> None:
    """SpiffWorkflow glues the input to the cell (``kindin (...)``); szcg puts a space between."""
    table = parse_table(make_dmn([
        (["in (\"component\", \"incident\")", "not in (\"0101\",)", "!= \"650107\""], ['"matched"']),
        (["-", "-", "-"], ['"otherwise"']),
    ]))
    assert evaluate(table, case("incident", "0102")).rule_number == 1
    assert evaluate(table, case("incident", "0101")).rule_number == 2


def test_a_comment_in_one_cell_does_not_swallow_the_rest_of_the_table() -> None:
    table = parse_table(make_dmn([(['? == "component"  # 部件', '"0101"', "-"], ['"water"  # 供水']),
                                  (["-", "-", "-"], ['"municipal"'])]))
    assert evaluate(table, case("component", "0101")) == Decision({"department_code": "water"}, 1)
    assert evaluate(table, case("incident", "0101")).rule_number == 2


def test_a_cell_that_is_not_an_expression_cannot_rewrite_the_table() -> None:
    table = parse_table(make_dmn([(['"x") else 1 if (True', "-", "-"], ['"hijacked"']),
                                  (["-", "-", "-"], ['"municipal"'])]))
    with pytest.raises(DecisionError) as raised:
        evaluate(table, case("incident", "0101"))
    assert (raised.value.rule, raised.value.column) == (1, "kind")


def test_numeric_comparison_cells() -> None:
    table = parse_table(make_dmn([(["< 5"], ['"small"']), ([">= 5"], ['"large"']), (["-"], ['"none"'])],
                                 inputs=("size",)))
    assert evaluate(table, {"size": 4.5}).outputs == {"department_code": "small"}
    assert evaluate(table, {"size": 5}).outputs == {"department_code": "large"}


def test_an_empty_output_cell_gives_none() -> None:
    table = parse_table(make_dmn([(["-", "-", "-"], ['"x"', ""])], outputs=("a", "b")))
    assert evaluate(table, case("component", "0101")).outputs == {"a": "x", "b": None}


def test_extra_inputs_never_reach_the_sandbox() -> None:
    inputs = {**case("component", "0101"), "__builtins__": {"__import__": __import__}}
    assert evaluate(parse_table(make_dmn(ROUTING)), inputs).rule_number == 1


def test_parse_reads_columns_rules_annotations_and_lines() -> None:
    table = parse_table(make_dmn(ROUTING))
    assert (table.id, table.name, table.hit_policy, table.description) == ("route", "Route", "UNIQUE", "test table")
    assert table.columns == ("kind", "minor_code", "district_code")
    assert table.output_names == ("department_code",)
    assert table.variables == ("kind", "minor_code", "district_code")
    first, last = table.rules[0], table.rules[-1]
    assert (first.number, first.inputs, first.outputs) == (1, ('"component"', '"0101"', None), ('"water"',))
    assert first.description == "rule 1" and first.line is not None
    assert last.matches_everything and not first.matches_everything
    assert table.spiff is not None  # SpiffWorkflow's own parse is kept


def test_an_empty_input_cell_means_any() -> None:
    table = parse_table(make_dmn([(["", "-", ""], ['"any"'])]))
    assert table.rules[0].inputs == (None, None, None)


def test_dmn_12_namespace_is_accepted() -> None:
    xml = make_dmn(ROUTING, namespace="http://www.omg.org/spec/DMN/20180521/MODEL/")
    assert evaluate(parse_table(xml), case("component", "0101")).rule_number == 1


def line_of(xml: str, needle: str) -> int:
    return xml[: xml.index(needle)].count("\n") + 1


BROKEN = {
    "xml syntax": ("<definitions>\n<decision>\n</definitions>", "</definitions>", "XML syntax error"),
    "not dmn": ('<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"/>', "<bpmn",
                "not a DMN document"),
    "schema": (make_dmn(ROUTING).replace('<rule id="r2">', '<rule id="r2" colour="red">'), 'colour="red"',
               "attribute 'colour' is not allowed"),
    "table description": (make_dmn(ROUTING).replace('hitPolicy="UNIQUE">', 'hitPolicy="UNIQUE">\n<description>x'
                                                   "</description>"), "<description>x", "<description> is not allowed"),
    "missing cell": (make_dmn(ROUTING).replace('<inputEntry id="r3_i1"><text>? in ("0102", "0103")</text>'
                                               "</inputEntry>", ""), '<rule id="r3">',
                     "rule 3 has 2 input and 1 output cells; the table has 3 inputs"),
    "no id": (make_dmn(ROUTING).replace('<rule id="r4">', "<rule>"), '<rule>', "<rule> has no id"),
}


@pytest.mark.parametrize("name", BROKEN)
def test_unreadable_tables_are_refused_with_line_numbers(name: str) -> None:
    xml, needle, reason = BROKEN[name]
    with pytest.raises(DmnError) as raised:
        parse_table(xml)
    expected_line = line_of(xml, needle)
    assert any(line == expected_line and reason in text for line, text in raised.value.errors), raised.value.errors


def test_collect_tables_cannot_be_evaluated() -> None:
    with pytest.raises(DecisionError, match="COLLECT"):
        evaluate(parse_table(make_dmn(ROUTING, hit_policy="COLLECT")), case("component", "0101"))


@pytest.mark.parametrize("name", SHIPPED)
def test_evaluate_agrees_with_spiffworkflows_dmn_engine(name: str) -> None:
    table = parse_table((WORKFLOWS / f"{name}.dmn").read_text(encoding="utf-8"))
    for example in json.loads((WORKFLOWS / f"{name}.examples.json").read_text(encoding="utf-8")):
        assert evaluate(table, example["inputs"]) == evaluate_with_spiff(table, example["inputs"])


@pytest.mark.parametrize("name", SHIPPED)
def test_evaluation_takes_well_under_a_millisecond(name: str) -> None:
    """Routing runs on every dispatch; ~50 µs is typical, so 1 ms only fails on a real regression."""
    table = parse_table((WORKFLOWS / f"{name}.dmn").read_text(encoding="utf-8"))
    inputs = json.loads((WORKFLOWS / f"{name}.examples.json").read_text(encoding="utf-8"))[-1]["inputs"]
    evaluate(table, inputs)
    start = time.perf_counter()
    for _ in range(200):
        evaluate(table, inputs)
    assert (time.perf_counter() - start) / 200 < 0.001
