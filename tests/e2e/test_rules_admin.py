"""Administrators change routing without code: a new table version applies to the next decision
of running cases, refusals name rule and reason, dry runs count what would change, rollback works."""

from __future__ import annotations

import json

from engine.cases import tasks
from engine.processes.definitions import PROJECT_ROOT
from tests.factories import act, actor, open_task, report, who_takes

ROUTING = (PROJECT_ROOT / "workflows" / "dispatch_routing.dmn").read_text(encoding="utf-8")
EXAMPLES = json.loads((PROJECT_ROOT / "workflows" / "dispatch_routing.examples.json").read_text(encoding="utf-8"))
RULE_24_OUT = '<outputEntry id="rule_24_out_1"><text>"sanitation_" + district_code</text></outputEntry>'


def landscaping_takes_garbage() -> tuple[str, list]:
    """What an administrator does: rule 24 (暴露垃圾 outside the core area) goes to 园林, examples updated."""
    xml = ROUTING.replace(RULE_24_OUT, RULE_24_OUT.replace("sanitation_", "landscaping_"))
    assert xml != ROUTING
    examples = json.loads(json.dumps(EXAMPLES))
    for ex in examples:
        if ex["inputs"]["minor_code"] == "0102" and ex["inputs"]["area_class"] != "A":
            ex["expected"]["department_code"] = "landscaping_" + ex["inputs"]["district_code"]
    return xml, examples


def suggestion(deps, case_no):
    task = open_task(deps, case_no)
    assert task.stage == "dispatch"
    return tasks.get_task(deps, actor(deps, who_takes(task)), task.id)["context"]["routing"]


def test_a_new_version_applies_to_the_next_dispatch_of_a_running_case(api, deps):
    running = report(deps).case_no
    act(deps, running, "register", {"decision": "file"})
    xml, examples = landscaping_takes_garbage()
    uploaded = api.post("/api/v1/admin/tables/dispatch_routing/versions", "admin",
                        json={"dmn": xml, "examples": examples, "note": "园林接管暴露垃圾"})
    assert uploaded.status_code == 201 and uploaded.get_json()["status"] == "draft"
    version = uploaded.get_json()["version"]
    dry = api.post("/api/v1/admin/tables/dispatch_routing/dry-run?days=30", "admin", json={"version": version})
    assert dry.status_code == 200 and dry.get_json()["changed"] == 1
    assert dry.get_json()["sample"][0]["after"]["department_code"] == "landscaping_650102"
    assert api.post(f"/api/v1/admin/tables/dispatch_routing/versions/{version}/activate", "admin").status_code == 200
    act(deps, running, "file", {"decision": "file"})
    routed = suggestion(deps, running)
    assert (routed["department_code"], routed["version"], routed["rule"]) == ("landscaping_650102", version, 24)
    assert api.post("/api/v1/admin/tables/dispatch_routing/versions/1/rollback", "admin").status_code == 200
    fresh = report(deps).case_no
    act(deps, fresh, "register", {"decision": "file"})
    act(deps, fresh, "file", {"decision": "file"})
    assert suggestion(deps, fresh)["department_code"] == "sanitation_650102"
    history = api.get("/api/v1/admin/tables/dispatch_routing/versions", "admin").get_json()["history"]
    assert [h["action"] for h in history][-4:] == ["upload", "dry_run", "activate", "rollback"]
    assert all(h["actor"] == "admin" for h in history[-4:])


def test_an_automatic_rule_dispatches_without_the_dispatcher_and_says_which_rule(deps):
    from tests.factories import INSIDE_A

    case_no = report(deps, where=INSIDE_A).case_no  # 暴露垃圾 by an inspector in a core grid
    act(deps, case_no, "register", {"decision": "file"})
    assert act(deps, case_no, "file", {"decision": "file"}) == "handle"
    handle = open_task(deps, case_no)
    assert handle.department_code == "sanitation_650102"
    from engine.cases import queries

    timeline = queries.get_case(deps, actor(deps, "admin"), case_no)["timeline"]
    auto = next(e for e in timeline if e["action"] == "auto_dispatch")
    assert auto["data"]["rule"] == 23 and auto["data"]["department_code"] == "sanitation_650102"


def test_a_table_with_a_failing_example_is_refused_and_the_active_version_stays(api):
    xml, _ = landscaping_takes_garbage()
    res = api.post("/api/v1/admin/tables/dispatch_routing/versions", "admin", json={"dmn": xml, "examples": EXAMPLES})
    assert res.status_code == 422
    assert "rule 24" in res.get_json()["message"]
    versions = api.get("/api/v1/admin/tables/dispatch_routing/versions", "admin").get_json()["items"]
    assert [(v["version"], v["status"]) for v in versions] == [(1, "active")]


def test_overlapping_rules_and_a_missing_catch_all_are_refused_with_rule_numbers(api):
    overlapping = ROUTING.replace('<inputEntry id="rule_24_in_5"><text>? != "A"</text></inputEntry>',
                                  '<inputEntry id="rule_24_in_5"><text>-</text></inputEntry>')
    res = api.post("/api/v1/admin/tables/dispatch_routing/versions", "admin",
                   json={"dmn": overlapping, "examples": []})
    assert res.status_code == 422 and "overlap" in res.get_json()["message"]
    assert "rule 24" in res.get_json()["message"]
    broken = ROUTING.replace('"sanitation_" + district_code', '"sanitation_" + ', 1)
    res = api.post("/api/v1/admin/tables/dispatch_routing/versions", "admin", json={"dmn": broken, "examples": []})
    assert res.status_code == 422


def test_only_administrators_change_rules(api):
    assert api.get("/api/v1/admin/tables/dispatch_routing/versions", "dispatcher").status_code == 403
    res = api.post("/api/v1/admin/tables/dispatch_routing/versions/1/activate", "shift_leader")
    assert res.status_code == 403
