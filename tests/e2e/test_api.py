"""The JSON API: the lifecycle over HTTP and every error code of the contract."""

from __future__ import annotations

from sqlalchemy import func, select

from engine.store.models import Case
from tests.factories import GARBAGE, INSIDE, INSPECTOR, OUTSIDE

REPORT = {"source": "citizen", "category_code": GARBAGE, "description": "小区门口垃圾堆积",
          "lon": INSIDE[0], "lat": INSIDE[1], "reporter_name": "李四", "reporter_phone": "13900000000"}


def my_task(api, user):
    res = api.get("/api/v1/tasks", user)
    assert res.status_code == 200
    return res.get_json()["items"]


def complete(api, user, data):
    items = my_task(api, user)
    assert len(items) == 1, items
    return api.post(f"/api/v1/tasks/{items[0]['id']}/complete", user, json=data)


def test_a_citizen_report_travels_the_whole_process_over_http(api):
    res = api.post("/api/v1/reports", json=REPORT)
    assert res.status_code == 201
    body = res.get_json()
    assert body["status"] == "register" and body["district_code"] == "650102" and len(body["tracking_code"]) == 10
    case_no = body["case_no"]
    assert complete(api, "operator", {"decision": "file"}).get_json()["status"] == "verify"
    assert complete(api, INSPECTOR, {"confirmed": True}).get_json()["status"] == "file"
    assert complete(api, "shift_leader", {"decision": "file", "urgency": "normal"}).status_code == 200
    assert complete(api, "dispatcher_650102", {"department_code": "sanitation_650102"}).get_json()["status"] == "handle"
    assert complete(api, "sanitation_650102", {"outcome": "done", "comment": "已清理"}).status_code == 200
    assert complete(api, INSPECTOR, {"passed": True}).status_code == 200
    res = complete(api, "shift_leader", {})
    assert res.get_json() == {"case_no": case_no, "status": "closed"}
    case = api.get(f"/api/v1/cases/{case_no}", "shift_leader").get_json()
    actions = [(e["action"], e["actor"]) for e in case["timeline"]]
    assert actions[:3] == [("report", "anonymous"), ("register", "operator"), ("verify", INSPECTOR)]
    assert ("handle", "sanitation_650102") in actions and actions[-1] == ("closed", "system")
    handle = next(e for e in case["timeline"] if e["action"] == "handle")
    assert handle["comment"] == "已清理" and handle["role"] == "handler"


def test_idempotency_key_returns_the_same_case(api, deps):
    headers = {"Idempotency-Key": "phone-42-upload-1"}
    first = api.post("/api/v1/reports", INSPECTOR, json={**REPORT, "source": "inspector"}, headers=headers)
    again = api.post("/api/v1/reports", INSPECTOR, json={**REPORT, "source": "inspector"}, headers=headers)
    assert first.status_code == 201 and again.status_code == 200
    assert first.get_json()["case_no"] == again.get_json()["case_no"]
    with deps.uow() as uow:
        assert uow.session.scalar(select(func.count(Case.id))) == 1


def test_400_for_a_body_that_is_not_json(api):
    res = api.post("/api/v1/reports", data="not json", headers={"Content-Type": "text/plain"})
    assert res.status_code == 400 and res.get_json()["error"] == "bad_request"


def test_401_without_or_with_a_bad_token(api):
    assert api.get("/api/v1/tasks").status_code == 401
    res = api.get("/api/v1/tasks", headers={"Authorization": "Bearer nope"})
    assert res.status_code == 401 and res.get_json()["error"] == "unauthenticated"
    bad = api.post("/api/v1/auth/token", json={"username": "operator", "password": "wrong"})
    assert bad.status_code == 401


def test_a_revoked_token_no_longer_works(api):
    token = api.token("operator")
    headers = {"Authorization": f"Bearer {token}"}
    assert api.client.delete("/api/v1/auth/token", headers=headers).status_code == 204
    assert api.client.get("/api/v1/tasks", headers=headers).status_code == 401


def test_an_expired_token_no_longer_works(api, clock):
    api.token("operator")
    clock.advance(hours=13)
    assert api.get("/api/v1/tasks", "operator").status_code == 401


def test_logins_are_throttled_after_repeated_failures(api):
    for _ in range(5):
        api.post("/api/v1/auth/token", json={"username": "dispatcher", "password": "x"})
    res = api.post("/api/v1/auth/token", json={"username": "dispatcher", "password": "demo"})
    assert res.status_code == 429 and "Retry-After" in res.headers


def test_403_when_the_task_belongs_to_another_role(api):
    api.post("/api/v1/reports", json=REPORT)
    task_id = my_task(api, "operator")[0]["id"]
    assert my_task(api, "dispatcher") == []
    res = api.post(f"/api/v1/tasks/{task_id}/complete", "dispatcher", json={"decision": "file"})
    assert res.status_code == 403 and res.get_json()["error"] == "forbidden"
    assert api.get(f"/api/v1/tasks/{task_id}", "dispatcher").status_code == 403


