"""The functions a BPMN script or condition may call — the whole, reviewed list.

Process designers write ``record("return")`` in a script task; the sandbox exposes exactly
the names in :data:`HELPERS`. Each helper only *describes* an effect on the step that is
running (appended to :class:`StepEffects`); the step writes the effects in the same
transaction as the workflow state, so a failed step leaves no trace of them.
"""

from __future__ import annotations

import contextvars
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from engine.time.clock import BEIJING

# A process may record any fact named like an identifier (``record("under_control")``): a designer's
# new process needs no Python for its facts. These few also count on the case row, for evaluation.
COUNTED_FACTS = {
    "return": "return_count",
    "rework": "rework_count",
    "extension": "extension_count",
    "suspension": "suspension_count",
    "urge": "urge_count",
}
FACT_NAME = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
# Facts the timeline writes itself: a process may not record them, or a case could fake its own history.
RESERVED_FACTS = frozenset({"report", "decide", "evaluate", "closed", "void", "warning", "overdue", "reassign",
                            "reply", "alert", "linked_to", "linked_from", "migrate", "duplicate_of", "duplicate_reported"})


@dataclass
class StepEffects:
    """What the helpers asked for during one step, and the step's own services they use."""

    facts: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    evaluate: bool = False
    evaluation: dict[str, Any] = field(default_factory=dict)  # the process's own evaluation facts
    replies: list[str] = field(default_factory=list)  # public answers to the reporter
    alerts: list[tuple[tuple[str, ...], str]] = field(default_factory=list)  # (roles, message)
    decide: Callable[[str, dict[str, Any]], dict[str, Any]] | None = None
    deadline: Callable[[str], str] | None = None
    clock: Callable[..., None] | None = None
    setting: Callable[[str], Any] | None = None
    now: datetime | None = None  # the step's instant, timezone-aware


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


def _plain(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if isinstance(v, str | int | float | bool)}


def record(fact: str, **data: Any) -> bool:
    """Record a fact in the case's timeline (and its counter, for the few counted): ``record("return")``."""
    if not isinstance(fact, str) or not FACT_NAME.match(fact) or fact in RESERVED_FACTS:
        raise ValueError(f"'{fact}' cannot be recorded: a fact is a lower-case name (a-z, 0-9, _) and not one of "
                         f"the timeline's own ({', '.join(sorted(RESERVED_FACTS))})")
    _effects().facts.append((fact, _plain(data)))
    return True


def evaluate_case(**facts: Any) -> bool:
    """Mark the case for evaluation: its facts (on time and time taken per stage, reworks, returns, and
    what the process adds — ``evaluate_case(satisfaction=satisfaction)``) are stored."""
    effects = _effects()
    effects.evaluate = True
    effects.evaluation.update(_plain(facts))
    return True


def publish(text: str) -> bool:
    """Answer the reporter: the text is shown on the public tracking page and sent to the reporter."""
    if not isinstance(text, str) or not text.strip():
        raise ValueError("publish() needs the answer's text")
    _effects().replies.append(text.strip()[:2000])
    return True


def alert(roles: str, message: str) -> bool:
    """Notify every holder of ``roles`` (comma separated) in the case's district or city-wide: ``alert("leader", …)``."""
    names = tuple(r.strip() for r in str(roles).split(",") if r.strip())
    if not names or not isinstance(message, str) or not message.strip():
        raise ValueError("alert() needs roles and a message")
    _effects().alerts.append((names, message.strip()[:500]))
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
    if unit not in ("working_minutes", "working_hours", "working_days", "hours", "minutes"):
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


def hour() -> int:
    """The hour of the day (0–23) on the Beijing clock at this step: night-time rules in a decision table."""
    effects = _effects()
    if effects.now is None:
        raise RuntimeError("hour() is not available in this step")
    return effects.now.astimezone(BEIJING).hour


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
    "publish": publish,
    "alert": alert,
    "hour": hour,
}
