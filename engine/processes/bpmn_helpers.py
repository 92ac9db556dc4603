"""The functions a BPMN script or condition may call — the whole, reviewed list.

Process designers write ``record("return")`` in a script task; the sandbox exposes exactly
the names in :data:`HELPERS`. Each helper only *describes* an effect on the step that is
running (appended to :class:`StepEffects`); the step writes the effects in the same
transaction as the workflow state, so a failed step leaves no trace of them.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# Facts a process may record. Counted facts also increase a counter on the case row.
RECORDABLE_FACTS = {
    "return": "return_count",
    "rework": "rework_count",
    "extension": "extension_count",
    "suspension": "suspension_count",
    "urge": "urge_count",
    "return_refused": None,
    "extension_refused": None,
    "suspension_refused": None,
    "resume": None,
    "escalate": None,
    "coordinate": None,
    "self_handled": None,
    "void": None,
    "void_refused": None,
    "note": None,
    "auto_dispatch": None,
}


@dataclass
class StepEffects:
    """What the helpers asked for during one step, and the step's own services they use."""

    facts: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    evaluate: bool = False
    decide: Callable[[str, dict[str, Any]], dict[str, Any]] | None = None
    deadline: Callable[[str], str] | None = None
    clock: Callable[..., None] | None = None
    setting: Callable[[str], Any] | None = None


_current: contextvars.ContextVar[StepEffects] = contextvars.ContextVar("szcg_step_effects")


def bind(effects: StepEffects) -> contextvars.Token[StepEffects]:
    """Make ``effects`` the target of helper calls for the step being run."""
    return _current.set(effects)


def unbind(token: contextvars.Token[StepEffects]) -> None:
    _current.reset(token)


def _effects() -> StepEffects:
    try:
        return _current.get()
    except LookupError:
        raise RuntimeError("BPMN helpers can only run inside a case step") from None


def record(fact: str, **data: Any) -> bool:
    """Record a fact in the case's timeline (and its counter): ``record("return")``."""
    if fact not in RECORDABLE_FACTS:
        raise ValueError(f"unknown fact '{fact}'; known: {', '.join(sorted(RECORDABLE_FACTS))}")
    _effects().facts.append((fact, {k: v for k, v in data.items() if isinstance(v, str | int | float | bool)}))
    return True


def evaluate_case() -> bool:
    """Mark the case for evaluation: its facts (on time per stage, reworks, returns) are stored."""
    _effects().evaluate = True
    return True


def decide(table: str, **inputs: Any) -> dict[str, Any]:
    """Evaluate the *active* version of a decision table: ``decide("dispatch_routing", kind=kind, …)``.

    Returns the table's outputs plus ``table``, ``version`` and ``rule`` (which rule decided),
    and records the decision in the case's timeline.
    """
    effects = _effects()
    if effects.decide is None:
        raise RuntimeError("decide() is not available in this step")
    return effects.decide(table, inputs)


def due(stage: str) -> str:
    """The deadline of ``stage`` counted from now, as ISO 8601 with +08:00 — for ``timeDate`` timers.

    The limit comes from the ``time_limits`` table and is counted on the working calendar.
    """
    effects = _effects()
    if effects.deadline is None:
        raise RuntimeError("due() is not available in this step")
    return effects.deadline(stage)


def _clock(action: str, *args: Any) -> bool:
    effects = _effects()
    if effects.clock is None:
        raise RuntimeError("the case clock is not available in this step")
    effects.clock(action, *args)
    return True


def extend_deadline(amount: float, unit: str) -> bool:
    """Move the case's handling deadline later by ``amount`` ``unit`` (an approved 延期)."""
    if unit not in ("working_minutes", "working_hours", "working_days", "hours"):
        raise ValueError(f"unknown time unit '{unit}'")
    if not isinstance(amount, int | float) or isinstance(amount, bool) or amount <= 0:
        raise ValueError("an extension must be a positive number")
    return _clock("extend", float(amount), unit)


def suspend_clock() -> bool:
    """Stop the case's handling clock (an approved 挂账); the case waits in the suspended list."""
    return _clock("suspend")


def resume_clock() -> bool:
    """Restart the clock: the deadline moves later by the suspended time (挂账恢复)."""
    return _clock("resume")


def reset_clock() -> bool:
    """Forget the handling deadline, so the next department gets a full limit (after a return)."""
    return _clock("reset")


def district_center(district_code: str) -> bool:
    """Whether the district runs a command sub-centre (区级指挥分中心): ``district_centers`` in config.yaml."""
    effects = _effects()
    centres = effects.setting("district_centers") if effects.setting else []
    return district_code in (centres or [])


HELPERS: dict[str, Callable[..., Any]] = {
    "record": record,
    "evaluate_case": evaluate_case,
    "decide": decide,
    "due": due,
    "extend_deadline": extend_deadline,
    "suspend_clock": suspend_clock,
    "resume_clock": resume_clock,
    "reset_clock": reset_clock,
    "district_center": district_center,
}
