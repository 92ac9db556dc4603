"""城管通 records the patrol on a phone with a mocked GPS: fixes kept on the phone, uploaded in batches,
every fix stored exactly once although the network failed and an answer was lost on the way."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import func, select

from engine.command import patrols
from engine.store.command_models import PatrolPoint
from engine.store.models import User
from engine.time.clock import BEIJING
from tests.browser.conftest import PHONE
from tests.browser.test_screen_in_browser import wait_until
from tests.factories import INSIDE, INSPECTOR, actor

pytestmark = pytest.mark.browser


def stored(deps) -> list[datetime]:
    with deps.uow() as uow:
        user_id = uow.session.scalar(select(User.id).where(User.username == INSPECTOR))
        return list(uow.session.scalars(select(PatrolPoint.at).where(PatrolPoint.user_id == user_id)
                                        .order_by(PatrolPoint.at)))


def test_the_phone_records_the_patrol_and_uploads_it_retry_safe(browse, deps):
    deps.settings.patrol["fix_seconds"] = 1  # the shipped 10 s and 60 s, shortened for the test
    deps.settings.patrol["upload_seconds"] = 2
    lon, lat = INSIDE
    page = browse.page(PHONE, geolocation={"latitude": lat, "longitude": lon, "accuracy": 8},
                       permissions=["geolocation"], is_mobile=True, has_touch=True)
    browse.login(page, INSPECTOR)
    assert page.url.endswith("/m/")
    assert "未在巡查" in page.inner_text("#patrol")

    calls = {"n": 0}

    def flaky(route):
        calls["n"] += 1
        if calls["n"] <= 2:
            route.abort()  # no network at all
        elif calls["n"] == 3:
            route.fetch()  # the server stored the batch, but its answer never reached the phone
            route.abort()
        else:
            route.continue_()

    page.route("**/m/track", flaky)
    page.click("#patrol .patrol-toggle")
    assert "巡查中" in page.inner_text("#patrol .patrol-state")
    for i in range(1, 7):  # walking east along the street, a fix a second
        page.context.set_geolocation({"latitude": lat, "longitude": lon + i * 0.0002, "accuracy": 8})
        page.wait_for_timeout(1000)
    wait_until(page, "Number(document.getElementById('patrol').dataset.recorded) >= 6", timeout=10000)
    page.click("#patrol .patrol-toggle")  # end of the patrol: what is kept goes out
    assert "未在巡查" in page.inner_text("#patrol .patrol-state")
    wait_until(page, "document.getElementById('patrol').dataset.queued === '0'", timeout=60000)
    recorded = int(page.get_attribute("#patrol", "data-recorded"))
    assert calls["n"] >= 4
    at = stored(deps)
    assert len(at) == recorded and len(set(at)) == recorded  # none lost, none twice
    browse.shot(page, "phone-patrol")

    day = patrols.patrol_day(deps, actor(deps, INSPECTOR), INSPECTOR, at[0].astimezone(BEIJING).date())
    assert day["points"] == recorded and day["distance_m"] > 50
    page.wait_for_timeout(2500)  # off duty: no more fixes
    assert len(stored(deps)) == recorded
    assert page.js_errors == []


def test_the_patrol_stays_on_across_the_pages_of_the_app(browse, deps):
    deps.settings.patrol["fix_seconds"] = 1
    deps.settings.patrol["upload_seconds"] = 1
    lon, lat = INSIDE
    page = browse.page(PHONE, geolocation={"latitude": lat, "longitude": lon, "accuracy": 8},
                       permissions=["geolocation"], is_mobile=True, has_touch=True)
    browse.login(page, INSPECTOR)
    page.click("#patrol .patrol-toggle")
    page.wait_for_timeout(1500)
    page.goto("/m/report")
    assert "巡查中" in page.inner_text("#patrol .patrol-state")
    wait_until(page, "Number(document.getElementById('patrol').dataset.recorded) >= 3", timeout=10000)
    wait_until(page, "document.getElementById('patrol').dataset.queued === '0'", timeout=10000)
    with deps.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(PatrolPoint)) >= 3
    assert page.js_errors == []
