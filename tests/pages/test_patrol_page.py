"""城管通's patrol upload (the session endpoint static/js/patrol.js posts to): retry-safe, bad fixes named."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from engine.store.command_models import PatrolPoint
from tests.factories import INSIDE, INSPECTOR

DATA_CSRF = re.compile(r'data-csrf="([^"]+)"')


def post_track(pages, body, token=None):
    token = token or DATA_CSRF.search(pages.get("/m/").get_data(as_text=True)).group(1)
    return pages.client.post("/m/track", json=body, headers={"X-CSRFToken": token})


def count(deps) -> int:
    with deps.uow() as uow:
        return uow.session.scalar(select(func.count()).select_from(PatrolPoint))


def fixes(n: int) -> list[dict]:
    return [{"at": f"2026-03-10T10:00:{i:02d}+08:00", "lon": INSIDE[0] + i * 1e-4, "lat": INSIDE[1]} for i in range(n)]


def test_the_phone_page_carries_the_patrol_bar_and_a_batch_sent_twice_is_stored_once(pages, deps):
    pages.login(INSPECTOR)
    html = pages.get("/m/").get_data(as_text=True)
    assert 'id="patrol"' in html and "开始巡查" in html and 'data-fix-seconds="10"' in html
    first = post_track(pages, {"points": fixes(5)})
    assert first.status_code == 200 and first.get_json() == {"received": 5, "stored": 5}
    again = post_track(pages, {"points": fixes(8)})  # the answer was lost: resent, with three new fixes
    assert again.get_json() == {"received": 8, "stored": 3}
    assert count(deps) == 8


def test_a_bad_fix_is_named_and_nothing_of_its_batch_is_stored(pages, deps):
    pages.login(INSPECTOR)
    points = fixes(3)
    points[2]["lon"] = 200
    res = post_track(pages, {"points": points})
    assert res.status_code == 422 and "points[2].lon" in res.get_json()["fields"]
    res = post_track(pages, ["not", "an", "object"])
    assert res.status_code == 400 and "points" in res.get_json()["fields"]
    assert count(deps) == 0


def test_only_an_inspector_uploads_a_track_and_the_csrf_token_is_required(pages, deps):
    pages.login(INSPECTOR)
    assert pages.client.post("/m/track", json={"points": fixes(1)}).status_code == 400  # no token
    pages.login("operator")
    assert pages.client.post("/m/track", json={"points": fixes(1)},
                             headers={"X-CSRFToken": pages.token("/inbox/")}).status_code == 403
    assert count(deps) == 0
