"""In Chromium: a leader opens this month's district ranking (chart beside its table), clicks a
district's 按期结案率 and reaches the cases behind it; the same ranking on a phone."""

from __future__ import annotations

import pytest

from tests.browser.conftest import PHONE
from tests.evaluation_data import case_no, load_month

pytestmark = pytest.mark.browser


def test_leader_reaches_the_cases_behind_a_districts_on_time_close_rate(browse, deps, clock):
    load_month(deps, clock)  # the clock is now 2026-04-05: this month is April
    page = browse.page()
    browse.login(page, "leader")
    page.click("nav.menu >> text=综合评价")
    page.wait_for_selector("body[data-charts=ready]")
    assert "区" in page.inner_text("h1") and "2026-04" in page.inner_text("h1")
    assert page.locator("#ranking-chart canvas").count() == 1
    page.wait_for_selector("#trend-chart[data-state=ready]")
    page.wait_for_selector("#map-chart[data-state=ready]")
    # 沙依巴克区 in April: c10 handled and closed on time, c8 still open (c7 suspended): 1/2
    row = page.locator('#ranking-table tr[data-code="650103"]')
    cell = row.locator('td[data-figure="on_time_close_rate"]')
    assert "50.00%" in cell.inner_text() and "1/2" in cell.inner_text()
    browse.shot(page, "desktop-evaluation-ranking", full=False)
    cell.locator("a").click()
    page.wait_for_selector("#drill-table")
    assert "按期结案率" in page.inner_text("h1")
    assert "2 件中 1 件计入" in page.inner_text("#drill-summary")
    rows = {r.locator("td").first.inner_text(): r.inner_text() for r in page.locator("#drill-table tbody tr").all()}
    assert set(rows) == {case_no("c8"), case_no("c10")}
    assert "按期" in rows[case_no("c10")] and "期末未结" in rows[case_no("c8")]
    page.click(f"text={case_no('c10')}")
    page.wait_for_load_state()
    assert case_no("c10") in page.inner_text("main")
    assert page.js_errors == []


def test_the_ranking_reads_on_a_phone(browse, deps, clock):
    load_month(deps, clock)
    page = browse.page(PHONE)
    browse.login(page, "leader")
    page.goto("/evaluation/district?period=2026-03")
    page.wait_for_selector("body[data-charts=ready]")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"]  # nothing wider than the screen: readable without zooming
    assert page.locator("#ranking-chart canvas").bounding_box()["width"] <= PHONE["width"]
    assert "71.50" in page.inner_text("#ranking-table")
    page.wait_for_selector("#trend-chart[data-state=ready]")
    page.wait_for_selector("#map-chart[data-state=ready]")
    browse.shot(page, "phone-evaluation-ranking")
    assert page.js_errors == []
