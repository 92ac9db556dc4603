"""Reporters' personal data: every showing audited (page, API, export), listed for administrators,
cleared after the retention time, and never written to the logs."""

from __future__ import annotations

import io
import logging

from openpyxl import load_workbook
from sqlalchemy import select

from engine.audit.verify import verify
from engine.store.audit_models import PersonalDataView
from engine.store.models import Case
from engine.time.scheduler import tick
from tests.factories import report, straight_through
from tests.pages.conftest import Pages

NAME, PHONE = "张三", "13800000000"  # what tests.factories.report leaves as the reporter


def _views(deps):
    with deps.uow() as uow:
        return [(v.viewer, v.case_no, v.field, v.channel, v.remote_addr)
                for v in uow.session.scalars(select(PersonalDataView).order_by(PersonalDataView.id))]


def test_a_phone_viewed_once_on_the_case_page_shows_up_in_the_audit_page(client, deps):
    made = report(deps)
    pages = Pages(client)
    pages.login("operator")
    html = pages.get(f"/cases/{made.case_no}").get_data(as_text=True)
    assert PHONE in html
    assert _views(deps) == [("operator", made.case_no, "reporter_name", "page", "127.0.0.1"),
                            ("operator", made.case_no, "reporter_phone", "page", "127.0.0.1")]
    pages.client.post("/logout", data={"csrf_token": pages.token("/inbox/")})
    pages.login("admin")
    page = pages.get("/admin/personal-data/?viewer=operator&field=reporter_phone").get_data(as_text=True)
    assert made.case_no in page and page.count("<tr>") == 2  # the header and the one phone view
    assert pages.get("/admin/personal-data/?viewer=dispatcher").get_data(as_text=True).count("<tr>") == 1


def test_the_audit_page_is_for_administrators_and_names_a_bad_filter(client, deps):
    pages = Pages(client)
    pages.login("operator")
    assert pages.get("/admin/personal-data/").status_code == 403
    pages.client.post("/logout", data={"csrf_token": pages.token("/inbox/")})
    pages.login("admin")
    res = pages.get("/admin/personal-data/?date_from=yesterday")
    assert res.status_code == 422 and "date_from" in res.get_data(as_text=True)


def test_api_reads_are_audited_and_roles_without_the_right_see_nothing(api, deps):
    made = report(deps)
    body = api.get(f"/api/v1/cases/{made.case_no}", "operator").get_json()
    assert body["reporter_phone"] == PHONE
    listed = api.get("/api/v1/cases", "shift_leader").get_json()
    assert listed["items"][0]["reporter_name"] == NAME
    assert "reporter_phone" not in api.get(f"/api/v1/cases/{made.case_no}", "dispatcher").get_json()
    seen = _views(deps)
    assert {(v[0], v[2], v[3]) for v in seen} == {("operator", "reporter_name", "api"),
                                                 ("operator", "reporter_phone", "api"),
                                                 ("shift_leader", "reporter_name", "api"),
                                                 ("shift_leader", "reporter_phone", "api")}
    audit = api.get("/api/v1/admin/personal-data-views?case_no=" + made.case_no, "admin").get_json()
    assert audit["total"] == 4 and {i["viewer"] for i in audit["items"]} == {"operator", "shift_leader"}
    assert api.get("/api/v1/admin/personal-data-views", "operator").status_code == 403
    bad = api.get("/api/v1/admin/personal-data-views?field=password", "admin")
    assert bad.status_code == 422 and "field" in bad.get_json()["fields"]


def test_the_export_carries_personal_data_only_for_roles_that_may_see_it_and_audits_each(client, deps):
    made = report(deps)
    pages = Pages(client)
    pages.login("dispatcher")
    rows = list(load_workbook(io.BytesIO(pages.get("/cases/export.xlsx").data)).active.iter_rows(values_only=True))
    assert "电话" not in rows[0] and PHONE not in str(rows) and _views(deps) == []
    pages.client.post("/logout", data={"csrf_token": pages.token("/cases")})
    pages.login("shift_leader")
    assert pages.get("/cases").status_code == 200 and _views(deps) == []  # the search page shows none
    rows = list(load_workbook(io.BytesIO(pages.get("/cases/export.xlsx").data)).active.iter_rows(values_only=True))
    assert rows[0][-2:] == ("举报人", "电话") and rows[1][-1] == PHONE
    assert {(v[1], v[2], v[3]) for v in _views(deps)} == {(made.case_no, "reporter_name", "export"),
                                                           (made.case_no, "reporter_phone", "export")}


def test_retention_clears_finished_cases_personal_data_and_keeps_the_case(deps, clock):
    closed = report(deps)
    straight_through(deps, closed.case_no)
    still_open = report(deps)
    clock.advance(days=deps.settings.personal_data_retention_days + 1)
    tick(deps)
    with deps.uow() as uow:
        cases = {c.case_no: c for c in uow.session.scalars(select(Case))}
    assert (cases[closed.case_no].reporter_name, cases[closed.case_no].reporter_phone) == (None, None)
    assert cases[closed.case_no].status == "closed" and cases[closed.case_no].closed_at is not None
    assert cases[still_open.case_no].reporter_phone == PHONE
    assert verify(deps, case_no=closed.case_no).ok  # the clearing is a chained timeline line
    from engine.cases.queries import get_case
    from tests.factories import actor

    timeline = get_case(deps, actor(deps, "admin"), closed.case_no)["timeline"]
    assert timeline[-1]["action"] == "personal_data_cleared"
    assert timeline[-1]["data"] == {"fields": ["reporter_name", "reporter_phone"]}


def test_no_retention_keeps_the_data(deps, clock):
    made = report(deps)
    straight_through(deps, made.case_no)
    deps.settings.raw["personal_data_retention_days"] = None
    clock.advance(days=4000)
    tick(deps)
    with deps.uow() as uow:
        assert uow.session.scalar(select(Case.reporter_phone).where(Case.case_no == made.case_no)) == PHONE


def test_no_personal_data_in_the_logs(client, api, deps, clock, caplog):
    caplog.set_level(logging.DEBUG)
    citizen = api.post("/api/v1/reports", json={"source": "citizen", "category_code": "20102",
                                                 "description": "垃圾", "lon": 87.605, "lat": 43.805,
                                                 "reporter_name": "李四", "reporter_phone": "13912345678"})
    assert citizen.status_code in (200, 201), citizen.get_json()
    made = report(deps)
    api.get(f"/api/v1/cases/{made.case_no}", "operator")
    straight_through(deps, made.case_no)
    pages = Pages(client)
    pages.login("shift_leader")
    pages.get(f"/cases/{made.case_no}")
    pages.get("/cases/export.xlsx")
    clock.advance(days=400)
    tick(deps)
    logged = caplog.text
    assert logged  # the flows did log
    for secret in (NAME, PHONE, "李四", "13912345678"):
        assert secret not in logged, secret
