"""Every workflow state the suite stores is proven to restore exactly (tests/conftest.py turns it on).

The engine stores a compact form of SpiffWorkflow's serialization (engine/runtime/state_format.py).
While the tests run, every :meth:`WorkflowRuntime.dump` is followed by a restore of what it wrote,
the compact text must expand to exactly SpiffWorkflow's own dict of the original, and the workflow
restored from it must serialize exactly as the one SpiffWorkflow restores from its own JSON — at
every wait state of every BPMN path the suite drives (each process of ``workflows/``, its special
paths, timers, messages, migrations). A field the compact form lost would fail here, on that path.
"""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

from engine.runtime import state_format
from engine.runtime.workflow import WorkflowRuntime

CHECKED = {"states": 0}
_original_dump = WorkflowRuntime.dump


def checked_dump(self: WorkflowRuntime, workflow: Any) -> str:
    text = _original_dump(self, workflow)
    plain = json.loads(self.dump_plain(workflow))
    stored = json.loads(text)
    assert stored.get(state_format.MARK) == state_format.VERSION
    assert state_format.expand(json.loads(text)) == plain, "the compact state does not expand to SpiffWorkflow's"
    specs = SimpleNamespace(spec=workflow.spec, subprocess_specs=workflow.subprocess_specs)
    restored = self.load(text, specs)  # type: ignore[arg-type]
    # SpiffWorkflow's own round trip is the reference: it drops, for one, a finished subprocess whose
    # task was cancelled (an escalation) when it loads its own JSON — the compact form must do the same.
    reference = self.load(self.dump_plain(workflow), specs)  # type: ignore[arg-type]
    assert json.loads(self.dump_plain(restored)) == json.loads(self.dump_plain(reference)), \
        "the workflow restored from the compact state differs from SpiffWorkflow's own round trip"
    CHECKED["states"] += 1
    return text
