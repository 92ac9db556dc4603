"""Place codes (CJ/T 213) and component identifiers (CJ/T 214)."""

from __future__ import annotations

import pytest

from engine.places.codes import (
    CodeError,
    ancestor_code,
    child_code,
    level_of,
    parent_code,
    validate_component_code,
    validate_place_code,
)

GRID = "65010200100207"


@pytest.mark.parametrize(
    ("code", "level"),
    [("650102", "district"), ("650102001", "street"), ("650102001002", "community"), (GRID, "grid")],
)
def test_level_follows_length(code: str, level: str) -> None:
    assert level_of(code) == level
    assert validate_place_code(code, level) == code  # type: ignore[arg-type]


@pytest.mark.parametrize("code", ["", "65010", "6501020", "650102001002071", "6501020010020700"])
def test_wrong_length_is_rejected(code: str) -> None:
    with pytest.raises(CodeError, match="digits"):
        level_of(code)


@pytest.mark.parametrize("code", ["65010a", "650 02", "６５０１０２", "-65010", "650102.0"])
def test_non_digits_are_rejected(code: str) -> None:
    with pytest.raises(CodeError, match="only the digits"):
        validate_place_code(code, "district")


def test_non_string_is_rejected() -> None:
    with pytest.raises(CodeError, match="string"):
        validate_place_code(650102, "district")  # type: ignore[arg-type]


def test_level_mismatch_names_both_levels() -> None:
    with pytest.raises(CodeError, match=r"grid code '650102001' must have 14 digits.*street"):
        validate_place_code("650102001", "grid")


def test_parent_prefix_is_checked() -> None:
    assert validate_place_code(GRID, "grid", parent_code="650102001002") == GRID
    with pytest.raises(CodeError, match="not prefixed by its parent"):
        validate_place_code(GRID, "grid", parent_code="650102001003")
    with pytest.raises(CodeError, match="not prefixed by its parent"):
        validate_place_code(GRID, "grid", parent_code="650102001")  # grandparent is not the parent
    with pytest.raises(CodeError, match="no parent"):
        validate_place_code("650102", "district", parent_code="650100")


@pytest.mark.parametrize(
    ("code", "part"),
    [
        ("650100", "county-level"),
        ("650102000", "street"),
        ("650102001000", "community"),
        ("65010200100200", "grid"),
    ],
)
def test_zero_sequences_are_rejected(code: str, part: str) -> None:
    with pytest.raises(CodeError, match=part):
        validate_place_code(code)


def test_parent_and_ancestors_are_prefixes() -> None:
    assert parent_code(GRID) == "650102001002"
    assert parent_code("650102001") == "650102"
    assert parent_code("650102") is None
    assert ancestor_code(GRID, "street") == "650102001"
    assert ancestor_code(GRID, "grid") == GRID
    with pytest.raises(CodeError, match="no grid ancestor"):
        ancestor_code("650102001", "grid")


def test_child_code_pads_and_checks_range() -> None:
    assert child_code("650102", 1) == "650102001"
    assert child_code("650102001002", 7) == GRID
    with pytest.raises(CodeError, match=r"outside 1\.\.99"):
        child_code("650102001002", 100)
    with pytest.raises(CodeError, match="outside"):
        child_code("650102", 0)
    with pytest.raises(CodeError, match="no child"):
        child_code(GRID, 1)


def test_component_code_parts() -> None:
    parts = validate_component_code("3205080101000001")
    assert parts == ("320508", "01", "01", "000001")
    assert parts.category == "0101"
    assert (
        validate_component_code("6501020101000123", district_code="650102", minor_code="0101").sequence
        == "000123"
    )


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("650102010100012", "15 digits; expected 16"),
        ("65010201010001234", "17 digits"),
        ("650102O101000123", "only the digits"),
        ("6501020001000123", "major class"),
        ("6501020100000123", "minor class"),
        ("6501020101000000", "sequence"),
        ("6501000101000123", "county-level"),
    ],
)
def test_bad_component_codes(code: str, message: str) -> None:
    with pytest.raises(CodeError, match=message):
        validate_component_code(code)


def test_component_code_must_match_district_and_class() -> None:
    with pytest.raises(CodeError, match="not prefixed by district code '650103'"):
        validate_component_code("6501020101000123", district_code="650103")
    with pytest.raises(CodeError, match="of class 0101, not 0102"):
        validate_component_code("6501020101000123", minor_code="0102")
    with pytest.raises(CodeError, match="4 digits"):
        validate_component_code("6501020101000123", minor_code="01")


def test_code_error_is_a_value_error() -> None:
    assert issubclass(CodeError, ValueError)
