"""Section: the what-if replay of a candidate time-limits table over a month of the history (≈ 17,000 cases
on the full run) — the administrator's "what would a shorter limit have done" before activating it."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from typing import Any

from bench.common import Progress
from bench.env import BenchDatabase
from engine.processes.definitions import PROJECT_ROOT
from engine.time import whatif

GARBAGE_B = ('<outputEntry id="rule_33_out_1"><text>1</text></outputEntry>\n'
             '        <outputEntry id="rule_33_out_2"><text>"working_days"</text></outputEntry>')
SHORTER = ('<outputEntry id="rule_33_out_1"><text>5</text></outputEntry>\n'
           '        <outputEntry id="rule_33_out_2"><text>"working_hours"</text></outputEntry>')


def candidate() -> tuple[str, list[Any]]:
    """The shipped table with 暴露垃圾's handling cut from 1 working day to 5 working hours."""
    xml = (PROJECT_ROOT / "workflows" / "time_limits.dmn").read_text(encoding="utf-8").replace(GARBAGE_B, SHORTER)
    examples = json.loads((PROJECT_ROOT / "workflows" / "time_limits.examples.json").read_text(encoding="utf-8"))
    for example in examples:
        if example["inputs"].get("filing_condition") == "20102-1" and example["inputs"]["area_class"] == "B":
            example["expected"].update(handle_limit=5, handle_unit="working_hours")
    return xml, examples


def whatif_section(db: BenchDatabase, progress: Progress, days: int = 30) -> dict[str, Any]:
    """Seconds of one replay over the stage tasks completed in the last ``days`` (the median of three)."""
    xml, examples = candidate()
    until = db.deps.clock.now()
    runs, result = [], {}
    progress.note(f"[{db.backend}] what-if replay of a month")
    for _ in range(3):
        start = time.perf_counter()
        result = whatif.replay_limits(db.deps, "time_limits", xml, examples, since=until - timedelta(days=days),
                                      until=until, actor="bench")
        runs.append(time.perf_counter() - start)
    runs.sort()
    return {"days": days, "tasks": result.get("tasks", 0), "changed": result.get("changed", 0),
            "median_s": round(runs[1], 2), "runs_s": [round(r, 2) for r in runs]}
