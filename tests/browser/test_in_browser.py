"""End to end in Chromium: the operator's inbox and forms, 城管通 on a phone with GPS and camera,
the citizen's report and tracking page, the language switch, and one case from citizen report
to closed entirely in the browser."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from engine.cases import attachments
from engine.store.models import Case
from tests.browser.conftest import PHONE
from tests.factories import INSIDE, INSPECTOR, actor, open_task, report, taker
from tests.pages.conftest import jpeg

pytestmark = pytest.mark.browser
HERE = {"latitude": INSIDE[1], "longitude": INSIDE[0], "accuracy": 8}


def photo(name: str = "scene.jpg", color: str = "orange") -> dict:
    return {"name": name, "mimeType": "image/jpeg", "buffer": jpeg(color, (640, 480), gps=(INSIDE[1], INSIDE[0]))}


def submit_and_wait(page, url_pattern: str) -> None:
    page.click("form[data-retry] button[type=submit]")
    page.wait_for_url(re.compile(url_pattern))


def test_operator_works_the_inbox_and_sees_form_errors_in_chinese(browse, deps):
    made = report(deps, source="citizen")
    page = browse.page()
    browse.login(page, "operator")
    assert page.url.endswith("/inbox/")
    row = page.locator("table.inbox tbody tr").first
    assert made.case_no in row.inner_text() and "暴露垃圾" in row.inner_text()
    browse.shot(page, "desktop-inbox")

    row.locator("a.open-task").click()
    page.wait_for_url(re.compile(r"/tasks/"))
    page.check("input[name=decision][value=void]")
    page.fill("#f-comment", "看不清照片")
    page.click("form[data-retry] button[type=submit]")
    page.wait_for_selector("#err-void_reason")
    assert "此项为必填项" in page.inner_text("#err-void_reason")
    assert page.input_value("#f-comment") == "看不清照片"  # what was typed is kept
    browse.shot(page, "desktop-task-invalid")

    page.check("input[name=decision][value=verify]")
    submit_and_wait(page, r"/inbox/\?done=1")
    assert f"案卷 {made.case_no} 已进入“核实”" in page.inner_text(".flash")
    page.goto(f"/cases/{made.case_no}")
    assert "核实" in page.inner_text(".page-head")
    page.wait_for_selector(".leaflet-interactive")
    assert page.locator(".leaflet-interactive").count() >= 2, page.js_errors  # point and grids, offline
    browse.shot(page, "desktop-case")
    assert page.js_errors == []


def test_inspector_reports_from_a_phone_with_gps_and_camera(browse, deps):
    page = browse.page(PHONE, geolocation=HERE, permissions=["geolocation"], is_mobile=True, has_touch=True)
    browse.login(page, INSPECTOR)
    assert page.url.endswith("/m/")
    page.click("a.big-button")
    expect(page.locator("#lat")).not_to_have_value("")  # no eval: the page's CSP forbids it
    assert abs(float(page.input_value("#lat")) - INSIDE[1]) < 1e-5
    page.set_input_files("#photos", [photo()])
    page.fill(".picker-search", "垃圾")
    page.locator("label.picker-item:visible", has_text="暴露垃圾").first.click()
    page.fill("#description", "公交站旁垃圾满溢")
    browse.shot(page, "phone-report")
    submit_and_wait(page, r"/m/$")
    assert "已上报" in page.inner_text(".flash")
    browse.shot(page, "phone-home")
    with deps.uow() as uow:
        case = uow.session.scalar(select(Case).order_by(Case.id.desc()))
        assert case.source == "inspector" and case.description == "公交站旁垃圾满溢"
    photos = attachments.list_attachments(deps, actor(deps, "admin"), case.case_no)
    assert len(photos) == 1 and photos[0].kind == "before" and photos[0].exif_lat is not None
    assert page.js_errors == []


def test_a_citizen_reports_and_follows_the_tracking_page(browse, deps):
    page = browse.page(PHONE, geolocation=HERE, permissions=["geolocation"], is_mobile=True, has_touch=True)
    page.goto("/")
    page.click("text=我要上报")
    expect(page.locator("#lat")).not_to_have_value("")  # no eval: the page's CSP forbids it
    page.locator(".map-picker").click(position={"x": 180, "y": 140})  # correct the point by tapping
    page.set_input_files("#photos", [photo("citizen.jpg", "gray")])
    page.fill(".picker-search", "井盖")
    page.locator("label.picker-item:visible", has_text="上水井盖").first.click()
    page.fill("#description", "井盖松动，踩上去会响")
    page.fill("input[name=reporter_phone]", "13912345678")
    submit_and_wait(page, r"/track/[A-Z2-9]+\?new=1")
    code = page.inner_text("strong.tracking-code")
    assert "受理" in page.inner_text(".public-status")
    browse.shot(page, "phone-track")
    assert "13912345678" not in page.content()

    page.goto("/track")
    page.fill("#code", code.lower())
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(f"/track/{code}$"))
    assert "上水井盖" in page.content()
    assert page.js_errors == []


def test_switching_language(browse, deps):
    page = browse.page()
    browse.login(page, "operator")
    assert "任务列表" in page.inner_text("h1")
    page.click("form.lang button[value=en]")
    page.wait_for_load_state()
    assert "Inbox" in page.inner_text("h1") and page.get_attribute("html", "lang") == "en"
    page.click("form.lang button[value=zh_CN]")
    page.wait_for_load_state()
    assert "任务列表" in page.inner_text("h1")


PAGES_FOR = {
    "operator": ["/inbox/", "/cases", "/cases/{case_no}", "/tasks/{task}"],
    None: ["/", "/report", "/track", "/login"],
}


def test_pages_fit_a_phone_screen_without_sideways_scrolling(browse, deps):
    made = report(deps)
    task = open_task(deps, made.case_no).id
    for user, paths in PAGES_FOR.items():
        page = browse.page(PHONE, is_mobile=True, has_touch=True)
        if user:
            browse.login(page, user)
        for path in paths:
            page.goto(path.format(case_no=made.case_no, task=task))
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, (path, overflow)
        if user:
            browse.shot(page, "phone-task")


FILL = {  # what a person enters at each stage to move the case straight on
    "register": lambda p: p.check("input[name=decision][value=file]"),
    "verify": lambda p: (p.check("input[name=confirmed][value=true]"),
                         p.set_input_files("#task-photos", [photo("verify.jpg", "yellow")])),
    "file": lambda p: p.check("input[name=decision][value=file]"),
    "dispatch": lambda p: p.select_option("#f-department_code", "sanitation_650102"),
    "handle": lambda p: (p.check("input[name=outcome][value=done]"), p.fill("#f-comment", "已清运"),
                         p.set_input_files("#task-photos", [photo("after.jpg", "green")])),
    "check": lambda p: p.check("input[name=passed][value=true]"),
    "close": lambda p: p.fill("#f-comment", "处置到位，同意结案"),
}
ENDPOINT = {"inspector": "/m/tasks/", "handler": "/dept/tasks/"}


def test_a_case_from_citizen_report_to_closed_entirely_in_the_browser(browse, deps):
    citizen = browse.page(PHONE, geolocation=HERE, permissions=["geolocation"], is_mobile=True, has_touch=True)
    citizen.goto("/report")
    expect(citizen.locator("#lat")).not_to_have_value("")
    citizen.fill(".picker-search", "暴露垃圾")
    citizen.locator("label.picker-item:visible", has_text="暴露垃圾").first.click()
    citizen.fill("#description", "小区门口垃圾三天没人清")
    submit_and_wait(citizen, r"/track/")
    code = citizen.inner_text("strong.tracking-code")
    with deps.uow() as uow:
        case_no = uow.session.scalar(select(Case.case_no).where(Case.tracking_code == code))

    stages = []
    while len(stages) < 12:
        with deps.uow() as uow:
            status = uow.session.scalar(select(Case.status).where(Case.case_no == case_no))
        if status in ("closed", "void"):
            break
        task = open_task(deps, case_no)
        stages.append(task.stage)
        assert task.stage in FILL, f"no browser step for stage {task.stage}"
        phone = task.lane == "inspector"
        page = browse.page(PHONE, geolocation=HERE, permissions=["geolocation"], is_mobile=True) if phone \
            else browse.page()
        browse.login(page, taker(deps, task))
        page.goto(f"{ENDPOINT.get(task.lane, '/tasks/')}{task.id}")
        FILL[task.stage](page)
        page.click("form[data-retry] button[type=submit]")
        # The form posts by fetch (retry-safe) and then navigates: wait for the answer's flash, not for a
        # quiet network, which a loaded machine reaches before the post has even started.
        expect(page.locator(".flash-ok", has_text="办理完成")).to_have_count(1, timeout=20_000)
        assert page.js_errors == []
    assert status == "closed" and stages[:2] == ["register", "verify"] and stages[-1] == "close"

    citizen.goto(f"/track/{code}")
    assert "已结案" in citizen.inner_text(".public-status")
    assert citizen.locator(".photos img").count() == 2  # before (verify) and after, without metadata
    browse.shot(citizen, "phone-track-closed")
    leader = browse.page()
    browse.login(leader, "leader")
    leader.goto(f"/cases/{case_no}")
    timeline = leader.inner_text("ol.timeline")
    for word in ("信息收集", "受理", "核实", "立案", "派遣", "处置", "核查", "结案"):
        assert word in timeline, word
    browse.shot(leader, "desktop-case-closed")
