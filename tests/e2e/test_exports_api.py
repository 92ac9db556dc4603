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


def test_a_department_system_pulls_with_its_own_exchange_key_read_only(api, deps, client):
    mine = {dispatched(deps, "sanitation_650102") for _ in range(2)}
    dispatched(deps, "water")
    issued = api.post("/api/v1/admin/exchange/keys", "admin",
                      json={"name": "环卫系统", "username": "sanitation_650102"})
    assert issued.status_code == 201
    made = issued.get_json()
    assert made["api_key"].startswith("szk_") and made["department_code"] == "sanitation_650102"
    key = {"Authorization": f"Bearer {made['api_key']}"}
    res = client.get("/api/v1/exports/cases.csv", headers=key)
    assert res.status_code == 200 and {r["case_no"] for r in rows(res)} == mine  # its own cases only
    assert {c["case_no"] for c in client.get("/api/v1/cases", headers=key).get_json()["items"]} == mine
    assert client.get("/api/v1/grids?limit=1", headers=key).status_code == 200
    # read-only, and only the exports and reference lists
    for method, url in (("POST", "/api/v1/reports"), ("GET", "/api/v1/tasks"), ("GET", "/api/v1/admin/events"),
                        ("GET", f"/api/v1/cases/{next(iter(mine))}")):
        refused = client.open(url, method=method, headers=key, json={})
        assert refused.status_code == 403 and refused.get_json()["error"], (method, url)
    listed = api.get("/api/v1/admin/exchange/keys", "admin").get_json()
    assert [(k["name"], k["active"]) for k in listed["items"]] == [("环卫系统", True)]
    assert made["api_key"] not in str(listed)
    assert api.call("DELETE", f"/api/v1/admin/exchange/keys/{made['id']}", "admin").get_json()["active"] is False
    assert client.get("/api/v1/exports/cases.csv", headers=key).status_code == 401
    trail = api.get(f"/api/v1/admin/events?target_type=exchange_key&target={made['id']}", "admin").get_json()
    assert [e["action"] for e in trail["items"]] == ["revoke_exchange_key", "create_exchange_key"]


def test_an_exchange_key_is_for_a_department_s_account_only(api):
    for body, field in (({"name": "x", "username": "operator"}, "username"),
                        ({"name": "x", "username": "nobody"}, "username"), ({"username": "water"}, "name")):
        res = api.post("/api/v1/admin/exchange/keys", "admin", json=body)
        assert res.status_code == 422 and field in res.get_json()["fields"], body
    assert api.get("/api/v1/admin/exchange/keys", "admin").get_json()["total"] == 0
    assert api.post("/api/v1/admin/exchange/keys", "operator",
                    json={"name": "x", "username": "water"}).status_code == 403
    assert api.call("DELETE", "/api/v1/admin/exchange/keys/12345", "admin").status_code == 404
    assert api.get("/api/v1/exports/cases.json", headers={"Authorization": "Bearer szk_forged"}).status_code == 401


def test_grids_components_and_cameras_are_pulled_in_every_format_by_keyset_pages(api, deps):
    from engine.command.cameras import import_cameras
    from engine.places import components
    from tests.factories import INSIDE, INSIDE_650103, actor

    admin = actor(deps, "admin")
    components.import_components(deps, admin, [
        ("line 2", {"code": "6501020118000001", "lon": 87.6051, "lat": 43.8051}),
        ("line 3", {"code": "6501020101000001", "lon": 87.6052, "lat": 43.8052})])
    import_cameras(deps, admin, [
        ("line 2", {"code": "C1", "name": "路口东", "lon": INSIDE[0], "lat": INSIDE[1], "stream_url": "rtsp://x/1"}),
        ("line 3", {"code": "C2", "name": "路口西", "lon": INSIDE_650103[0], "lat": INSIDE_650103[1]})])
    grids = api.get("/api/v1/exports/grids.geojson?district_code=650103", "water")
    assert grids.mimetype == "application/geo+json" and grids.get_json()["total"] == 4
    assert grids.get_json()["features"][0]["geometry"]["type"] == "Polygon"
    grid_rows = rows(api.get("/api/v1/exports/grids.csv?limit=3", "water"))
    assert len(grid_rows) == 3 and grid_rows[0]["id"] and grid_rows[0]["geometry"].startswith('{"type":"Polygon"')
    listed = api.get("/api/v1/exports/components.json", "water").get_json()
    assert [c["id"] for c in listed["items"]] == ["6501020101000001", "6501020118000001"] and listed["total"] == 2
    first = api.get("/api/v1/exports/components.csv?limit=1", "water")
    assert [r["id"] for r in rows(first)] == ["6501020101000001"] and first.headers["X-Total-Count"] == "2"
    link = first.headers["Link"]
    second = api.get(link[1:link.index(">")].replace("http://localhost", ""), "water")
    assert [(r["id"], r["lon"], r["lat"]) for r in rows(second)] == [("6501020118000001", "87.6051", "43.8051")]
    cameras = api.get("/api/v1/exports/cameras.csv", "water")
    assert [(r["id"], r["name"], r["district_code"]) for r in rows(cameras)] == [("C1", "路口东", "650102"),
                                                                               ("C2", "路口西", "650103")]
    assert "rtsp" not in cameras.get_data(as_text=True)  # the way into the video stays inside
    assert [f["id"] for f in api.get("/api/v1/exports/cameras.geojson?district_code=650103",
                                     "water").get_json()["features"]] == ["C2"]
    assert api.get("/api/v1/exports/cameras.xlsx", "water").status_code == 404
    assert api.get("/api/v1/exports/grids.json?bbox=1,2", "water").status_code == 400
