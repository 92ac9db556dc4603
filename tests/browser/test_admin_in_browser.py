"""In Chromium: the administrator edits a decision table in the dmn-js modeler, checks and dry-runs
it, saves and activates it; the case page's urge and reassign forms; the new pages on a phone."""

from __future__ import annotations

import json
import re

import pytest

from engine.rules import tables
from tests.browser.conftest import PHONE
from tests.e2e.test_rules_admin import landscaping_takes_garbage
from tests.factories import act, report

pytestmark = pytest.mark.browser
TABLE = "/admin/tables/dispatch_routing"


def test_admin_edits_a_cell_in_dmn_js_checks_dry_runs_saves_and_activates(browse, deps):
    recent = report(deps).case_no  # 暴露垃圾 outside the core area: rule 24 routes it
    page = browse.page()
    browse.login(page, "admin")
    page.click("nav.menu >> text=管理")
    page.click(".admin-tabs >> text=派遣路由")
    page.wait_for_selector("#dmn-canvas[data-state=ready]")
    assert page.locator("#dmn-xml").get_attribute("readonly") is not None  # the modeler owns the XML now

    # Change one output cell the way a person does: click it, select its text, type.
    cell = page.locator('td[data-element-id="rule_24_out_1"] .content-editable')
    assert cell.inner_text().strip() == '"sanitation_" + district_code'
    cell.click()
    page.keyboard.press("Control+A")
    page.keyboard.type('"landscaping_" + district_code')
    assert "已修改" in page.inner_text("#dmn-status")
    _, examples = landscaping_takes_garbage()
    page.fill("#examples", json.dumps(examples, ensure_ascii=False, indent=1))

    page.click("button:has-text('校验并试运行')")
    page.wait_for_selector("section.dry-run")
    result = page.inner_text("section.dry-run")
    assert "校验通过" in result and "近 30 天的 1 件案件中有 1 件的判定结果会改变" in result
    assert recent in result and "landscaping_650102" in result and "24 → 24" in result
    page.wait_for_selector("#dmn-canvas[data-state=ready]")  # the edited table is open again
    edited = page.locator('td[data-element-id="rule_24_out_1"] .content-editable').inner_text().strip()
    assert edited == '"landscaping_" + district_code'
    assert page.js_errors == []
    browse.shot(page, "desktop-admin-dmn", full=False)

    page.fill('input[name="note"]', "园林接管暴露垃圾")
    page.click("button:has-text('保存为新版本')")
    page.wait_for_url(re.compile(r"version=2"))
    assert "已保存为第 2 版（草稿）" in page.inner_text("main")
    page.click('tr[data-version="2"] button:has-text("启用")')
    page.wait_for_selector("text=第 2 版已启用")
    stored = tables.get_version(deps, "dispatch_routing")
    assert stored["version"] == 2 and '"landscaping_" + district_code' in stored["dmn_xml"]
    assert stored["note"] == "园林接管暴露垃圾"


def test_case_page_urge_and_reassign_and_the_new_pages_on_a_phone(browse, deps):
    case_no = report(deps).case_no
    act(deps, case_no, "register", {"decision": "file"})
    act(deps, case_no, "file", {"decision": "file"})
    act(deps, case_no, "dispatch", {"department_code": "sanitation_650102"})

    page = browse.page()
    browse.login(page, "shift_leader")
    page.goto(f"/cases/{case_no}")
    assert page.locator(".reassign-form select option").count() >= 1
    page.fill("#urge-instruction", "请今日内处置完毕并回复")
    page.click("#urge button[type=submit]")
    page.wait_for_selector("text=已督办：责任部门须优先答复。")
    assert page.locator(".open-tasks > li").count() == 2  # handling, and the urge to answer
    page.evaluate("window.scrollTo(0, 0)")
    browse.shot(page, "desktop-case-actions", full=False)

    phone = browse.page(PHONE, is_mobile=True, has_touch=True)
    browse.login(phone, "admin")
    for path in (TABLE, "/admin/tables/time_limits", "/admin/calendar", "/admin/", "/notifications/",
                 f"/cases/{case_no}"):
        phone.goto(path)
        if path.startswith("/admin/tables/"):
            phone.wait_for_selector("#dmn-canvas[data-state=ready]")  # both tables open in the modeler
        overflow = phone.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, (path, overflow)
    phone.goto(TABLE)
    phone.wait_for_selector("#dmn-canvas[data-state=ready]")
    browse.shot(phone, "phone-admin-dmn", full=False)
    assert phone.js_errors == [] and page.js_errors == []
