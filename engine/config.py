"""Settings: config.yaml, overridden key by key by ``SZCG_<KEY>`` environment variables.

Every key is declared in :data:`SCHEMA` (JSON Schema), so a missing or malformed value stops
start-up with a message that names the key and where its value came from, instead of failing
later in some request.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from engine.errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ENV_PREFIX = "SZCG_"

_PERIOD = r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-4]):[0-5]\d$"
_MONTH_DAY = r"^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$"

# The big screen's panel kinds: engine/command/panels.py PANELS plus the map the page draws itself.
SCREEN_PANEL_KINDS = ["map", "stages", "overdue", "classes", "departments", "sources", "inspectors"]
SCREEN_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["title", "columns", "rows", "poll_seconds", "points_refresh_seconds", "panels"],
    "properties": {
        "title": {"type": "string", "minLength": 1},
        "columns": {"type": "integer", "minimum": 1, "maximum": 12},
        "rows": {"type": "integer", "minimum": 1, "maximum": 12},
        "poll_seconds": {"type": "number", "minimum": 0.2, "maximum": 60},
        "points_refresh_seconds": {"type": "integer", "minimum": 5},
        "panels": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["kind", "title", "at"],
                "properties": {
                    "kind": {"enum": SCREEN_PANEL_KINDS},
                    "title": {"type": "string", "minLength": 1},
                    # column, row (from 1), width, height in cells of the screen's grid
                    "at": {"type": "array", "items": {"type": "integer", "minimum": 1}, "minItems": 4, "maxItems": 4},
                    "refresh_seconds": {"type": "integer", "minimum": 1},
                },
            },
        },
    },
}

SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": [
        "database_url", "instance_path", "upload_dir", "upload_max_bytes", "secret_key_file",
        "token_ttl_hours", "login_max_failures", "login_lockout_minutes", "public_reports_per_hour",
        "public_lookups_per_hour",
        "timezone", "office_hours", "warning_ratio", "district_centers", "task_supervisors",
        "scheduler_interval_seconds", "scheduler_in_web", "timer_reclaim_seconds",
        "classification_standard", "city_code", "city_name", "near_boundary_m", "duplicate_radius_m",
        "duplicate_window_hours", "duplicate_closed_days", "containment_tolerance_m", "default_locale", "page_size",
        "map_tile_url", "map_tile_attribution", "map_center", "log_level",
        "session_cookie_secure", "log_format", "personal_data_retention_days", "screen", "video", "patrol",
    ],
    "properties": {
        "database_url": {"type": "string", "pattern": r"^(sqlite|postgresql)(\+\w+)?://"},
        "instance_path": {"type": "string", "minLength": 1},
        "upload_dir": {"type": "string", "minLength": 1},
        "upload_max_bytes": {"type": "integer", "minimum": 1024},
        "secret_key": {"type": ["string", "null"], "minLength": 16},
        "secret_key_file": {"type": "string", "minLength": 1},
        "token_ttl_hours": {"type": "number", "exclusiveMinimum": 0},
        "login_max_failures": {"type": "integer", "minimum": 1},
        "login_lockout_minutes": {"type": "number", "exclusiveMinimum": 0},
        "public_reports_per_hour": {"type": "integer", "minimum": 1},
        "public_lookups_per_hour": {"type": "integer", "minimum": 1},
        "timezone": {"type": "string", "minLength": 1},
        "office_hours": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["season", "starts", "periods"],
                "properties": {
                    "season": {"type": "string", "minLength": 1},
                    "starts": {"type": "string", "pattern": _MONTH_DAY},
                    "periods": {"type": "array", "minItems": 1, "items": {"type": "string", "pattern": _PERIOD}},
                },
            },
        },
        "warning_ratio": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1},
        "district_centers": {"type": "array", "items": {"type": "string", "pattern": r"^\d{6}$"}},
        "task_supervisors": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
        "scheduler_interval_seconds": {"type": "integer", "minimum": 1},
        "scheduler_in_web": {"type": "boolean"},
        "timer_reclaim_seconds": {"type": "integer", "minimum": 1},
        "classification_standard": {"enum": ["CJT214-2007", "GBT47678.5-2026"]},
        "city_code": {"type": "string", "pattern": r"^\d{6}$"},
        "city_name": {"type": "string", "minLength": 1},
        "near_boundary_m": {"type": "number", "minimum": 0},
        "duplicate_radius_m": {"type": "number", "exclusiveMinimum": 0},
        "duplicate_window_hours": {"type": "number", "exclusiveMinimum": 0},
        "duplicate_closed_days": {"type": "integer", "minimum": 0},
        "containment_tolerance_m": {"type": "number", "minimum": 0},
        "default_locale": {"enum": ["zh_CN", "en"]},
        "page_size": {"type": "integer", "minimum": 1, "maximum": 500},
        "map_tile_url": {"type": "string"},
        "map_tile_attribution": {"type": "string"},
        "map_center": {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2},
        "log_level": {"enum": ["DEBUG", "INFO", "WARNING", "ERROR"]},
        # Webhooks (engine/exchange); optional, the defaults are in engine.exchange.delivery.
        "webhook_allow_private_addresses": {"type": "boolean"},
        "webhook_timeout_seconds": {"type": "number", "exclusiveMinimum": 0, "maximum": 60},
        "exchange_retention": {  # engine.exchange.retention; pending deliveries are never deleted
            "type": "object", "additionalProperties": False,
            "properties": {"delivered_days": {"type": "integer", "minimum": 1},
                           "failed_days": {"type": "integer", "minimum": 1}},
        },
        "session_cookie_secure": {"type": "boolean"},
        "log_format": {"enum": ["text", "json"]},
        "personal_data_retention_days": {"type": ["integer", "null"], "minimum": 1},
        "metrics_token": {"type": ["string", "null"], "minLength": 16},
        "decision_signals": {
            "type": "object", "additionalProperties": False,
            "required": ["recurrence_window_days", "recurrence_min_cases", "hotspot_top", "report_baseline_periods",
                         "report_min_baseline", "report_collapse_ratio", "report_surge_ratio",
                         "quick_check_minutes", "quick_check_min_cases", "anomaly_baseline_periods",
                         "anomaly_min_change", "anomaly_z", "bunch_last_days", "bunch_min_reports", "bunch_share"],
            "properties": {
                "recurrence_window_days": {"type": "integer", "minimum": 1},
                "recurrence_min_cases": {"type": "integer", "minimum": 2},
                "hotspot_top": {"type": "integer", "minimum": 1},
                "report_baseline_periods": {"type": "integer", "minimum": 1},
                "report_min_baseline": {"type": "number", "minimum": 0},
                "report_collapse_ratio": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1},
                "report_surge_ratio": {"type": "number", "exclusiveMinimum": 1},
                "quick_check_minutes": {"type": "number", "exclusiveMinimum": 0},
                "quick_check_min_cases": {"type": "integer", "minimum": 1},
                "anomaly_baseline_periods": {"type": "integer", "minimum": 2},
                "anomaly_min_change": {"type": "integer", "minimum": 1},
                "anomaly_z": {"type": "number", "exclusiveMinimum": 0},
                "bunch_last_days": {"type": "integer", "minimum": 1},
                "bunch_min_reports": {"type": "integer", "minimum": 1},
                "bunch_share": {"type": "number", "exclusiveMinimum": 0, "maximum": 1},
            },
        },
        "screen": SCREEN_SCHEMA,
        "patrol": {
            "type": "object",
            "additionalProperties": False,
            "required": ["retention_days", "gap_minutes"],
            "properties": {
                "retention_days": {"type": "integer", "minimum": 1},
                "gap_minutes": {"type": "number", "exclusiveMinimum": 0},
                "fix_seconds": {"type": "number", "minimum": 1, "maximum": 600},
                "upload_seconds": {"type": "number", "minimum": 1, "maximum": 3600},
            },
        },
        "video": {
            "type": "object",
            "additionalProperties": False,
            "required": ["confidence_threshold", "fold_window_minutes"],
            "properties": {
                "confidence_threshold": {"type": "number", "minimum": 0, "maximum": 1},
                "fold_window_minutes": {"type": "number", "exclusiveMinimum": 0},
            },
        },
    },
}


@dataclass(frozen=True)
class Settings:
    """Validated settings. ``raw`` keeps every key; the typed attributes are the common ones."""

    raw: dict[str, Any]
    base_dir: Path
    sources: dict[str, str] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:
        try:
            return self.raw[name]
        except KeyError:
            raise AttributeError(name) from None

    def path(self, key: str) -> Path:
        """Return a path setting resolved against the config file's folder."""
        value = Path(self.raw[key])
        return value if value.is_absolute() else self.base_dir / value

    @property
    def database_url_resolved(self) -> str:
        """The database URL with a relative SQLite path made absolute."""
        url: str = self.raw["database_url"]
        prefix = "sqlite:///"
        if url.startswith(prefix) and not url.startswith(prefix + "/") and url != "sqlite:///:memory:":
            return prefix + str(self.base_dir / url[len(prefix):])
        return url

    def replace(self, **overrides: Any) -> Settings:
        """Return a copy with some keys replaced (validated like the file)."""
        raw = {**self.raw, **overrides}
        _validate(raw, {**self.sources, **{k: "override" for k in overrides}})
        return Settings(raw=raw, base_dir=self.base_dir, sources=self.sources)


