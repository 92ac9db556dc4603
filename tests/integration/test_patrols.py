"""Patrols: a day's track uploaded in retry-safe batches, its distance, time and beat coverage,
seen only by the inspector, shift leaders and administrators, and deleted after the retention."""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta
from html import unescape as html_unescape

import pytest

from engine.command import patrols, screen
from engine.errors import Forbidden, Invalid
from engine.time.clock import BEIJING
from tests.factories import INSIDE, INSPECTOR, actor

START = datetime(2026, 3, 10, 9, 0, tzinfo=BEIJING)


def track(n: int, step_s: int = 10, start: datetime = START, lon_step: float = 0.0001) -> list[dict]:
    """n fixes walking east from inside grid 01 (0.0001° ≈ 8 m at this latitude)."""
    return [{"at": (start + timedelta(seconds=i * step_s)).isoformat(), "lon": INSIDE[0] + i * lon_step,
             "lat": INSIDE[1]} for i in range(n)]


def test_a_batch_sent_twice_is_stored_once(deps):
    me = actor(deps, INSPECTOR)
    points = track(100)
    assert patrols.upload_track(deps, me, points) == {"received": 100, "stored": 100}
    assert patrols.upload_track(deps, me, points[50:] + track(10, start=START + timedelta(hours=1))) == \
        {"received": 60, "stored": 10}


def test_the_days_distance_time_and_beat_coverage(deps):
    me = actor(deps, INSPECTOR)
    patrols.upload_track(deps, me, track(61))  # 10 minutes, 60 steps of ~8 m
    patrols.upload_track(deps, me, track(2, start=START + timedelta(hours=2)))  # after a long pause
    day = patrols.patrol_day(deps, me, INSPECTOR, date(2026, 3, 10))
    assert day["points"] == 63 and day["patrol_seconds"] == 600 + 10
    assert 60 * 7.5 < day["distance_m"] < 61 * 8.5
    assert day["beat"] and set(day["visited"]) | set(day["not_visited"]) == set(day["beat"])
    assert day["visited"] and 0 < day["coverage"] < 1
    assert patrols.patrol_day(deps, me, INSPECTOR, date(2026, 3, 11))["points"] == 0


def test_a_track_is_seen_by_the_inspector_shift_leaders_and_admins_only(deps):
    patrols.upload_track(deps, actor(deps, INSPECTOR), track(3))
    for who in ("shift_leader", "admin"):
        assert patrols.patrol_day(deps, actor(deps, who), INSPECTOR, date(2026, 3, 10))["points"] == 3
    for who in ("operator", "dispatcher", "inspector_650103_01"):
        with pytest.raises(Forbidden):
            patrols.patrol_day(deps, actor(deps, who), INSPECTOR, date(2026, 3, 10))
    with pytest.raises(Forbidden):
        patrols.upload_track(deps, actor(deps, "operator"), track(1))


def test_bad_fixes_name_the_point_and_nothing_is_stored(deps):
    points = track(3)
    points[1]["lat"] = 123
    with pytest.raises(Invalid) as err:
        patrols.upload_track(deps, actor(deps, INSPECTOR), points)
    assert list(err.value.fields) == ["points[1].lat"]
    assert patrols.patrol_day(deps, actor(deps, "admin"), INSPECTOR, date(2026, 3, 10))["points"] == 0


def test_old_tracks_are_deleted_after_the_retention_and_the_screen_shows_who_is_on_duty(deps, clock):
    patrols.upload_track(deps, actor(deps, INSPECTOR), track(3, start=clock.now() - timedelta(minutes=5)))
    on_duty = screen.screen_snapshot(deps, actor(deps, "dispatcher"), None)["panels"]["inspectors"]
    assert [i["username"] for i in on_duty] == [INSPECTOR]
    assert screen.screen_snapshot(deps, actor(deps, "dispatcher"), "650103")["panels"]["inspectors"] == []
    clock.advance(days=deps.settings.patrol["retention_days"] + 1)
    assert patrols.purge_tracks(deps) == 3


def test_the_case_page_tells_a_shift_leader_who_was_near(deps, client):
    from tests.factories import report
    from tests.pages.conftest import Pages

    patrols.upload_track(deps, actor(deps, INSPECTOR), track(30, lon_step=0.00001))  # 9:00–9:05, by the case
    made = report(deps, source="citizen")  # reported at 10:00, within the two hours
    assert [p["username"] for p in patrols.patrols_near(deps, actor(deps, "shift_leader"), INSIDE[0], INSIDE[1],
                                                        START)] == [INSPECTOR]
    assert patrols.patrols_near(deps, actor(deps, "operator"), INSIDE[0], INSIDE[1], START) == []
    pages = Pages(client)
    pages.login("shift_leader")
    html = pages.get(f"/cases/{made.case_no}").get_data(as_text=True)
    assert "上报前后附近的监督员" in html
    # The map draws the radius looked at, the nearest fix and the track inside it (巡查覆盖).
    config = json.loads(html_unescape(re.search(r"data-map='([^']+)'", html).group(1)))
    coverage = config["patrols"]
    assert coverage["radius_m"] == patrols.NEAR_RADIUS_M and len(coverage["inspectors"]) == 1
    nearest = coverage["inspectors"][0]
    assert len(nearest["track"]) == 30 and nearest["point"] == [INSIDE[1], INSIDE[0]]


def test_the_case_page_says_nobody_was_near_and_keeps_tracks_from_others(deps, client):
    from tests.factories import report
    from tests.pages.conftest import Pages

    far = [{**p, "lon": p["lon"] + 0.01} for p in track(10)]  # 800 m east
    patrols.upload_track(deps, actor(deps, INSPECTOR), far)
    made = report(deps, source="citizen")
    pages = Pages(client)
    pages.login("shift_leader")
    html = pages.get(f"/cases/{made.case_no}").get_data(as_text=True)
    assert "米范围内没有监督员巡查经过" in html
    assert json.loads(html_unescape(re.search(r"data-map='([^']+)'", html).group(1)))["patrols"]["inspectors"] == []
    pages.login("operator")
    html = pages.get(f"/cases/{made.case_no}").get_data(as_text=True)
    assert "没有监督员巡查经过" not in html
    assert json.loads(html_unescape(re.search(r"data-map='([^']+)'", html).group(1)))["patrols"] is None

