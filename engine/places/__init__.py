"""Places: codes, grids and geocoding. Pure logic: no database, no Flask.

The store persists what this package computes; the web layer turns ``None`` from
:meth:`Geocoder.locate` into 422 "outside the managed area" and :class:`CodeError` into 400.
"""

from engine.places.codes import (
    CodeError,
    ComponentCode,
    Level,
    ancestor_code,
    child_code,
    level_of,
    parent_code,
    validate_component_code,
    validate_place_code,
)
from engine.places.gcj02 import gcj02_to_wgs84, wgs84_to_gcj02
from engine.places.geocoder import Geocoder, GridHit

__all__ = [
    "CodeError",
    "ComponentCode",
    "Geocoder",
    "GridHit",
    "Level",
    "ancestor_code",
    "child_code",
    "gcj02_to_wgs84",
    "level_of",
    "parent_code",
    "validate_component_code",
    "validate_place_code",
    "wgs84_to_gcj02",
]
