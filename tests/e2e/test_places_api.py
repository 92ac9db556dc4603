"""Geocoding, classes, components and administration over HTTP."""

from __future__ import annotations

import pytest
from shapely.geometry import Polygon, mapping, shape
from sqlalchemy import select

from engine.places import components, place_import
from engine.places.gcj02 import wgs84_to_gcj02
from engine.store.models import Case, Place
from tests.factories import GARBAGE, INSIDE, INSPECTOR, OUTSIDE, actor, open_task, report

LOCATE = "/api/v1/places/locate"


def test_locate_gives_the_chain_of_places_area_class_and_inspector(api):
    body = api.get(f"{LOCATE}?lon={INSIDE[0]}&lat={INSIDE[1]}", "operator").get_json()
    assert [(p["level"], p["code"]) for p in body["chain"]] == [
        ("grid", "65010200100101"), ("community", "650102001001"), ("street", "650102001"), ("district", "650102")]
    assert [p["name"] for p in body["chain"]] == ["网格01", "天山区第一社区", "天山区第一街道", "天山区"]
    assert (body["area_class"], body["inspector"], body["near_boundary"]) == ("B", INSPECTOR, False)


def test_a_point_on_a_shared_edge_goes_to_the_lower_code_and_is_flagged(api):
    body = api.get(f"{LOCATE}?lon=87.61&lat=43.805", "operator").get_json()
    assert body["grid_code"] == "65010200100101" and body["near_boundary"] is True
    assert body["boundary_distance_m"] == 0


def test_a_point_outside_every_grid_is_a_422(api):
    res = api.get(f"{LOCATE}?lon={OUTSIDE[0]}&lat={OUTSIDE[1]}", "operator")
    assert res.status_code == 422 and res.get_json()["error"] == "outside_managed_area"
    assert "outside the managed area" in res.get_json()["message"]


def test_a_point_in_a_hole_of_a_grid_is_outside(api, deps):
    layer = place_import.export_places(deps, "grid")
    first = layer["features"][0]
    outline = shape(first["geometry"])
    first["geometry"] = mapping(Polygon(outline.exterior.coords, [outline.buffer(-0.003).exterior.coords]))
    place_import.import_places(deps, actor(deps, "admin"), layer, "grid", replace=True)
    hole = api.get(f"{LOCATE}?lon={INSIDE[0]}&lat={INSIDE[1]}", "operator")
    assert hole.status_code == 422 and hole.get_json()["error"] == "outside_managed_area"
    ring = api.get(f"{LOCATE}?lon=87.6005&lat=43.8005", "operator").get_json()
    assert ring["grid_code"] == "65010200100101"


def test_a_gcj02_point_is_converted_before_locating(api):
    lon, lat = wgs84_to_gcj02(*INSIDE)
    body = api.get(f"{LOCATE}?lon={lon}&lat={lat}&crs=gcj02", "operator").get_json()
    assert body["grid_code"] == "65010200100101" and body["input"]["crs"] == "gcj02"
    assert body["lon"] == pytest.approx(INSIDE[0], abs=1e-8) and body["lat"] == pytest.approx(INSIDE[1], abs=1e-8)
    bad = api.get(f"{LOCATE}?lon={lon}&lat={lat}&crs=bd09", "operator")
    assert bad.status_code == 422 and "crs" in bad.get_json()["fields"]


def test_a_gcj02_report_lands_in_the_right_grid(api):
    lon, lat = wgs84_to_gcj02(*INSIDE)
    res = api.post("/api/v1/reports", json={"source": "citizen", "category_code": GARBAGE, "description": "垃圾",
                                            "lon": lon, "lat": lat, "crs": "gcj02"})
    assert res.status_code == 201 and res.get_json()["grid_code"] == "65010200100101"


def test_grids_carry_the_same_properties(api):
    grids = api.get("/api/v1/grids?district_code=650102", "operator").get_json()["features"]
    props = grids[0]["properties"]
    assert (props["community_name"], props["street_name"], props["district_name"]) == (
        "天山区第一社区", "天山区第一街道", "天山区")
    assert props["inspector"] == INSPECTOR and props["area_class"] == "B" and props["beat_code"] == "650102_01"


