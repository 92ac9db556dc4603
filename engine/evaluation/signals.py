"""The thresholds of decision support and integrity signals, from ``decision_signals`` in config.yaml."""

from __future__ import annotations

from typing import Any

from engine.deps import Deps
from engine.errors import ConfigError


def thresholds(deps: Deps) -> dict[str, Any]:
    """The configured thresholds.

    :raises ConfigError: the key is missing (a config.yaml older than decision support).
    """
    value = deps.settings.raw.get("decision_signals")
    if not isinstance(value, dict):
        raise ConfigError("config: key 'decision_signals' is missing", key="decision_signals")
    return value
