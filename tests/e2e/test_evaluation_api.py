"""The evaluation API: the figures of the scorecard and the cases behind each, with the reason."""

from __future__ import annotations

import pytest

from tests.evaluation_data import case_no, load_month


@pytest.fixture
def month(deps, clock):  # type: ignore[no-untyped-def]
    return load_month(deps, clock)


def test_district_ranking_and_the_cases_behind_its_on_time_close_rate(api, month):
    res = api.get("/api/v1/evaluation/district?period=2026-03&plan=standard", "leader")
    assert res.status_code == 200
    body = res.get_json()
    assert (body["period"], body["plan"], body["plan_version"]) == ("2026-03", "standard", 1)
    assert [(r["code"], r["rank"], r["grade"]) for r in body["rows"]] == [("650102", 1, "C"), ("650103", 2, "E")]
    figure = body["rows"][0]["indicators"]["on_time_close_rate"]
    assert (figure["value"], figure["numerator"], figure["denominator"]) == (60.0, 3, 5)

    res = api.get("/api/v1/evaluation/district/drill?period=2026-03&code=650102&figure=on_time_close_rate", "leader")
    drill = res.get_json()
    assert (drill["label"], drill["counted"], drill["total"]) == ("按期结案率", 3, 5)
    why = {row["case_no"]: (row["counted"], row["reason"]) for row in drill["cases"]}
    assert why == {case_no("c1"): (True, "on_time"), case_no("c4"): (True, "on_time"),
                   case_no("c9"): (True, "no_deadline"), case_no("c2"): (False, "late"),
                   case_no("c3"): (False, "open_overdue")}
    assert all(row["reason_text"] for row in drill["cases"])


def test_drill_pages_by_keyset_to_every_case_once(api, month):
    url = "/api/v1/evaluation/district/drill?period=2026-03&code=650102&figure=on_time_close_rate&limit=2"
    seen, pages = [], 0
    while url:
        res = api.get(url, "leader")
        body = res.get_json()
        assert res.status_code == 200 and body["total"] == 5 and body["total_exact"] and len(body["cases"]) <= 2
        assert ("Link" in res.headers) == (body["next"] is not None)
        seen += [(r["counted"], r["case_no"]) for r in body["cases"]]
        url, pages = body["next_url"] and body["next_url"].replace("http://localhost", ""), pages + 1
    assert pages == 3 and seen == sorted(seen) and len(set(seen)) == 5  # not counted first, then by number
    forged = api.get("/api/v1/evaluation/district/drill?period=2026-03&code=650102&figure=on_time_close_rate"
                     "&after=WyJ4IiwxXQ", "leader")  # ["x",1]
    assert forged.status_code == 422 and forged.get_json()["fields"] == {"after": "invalid"}


def test_drill_of_a_count_and_of_a_position(api, month):
    drill = api.get("/api/v1/evaluation/department/drill?period=2026-03&code=water&figure=rework",
                    "leader").get_json()
    assert [(r["case_no"], r["reason"]) for r in drill["cases"]] == [(case_no("c4"), "rework")]
    drill = api.get("/api/v1/evaluation/dispatcher/drill?period=2026-03&code=dispatcher"
                    "&figure=accurate_dispatch_rate", "leader").get_json()
    assert {r["case_no"]: r["counted"] for r in drill["cases"]} == {case_no("c1"): True, case_no("c2"): False,
                                                                    case_no("c4"): True}


def test_plans_listed_and_mistakes_answered(api, month):
    plans = api.get("/api/v1/evaluation/plans", "leader").get_json()
    assert [p["key"] for p in plans["items"]] == ["standard", "three_dimensions"] and plans["total"] == 2
    first = api.get("/api/v1/evaluation/plans?limit=1", "leader").get_json()
    second = api.get(f"/api/v1/evaluation/plans?limit=1&after={first['next']}", "leader").get_json()
    assert [p["key"] for p in first["items"] + second["items"]] == ["standard", "three_dimensions"]
    assert second["next"] is None
    assert api.get("/api/v1/evaluation/district?period=2026-03", "inspector_650102_01").status_code == 403
    assert api.get("/api/v1/evaluation/district?period=March", "leader").status_code == 422
    assert api.get("/api/v1/evaluation/district?period=2026-03&plan=nope", "leader").status_code == 404
    assert api.get("/api/v1/evaluation/district/drill?period=2026-03&code=650102&figure=nope",
                   "leader").status_code == 404
    assert api.get("/api/v1/evaluation/district?period=2026-03").status_code == 401


def test_publish_and_compare_over_the_api(api, month):
    res = api.post("/api/v1/evaluation/publications", "leader", json={"period": "2026-03", "plan": "standard"})
    assert res.status_code == 201 and res.get_json()["cases"] == 12
    assert api.post("/api/v1/evaluation/publications", "leader", json={"period": "2026-03"}).status_code == 409
    assert api.post("/api/v1/evaluation/publications", "operator", json={"period": "2026-03"}).status_code == 403
    frozen = api.get("/api/v1/evaluation/publications/2026-03?object_type=department", "leader").get_json()
    assert frozen["rows"][0]["code"] == "sanitation_650102"
    check = api.get("/api/v1/evaluation/publications/2026-03/compare", "leader").get_json()
    assert check["same"] is True
    listed = api.get("/api/v1/evaluation/publications", "leader").get_json()
    assert [(p["period"], p["plan"]) for p in listed["items"]] == [("2026-03", "standard")] and listed["total"] == 1


def test_decision_support_and_integrity_over_the_api(api, month):
    hot = api.get("/api/v1/evaluation/hotspots?period=2026-03&level=street", "leader").get_json()
    assert hot["total"] == 9 and hot["places"][0]["cases"] == 5  # 天山 street: c1 c2 c3 c4 c9 (c5 voided)
    assert api.get("/api/v1/evaluation/recurrences?period=2026-03", "leader").get_json()["items"][0][
        "cases"] == ["EV0001", "EV0002", "EV0009"]  # G01 暴露垃圾: three in 30 days
    signals = api.get("/api/v1/evaluation/integrity?period=2026-03", "leader").get_json()
    assert set(signals) == {"period", "photo_reused", "report_swing", "quick_check", "bunched_reports"}
    assert api.get("/api/v1/evaluation/integrity?period=2026-03", "dispatcher_650102").status_code == 403


def test_distribution_by_class_source_and_stage(api, month):
    spread = api.get("/api/v1/evaluation/distribution?period=2026-03", "leader").get_json()
    assert spread["total"] == 11  # every report of March, the voided c5 and c11 included (c6 is February's)
    assert {d["code"]: d["cases"] for d in spread["by_source"]} == {"inspector": 7, "citizen": 3, "hotline": 1}
    assert {d["code"]: d["cases"] for d in spread["by_stage"]} == {"closed": 5, "handle": 2, "void": 2,
                                                                   "suspended": 1, "verify": 1}
    assert spread["by_class"] == [{"code": "20102", "name": "暴露垃圾", "cases": 11}]


def test_a_drill_down_comes_a_page_at_a_time(api, month):
    url = "/api/v1/evaluation/district/drill?period=2026-03&code=650102&figure=to_close&limit=2"
    first = api.get(url, "leader").get_json()
    second = api.get(url + "&offset=2", "leader").get_json()
    assert (first["total"], len(first["cases"]), len(second["cases"])) == (5, 2, 2)
    assert not {c["case_no"] for c in first["cases"]} & {c["case_no"] for c in second["cases"]}
