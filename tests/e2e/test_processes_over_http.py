"""The two new processes end to end over the JSON API, each department with its own token: a gas leak phoned in
runs the emergency process to its after-action review; a 12345 consultation is answered, called back and closed."""

from __future__ import annotations

from tests.factories import GARBAGE, INSIDE, INSPECTOR


def tasks_of(api, user, case_no):
    res = api.get(f"/api/v1/tasks?case_no={case_no}", user)
    assert res.status_code == 200, res.get_json()
    return res.get_json()["items"]


def complete(api, user, task, data, status=200):
    res = api.post(f"/api/v1/tasks/{task['id']}/complete", user, json=data)
    assert res.status_code == status, res.get_json()
    return res.get_json()


def only(api, user, case_no, stage):
    found = [t for t in tasks_of(api, user, case_no) if t["stage"] == stage]
    assert len(found) == 1, (user, stage, tasks_of(api, user, case_no))
    return found[0]


def test_a_gas_leak_phoned_in_runs_the_emergency_process_over_http(api):
    report = {"source": "hotline", "category_code": "20403", "description": "闻到很浓的燃气味", "lon": INSIDE[0],
              "lat": INSIDE[1], "channel_type": "help", "reporter_phone": "13700000000"}
    made = api.post("/api/v1/reports", "operator", json=report)
    assert made.status_code == 201, made.get_json()
    case_no = made.get_json()["case_no"]
    assert case_no.startswith("YJ")
    for user, stage in (("gas", "acknowledge"), ("traffic", "assist_acknowledge"),
                        ("enforcement", "assist_acknowledge"), (INSPECTOR, "verify_on_site")):
        task = only(api, user, case_no, stage)
        assert task["emergency"] is True and task["priority"] == 100
    complete(api, "gas", only(api, "gas", case_no, "acknowledge"), {"eta_minutes": "ten"}, status=422)
    complete(api, "gas", only(api, "gas", case_no, "acknowledge"), {"eta_minutes": 10})
    complete(api, "traffic", only(api, "traffic", case_no, "assist_acknowledge"), {"eta_minutes": 5})
    complete(api, "traffic", only(api, "traffic", case_no, "assist"), {"progress": "已封路", "done": True})
    complete(api, "gas", only(api, "gas", case_no, "respond"), {"progress": "关阀", "under_control": False})
    complete(api, "gas", only(api, "gas", case_no, "respond"), {"progress": "已封堵", "under_control": True})
    assert tasks_of(api, "enforcement", case_no) == []  # its open acknowledgement ended with the response
    complete(api, INSPECTOR, only(api, INSPECTOR, case_no, "verify_on_site"),
             {"confirmed": True, "situation": "已警戒"})
    done = complete(api, "shift_leader", only(api, "shift_leader", case_no, "review"),
                    {"cause": "施工挖断", "losses": "无", "measures": "关阀封堵", "false_alarm": False})
    assert done == {"case_no": case_no, "status": "closed"}
    case = api.get(f"/api/v1/cases/{case_no}", "shift_leader").get_json()
    assert (case["process_key"], case["response_level"], case["status"]) == ("emergency_incident", "III", "closed")


def test_a_12345_consultation_is_answered_called_back_and_closed_over_http(api):
    report = {"source": "hotline", "category_code": GARBAGE, "description": "垃圾几点清运？", "lon": INSIDE[0],
              "lat": INSIDE[1], "channel_type": "consultation", "reporter_phone": "13900000000"}
    made = api.post("/api/v1/reports", "operator", json=report).get_json()
    case_no, code = made["case_no"], made["tracking_code"]
    assert case_no.startswith("FW")
    complete(api, "operator", only(api, "operator", case_no, "register"), {"decision": "accept"})
    complete(api, "citizen_service", only(api, "citizen_service", case_no, "answer"), {"answer": "每日 7 点清运。"})
    tracked = api.client.get(f"/track/{code}").get_data(as_text=True)  # the citizen's public tracking page
    assert "每日 7 点清运。" in tracked and "13900000000" not in tracked
    done = complete(api, "operator", only(api, "operator", case_no, "callback"), {"satisfaction": "satisfied"})
    assert done == {"case_no": case_no, "status": "closed"}
    case = api.get(f"/api/v1/cases/{case_no}", "operator").get_json()
    assert (case["process_key"], case["satisfaction"]) == ("service_request", "satisfied")
