"""Many processes over HTTP: the process list, a report naming its process (403, 422), a dispatcher
escalating a city-management case to an emergency with both cases linked, the case search's process filter."""

from __future__ import annotations

from tests.factories import GARBAGE, INSIDE, INSPECTOR, MANHOLE

REPORT = {"source": "inspector", "category_code": MANHOLE, "description": "上水井盖缺失",
          "lon": INSIDE[0], "lat": INSIDE[1]}


def test_the_process_list_says_what_each_diagram_declares(api):
    res = api.get("/api/v1/processes", "operator")
    assert res.status_code == 200
    items = {p["key"]: p for p in res.get_json()["items"]}
    assert set(items) == {"case_lifecycle", "emergency_incident", "service_request"}  # callable-only ones absent
    emergency = items["emergency_incident"]
    assert (emergency["name"], emergency["name_en"], emergency["case_no_prefix"]) == \
        ("突发事件应急处置", "Emergency incident", "YJ")
    assert emergency["limits_table"] == "emergency_limits" and emergency["end_states"] == ["closed"]
    assert emergency["stages"] == ["verify_on_site", "acknowledge", "respond", "assist_acknowledge",
                                   "urge_acknowledge", "leader_acknowledge", "assist", "review"]
    assert "dispatcher" in emergency["start_roles"] and emergency["version"] == 1
    assert api.get("/api/v1/processes").status_code == 401


def test_a_report_naming_a_process_is_checked_against_its_start_roles(api):
    named = {**REPORT, "category_code": GARBAGE, "process": "service_request"}
    res = api.post("/api/v1/reports", INSPECTOR, json=named)
    assert res.status_code == 403 and res.get_json()["error"] == "forbidden"
    res = api.post("/api/v1/reports", INSPECTOR, json={**named, "process": "no_such_process"})
    assert res.status_code == 422 and res.get_json()["fields"] == {"process": "unknown process"}
    res = api.post("/api/v1/reports", INSPECTOR, json={**REPORT, "process": "emergency_incident"})
    assert res.status_code == 201 and res.get_json()["case_no"].startswith("YJ")


def test_a_dispatcher_escalates_a_case_to_an_emergency_and_both_timelines_say_so(api):
    first = api.post("/api/v1/reports", INSPECTOR, json=REPORT).get_json()["case_no"]
    assert first.startswith("TS") or not first.startswith("YJ")
    body = {"process": "emergency_incident", "reason": "井盖缺失致一名行人受伤", "injuries": 1}
    res = api.post(f"/api/v1/cases/{first}/links", "dispatcher_650102", json=body)
    assert res.status_code == 201, res.get_json()
    made = res.get_json()
    assert made["linked_from"] == first and made["process_key"] == "emergency_incident"
    new = api.get(f"/api/v1/cases/{made['case_no']}", "shift_leader").get_json()
    old = api.get(f"/api/v1/cases/{first}", "shift_leader").get_json()
    assert (new["linked_case_no"], old["linked_case_no"]) == (first, made["case_no"])
    assert (new["process_key"], new["response_level"], new["injuries"]) == ("emergency_incident", "III", 1)
    assert (new["process_version"], old["process_key"], old["process_version"]) == (1, "case_lifecycle", 1)
    linked_from = [e for e in new["timeline"] if e["action"] == "linked_from"]
    linked_to = [e for e in old["timeline"] if e["action"] == "linked_to"]
    assert linked_from[0]["data"]["case_no"] == first and linked_to[0]["data"]["case_no"] == made["case_no"]
    assert old["status"] == "register"  # the first case keeps running in its own process
    again = api.post(f"/api/v1/cases/{first}/links", "dispatcher_650102", json=body)
    assert again.status_code == 409
    only_emergencies = api.get("/api/v1/cases?process=emergency_incident", "shift_leader").get_json()
    assert [c["case_no"] for c in only_emergencies["items"]] == [made["case_no"]]
    lifecycle = api.get("/api/v1/cases?process=case_lifecycle", "shift_leader").get_json()
    assert [c["case_no"] for c in lifecycle["items"]] == [first]


def test_linking_refuses_bad_input_and_changes_nothing(api):
    first = api.post("/api/v1/reports", INSPECTOR, json=REPORT).get_json()["case_no"]
    url = f"/api/v1/cases/{first}/links"
    res = api.post(url, "dispatcher_650102", json={"process": "emergency_incident"})
    assert res.status_code == 422 and res.get_json()["fields"] == {"reason": "required"}
    res = api.post(url, "dispatcher_650102", json={"process": "nope", "reason": "x"})
    assert res.status_code == 422 and res.get_json()["fields"] == {"process": "unknown process"}
    res = api.post(url, "dispatcher_650102", json=["emergency_incident"])
    assert res.status_code == 400
    res = api.post(url, "dispatcher_650102", json={"process": "case_lifecycle", "reason": "x"})
    assert res.status_code == 409
    res = api.post(url, "sanitation_650102", json={"process": "service_request", "reason": "x"})
    assert res.status_code == 403
    assert api.post("/api/v1/cases/NOPE/links", "dispatcher_650102",
                    json={"process": "emergency_incident", "reason": "x"}).status_code == 404
    case = api.get(f"/api/v1/cases/{first}", "shift_leader").get_json()
    assert case["linked_case_no"] is None and not [e for e in case["timeline"] if e["action"] == "linked_to"]
    assert api.get("/api/v1/cases?process=emergency_incident", "shift_leader").get_json()["items"] == []
