"""The big screen's data: the snapshot, the delta since a cursor, one case's card."""

from __future__ import annotations

from flask import jsonify, request

from engine.command import screen
from engine.errors import Invalid
from web.api.common import actor, bp, deps


def district_arg() -> str | None:
    return request.args.get("district") or None


def cursor_arg() -> int:
    """The ``after`` cursor: a whole number, required (422 naming it otherwise)."""
    raw = request.args.get("after", "")
    if not raw.isdigit() or len(raw) > 18:
        raise Invalid("'after' must be the screen's cursor (a whole number)", fields={"after": "invalid"})
    return int(raw)


def points_wanted() -> bool:
    """``points=0`` leaves the map points out (the panels' own refresh)."""
    return request.args.get("points", "1") != "0"


@bp.get("/screen")
def screen_snapshot():  # type: ignore[no-untyped-def]
    """The whole screen: open cases as points, the panels, the cursor for the delta."""
    return jsonify(screen.screen_snapshot(deps(), actor(), district_arg(), with_points=points_wanted()))


@bp.get("/screen/delta")
def screen_delta():  # type: ignore[no-untyped-def]
    """What moved after the cursor ``after`` (the snapshot's or the previous delta's ``cursor``)."""
    return jsonify(screen.screen_delta(deps(), actor(), cursor_arg(), district_arg()))


@bp.get("/screen/cases/<case_no>")
def screen_case(case_no: str):  # type: ignore[no-untyped-def]
    return jsonify(screen.case_card(deps(), actor(), case_no))
