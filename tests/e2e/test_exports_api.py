"""Other departments' pulls: cases as CSV, GeoJSON and JSON, only what the department's account may read."""

from __future__ import annotations

import csv
import io

from tests.factories import act, report


def dispatched(deps, department):
    case_no = report(deps).case_no
    act(deps, case_no, "register", {"decision": "file"})
    act(deps, case_no, "file", {"decision": "file"})
    act(deps, case_no, "dispatch", {"department_code": department})
    return case_no


def rows(res):
    return list(csv.DictReader(io.StringIO(res.get_data(as_text=True).lstrip("\ufeff"))))


def test_a_department_pulls_only_its_own_cases_in_every_format(api, deps):
    mine = {dispatched(deps, "sanitation_650102") for _ in range(2)}
    dispatched(deps, "water")
    res = api.get("/api/v1/exports/cases.csv", "sanitation_650102")
    assert res.status_code == 200 and res.mimetype == "text/csv"
    assert {r["case_no"] for r in rows(res)} == mine and res.headers["X-Total-Count"] == "2"
    assert "reporter_phone" not in rows(res)[0]  # a department does not see the reporter
    geo = api.get("/api/v1/exports/cases.geojson", "sanitation_650102")
    assert geo.mimetype == "application/geo+json"
    assert {f["id"] for f in geo.get_json()["features"]} == mine
    assert geo.get_json()["features"][0]["geometry"]["type"] == "Point"
    assert {c["case_no"] for c in api.get("/api/v1/exports/cases.json", "sanitation_650102").get_json()["items"]} == mine


def test_a_csv_pull_pages_by_its_link_header(api, deps):
    made = {dispatched(deps, "sanitation_650102") for _ in range(3)}
    seen, url = [], "/api/v1/exports/cases.csv?limit=2"
    while url:
        res = api.get(url, "operator")
        seen += [r["case_no"] for r in rows(res)]
        link = res.headers.get("Link")
        url = link[1:link.index(">")].replace("http://localhost", "") if link else None
    assert sorted(seen) == sorted(made)


def test_an_unknown_format_is_a_404_with_the_error_body(api):
    res = api.get("/api/v1/exports/cases.xlsx", "operator")
    assert res.status_code == 404 and res.get_json()["error"] == "not_found"
