"""In Chromium: the operator opens a case (the reporter's phone is shown), the administrator finds that
view on the personal data page — both pages under the Content-Security-Policy without a violation."""

from __future__ import annotations

import pytest

from tests.factories import report

pytestmark = pytest.mark.browser


def test_a_phone_seen_on_the_case_page_is_listed_for_the_administrator(browse, deps):
    made = report(deps)
    operator = browse.page()
    browse.login(operator, "operator")
    operator.goto(f"/cases/{made.case_no}")
    assert "13800000000" in operator.inner_text("main")
    assert operator.js_errors == []

    admin = browse.page()
    browse.login(admin, "admin")
    admin.goto("/admin/")
    admin.click(".admin-tabs >> text=个人信息查看记录")
    admin.fill("input[name=case_no]", made.case_no)
    admin.select_option("select[name=field]", "reporter_phone")
    admin.click("form.filters button[type=submit]")
    rows = admin.locator("table.personal-data-views tbody tr")
    assert rows.count() == 1
    assert "operator" in rows.first.inner_text() and made.case_no in rows.first.inner_text()
    browse.shot(admin, "desktop-personal-data-views")
    assert admin.js_errors == []
