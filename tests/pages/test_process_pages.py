"""Pages for every process: the case search filters by process and names it, the case page shows the process,
its response level and the linked case, and a supervisor starts an emergency from a city-management case."""

from __future__ import annotations

from engine.cases import reports
from tests.factories import INSIDE, MANHOLE, actor, report


def emergency(deps) -> str:
    payload = reports.ReportInput(source="hotline", category_code="20403", description="燃气泄漏", lon=INSIDE[0],
                                  lat=INSIDE[1], channel_type="help")
    return reports.report_case(deps, actor(deps, "operator"), payload).case_no


def test_the_case_search_filters_by_process_and_names_each(pages, deps):
    ordinary = report(deps).case_no
    urgent = emergency(deps)
    pages.login("shift_leader")
    html = pages.get("/cases?process=emergency_incident").get_data(as_text=True)
    assert urgent in html and ordinary not in html
    assert "突发事件应急处置" in html and "III 级" in html
    assert '<option value="service_request"' in html  # every startable process is offered
    html = pages.get("/cases?process=case_lifecycle").get_data(as_text=True)
    assert ordinary in html and urgent not in html


def test_an_emergency_case_page_names_its_process_level_and_stages_from_the_diagram(pages, deps):
    case_no = emergency(deps)
    pages.login("shift_leader")
    html = pages.get(f"/cases/{case_no}").get_data(as_text=True)
    assert "突发事件应急处置" in html and "III 级" in html
    assert "牵头部门接报" in html and "协办部门接报" in html  # stage names from the BPMN user tasks


def test_a_dispatcher_starts_an_emergency_from_a_case_and_both_pages_link(pages, deps):
    first = report(deps, category=MANHOLE).case_no
    pages.login("dispatcher_650102")
    html = pages.get(f"/cases/{first}").get_data(as_text=True)
    assert 'id="link"' in html and '<option value="emergency_incident">' in html
    assert '<option value="case_lifecycle">' not in html  # not its own process
    res = pages.post(f"/cases/{first}/links", {"process": "emergency_incident", "reason": "井盖缺失致人受伤"},
                     token_from=f"/cases/{first}")
    assert res.status_code == 303
    new = res.headers["Location"].rsplit("/", 1)[-1]
    assert new.startswith("YJ")
    assert first in pages.get(f"/cases/{new}").get_data(as_text=True)
    page = pages.get(f"/cases/{first}").get_data(as_text=True)
    assert new in page and 'id="link"' not in page  # linked once: the form is gone
    missing = pages.post(f"/cases/{new}/links", {"process": "service_request", "reason": ""},
                         token_from=f"/cases/{new}")
    assert missing.status_code == 303 and missing.headers["Location"].endswith("#link")
    assert "请填写原因并选择流程" in pages.get(f"/cases/{new}").get_data(as_text=True)


def test_citizens_and_departments_are_not_offered_a_linked_case(pages, deps):
    first = report(deps).case_no
    pages.login("operator")
    assert 'id="link"' not in pages.get(f"/cases/{first}").get_data(as_text=True)
