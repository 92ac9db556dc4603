"""In Chromium: a leader opens this month's district ranking (chart beside its table), clicks a
district's 按期结案率 and reaches the cases behind it; the Excel export of the page equals its table;
the same ranking on a phone."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook

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
    _export_equals_the_table(page)
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


def _shown(value: object, suffix: str = "") -> str:
    return "—" if value is None else f"{value:.2f}{suffix}"


def _export_equals_the_table(page) -> None:  # type: ignore[no-untyped-def]
    """Download the page's Excel export (the button a leader clicks) and compare every row and
    figure with the table on the screen: rank, code, name, each indicator, composite, grade."""
    with page.expect_download() as download:
        page.click("#export")
    assert download.value.suggested_filename == "evaluation-district-2026-04-standard.xlsx"
    with open(download.value.path(), "rb") as f:  # a download is stored without its extension
        book = load_workbook(f)
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[1]]
    lines = [dict(zip(header, r, strict=True)) for r in sheet.iter_rows(min_row=2, values_only=True)]
    labels = [h.inner_text().strip() for h in page.locator("#ranking-table thead th").all()]
    indicators = labels[2:-2]  # rank, object, the plan's indicators, composite, grade
    assert header == [header[0], header[1], header[2], *[x for label in indicators for x in (label, f"{label} 得分")],
                      labels[-2], labels[-1]]
    table = page.locator("#ranking-table tbody tr")
    assert table.count() == len(lines) > 0
    for n, line in enumerate(lines):
        row = table.nth(n)
        cells = [c.inner_text().strip() for c in row.locator("td").all()]
        rank, code, name = (line[h] for h in header[:3])
        assert row.get_attribute("data-code") == code
        assert cells[0] == (str(rank) if rank is not None else "—") and cells[1] == name
        assert cells[-2] == _shown(line[labels[-2]]) and cells[-1] == (line[labels[-1]] or "—")
        for label, cell in zip(indicators, cells[2:-2], strict=True):  # a rate shows its n/d after the value
            value = cell.split()[0]
            assert value == _shown(line[label], "%" if value.endswith("%") else ""), (code, label)
    about = dict(book.worksheets[1].iter_rows(values_only=True))
    assert "2026-04" in about.values()


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
