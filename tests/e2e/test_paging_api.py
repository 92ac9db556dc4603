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


# GET operations that answer one thing — a record, a scorecard, a snapshot, a document — not a list.
ONE_THING = {
    "/api/v1/me", "/api/v1/cases/{case_no}", "/api/v1/tasks/{task_id}", "/api/v1/categories/{code}",
    "/api/v1/places/locate", "/api/v1/admin/tables/{key}", "/api/v1/screen", "/api/v1/screen/delta",
    "/api/v1/screen/cases/{case_no}", "/api/v1/patrols/{username}/{day}", "/api/v1/evaluation/{object_type}",
    "/api/v1/evaluation/publications/{period}", "/api/v1/evaluation/publications/{period}/compare",
    "/api/v1/evaluation/hotspots", "/api/v1/evaluation/integrity", "/api/v1/evaluation/distribution",
    "/api/v1/admin/calendar", "/api/v1/admin/webhooks/{subscription_id}", "/api/v1/openapi.json", "/api/v1/docs",
}
# What a list's required path and query arguments are in the test city, and who reads it.
ARGUMENTS = {
    "/api/v1/components": "bbox=87,43,88,44", "/api/v1/cameras/near": "lon=87.605&lat=43.805",
    "/api/v1/components/nearby": "lon=87.605&lat=43.805&category_code=10101",
    "/api/v1/evaluation/{object_type}/drill": "code=650102&figure=on_time_close_rate",
}
PATH_VALUES = {"key": {"/api/v1/admin/tables/{key}/versions": "dispatch_routing",
                       "/api/v1/admin/processes/{key}/versions": "case_lifecycle"},
               "fmt": "json", "object_type": "district"}


def _schema_text(operation):
    return str(operation["responses"].get("200", {}).get("content", {}))


def documented_lists():
    from web.api.openapi import document

    found = []
    for path, item in document()["paths"].items():
        if "get" in item and path not in ONE_THING:
            found.append(path)
    return found


def test_every_get_is_one_thing_or_a_documented_page():
    from web.api.openapi import document

    doc = document()
    gets = {p: item["get"] for p, item in doc["paths"].items() if "get" in item}
    assert set(gets) >= ONE_THING  # no stale names
    unpaged = [p for p, op in gets.items() if p not in ONE_THING and not any(
        name in _schema_text(op) for name in ("PageMembers", "CaseList", "FeatureCollection"))]
    assert unpaged == []
    for path in documented_lists():
        names = {p["name"] for p in gets[path]["parameters"]}
        assert {"limit", "after"} <= names, path


@pytest.fixture
def some_of_everything(api, deps):
    """Two cases, a subscription and an Open311 client, so most lists have more than one page of one."""
    from engine.exchange import open311
    from engine.store.exchange_models import WebhookSubscription
    from tests.factories import actor

    made = [api.post("/api/v1/reports", json=REPORT).get_json()["case_no"] for _ in range(2)]
    with deps.uow(write=True) as uow:
        sub = WebhookSubscription(name="r", url="https://receiver.example.org/", event_types=["case_created"],
                                  secret="whsec_" + "A" * 40, active=True, created_at=deps.clock.now(),
                                  created_by="admin")
        uow.session.add(sub)
        uow.session.flush()
        sub_id = sub.id
        uow.commit()
    for name in ("a", "b"):
        open311.create_client(deps, actor(deps, "admin"), name)
    return {"case_no": made[0], "subscription_id": str(sub_id)}


@pytest.mark.parametrize("path", documented_lists())
def test_every_documented_list_answers_a_keyset_page(api, some_of_everything, path):
    user = "leader" if "/evaluation/" in path else "operator" if path == "/api/v1/tasks" else "admin"
    url = path
    for name in ("case_no", "subscription_id", "key", "fmt", "object_type"):
        value = some_of_everything.get(name) or PATH_VALUES.get(name)
        value = value.get(path) if isinstance(value, dict) else value
        url = url.replace("{" + name + "}", str(value))
    url += "?" + "&".join(filter(None, [ARGUMENTS.get(path), "limit=1"]))
    res = api.get(url, user)
    assert res.status_code == 200, (url, res.get_json())
    body = res.get_json()
    assert {"next", "next_url", "total", "total_exact"} <= set(body), url
    listed = next(body[k] for k in ("items", "features", "cases") if k in body)
    assert len(listed) <= 1 and body["total"] >= len(listed)
    assert (body["next"] is None) == (body["total"] <= 1 and body["total_exact"])  # nothing cut silently
    assert ("Link" in res.headers) == (body["next"] is not None)
    if body["next"]:
        second = api.get(body["next_url"].replace("http://localhost", ""), user).get_json()
        again = next(second[k] for k in ("items", "features", "cases") if k in second)
        assert again and again != listed
    forged = api.get(f"{url}&after=bm90LWEtY3Vyc29y", user)
    assert forged.status_code == 422 and forged.get_json()["fields"] == {"after": "invalid"}, url
