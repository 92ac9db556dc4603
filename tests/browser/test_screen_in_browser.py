"""The wall screen in Chromium: cases on the map, a completed case leaves it within the poll, one
viewport without scrolling at 1920×1080, no script errors, and a flat heap under a stream of steps."""

from __future__ import annotations

import pytest

from tests.factories import act, report, straight_through

pytestmark = pytest.mark.browser



def wait_until(page, expression: str, timeout: float = 10000) -> None:
    """Poll ``expression`` in the page (the CSP forbids the eval Playwright's wait_for_function uses)."""
    import time

    deadline = time.monotonic() + timeout / 1000
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for: {expression}")
        page.wait_for_timeout(100)

def open_screen(browse, username: str = "dispatcher"):
    page = browse.page()
    browse.login(page, username)
    page.goto("/screen/")
    try:
        wait_until(page, "window.szcgScreen && Number(document.body.dataset.cursor) > 0")
    except Exception as exc:
        raise AssertionError(page.js_errors) from exc
    return page


def click_point(page, case_no: str) -> None:
    """Click the case's point on the map (zoomed in until it is out of its cluster)."""
    x, y = page.evaluate(f"szcgScreen.reveal('{case_no}')")
    page.mouse.click(x, y)


def test_the_screen_shows_the_cases_and_a_completed_case_moves_without_a_reload(browse, deps):
    first = report(deps)
    second = report(deps, source="citizen")
    page = open_screen(browse)
    assert page.evaluate("szcgScreen.size()") == 2
    assert page.evaluate(f"szcgScreen.point('{first.case_no}')")[4] == first.case_no
    page.wait_for_selector("#panel-stages canvas")
    page.wait_for_selector(".leaflet-interactive")
    scroll = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.scrollHeight]")
    assert scroll == [1920, 1080]
    browse.shot(page, "screen-1920", full=False)

    page.evaluate("window.__notReloaded = true")
    straight_through(deps, first.case_no)
    wait_until(page, f"szcgScreen.point('{first.case_no}') === null", timeout=5000)
    assert page.evaluate("window.__notReloaded") is True and page.evaluate("szcgScreen.size()") == 1
    wait_until(page, "document.querySelector('#panel-overdue').textContent.length > 0")

    click_point(page, second.case_no)
    page.wait_for_selector("#case-card:not([hidden])")
    assert second.case_no in page.inner_text("#case-card")
    assert page.js_errors == []


def test_the_wall_of_a_4k_screen_is_filled_without_scrolling(browse, deps):
    report(deps)
    page = browse.page(viewport={"width": 3840, "height": 2160})
    browse.login(page, "leader")
    page.goto("/screen/")
    wait_until(page, "window.szcgScreen && szcgScreen.size() === 1")
    page.wait_for_selector("#panel-departments canvas")
    scroll = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.scrollHeight]")
    assert scroll == [3840, 2160]
    browse.shot(page, "screen-3840", full=False)
    assert page.js_errors == []


def test_a_district_sub_centre_opens_the_task_from_the_card(browse, deps):
    made = report(deps)
    act(deps, made.case_no, "register", {"decision": "file"})
    act(deps, made.case_no, "file", {"decision": "file"})
    page = open_screen(browse, "dispatcher_650102")
    click_point(page, made.case_no)
    page.wait_for_selector("#case-card a.card-task")
    assert "/tasks/" in page.get_attribute("#case-card a.card-task", "href")
    assert page.js_errors == []


def test_the_heap_stays_flat_under_a_stream_of_steps(browse, deps):
    cases = [report(deps).case_no for _ in range(6)]
    page = open_screen(browse)
    cdp = page.context.new_cdp_session(page)

    def heap() -> int:
        cdp.send("HeapProfiler.collectGarbage")
        return int(cdp.send("Runtime.getHeapUsage")["usedSize"])

    page.wait_for_timeout(1500)
    before = heap()
    for i in range(30):  # reports, registrations, closings: each one a delta the screen applies
        made = report(deps, source="citizen")
        if i % 2:
            act(deps, made.case_no, "register", {"decision": "file"})
        if i % 5 == 0 and cases:
            straight_through(deps, cases.pop())
        page.wait_for_timeout(300)
    wait_until(page, f"szcgScreen.size() === {30 + len(cases)}", timeout=5000)
    after = heap()
    assert after < before * 1.5 + 2_000_000, (before, after)
    assert page.js_errors == []


def test_the_screen_reconnects_after_the_server_was_away(browse, deps):
    made = report(deps)
    page = open_screen(browse)
    page.route("**/screen/delta.json*", lambda route: route.abort())  # the server is restarting
    wait_until(page, "document.getElementById('screen-status').textContent.length > 0")
    assert "重新连接" in page.inner_text("#screen-status")
    straight_through(deps, made.case_no)
    page.unroute("**/screen/delta.json*")
    wait_until(page, f"szcgScreen.point('{made.case_no}') === null", timeout=15000)
    wait_until(page, "document.getElementById('screen-status').textContent === ''")