def _config_path() -> Path:
    explicit = os.environ.get(ENV_PREFIX + "CONFIG")
    if explicit:
        return Path(explicit).resolve()
    return PROJECT_ROOT / "config.yaml"


def _validate(raw: dict[str, Any], sources: dict[str, str]) -> None:
    validator = jsonschema.Draft202012Validator(SCHEMA)
    errors = sorted(validator.iter_errors(raw), key=lambda e: list(e.absolute_path))
    if not errors:
        _check_screen(raw["screen"], sources.get("screen", "config.yaml"))
        return
    err = errors[0]
    if err.validator == "required":
        missing = [k for k in SCHEMA["required"] if k not in raw]
        raise ConfigError(f"config: key '{missing[0]}' is missing", key=missing[0])
    if err.validator == "additionalProperties" and not err.absolute_path:
        unknown = sorted(set(raw) - set(SCHEMA["properties"]))
        raise ConfigError(f"config: unknown key '{unknown[0]}'", key=unknown[0])
    key = str(err.absolute_path[0]) if err.absolute_path else "?"
    where = "/".join(str(p) for p in err.absolute_path)
    source = sources.get(key, "config.yaml")
    raise ConfigError(f"config: key '{where}' ({source}) is invalid: {err.message}", key=key)


def _check_screen(screen: dict[str, Any], source: str) -> None:
    """Every panel inside the screen's grid and no two on the same cell (JSON Schema cannot say so)."""
    taken: dict[tuple[int, int], int] = {}
    for i, panel in enumerate(screen["panels"]):
        col, row, width, height = panel["at"]
        where = f"screen/panels/{i}/at"
        if col + width - 1 > screen["columns"] or row + height - 1 > screen["rows"]:
            raise ConfigError(f"config: key '{where}' ({source}) is invalid: panel '{panel['kind']}' "
                              f"reaches outside the {screen['columns']}×{screen['rows']} grid", key="screen")
        for cell in ((c, r) for c in range(col, col + width) for r in range(row, row + height)):
            if cell in taken:
                raise ConfigError(f"config: key '{where}' ({source}) is invalid: panel '{panel['kind']}' "
                                  f"overlaps panel {taken[cell]} at column {cell[0]}, row {cell[1]}", key="screen")
            taken[cell] = i


