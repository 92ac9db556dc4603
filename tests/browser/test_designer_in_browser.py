"""The process designer in Chromium: open a deployed process in the modeler, change a user task's property,
see the deploy check's error marked on that element, fix it, deploy a new version, compare the versions."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_a_designer_edits_checks_deploys_and_compares(browse, deps):
    page = browse.page()
    browse.login(page, "admin")
    page.goto("/admin/processes/service_request/design")
    page.wait_for_selector("#designer[data-state=ready]")
    page.click('.djs-element[data-element-id="answer"]')
    page.wait_for_selector("#f-scope")
    page.fill("#f-scope", "galaxy")
    page.press("#f-scope", "Tab")
    page.click("#designer-check")
    page.wait_for_selector(".problems li")
    assert "galaxy" in page.inner_text(".problems")
    assert "szcg-problem" in (page.get_attribute('.djs-element[data-element-id="answer"]', "class") or "")
    page.click(".problems li.clickable")
    page.fill("#f-scope", "department")
    page.press("#f-scope", "Tab")
    page.fill("#f-priority", "high")
    page.press("#f-priority", "Tab")
    page.click("#designer-check")
    page.wait_for_selector("#designer-result .flash-ok")
    assert page.locator(".djs-element.szcg-problem").count() == 0
    page.click("#designer-deploy")
    page.wait_for_selector("#designer-result .deployed")
    assert page.get_attribute("#designer-result .deployed", "data-version") == "2"
    browse.shot(page, "desktop-designer")
    page.goto("/admin/processes/service_request")
    assert re.search(r"v2\s*新案件用此版本", page.inner_text("table.versions"))
    page.goto("/admin/processes/service_request/compare?old=1&new=2")
    page.wait_for_selector("#compare[data-state=ready]")
    assert "diff-changed" in (page.get_attribute('.djs-element[data-element-id="answer"]', "class") or "")
    browse.shot(page, "desktop-compare")
    assert page.js_errors == []


def test_a_form_edit_previews_as_the_task_page_and_deploys(browse, deps):
    page = browse.page()
    browse.login(page, "admin")
    page.goto("/admin/processes/service_request/forms/answer")
    assert "答复内容（市民可见）" in page.inner_text("#form-preview")
    text = page.input_value("#form-json")
    page.fill("#form-json", text.replace("答复内容（市民可见）", "给市民的答复"))
    expect(page.locator("#form-editor")).to_have_attribute("data-state", "previewed")
    assert "给市民的答复" in page.inner_text("#form-preview")
    assert page.locator("#form-preview textarea[name=answer]").count() == 1  # drawn by the task page's macro
    page.fill("#form-json", text.replace('"type": "object"', '"type": "objekt"', 1))
    page.wait_for_selector("#form-problems .flash-error")
    assert "objekt" in page.inner_text("#form-problems")  # deploy's JSON Schema check names the bad value
    page.fill("#form-json", text.replace("答复内容（市民可见）", "给市民的答复"))
    page.wait_for_selector("#form-problems .flash-ok")
    page.click("#form-deploy")
    expect(page.locator("#form-editor")).to_have_attribute("data-state", "deployed")
    assert page.get_attribute("#form-editor", "data-version") == "2"
    browse.shot(page, "desktop-form-editor")
    assert page.js_errors == []
