"""The screen layout in config.yaml is checked at start-up: panels inside the grid, none overlapping."""

from __future__ import annotations

import copy

import pytest

from engine.command.panels import PAGE_PANELS, PANELS
from engine.config import SCREEN_PANEL_KINDS, load_settings
from engine.errors import ConfigError


def test_every_panel_kind_the_config_allows_is_drawn_from_data_or_by_the_page():
    assert sorted(SCREEN_PANEL_KINDS) == sorted([*PANELS, *PAGE_PANELS])


def screen_with(**change):
    screen = copy.deepcopy(load_settings().screen)
    screen["panels"][0].update(change)
    return screen


@pytest.mark.parametrize("change, words", [
    ({"at": [4, 1, 2, 1]}, "reaches outside the 4×3 grid"),
    ({"at": [2, 2, 1, 1]}, "overlaps panel 0"),
    ({"kind": "weather"}, "screen/panels/0/kind"),
])
def test_a_bad_layout_names_the_panel(change, words):
    with pytest.raises(ConfigError) as err:
        load_settings(overrides={"screen": screen_with(**change)})
    assert words in str(err.value)