def load_settings(path: Path | None = None, environ: dict[str, str] | None = None,
                  overrides: dict[str, Any] | None = None) -> Settings:
    """Read config.yaml, apply ``SZCG_*`` variables and ``overrides``, validate, return Settings.

    :raises ConfigError: naming the key that is missing or malformed.
    """
    path = path or _config_path()
    environ = os.environ if environ is None else environ
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        raise ConfigError(f"config: file {path} not found", key="config") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"config: {path} is not valid YAML: {exc}", key="config") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"config: {path} must hold a mapping of keys", key="config")
    sources = {key: str(path.name) for key in raw}
    for key in SCHEMA["properties"]:
        env_name = ENV_PREFIX + key.upper()
        if env_name in environ:
            raw[key] = _parse_env(key, environ[env_name])
            sources[key] = env_name
    for key, value in (overrides or {}).items():
        raw[key] = value
        sources[key] = "override"
    _validate(raw, sources)
    return Settings(raw=raw, base_dir=path.parent, sources=sources)


def _parse_env(key: str, text: str) -> Any:
    """Environment values are YAML, except that string-typed keys keep the text as it is."""
    if SCHEMA["properties"][key].get("type") == "string":
        return text
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        raise ConfigError(f"config: {ENV_PREFIX}{key.upper()} is not a valid value: {text!r}", key=key) from None
