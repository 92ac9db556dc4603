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
    "void": None,
    "note": None,
}


@dataclass
class StepEffects:
    """What the helpers asked for during one step."""

    facts: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    evaluate: bool = False
    decide: Callable[..., dict[str, Any]] | None = None


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


HELPERS: dict[str, Callable[..., Any]] = {
    "record": record,
    "evaluate_case": evaluate_case,
}