def test_a_class_has_its_filing_conditions_with_time_limits(api):
    body = api.get("/api/v1/categories/10101").get_json()
    assert body["minor_name"] == "上水井盖" and "water" in body["departments"]
    urgent, normal = body["filing_conditions"]
    assert (urgent["code"], urgent["time_limit"], urgent["unit"], urgent["urgency"]) == ("10101-1", 2, "hours",
                                                                                        "urgent")
    assert normal["unit"] == "working_days" and urgent["reconstructed"] is True and "default" in urgent["label"]
    staged = api.get("/api/v1/categories/20101").get_json()["filing_conditions"][1]
    assert staged["sequential"] and [p["unit"] for p in staged["phases"]] == ["working_hours", "working_days",
                                                                              "working_days"]
    assert staged["reconstructed"] is False and staged["label"] is None
    assert api.get("/api/v1/categories/19999").status_code == 404


@pytest.fixture
def lamps(deps):
    rows = [("line 2", {"code": "6501020118000001", "lon": 87.6051, "lat": 43.8051, "owner_department": "lighting"}),
            ("line 3", {"code": "6501020118000002", "lon": 87.6058, "lat": 43.8051}),
            ("line 4", {"code": "6501020101000001", "lon": 87.6051, "lat": 43.8052})]
    components.import_components(deps, actor(deps, "admin"), rows)


def test_components_in_a_box_and_nearest_of_a_class(api, lamps):
    boxed = api.get("/api/v1/components?bbox=87.60,43.80,87.61,43.81", "operator").get_json()
    assert len(boxed["features"]) == 3 and boxed["features"][0]["geometry"]["type"] == "Point"
    near = api.get(f"/api/v1/components/nearby?lon={87.6052}&lat={43.8051}&category_code=10118&radius_m=100",
                   "operator").get_json()["items"]
    assert [c["code"] for c in near] == ["6501020118000001", "6501020118000002"]
    assert near[0]["distance_m"] < near[1]["distance_m"] < 100
    assert api.get("/api/v1/components?bbox=1,2", "operator").status_code == 400


def test_a_report_names_a_registered_component_of_its_class(api, lamps, deps):
    report = {"source": "citizen", "category_code": "10118", "description": "路灯不亮", "lon": 87.6051, "lat": 43.8051}
    ok = api.post("/api/v1/reports", json={**report, "component_code": "6501020118000001"})
    assert ok.status_code == 201
    with deps.uow() as uow:
        assert uow.session.scalar(select(Case.component_code)) == "6501020118000001"
    unknown = api.post("/api/v1/reports", json={**report, "component_code": "6501020118999999"})
    other = api.post("/api/v1/reports", json={**report, "component_code": "6501020101000001"})
    assert unknown.status_code == other.status_code == 422
    assert unknown.get_json()["fields"] == {"component_code": "unknown component"}
    assert other.get_json()["fields"]["component_code"] == "a component of class 10101"


# --- administration ----------------------------------------------------------------------

def test_administration_is_for_administrators_only(api):
    assert api.get("/api/v1/admin/departments", "operator").status_code == 403
    assert api.post("/api/v1/admin/users", "dispatcher", json={"username": "x"}).status_code == 403


def test_an_administrator_manages_departments_and_every_change_is_audited(api):
    res = api.post("/api/v1/admin/departments", "admin", json={
        "code": "heating_650102", "name": "天山区供热办", "level": "district", "district_code": "650102",
        "category_codes": ["10110"]})
    assert res.status_code == 201 and res.get_json()["category_codes"] == ["10110"]
    bad = api.post("/api/v1/admin/departments", "admin", json={"code": "x", "name": "X", "level": "district",
                                                              "category_codes": ["99999"]})
    assert bad.status_code == 422 and set(bad.get_json()["fields"]) == {"district_code", "category_codes"}
    changed = api.call("PATCH", "/api/v1/admin/departments/heating_650102", "admin",
                       json={"name": "天山区供热管理办公室", "active": False}).get_json()
    assert changed["name"] == "天山区供热管理办公室" and changed["active"] is False
    events = api.get("/api/v1/admin/events?target_type=department", "admin").get_json()["items"]
    assert [(e["action"], e["actor"]) for e in events] == [("update_department", "admin"),
                                                          ("create_department", "admin")]