def test_403_users_list_is_for_administrators(api):
    assert api.get("/api/v1/users", "operator").status_code == 403
    users = api.get("/api/v1/users", "admin").get_json()["items"]
    handler = next(u for u in users if u["username"] == "water")
    assert handler["roles"] == ["handler"] and handler["scopes"][0]["department_code"] == "water"


def test_404_for_unknown_case_and_task(api):
    assert api.get("/api/v1/cases/nope", "operator").status_code == 404
    assert api.post("/api/v1/tasks/nope/complete", "operator", json={}).status_code == 404


def test_409_when_the_task_was_completed_a_moment_ago(api):
    api.post("/api/v1/reports", json=REPORT)
    task_id = my_task(api, "operator")[0]["id"]
    assert api.post(f"/api/v1/tasks/{task_id}/complete", "operator", json={"decision": "verify"}).status_code == 200
    res = api.post(f"/api/v1/tasks/{task_id}/complete", "operator", json={"decision": "verify"})
    assert res.status_code == 409 and res.get_json()["error"] == "task_not_ready"


def test_422_report_errors_name_each_field(api):
    res = api.post("/api/v1/reports", json={"source": "pigeon", "category_code": "29999", "lon": "east"})
    assert res.status_code == 422
    fields = res.get_json()["fields"]
    assert set(fields) >= {"source", "description", "lon", "lat"}
    res = api.post("/api/v1/reports", json={**REPORT, "category_code": "29999"})
    assert res.status_code == 422 and "category_code" in res.get_json()["fields"]
    res = api.post("/api/v1/reports", json={**REPORT, "lon": OUTSIDE[0], "lat": OUTSIDE[1]})
    assert res.status_code == 422 and res.get_json()["error"] == "outside_managed_area"


def test_422_form_errors_are_field_level_and_change_nothing(api):
    api.post("/api/v1/reports", json=REPORT)
    task_id = my_task(api, "operator")[0]["id"]
    res = api.post(f"/api/v1/tasks/{task_id}/complete", "operator", json={"decision": 7, "extra": 1})
    assert res.status_code == 422
    assert set(res.get_json()["fields"]) == {"decision", "extra"}
    res = api.post(f"/api/v1/tasks/{task_id}/complete", "operator", json={"decision": "void"})
    assert res.status_code == 422 and set(res.get_json()["fields"]) == {"void_reason"}
    assert my_task(api, "operator")[0]["id"] == task_id


def test_task_detail_carries_its_form(api):
    api.post("/api/v1/reports", json=REPORT)
    task_id = my_task(api, "operator")[0]["id"]
    body = api.get(f"/api/v1/tasks/{task_id}", "operator").get_json()
    assert body["stage"] == "register" and body["form"]["schema"]["type"] == "object"
    assert "decision" in body["form"]["schema"]["properties"]


def test_personal_data_only_for_roles_that_need_it(api):
    case_no = api.post("/api/v1/reports", json=REPORT).get_json()["case_no"]
    assert api.get(f"/api/v1/cases/{case_no}", "operator").get_json()["reporter_phone"] == "13900000000"
    as_dispatcher = api.get(f"/api/v1/cases/{case_no}", "dispatcher").get_json()
    assert "reporter_phone" not in as_dispatcher and "reporter_name" not in as_dispatcher
    listed = api.get("/api/v1/cases", "dispatcher").get_json()["items"][0]
    assert "reporter_phone" not in listed


def test_case_list_filters_and_paginates(api):
    for _ in range(3):
        api.post("/api/v1/reports", json=REPORT)
    page = api.get("/api/v1/cases?status=register&district_code=650102&per_page=2", "operator").get_json()
    assert page["total"] == 3 and len(page["items"]) == 2
    assert api.get("/api/v1/cases?district_code=650103", "operator").get_json()["total"] == 0
    assert api.get("/api/v1/cases?page=zero", "operator").status_code == 400


def test_reference_data_endpoints(api):
    cats = api.get("/api/v1/categories").get_json()["items"]
    assert any(c["code"] == GARBAGE and c["minor_name"] == "暴露垃圾" for c in cats)
    deps_ = api.get("/api/v1/departments", "operator").get_json()["items"]
    assert {"water", "drainage", "power", "gas", "roads", "sanitation", "landscaping", "enforcement"} <= {
        d["code"] for d in deps_}
    grids = api.get("/api/v1/grids?district_code=650103", "operator").get_json()
    assert grids["type"] == "FeatureCollection" and len(grids["features"]) == 4
    assert {f["properties"]["district_code"] for f in grids["features"]} == {"650103"}
    boxed = api.get("/api/v1/grids?bbox=87.601,43.801,87.609,43.809", "operator").get_json()
    assert [f["id"] for f in boxed["features"]] == ["65010200100101"]


def test_anonymous_reports_through_the_api_are_rate_limited_per_address(api, deps):
    limit = deps.settings.public_reports_per_hour
    for _ in range(limit):
        assert api.post("/api/v1/reports", json=REPORT).status_code == 201
    res = api.post("/api/v1/reports", json=REPORT)
    assert res.status_code == 429 and "Retry-After" in res.headers
    # staff with a token are not limited by the citizens' rule
    assert api.post("/api/v1/reports", "operator", json={**REPORT, "source": "hotline"}).status_code == 201
