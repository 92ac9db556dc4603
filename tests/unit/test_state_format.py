"""The compact workflow state (engine/runtime/state_format.py): exact, smaller, and old states still load.

Every state the database tests store is also restored and compared on the spot (tests/state_check.py,
turned on for the whole suite by tests/conftest.py); these tests pin the format itself.
"""

from __future__ import annotations

import json
from pathlib import Path

from engine.runtime import state_format
from engine.runtime.parsing import parse_process
from tests.unit.test_case_lifecycle_bpmn import Driver

WORKFLOWS = Path(__file__).resolve().parents[2] / "workflows"


def _lifecycle():  # type: ignore[no-untyped-def]
    files = {p.name: p.read_text(encoding="utf-8") for p in sorted(WORKFLOWS.glob("*.bpmn"))}
    return parse_process(files, "case_lifecycle")


def test_compact_state_expands_to_spiffworkflows_dict_at_every_wait_state() -> None:
    driver = Driver(_lifecycle())
    sizes = []

    def check() -> None:
        plain = json.loads(driver.runtime.dump_plain(driver.wf))
        text = driver.runtime.dump(driver.wf)
        assert state_format.expand(json.loads(text)) == plain
        sizes.append((len(text), len(json.dumps(plain))))

    check()
    for bpmn_id, data in (("register", {"decision": "file"}), ("file", {"decision": "file"}),
                          ("dispatch", {"decision": "dispatch", "department_code": "D0101"})):
        driver.do(bpmn_id, data)
        check()
    assert all(compact < plain * 0.7 for compact, plain in sizes), sizes


def test_a_state_stored_before_the_compact_form_still_loads_and_runs() -> None:
    parsed = _lifecycle()
    driver = Driver(parsed)
    driver.do("register", {"decision": "file"})
    old = driver.runtime.dump_plain(driver.wf)
    assert state_format.MARK not in json.loads(old)
    driver.wf = driver.runtime.load(old, parsed)
    assert driver.ready() == ["file"]
    driver.do("file", {"decision": "file"})
    driver.do("dispatch", {"decision": "dispatch", "department_code": "D0101"})
    driver.finish()


def test_children_are_kept_when_their_order_is_not_the_records_order() -> None:
    common = {"typename": "Task", "triggered": False, "internal_data": {}, "data": {},
              "delta": {"updates": {}, "deletions": []}, "children": []}
    dct = {"tasks": {"a": {**common, "id": "a", "parent": None, "children": ["c", "b"], "delta": {},
                           "data": {"x": 1}},
                     "b": {**common, "id": "b", "parent": "a"},
                     "c": {**common, "id": "c", "parent": "a", "delta": {"updates": {"y": 2}, "deletions": []},
                           "triggered": True}},
           "subprocesses": {}}
    original = json.loads(json.dumps(dct))
    compact = state_format.compact(dct)
    assert compact["tasks"]["a"]["children"] == ["c", "b"]  # not what the records' order gives
    assert compact["tasks"]["b"] == {"parent": "a"}
    assert compact["tasks"]["c"] == {"parent": "a", "delta": {"updates": {"y": 2}, "deletions": []},
                                     "triggered": True}
    assert state_format.expand(compact) == original
