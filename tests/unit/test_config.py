"""Settings: every key declared, overridable by SZCG_<KEY>, refused with the key's name."""

from __future__ import annotations

import pytest

from engine.config import load_settings
from engine.errors import ConfigError


def test_defaults_load_and_environment_overrides_them():
    settings = load_settings(environ={"SZCG_SCHEDULER_INTERVAL_SECONDS": "7",
                                      "SZCG_DATABASE_URL": "postgresql://u@h/db"})
    assert settings.scheduler_interval_seconds == 7
    assert settings.database_url == "postgresql://u@h/db"
    assert settings.timezone == "Asia/Shanghai"
    assert settings.sources["scheduler_interval_seconds"] == "SZCG_SCHEDULER_INTERVAL_SECONDS"


def test_relative_sqlite_path_is_resolved_against_the_config_folder():
    settings = load_settings(environ={})
    assert settings.database_url_resolved.startswith("sqlite:////")
    assert settings.database_url_resolved.endswith("/instance/szcg.db")


@pytest.mark.parametrize(("env", "key"), [
    ({"SZCG_SCHEDULER_INTERVAL_SECONDS": "soon"}, "scheduler_interval_seconds"),
    ({"SZCG_WARNING_RATIO": "1.5"}, "warning_ratio"),
    ({"SZCG_DATABASE_URL": "mysql://x"}, "database_url"),
    ({"SZCG_EXCHANGE_RETENTION": "{delivered_days: 0}"}, "exchange_retention"),
    ({"SZCG_OFFICE_HOURS": "[{season: x, starts: '13-01', periods: ['09:00-12:00']}]"}, "office_hours"),
])
def test_a_malformed_value_names_its_key(env, key):
    with pytest.raises(ConfigError) as err:
        load_settings(environ=env)
    assert err.value.key == key and key in err.value.message


def test_a_missing_key_names_it(tmp_path):
    source = load_settings(environ={}).raw
    text = "\n".join(f"{k}: {v!r}" for k, v in source.items() if k != "timezone" and not isinstance(v, list))
    (tmp_path / "config.yaml").write_text(text + "\noffice_hours: [{season: a, starts: '01-01', periods: ['09:00-17:00']}]"
                                          + "\nmap_center: [87.6, 43.8]\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_settings(tmp_path / "config.yaml", environ={})
    assert err.value.key == "timezone"
