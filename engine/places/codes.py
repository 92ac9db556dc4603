"""Place codes (CJ/T 213, GB/T 2260 / GB/T 10114) and component identifiers (CJ/T 214).

A place code is a prefix chain, so a grid code alone names its community, street and
district: ``650102 001 002 07`` = district 650102, street 001, community 002, grid 07.
That is why the geocoder needs no lookups above the grid, and why every check here is a
string check: codes arrive from forms, CSV imports and the API, never as trusted ints.

Layouts (digits):

========== ===== ============================================
level      width made of
========== ===== ============================================
district   6     GB/T 2260 county-level code (last two != 00)
street     9     district + 3 (001-099 街道, 100-199 镇 ...)
community  12    street + 3
grid       14    community + 2 (01-99)
component  16    district 6 + major 2 + minor 2 + sequence 6
========== ===== ============================================

GB/T 47678.5-2026 widens the minor class to 3 digits (a 17-digit identifier is likely);
the widths live in the constants below so that change is one edit plus tests.
"""

from __future__ import annotations

from typing import Literal, NamedTuple

Level = Literal["district", "street", "community", "grid"]

LEVELS: tuple[Level, ...] = ("district", "street", "community", "grid")
WIDTH: dict[Level, int] = {"district": 6, "street": 9, "community": 12, "grid": 14}
_LEVEL_BY_WIDTH: dict[int, Level] = {width: level for level, width in WIDTH.items()}

COMPONENT_WIDTH = 16
_MAJOR = slice(6, 8)
_MINOR = slice(8, 10)
_SEQUENCE = slice(10, 16)


class CodeError(ValueError):
    """A place or component code is malformed or does not belong where it is used."""


class ComponentCode(NamedTuple):
    """The four parts of a 16-digit component identifier."""

    district: str
    major: str
    minor: str
    sequence: str

    @property
    def category(self) -> str:
        """Major + minor (4 digits), the key of the component class table."""
        return self.major + self.minor


def _require_digits(code: object, what: str) -> str:
    """Accept only ASCII digits: ``str.isdigit`` alone lets full-width '６' through."""
    if not isinstance(code, str):
        raise CodeError(f"{what} must be a string of digits, got {type(code).__name__}")
    if not (code.isascii() and code.isdigit()):
        raise CodeError(f"{what} {code!r} must contain only the digits 0-9")
    return code


def level_of(code: str) -> Level:
    """Return the level a place code's length implies (6/9/12/14 digits)."""
    _require_digits(code, "place code")
    level = _LEVEL_BY_WIDTH.get(len(code))
    if level is None:
        raise CodeError(f"place code {code!r} has {len(code)} digits; expected 6, 9, 12 or 14")
    return level


def parent_code(code: str) -> str | None:
    """Return the code of the enclosing place (None for a district)."""
    index = LEVELS.index(level_of(code))
    return None if index == 0 else code[: WIDTH[LEVELS[index - 1]]]


def ancestor_code(code: str, level: Level) -> str:
    """Return the code of ``code``'s ancestor (or itself) at ``level``: a plain prefix."""
    own = level_of(code)
    if LEVELS.index(level) > LEVELS.index(own):
        raise CodeError(f"a {own} code {code!r} has no {level} ancestor")
    return code[: WIDTH[level]]


def _check_segments(code: str, level: Level) -> None:
    """Reject all-zero sequence parts: '000' means 'the parent itself' in GB/T 10114."""
    if code[4:6] == "00":
        raise CodeError(f"{code[:6]!r} is not a county-level district code (ends in 00)")
    start = WIDTH["district"]
    for inner in LEVELS[1 : LEVELS.index(level) + 1]:
        end = WIDTH[inner]
        if set(code[start:end]) == {"0"}:
            raise CodeError(
                f"{level} code {code!r}: the {inner} sequence {code[start:end]!r} must not be zero"
            )
        start = end


def validate_place_code(code: str, level: Level | None = None, parent_code: str | None = None) -> str:
    """Check a place code and return it.

    ``level`` (if given) must match the code's length; ``parent_code`` (if given) must be
    the code of the direct parent, i.e. a prefix one level up.
    """
    actual = level_of(code)
    if level is not None and actual != level:
        raise CodeError(
            f"{level} code {code!r} must have {WIDTH[level]} digits, it has {len(code)} (a {actual} code)"
        )
    _check_segments(code, actual)
    if parent_code is not None:
        expected = _parent_of_or_fail(code, actual)
        if parent_code != expected:
            raise CodeError(f"{actual} code {code!r} is not prefixed by its parent's code {parent_code!r}")
    return code


def _parent_of_or_fail(code: str, level: Level) -> str:
    if level == "district":
        raise CodeError(f"district code {code!r} has no parent place code")
    return code[: WIDTH[LEVELS[LEVELS.index(level) - 1]]]


def child_code(parent: str, sequence: int) -> str:
    """Build the code of the ``sequence``-th child of ``parent`` (zero-padded), checked."""
    level = level_of(parent)
    if level == "grid":
        raise CodeError(f"grid code {parent!r} has no child places")
    child_level = LEVELS[LEVELS.index(level) + 1]
    width = WIDTH[child_level] - WIDTH[level]
    if not 1 <= sequence < 10**width:
        raise CodeError(f"{child_level} sequence {sequence} is outside 1..{10**width - 1}")
    return validate_place_code(f"{parent}{sequence:0{width}d}", child_level)


def validate_component_code(
    code: str, district_code: str | None = None, minor_code: str | None = None
) -> ComponentCode:
    """Check a 16-digit component identifier and return its parts.

    ``district_code``: the district that must own it. ``minor_code``: the 4-digit class code
    (major + minor, e.g. ``0101`` 上水井盖) it must belong to; a minor class is only
    defined inside its major class, so the 2-digit minor alone would be ambiguous.
    """
    _require_digits(code, "component code")
    if len(code) != COMPONENT_WIDTH:
        raise CodeError(f"component code {code!r} has {len(code)} digits; expected {COMPONENT_WIDTH}")
    parts = ComponentCode(code[:6], code[_MAJOR], code[_MINOR], code[_SEQUENCE])
    validate_place_code(parts.district, "district")
    for name, value in (
        ("major class", parts.major),
        ("minor class", parts.minor),
        ("sequence", parts.sequence),
    ):
        if set(value) == {"0"}:
            raise CodeError(f"component code {code!r}: the {name} {value!r} must not be zero")
    if district_code is not None and parts.district != district_code:
        raise CodeError(f"component code {code!r} is not prefixed by district code {district_code!r}")
    if minor_code is not None:
        _require_digits(minor_code, "class code")
        if len(minor_code) != 4:
            raise CodeError(f"class code {minor_code!r} must be 4 digits (major 2 + minor 2)")
        if parts.category != minor_code:
            raise CodeError(f"component code {code!r} is of class {parts.category}, not {minor_code}")
    return parts
