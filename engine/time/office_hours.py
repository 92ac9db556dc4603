"""Office hours by season, from config.yaml's ``office_hours``.

Urumqi offices keep later hours than eastern China and some keep summer and winter schedules,
so office periods are configuration, never code.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from engine.errors import ConfigError

Period = tuple[int, int]  # seconds after local midnight, start < end


@dataclass(frozen=True)
class Season:
    """Office periods in force from ``starts`` (month, day) until the next season starts."""

    name: str
    starts: tuple[int, int]
    periods: tuple[Period, ...]


def _parse_clock(text: str) -> int:
    hours, minutes = (int(part) for part in text.split(":"))
    if not (0 <= hours <= 24 and 0 <= minutes < 60) or (hours == 24 and minutes):
        raise ValueError(text)
    return hours * 3600 + minutes * 60


def _parse_periods(name: str, texts: Sequence[str]) -> tuple[Period, ...]:
    """Parse ``HH:MM-HH:MM`` periods; they must be non-empty and not overlap."""
    try:
        periods = sorted((_parse_clock(a), _parse_clock(b)) for a, b in (t.split("-") for t in texts))
    except ValueError as error:
        raise ConfigError(
            f"office_hours season {name}: bad period in {list(texts)}", key="office_hours"
        ) from error
    if not periods or any(a >= b for a, b in periods):
        raise ConfigError(
            f"office_hours season {name}: each period must end after it starts", key="office_hours"
        )
    if any(later[0] < earlier[1] for earlier, later in itertools.pairwise(periods)):
        raise ConfigError(f"office_hours season {name}: periods overlap", key="office_hours")
    return tuple(periods)


class OfficeHours:
    """The city's office periods by season (Urumqi keeps later hours than eastern China)."""

    def __init__(self, seasons: Sequence[Season]) -> None:
        if not seasons or len({s.starts for s in seasons}) != len(seasons):
            raise ConfigError(
                "office_hours needs at least one season and distinct starts", key="office_hours"
            )
        self.seasons = tuple(sorted(seasons, key=lambda s: s.starts))

    @classmethod
    def from_config(cls, entries: Sequence[Mapping[str, Any]]) -> OfficeHours:
        """Build from config.yaml's ``office_hours`` list (``season``, ``starts`` "MM-DD", ``periods``)."""
        seasons = []
        for entry in entries:
            name = str(entry["season"])
            try:
                month, day = (int(part) for part in str(entry["starts"]).split("-"))
                date(2000, month, day)  # a leap year, so 02-29 is a valid start
            except ValueError as error:
                raise ConfigError(f"office_hours season {name}: bad starts", key="office_hours") from error
            seasons.append(Season(name, (month, day), _parse_periods(name, entry["periods"])))
        return cls(seasons)

    def season_on(self, day: date) -> Season:
        """The season with the latest start on or before ``day``, wrapping over New Year."""
        current = self.seasons[-1]
        for season in self.seasons:
            if season.starts <= (day.month, day.day):
                current = season
        return current
