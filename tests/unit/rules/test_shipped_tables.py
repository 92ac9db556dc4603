"""The seed tables in workflows/: every case gets a real department and sane time limits."""

from __future__ import annotations

import json
from itertools import product
from pathlib import Path

import pytest

from engine.runtime.dmn import DecisionTable, evaluate, parse_table

WORKFLOWS = Path(__file__).resolve().parents[3] / "workflows"
DISTRICTS = ["650102", "650103", "650104", "650105", "650106", "650107", "650109", "650121"]
WITH_DISTRICT_DEPARTMENTS = ["650102", "650103", "650104", "650105", "650106", "650109"]
CITY_DEPARTMENTS = {"water", "drainage", "power", "gas", "telecom", "roads", "lighting", "traffic", "sanitation",
                    "landscaping", "enforcement"}
DISTRICT_DEPARTMENTS = {f"{dept}_{district}" for dept in ("sanitation", "landscaping", "enforcement", "municipal")
                        for district in WITH_DISTRICT_DEPARTMENTS}
UNITS = {"working_minutes", "working_hours", "working_days", "hours"}
STAGES = ["handle", "register", "verify", "file", "dispatch", "check", "close"]


def load(name: str) -> tuple[DecisionTable, list[dict]]:
    table = parse_table((WORKFLOWS / f"{name}.dmn").read_text(encoding="utf-8"))
    return table, json.loads((WORKFLOWS / f"{name}.examples.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize(("name", "inputs"), [
    ("dispatch_routing", ("kind", "major_code", "minor_code", "district_code", "area_class", "source")),
    ("time_limits", ("kind", "minor_code", "filing_condition", "urgency", "area_class")),
])
def test_shipped_tables_have_the_agreed_shape(name: str, inputs: tuple[str, ...]) -> None:
    table, examples = load(name)
    assert table.id == name and table.hit_policy == "UNIQUE" and table.columns == inputs
    assert 25 <= len(table.rules) <= 60 and 10 <= len(examples) <= 20
    assert table.rules[-1].matches_everything
    assert all(rule.description for rule in table.rules), "every rule explains itself in the annotation column"
    assert "SEED DATA" in table.description


def test_every_classic_code_in_every_district_goes_to_an_existing_department() -> None:
    table, _ = load("dispatch_routing")
    codes = [f"{major:02d}{minor:02d}" for major in range(1, 7) for minor in range(1, 40)]
    for kind, code, district, area, source in product(("component", "incident"), codes, DISTRICTS, ("A", "C"),
                                                      ("inspector", "citizen")):
        decision = evaluate(table, {"kind": kind, "major_code": code[:2], "minor_code": code,
                                    "district_code": district, "area_class": area, "source": source})
        department, level = decision.outputs["department_code"], decision.outputs["level"]
        assert department in CITY_DEPARTMENTS | DISTRICT_DEPARTMENTS, (kind, code, district, decision)
        if department.startswith("enforcement"):  # dispatched by the enforcement sub-centre (执法分中心)
            assert level == "enforcement", (kind, code, decision)
        else:
            assert level == ("district" if department in DISTRICT_DEPARTMENTS else "city"), (kind, code, decision)
        assert decision.outputs["auto_dispatch"] in (True, False)


def test_only_a_handful_of_routes_dispatch_automatically() -> None:
    table, _ = load("dispatch_routing")
    automatic = [rule.number for rule in table.rules if rule.outputs[2] == "True"]
    assert 2 <= len(automatic) <= 6


def test_every_filing_condition_gets_positive_limits_in_known_units() -> None:
    table, _ = load("time_limits")
    conditions = {rule.inputs[2].strip('"') for rule in table.rules if rule.inputs[2] and rule.inputs[2][0] == '"'}
    assert len(conditions) == 54  # one per row of case_standards.csv
    for condition, urgency, area in product(sorted(conditions), ("normal", "urgent"), ("A", "B", "C")):
        kind = "component" if condition[0] == "1" else "incident"
        decision = evaluate(table, {"kind": kind, "minor_code": condition[1:5], "filing_condition": condition,
                                    "urgency": urgency, "area_class": area})
        assert decision.rule_number != len(table.rules), f"{condition} fell to the catch-all"
        for stage in STAGES:
            limit, unit = decision.outputs[f"{stage}_limit"], decision.outputs[f"{stage}_unit"]
            assert isinstance(limit, int | float) and limit > 0 and unit in UNITS, (condition, stage, decision)
        if urgency == "urgent":
            assert decision.outputs["handle_unit"] == "hours", (condition, decision)


def test_the_core_area_never_gets_a_longer_limit() -> None:
    table, _ = load("time_limits")
    a_rules = [rule for rule in table.rules if rule.inputs[4] == '"A"']
    assert len(a_rules) >= 2
    for rule in a_rules:
        inputs = {"kind": rule.inputs[0].strip('"'), "minor_code": rule.inputs[1].strip('"'),
                  "filing_condition": rule.inputs[2].strip('"'), "urgency": "normal"}
        core, other = evaluate(table, {**inputs, "area_class": "A"}), evaluate(table, {**inputs, "area_class": "B"})
        assert working_hours(core.outputs) < working_hours(other.outputs), rule


def working_hours(outputs: dict) -> float:
    """The handling limit in working hours (1 working day = 8 working hours)."""
    return outputs["handle_limit"] * {"working_hours": 1, "working_days": 8}[outputs["handle_unit"]]


PROCESS_TABLES = ["process_selection", "emergency_level", "emergency_routing", "emergency_limits", "service_routing",
                  "service_limits"]


@pytest.mark.parametrize("name", PROCESS_TABLES)
def test_every_rule_of_the_process_tables_decides_one_of_its_examples(name: str) -> None:
    """Each rule has a worked example that it decides, and every example's expectation holds."""
    table, examples = load(name)
    decided = set()
    for example in examples:
        decision = evaluate(table, example["inputs"])
        assert dict(decision.outputs) == example["expected"], example["note"]
        decided.add(decision.rule_number)
    assert decided == set(range(1, len(table.rules) + 1))


def test_emergency_tables_name_existing_departments_and_continuous_units() -> None:
    routing, _ = load("emergency_routing")
    for rule in routing.rules:
        lead = rule.outputs[0].strip('"')
        assisting = [code for code in rule.outputs[1].strip('"').split(",") if code]
        assert lead in CITY_DEPARTMENTS | {""} and set(assisting) <= CITY_DEPARTMENTS, rule.number
        assert lead not in assisting, rule.number
    limits, _ = load("emergency_limits")
    for level in ("I", "II", "III", "IV", ""):
        outputs = evaluate(limits, {"response_level": level}).outputs
        units = {v for k, v in outputs.items() if k.endswith("_unit")}
        assert units <= {"minutes", "hours"}, level  # the emergency clock runs through nights and holidays
        assert outputs["acknowledge_limit"] < outputs["acknowledge_leader_limit"], level  # shift leader first
