"""Every list of the API pages the same way, and its documented filters filter.

Found trying the API as a new client: ``GET /api/v1/tasks?case_no=`` returned the whole inbox and
``GET /api/v1/grids`` stopped at 5,000 features with no total and no next page.
"""

from __future__ import annotations

import pytest

from tests.factories import GARBAGE, INSIDE

REPORT = {"source": "citizen", "category_code": GARBAGE, "description": "垃圾堆积", "lon": INSIDE[0], "lat": INSIDE[1]}


def walk(api, url, user, key="items"):
    """Follow ``next_url`` to the end; the items of every page and the pages' bodies."""
    seen, bodies = [], []
    while url:
        res = api.get(url, user)
        assert res.status_code == 200, res.get_json()
        body = res.get_json()
        bodies.append(body)
        seen += body[key]
        assert ("Link" in res.headers) == (body["next_url"] is not None)
        url = body["next_url"] and body["next_url"].replace("http://localhost", "")
    return seen, bodies


def test_tasks_filtered_by_case_no_are_that_case_s_tasks_only(api):
    case_nos = [api.post("/api/v1/reports", json=REPORT).get_json()["case_no"] for _ in range(3)]
    everything = api.get("/api/v1/tasks", "operator").get_json()
    assert everything["total"] == 3
    one = api.get(f"/api/v1/tasks?case_no={case_nos[1]}", "operator").get_json()
    assert [t["case_no"] for t in one["items"]] == [case_nos[1]] and one["total"] == 1
    assert api.get("/api/v1/tasks?case_no=NO-SUCH-CASE", "operator").get_json()["items"] == []


def test_the_inbox_pages_through_every_task_once(api):
    made = {api.post("/api/v1/reports", json=REPORT).get_json()["case_no"] for _ in range(5)}
    items, bodies = walk(api, "/api/v1/tasks?limit=2", "operator")
    assert sorted(t["case_no"] for t in items) == sorted(made)
    assert [len(b["items"]) for b in bodies] == [2, 2, 1]
    assert {b["total"] for b in bodies} == {5} and all(b["total_exact"] for b in bodies)
    assert bodies[-1]["next"] is None


def test_grids_page_by_code_with_a_total_instead_of_stopping_silently(api):
    features, bodies = walk(api, "/api/v1/grids?limit=3", "operator", key="features")
    codes = [f["id"] for f in features]
    assert len(codes) == 8 and codes == sorted(set(codes))
    assert [len(b["features"]) for b in bodies] == [3, 3, 2]
    assert bodies[0]["type"] == "FeatureCollection" and bodies[0]["total"] == 8 and bodies[0]["total_exact"]
    # the filters stay on the next page
    district, _ = walk(api, "/api/v1/grids?limit=3&district_code=650103", "operator", key="features")
    assert {f["properties"]["district_code"] for f in district} == {"650103"} and len(district) == 4


@pytest.mark.parametrize("url", [
    "/api/v1/tasks", "/api/v1/cases", "/api/v1/grids", "/api/v1/components?bbox=87,43,88,44",
    "/api/v1/categories", "/api/v1/departments", "/api/v1/admin/departments", "/api/v1/admin/events",
    "/api/v1/users", "/api/v1/notifications", "/api/v1/admin/tables/dispatch_routing/versions",
])
def test_every_list_has_the_same_page_members_and_refuses_a_forged_cursor(api, url):
    body = api.get(url, "admin").get_json()
    assert {"next", "next_url", "total", "total_exact"} <= set(body)
    joiner = "&" if "?" in url else "?"
    res = api.get(f"{url}{joiner}after=bm90LWEtY3Vyc29y", "admin")
    assert res.status_code == 422 and res.get_json()["fields"] == {"after": "invalid"}


def test_short_lists_page_too(api):
    cats, bodies = walk(api, "/api/v1/categories?limit=100", None)
    assert len(bodies) > 1 and len(cats) == bodies[0]["total"] == len({c["code"] for c in cats})


def test_case_list_filters_by_class_and_source_and_pages_by_keyset(api):
    for _ in range(3):
        api.post("/api/v1/reports", json=REPORT)
    api.post("/api/v1/reports", "operator", json={**REPORT, "source": "hotline"})
    assert api.get("/api/v1/cases?source=hotline", "operator").get_json()["total"] == 1
    assert api.get("/api/v1/cases?category_code=10101", "operator").get_json()["total"] == 0
    items, bodies = walk(api, "/api/v1/cases?limit=3", "operator")
    assert len({c["case_no"] for c in items}) == 4 and bodies[0]["total"] == 4
