"""Patrols over HTTP: 城管通's track upload and the day's figures."""

from __future__ import annotations

from tests.factories import INSPECTOR
from tests.integration.test_patrols import track


def test_the_inspector_uploads_and_the_shift_leader_reads_the_day(api):
    res = api.post("/api/v1/patrols/track", INSPECTOR, json={"points": track(5)})
    assert res.status_code == 200 and res.get_json() == {"received": 5, "stored": 5}
    day = api.get(f"/api/v1/patrols/{INSPECTOR}/2026-03-10", "shift_leader").get_json()
    assert day["points"] == 5 and len(day["track"]) == 5
    assert api.get(f"/api/v1/patrols/{INSPECTOR}/2026-03-10", "operator").status_code == 403
    assert api.get(f"/api/v1/patrols/{INSPECTOR}/10-03-2026", "admin").status_code == 422


def test_a_bad_fix_is_422_naming_it(api):
    points = track(2)
    points[0]["at"] = "yesterday"
    res = api.post("/api/v1/patrols/track", INSPECTOR, json={"points": points})
    assert res.status_code == 422 and "points[0].at" in res.get_json()["fields"]
