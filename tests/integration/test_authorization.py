"""Each role against each stage: only the lane's role, within its scope, may complete a task."""

from __future__ import annotations

import pytest

from engine.cases import tasks
from engine.errors import Forbidden
from tests.factories import INSPECTOR, act, actor, open_task, report

EVERYONE = ["operator", "shift_leader", "dispatcher", "dispatcher_650102", "dispatcher_650103", "leader", "admin",
            INSPECTOR, "inspector_650103_01", "sanitation_650102", "water"]
PATH = [
    ("register", {"decision": "verify"}, "operator"),
    ("verify", {"confirmed": True}, INSPECTOR),
    ("file", {"decision": "file"}, "shift_leader"),
    ("dispatch", {"department_code": "sanitation_650102"}, "dispatcher_650102"),  # the district sub-centre
    ("handle", {"outcome": "done"}, "sanitation_650102"),
    ("check", {"passed": True}, INSPECTOR),
    ("close", {}, "shift_leader"),
]


@pytest.mark.parametrize("stop", range(len(PATH)))
def test_only_the_lane_role_in_scope_may_complete_each_stage(deps, stop):
    case_no = report(deps, source="citizen").case_no
    for stage, data, who in PATH[:stop]:
        act(deps, case_no, stage, data, username=who)
    stage, data, allowed = PATH[stop]
    task = open_task(deps, case_no)
    assert task.stage == stage
    for username in EVERYONE:
        visible = [t.id for t in tasks.list_tasks(deps, actor(deps, username))]
        assert (task.id in visible) == (username == allowed), username
        if username != allowed:
            with pytest.raises(Forbidden):
                tasks.complete_task(deps, actor(deps, username), task.id, data)
    tasks.complete_task(deps, actor(deps, allowed), task.id, data)
