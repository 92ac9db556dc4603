"""Issue 16's "done when", walked in Chromium: a designer adds a step to the lifecycle and fixes its lane in the
browser with the pickers, deploys it, sees the diff to the old version, dry-runs the migration of the running
cases, migrates the safe ones and reads why the others stay; an administrator sees what a shorter limit for
garbage piles would have done to the past cases' on-time rates (table, chart, Excel) before activating it;
departments, users, beats and grids are kept without the CLI, on a phone."""

from __future__ import annotations

import io
import json
import time
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from engine.people import organisation
from engine.people.accounts import list_users
from engine.places import grids
from engine.processes import designer
from engine.time import whatif
from tests.browser.conftest import PHONE
from tests.factories import act, actor, open_task, report
from tests.integration.test_migration import to_handle, version_of
from tests.integration.test_whatif import beijing, candidate, handled_at

pytestmark = pytest.mark.browser
GRID = "65010200100101"

# The designer's one structural edit, made through the modeler's own API (the palette's drag and drop):
# a user task 复核 after the passed check, before closing — dropped by mistake in the dispatcher's lane.
ADD_REVIEW = """() => {
  const m = window.szcgDesigner, reg = m.get("elementRegistry"), modeling = m.get("modeling");
  const lane = reg.get("lane_dispatcher"), participant = reg.filter(e => e.type === "bpmn:Participant")[0];
  const right = Math.max(...reg.filter(e => e.type === "bpmn:Lane").map(l => l.x + l.width));
  modeling.resizeLane(participant, {x: participant.x, y: participant.y, width: participant.width + 220,
                                     height: participant.height});
  const bo = m.get("bpmnFactory").create("bpmn:UserTask", {id: "close_review", name: "复核"});
  const shape = m.get("elementFactory").createShape({type: "bpmn:UserTask", businessObject: bo});
  const review = modeling.createShape(shape, {x: right + 100, y: lane.y + lane.height / 2}, participant);
  const flow = reg.get("flow_check_close");
  modeling.reconnectEnd(flow, review, {x: review.x, y: review.y + review.height / 2});
  modeling.connect(review, reg.get("close"));
  m.get("canvas").zoom("fit-viewport");
  return reg.get("lane_dispatcher").businessObject.flowNodeRef.map(n => n.id).includes("close_review");
}"""


