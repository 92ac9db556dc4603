"""The big screen's use cases: the snapshot's points and panels, the delta after a cursor, scope."""

from __future__ import annotations

import pytest

from engine.command import screen
from engine.errors import Forbidden, Invalid
from tests.factories import INSIDE_650103, act, actor, report, straight_through


def test_snapshot_shows_open_cases_as_compact_points_and_counts_today(deps):
    first = report(deps, source="inspector")
    second = report(deps, source="citizen")
    act(deps, second.case_no, "register", {"decision": "file"})
    snap = screen.screen_snapshot(deps, actor(deps, "dispatcher"), None)
    by_no = {p[4]: p for p in snap["points"]}
    assert set(by_no) == {first.case_no, second.case_no}
    lon, lat, light, emergency, _ = by_no[first.case_no]
    assert isinstance(lon, float) and isinstance(lat, float) and emergency == 0
    assert snap["lights"][light] in ("green", "yellow", "red", None)
    stages = snap["panels"]["stages"]
    assert stages["reported"] == {"today": 2, "month": 2}
    assert stages["registered"]["today"] == 1 and stages["closed"]["today"] == 0
    assert snap["panels"]["sources"] == {"inspector": {"today": 1, "month": 1}, "citizen": {"today": 1, "month": 1}}
    assert snap["panels"]["classes"][0]["count"] == 2 and snap["panels"]["classes"][0]["name"]
    assert snap["cursor"] > 0


def test_delta_after_the_cursor_moves_a_closed_case_off_the_screen(deps):
    made = report(deps, source="inspector")
    snap = screen.screen_snapshot(deps, actor(deps, "dispatcher"), None)
    quiet = screen.screen_delta(deps, actor(deps, "dispatcher"), snap["cursor"])
    assert quiet["changed"] is False and quiet["cursor"] == snap["cursor"]
    straight_through(deps, made.case_no)
    delta = screen.screen_delta(deps, actor(deps, "dispatcher"), snap["cursor"])
    assert delta["changed"] is True and delta["cursor"] > snap["cursor"]
    assert delta["remove"] == [made.case_no] and delta["upsert"] == []
    after = screen.screen_snapshot(deps, actor(deps, "dispatcher"), None)
    assert after["points"] == [] and after["panels"]["stages"]["closed"]["today"] == 1
    assert after["panels"]["departments"][0]["code"] == "sanitation_650102"


def test_overdue_cases_are_listed_oldest_first_with_department_and_time_over(deps, clock):
    older = report(deps)
    clock.advance(hours=1)
    newer = report(deps)
    clock.advance(days=10)
    rows = screen.screen_snapshot(deps, actor(deps, "dispatcher"), None)["panels"]["overdue"]
    assert [r["case_no"] for r in rows] == [older.case_no, newer.case_no]
    assert rows[0]["seconds_over"] > rows[1]["seconds_over"] > 0
    points = screen.screen_snapshot(deps, actor(deps, "dispatcher"), None)["points"]
    assert {p[2] for p in points} == {3}  # red


def test_a_district_sub_centre_sees_its_own_district_only(deps):
    own = report(deps, source="inspector")
    other = report(deps, source="citizen", where=INSIDE_650103)
    snap = screen.screen_snapshot(deps, actor(deps, "dispatcher_650102"), None)
    assert snap["district_code"] == "650102" and [p[4] for p in snap["points"]] == [own.case_no]
    with pytest.raises(Forbidden):
        screen.screen_snapshot(deps, actor(deps, "dispatcher_650102"), "650103")
    city = screen.screen_snapshot(deps, actor(deps, "dispatcher"), "650103")
    assert [p[4] for p in city["points"]] == [other.case_no]
    with pytest.raises(Forbidden):
        screen.case_card(deps, actor(deps, "dispatcher_650102"), other.case_no)


def test_the_screen_is_for_the_command_centre(deps):
    with pytest.raises(Forbidden):
        screen.screen_snapshot(deps, actor(deps, "sanitation_650102"), None)
    with pytest.raises(Invalid) as err:
        screen.screen_snapshot(deps, actor(deps, "dispatcher"), "65")
    assert err.value.fields == {"district": "invalid"}


def test_the_case_card_offers_the_task_to_whoever_may_take_it(deps):
    made = report(deps, source="citizen")
    card = screen.case_card(deps, actor(deps, "operator"), made.case_no)
    assert card["case_no"] == made.case_no and card["task_id"] and card["tasks"][0]["stage"] == "register"
    assert screen.case_card(deps, actor(deps, "leader"), made.case_no)["task_id"] is None


def test_an_emergency_is_flagged_on_its_point(deps):
    from tests.integration.test_emergency_incident import phoned_in

    urgent = phoned_in(deps)
    plain = report(deps)
    by_no = {p[4]: p for p in screen.screen_snapshot(deps, actor(deps, "dispatcher"), None)["points"]}
    assert by_no[urgent.case_no][3] == 1 and by_no[plain.case_no][3] == 0