def test_an_administrator_creates_users_and_grants_and_revokes_roles(api):
    res = api.post("/api/v1/admin/users", "admin", json={"username": "wang", "password": "secret1",
                                                        "roles": ["operator@district:650102"]})
    assert res.status_code == 201
    assert api.post("/api/v1/admin/users/wang/roles", "admin",
                    json={"role": "handler", "department_code": "water"}).status_code == 204
    revoked = api.call("DELETE", "/api/v1/admin/users/wang/roles?role=handler&department_code=water", "admin")
    assert revoked.status_code == 204
    again = api.call("DELETE", "/api/v1/admin/users/wang/roles?role=handler&department_code=water", "admin")
    assert again.status_code == 404
    taken = api.post("/api/v1/admin/users", "admin", json={"username": "wang", "password": "secret1",
                                                          "roles": ["operator"]})
    assert taken.status_code == 422 and taken.get_json()["fields"] == {"username": "taken"}


def test_assigning_a_grid_inspector_moves_its_open_verify_task(api, deps):
    api.post("/api/v1/admin/users", "admin", json={"username": "new_inspector", "password": "demo",
                                                  "roles": ["inspector"]})
    case = api.post("/api/v1/reports", json={"source": "citizen", "category_code": GARBAGE, "description": "垃圾",
                                             "lon": INSIDE[0], "lat": INSIDE[1]}).get_json()
    task = api.get("/api/v1/tasks", "operator").get_json()["items"][0]
    api.post(f"/api/v1/tasks/{task['id']}/complete", "operator", json={"decision": "verify"})
    assert len(api.get("/api/v1/tasks", INSPECTOR).get_json()["items"]) == 1
    res = api.call("PATCH", "/api/v1/admin/grids/65010200100101", "admin", json={"inspector": "new_inspector"})
    assert res.status_code == 200 and res.get_json()["inspector"] == "new_inspector"
    assert api.get("/api/v1/tasks", INSPECTOR).get_json()["items"] == []
    moved = api.get("/api/v1/tasks", "new_inspector").get_json()["items"]
    assert [t["case_no"] for t in moved] == [case["case_no"]]
    beat = api.call("PUT", "/api/v1/admin/beats/650102_01/inspector", "admin", json={"username": INSPECTOR})
    assert beat.get_json()["grids"] == 4
    with deps.uow() as uow:
        inspectors = set(uow.session.scalars(select(Place.inspector_id).where(Place.beat_code == "650102_01")))
    assert len(inspectors) == 1
    not_inspector = api.call("PATCH", "/api/v1/admin/grids/65010200100101", "admin", json={"inspector": "operator"})
    assert not_inspector.status_code == 422 and "inspector" in not_inspector.get_json()["fields"]


def test_the_register_task_lists_duplicate_candidates(api, deps, clock):
    first = report(deps)
    clock.advance(hours=1)
    second = report(deps, where=(INSIDE[0] + 0.0002, INSIDE[1]))
    task = open_task(deps, second.case_no)
    body = api.get(f"/api/v1/tasks/{task.id}", "operator").get_json()
    assert [c["case_no"] for c in body["duplicates"]] == [first.case_no]
    assert 10 < body["duplicates"][0]["distance_m"] < 20
    assert "duplicate_of" in body["form"]["schema"]["properties"]
    bad = api.post(f"/api/v1/tasks/{task.id}/complete", "operator",
                   json={"decision": "void", "void_reason": "重复", "duplicate_of": "nope"})
    assert bad.status_code == 422 and "duplicate_of" in bad.get_json()["fields"]
    ok = api.post(f"/api/v1/tasks/{task.id}/complete", "operator",
                  json={"decision": "void", "void_reason": "重复", "duplicate_of": first.case_no})
    assert ok.get_json()["status"] == "void"
