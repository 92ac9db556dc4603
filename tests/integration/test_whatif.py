"""What-if replay of a shorter limit over past cases, computed by hand: what a 5-working-hour limit for garbage
piles would have done to the on-time rates of two cases that were both on time under 1 working day."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest

from engine.errors import Invalid
from engine.processes.definitions import PROJECT_ROOT
from engine.rules import tables
from engine.time import whatif
from engine.time.clock import BEIJING
from tests.factories import act, report

TABLE = PROJECT_ROOT / "workflows" / "time_limits.dmn"
EXAMPLES = PROJECT_ROOT / "workflows" / "time_limits.examples.json"
GARBAGE_B = ('<outputEntry id="rule_33_out_1"><text>1</text></outputEntry>\n'
             '        <outputEntry id="rule_33_out_2"><text>"working_days"</text></outputEntry>')
SHORTER = ('<outputEntry id="rule_33_out_1"><text>5</text></outputEntry>\n'
           '        <outputEntry id="rule_33_out_2"><text>"working_hours"</text></outputEntry>')


def beijing(*args: int) -> datetime:
    return datetime(*args, tzinfo=BEIJING)


def candidate() -> tuple[str, list]:
    xml = TABLE.read_text(encoding="utf-8")
    assert GARBAGE_B in xml
    examples = json.loads(EXAMPLES.read_text(encoding="utf-8"))
    for example in examples:
        if example["inputs"].get("filing_condition") == "20102-1" and example["inputs"]["area_class"] == "B":
            example["expected"].update(handle_limit=5, handle_unit="working_hours")
    return xml.replace(GARBAGE_B, SHORTER), examples


def handled_at(deps, clock, when: datetime) -> str:
    clock.set(beijing(2026, 3, 10, 10, 0))  # Tuesday; winter office hours 10:00-14:00 and 15:30-19:30
    case_no = report(deps).case_no  # 暴露垃圾 in a B grid: 1 working day, due 19:30 the same day
    act(deps, case_no, "register", {"decision": "file"})
    act(deps, case_no, "file", {"decision": "file"})
    act(deps, case_no, "dispatch", {"department_code": "sanitation_650102"})
    clock.set(when)
    act(deps, case_no, "handle", {"outcome": "done"})
    return case_no


def test_a_shorter_limit_replayed_over_two_past_cases(deps, clock) -> None:
    handled_at(deps, clock, beijing(2026, 3, 10, 15, 0))  # 4 working hours: on time under 5 as well
    late = handled_at(deps, clock, beijing(2026, 3, 10, 18, 0))  # 6.5 working hours: late under 5
    xml, examples = candidate()
    result = whatif.replay_limits(deps, "time_limits", xml, examples, since=beijing(2026, 3, 9),
                                  until=beijing(2026, 3, 11), actor="admin")
    # 5 working hours from 10:00: 4 until 14:00, 1 more from 15:30 → 16:30
    assert result["sample"] == [{"case_no": late, "stage": "handle", "completed_at": "2026-03-10T18:00:00+08:00",
                                 "due_before": "2026-03-10T19:30:00+08:00", "due_after": "2026-03-10T16:30:00+08:00",
                                 "on_time_before": True, "on_time_after": False}]
    handle = next(r for r in result["by_stage"] if r["stage"] == "handle")
    assert (handle["tasks"], handle["on_time_before"], handle["on_time_after"]) == (2, 1.0, 0.5)
    others = [r for r in result["by_stage"] if r["stage"] != "handle"]
    assert {r["stage"] for r in others} == {"register", "file", "dispatch"} and not any(r["changed"] for r in others)
    assert (result["tasks"], result["on_time_before"], result["on_time_after"], result["changed"]) == (8, 1.0, 0.875, 1)
    assert [r["department"] for r in result["by_department"] if r["changed"]] == ["sanitation_650102"]
    assert [(r["district"], r["on_time_after"]) for r in result["by_district"]] == [("650102", 0.875)]
    history = tables.history(deps, "time_limits")
    assert [h["action"] for h in history].count("what_if") == 1  # audited, nothing else stored
    assert tables.get_version(deps, "time_limits")["version"] == 1


def test_the_same_table_changes_nothing_and_bad_input_is_refused(deps, clock) -> None:
    handled_at(deps, clock, beijing(2026, 3, 10, 18, 0))
    same = whatif.replay_limits(deps, "time_limits", TABLE.read_text(encoding="utf-8"),
                                json.loads(EXAMPLES.read_text(encoding="utf-8")),
                                since=beijing(2026, 3, 9), until=beijing(2026, 3, 11), actor="admin")
    assert same["changed"] == 0 and same["on_time_before"] == same["on_time_after"] == 1.0
    with pytest.raises(Invalid):
        whatif.replay_limits(deps, "time_limits", "<definitions/>", [], since=beijing(2026, 3, 9),
                             until=beijing(2026, 3, 11), actor="admin")
    with pytest.raises(Invalid) as err:
        whatif.replay_limits(deps, "time_limits", *candidate(), since=beijing(2026, 3, 11),
                             until=beijing(2026, 3, 11) - timedelta(days=1), actor="admin")
    assert err.value.fields == {"days": "invalid"}


def test_the_api_and_the_cli_replay_the_same(deps, clock, client, tmp_path) -> None:
    from click.testing import CliRunner

    from tests.e2e.conftest import Api
    from web.cli import main

    handled_at(deps, clock, beijing(2026, 3, 10, 18, 0))
    clock.set(beijing(2026, 3, 12, 10, 0))
    xml, examples = candidate()
    api = Api(client)
    res = api.post("/api/v1/admin/tables/time_limits/what-if?days=7", "admin", json={"dmn": xml, "examples": examples})
    assert res.status_code == 200, res.get_json()
    assert (res.get_json()["on_time_before"], res.get_json()["on_time_after"]) == (1.0, 0.75)
    assert api.post("/api/v1/admin/tables/time_limits/what-if", "shift_leader",
                    json={"dmn": xml}).status_code == 403
    bad = api.post("/api/v1/admin/tables/time_limits/what-if", "admin", json={"dmn": xml.replace("5</text>", "x</text>", 1)})
    assert bad.status_code == 422
    (tmp_path / "t.dmn").write_text(xml, encoding="utf-8")
    (tmp_path / "t.json").write_text(json.dumps(examples), encoding="utf-8")
    out = CliRunner().invoke(main, ["rules", "what-if", "time_limits", str(tmp_path / "t.dmn"), "--examples",
                                    str(tmp_path / "t.json"), "--days", "7"], obj={"deps": deps},
                             catch_exceptions=False)
    assert "on time 1.0 → 0.75 (1 verdicts change)" in out.output and "100.0% → 0.0%" in out.output
