"""Many processes in Chromium: an escalated emergency sits on top of the shift leader's inbox in its own
colour, on a desktop and on a phone; a service request's answer reaches the citizen's tracking page."""

from __future__ import annotations

from datetime import timedelta

import pytest

from engine.cases import reports
from engine.time.scheduler import tick
from tests.browser.conftest import PHONE
from tests.factories import GARBAGE, INSIDE, act, actor, report

pytestmark = pytest.mark.browser


def gas_leak(deps) -> str:
    payload = reports.ReportInput(source="hotline", category_code="20403", description="闻到很浓的燃气味",
                                  lon=INSIDE[0], lat=INSIDE[1], channel_type="help")
    return reports.report_case(deps, actor(deps, "operator"), payload).case_no


def background(page, selector: str) -> str:
    return page.eval_on_selector(selector, "el => getComputedStyle(el).backgroundColor")


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_an_escalated_emergency_is_on_top_of_the_shift_leaders_inbox_in_its_own_colour(browse, deps, clock,
                                                                                        viewport):
    ordinary = report(deps).case_no
    act(deps, ordinary, "register", {"decision": "file"})  # the shift leader files it: an ordinary task
    urgent = gas_leak(deps)
    clock.set(clock.now() + timedelta(minutes=16))  # level III: not acknowledged within 15 minutes
    tick(deps)
    page = browse.page(PHONE, is_mobile=True, has_touch=True) if viewport == "phone" else browse.page()
    browse.login(page, "shift_leader")
    page.goto("/inbox/")
    rows = page.locator("table.inbox tbody tr")
    assert rows.count() >= 2
    first = rows.first
    assert urgent in first.inner_text() and "应急" in first.inner_text()
    assert "row-emergency" in (first.get_attribute("class") or "")
    ordinary_row = page.locator("table.inbox tbody tr", has_text=ordinary)
    assert "row-emergency" not in (ordinary_row.get_attribute("class") or "")
    assert background(page, "table.inbox tbody tr.row-emergency") != \
        ordinary_row.evaluate("el => getComputedStyle(el).backgroundColor")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    browse.shot(page, f"{viewport}-inbox-emergency")
    assert page.js_errors == []


def test_a_service_answer_appears_on_the_citizens_tracking_page(browse, deps):
    payload = reports.ReportInput(source="hotline", category_code=GARBAGE, description="垃圾什么时候清运？",
                                  lon=INSIDE[0], lat=INSIDE[1], reporter_phone="13900000000",
                                  channel_type="consultation")
    made = reports.report_case(deps, actor(deps, "operator"), payload)
    act(deps, made.case_no, "register", {"decision": "accept"})
    act(deps, made.case_no, "answer", {"answer": "每日 7 点和 19 点清运。", "comment": "内部：已核实排班"})
    page = browse.page(PHONE, is_mobile=True, has_touch=True)
    page.goto("/track")
    page.fill("#code", made.tracking_code)
    page.click("main form button[type=submit]")
    page.wait_for_selector("text=每日 7 点和 19 点清运。")
    text = page.inner_text("main")
    assert "答复" in text and "内部：已核实排班" not in text
    assert "13900000000" not in page.content()
    assert page.inner_text("ol.timeline").split("\n")[-1] == "答复"  # a public stage, by its task's name
    browse.shot(page, "phone-track-service-answer")
    assert page.js_errors == []