def poll(check, what: str, seconds: float = 15.0):  # type: ignore[no-untyped-def]
    """Wait until ``check()`` is true (the pages' CSP forbids string-evaluated waits)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _running_cases(deps, clock) -> tuple[str, str, str]:
    past = handled_at(deps, clock, beijing(2026, 3, 10, 18, 0))  # handled late for a 5-working-hour limit
    at_handle = report(deps).case_no  # waits in handle: the new step comes after it
    to_handle(deps, at_handle)
    at_close = report(deps).case_no  # passed the check already: the gateway it ran changes
    to_handle(deps, at_close)
    act(deps, at_close, "handle", {"outcome": "done"})
    act(deps, at_close, "check", {"passed": True})
    clock.set(beijing(2026, 3, 10, 18, 30))  # nothing of the running cases is overdue yet
    return past, at_handle, at_close


def test_the_console_does_what_issue_16_is_done_by(browse, deps, clock, tmp_path):
    past, at_handle, at_close = _running_cases(deps, clock)
    page = browse.page()
    browse.login(page, "admin")

    # -- the designer adds a step and fixes its lane --------------------------------------------------
    page.goto("/admin/processes/case_lifecycle/design")
    page.wait_for_selector("#designer[data-state=ready]")
    assert page.evaluate(ADD_REVIEW) is True
    page.click("#designer-check")
    page.wait_for_selector(".problems li")
    assert "close_review" in page.inner_text(".problems")  # no form for the new step: named on it
    assert "szcg-problem" in (page.get_attribute('.djs-element[data-element-id="close_review"]', "class") or "")
    page.click('.problems li.clickable[data-element="close_review"]')
    page.wait_for_selector("#f-formKey")
    assert "close" in page.locator("#f-formKey option").all_inner_texts()  # the deployed forms, to pick from
    page.select_option("#f-formKey", "close")
    assert page.input_value("#f-lane") == "dispatcher"
    page.select_option("#f-lane", "shift_leader")  # the lane fixed: the step moves to the shift leader's band
    poll(lambda: page.evaluate('() => window.szcgDesigner.get("elementRegistry").get("lane_shift_leader")'
                               '.businessObject.flowNodeRef.map(n => n.id).includes("close_review")'), "the lane move")
    page.click('.djs-element[data-element-id="lane_shift_leader"] .djs-hit')
    page.wait_for_selector("#f-role__lane_name_")
    assert page.locator("#f-role__lane_name_ option").all_inner_texts()[1:] == designer.palette(
        deps, actor(deps, "admin"))["roles"]  # a lane's role is one of szcg's roles, picked
    page.click("#designer-check")
    page.wait_for_selector("#designer-result .flash-ok")
    page.click("#designer-deploy")
    page.wait_for_selector("#designer-result .deployed")
    assert page.get_attribute("#designer-result .deployed", "data-version") == "2"
    browse.shot(page, "desktop-console-designer", full=False)

    # -- the diff to the old version ------------------------------------------------------------------
    page.goto("/admin/processes/case_lifecycle/compare?old=1&new=2")
    page.wait_for_selector("#compare[data-state=ready]")
    assert "diff-added" in (page.get_attribute('.djs-element[data-element-id="close_review"]', "class") or "")
    assert "diff-changed" in (page.get_attribute('.djs-element[data-element-id="flow_check_close"]', "class") or "")

    # -- dry run, migration of the safe cases, the reasons of the others -------------------------------
    page.goto("/admin/processes/case_lifecycle")
    page.select_option("select[name=to_version]", "2")
    page.click("#migrate button[value=dry_run]")
    rows = page.locator("table.migration tbody tr")
    expect(rows).to_have_count(3)
    verdicts = {row.locator("td").nth(0).inner_text(): (row.locator("td").nth(2).inner_text(),
                                                         row.locator("td").nth(3).inner_text())
                for row in rows.all()}
    assert verdicts[at_handle][0] == "可迁移" and verdicts[at_close][0] == "不迁移"
    assert "gw_check" in verdicts[at_close][1]  # why it stays: the gateway it ran changed
    assert version_of(deps, at_handle) == 1  # the dry run changed nothing
    page.select_option("select[name=to_version]", "2")
    page.click("#migrate button[value=migrate]")
    page.wait_for_selector("#migration-result")
    migrated = page.inner_text("#migration-result")
    assert "已迁移" in migrated and "gw_check" in migrated
    assert (version_of(deps, at_handle), version_of(deps, at_close)) == (2, 1)
    act(deps, at_handle, "handle", {"outcome": "done"})
    act(deps, at_handle, "check", {"passed": True})
    review = open_task(deps, at_handle)
    assert (review.bpmn_id, review.lane) == ("close_review", "shift_leader")  # the new step, in the fixed lane

    # -- what a shorter limit for garbage piles would have done ---------------------------------------
    xml, examples = candidate()
    expected = whatif.replay_limits(deps, "time_limits", xml, examples, since=beijing(2026, 3, 3, 18, 30),
                                    until=beijing(2026, 3, 10, 18, 30), actor="test")
    page.goto("/admin/tables/time_limits")
    page.wait_for_selector("#dmn-canvas[data-state=ready]")
    for cell, text in (("rule_33_out_1", "5"), ("rule_33_out_2", '"working_hours"')):
        editable = page.locator(f'td[data-element-id="{cell}"] .content-editable')
        editable.click()
        page.keyboard.press("Control+A")
        page.keyboard.type(text)
    page.fill("#examples", json.dumps(examples, ensure_ascii=False, indent=1))
    page.fill('input[name="days"]', "7")
    page.click("button[data-action=check]")
    page.wait_for_selector("#what-if")
    summary = page.inner_text("section.dry-run")
    pct = f"{expected['on_time_before']:.1%} → {expected['on_time_after']:.1%}"
    assert pct in summary and expected["on_time_after"] < expected["on_time_before"]
    page.wait_for_selector("#what-if-chart[data-state=ready] canvas")
    stage = page.inner_text("table.what-if-stage")
    assert "处置" in stage and "0.0%" in stage
    page.wait_for_selector("#dmn-canvas[data-state=ready]")
    with page.expect_download() as download:
        page.click("button[data-action=export]")
    assert download.value.suggested_filename == "what-if-time_limits.xlsx"
    book = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    changed = [r[0] for r in book["结论改变的任务"].iter_rows(min_row=2, values_only=True)]
    assert changed == [past]
    browse.shot(page, "desktop-console-what-if")

    # -- base data kept without the CLI, on a phone -----------------------------------------------------
    phone = browse.page(PHONE, is_mobile=True, has_touch=True)
    browse.login(phone, "admin")
    phone.goto("/admin/organisation")
    phone.fill("#departments input[name=code]", "heating")
    phone.fill("#departments input[name=name]", "市供热公司")
    phone.click("#departments button.primary")
    phone.wait_for_selector("text=heating")
    phone.fill("#users input[name=username]", "heating_1")
    phone.fill("#users input[name=password]", "s3cret-pass-1")
    phone.fill("#users input[name=roles]", "handler@department:heating")
    phone.click("#users button.primary")
    phone.wait_for_selector("text=heating_1")
    beat = phone.locator("table.beats tbody tr", has_text="650102_01")
    beat.locator("input[name=username]").fill("inspector_650103_01")
    beat.locator("button").click()
    phone.wait_for_selector(".flash-ok")
    assert {u["username"]: u["roles"] for u in list_users(deps)}["heating_1"] == ["handler"]
    beats = {b["beat_code"]: b["inspector"] for b in organisation.list_beats(deps, actor(deps, "admin"))}
    assert beats["650102_01"] == "inspector_650103_01"

    phone.goto("/admin/grids")
    phone.fill("#grid-code-search", GRID)
    phone.click("#grid-map-card button[type=submit]")
    phone.wait_for_selector("#grid-map[data-state=loaded]")
    assert int(phone.get_attribute("#grid-map", "data-count") or 0) >= 4  # the open grid and its neighbours
    phone.locator(f'path[data-grid="{GRID[:-2]}02"]').click()  # tap a neighbour on the map: it opens
    phone.wait_for_selector(f"#grid-edit >> text={GRID[:-2]}02")
    phone.select_option("#area_class", "C")
    phone.fill("#inspector", "inspector_650102_01")
    phone.click("#grid-edit button.primary")
    phone.wait_for_selector(".flash-ok")
    view = grids.grid_view(deps, GRID[:-2] + "02")
    assert (view["area_class"], view["inspector"]) == ("C", "inspector_650102_01")
    for path in ("/admin/grids", "/admin/organisation", "/admin/processes/case_lifecycle", "/admin/history"):
        phone.goto(path)
        overflow = phone.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, (path, overflow)
    phone.goto(f"/admin/grids?code={GRID}")
    phone.wait_for_selector("#grid-map[data-state=loaded]")
    browse.shot(phone, "phone-console-grids")
    assert page.js_errors == [] and phone.js_errors == []
