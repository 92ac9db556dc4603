"""Reading filing standards: time limits as city documents write them, units, urgency, codes."""

from __future__ import annotations

import pytest

from engine.standards.filing import RowError, parse_limit, parse_row, parse_unit


def row(**over: str) -> dict[str, str]:
    base = {"kind": "incident", "minor_code": "0102", "minor_name": "暴露垃圾", "condition": "成堆垃圾",
            "time_limit": "4", "unit": "工作时", "urgency": "一般", "close_condition": "清除", "confidence": "sourced"}
    return {**base, **over}


@pytest.mark.parametrize(("text", "code"), [("工作时", "working_hours"), ("工作日(可按季节延至种植季)", "working_days"),
                                            ("小时(连续计时)", "hours"), ("工作分钟", "working_minutes"),
                                            ("working_days", "working_days")])
def test_units_map_to_the_glossary_codes(text: str, code: str) -> None:
    assert parse_unit(text) == code


def test_an_unknown_unit_is_refused() -> None:
    with pytest.raises(RowError, match="unit '天'"):
        parse_unit("天")


def test_phases_keep_each_part_with_its_own_unit() -> None:
    phases = parse_limit("停工4 / 处罚7 / 拆除20", "工作时 / 工作日 / 工作日")
    assert [(p["label"], p["time_limit"], p["unit"]) for p in phases] == [
        ("停工", 4.0, "working_hours"), ("处罚", 7.0, "working_days"), ("拆除", 20.0, "working_days")]


def test_one_unit_applies_to_every_part_and_a_part_may_have_no_number() -> None:
    phases = parse_limit("1(到场设警示) / 后续按修复计划", "小时(连续计时)")
    assert [(p["time_limit"], p["unit"]) for p in phases] == [(1.0, "hours"), (None, "hours")]
    assert parse_limit("立即(≤0.5到场)", "小时(连续计时)")[0]["time_limit"] == 0.5


def test_mismatched_parts_and_units_are_refused() -> None:
    with pytest.raises(RowError, match="2 time limits but 3 units"):
        parse_limit("1 / 2", "工作日 / 工作时 / 工作时")
    with pytest.raises(RowError, match="no number"):
        parse_limit("尽快", "工作日")


def test_codes_count_the_rows_of_each_class_from_one() -> None:
    positions: dict[str, int] = {}
    first = parse_row(row(), positions)
    second = parse_row(row(time_limit="1", unit="工作日", confidence="reconstructed: typical"), positions)
    other = parse_row(row(kind="component", minor_code="0101", urgency="紧急"), positions)
    assert (first["code"], second["code"], other["code"]) == ("20102-1", "20102-2", "10101-1")
    assert (first["time_limit"], first["unit"], first["reconstructed"]) == (4.0, "working_hours", False)
    assert second["reconstructed"] is True and other["urgency"] == "urgent"


def test_a_staged_row_is_sequential_and_keeps_the_first_phase_as_its_limit() -> None:
    staged = parse_row(row(minor_code="0101", time_limit="停工4 / 处罚7 / 拆除20",
                           unit="工作时 / 工作日 / 工作日", urgency="分阶段"), {})
    assert staged["sequential"] is True and staged["urgency"] == "phased"
    assert (staged["time_limit"], staged["unit"], len(staged["phases"])) == (4.0, "working_hours", 3)


def test_a_local_extension_row_belongs_to_its_class() -> None:
    assert parse_row(row(minor_code="0106*"), {"20106": 1})["code"] == "20106-2"


@pytest.mark.parametrize(("over", "message"), [({"kind": "thing"}, "kind"), ({"minor_code": "01a2"}, "4 or 5 digits"),
                                              ({"urgency": "马上"}, "urgency"), ({"condition": " "}, "condition")])
def test_bad_rows_are_refused_naming_the_column(over: dict[str, str], message: str) -> None:
    with pytest.raises(RowError, match=message):
        parse_row(row(**over), {})
