"""A choropleth of an evaluation figure: the outlines of the districts (or streets) with the
figure of each, for the leaders' map. Outlines are simplified (about 50 m) — a map of ten
districts needs their shape, not every surveyed vertex."""

from __future__ import annotations

from typing import Any

import shapely
from sqlalchemy import select

from engine.deps import Deps
from engine.errors import NotFound
from engine.evaluation.scorecards import scorecard
from engine.people.accounts import Actor
from engine.store.models import Place

MAP_LEVELS = ("district", "street")
SIMPLIFY_DEGREES = 0.0005


def figure_map(deps: Deps, actor: Actor, object_type: str, period: str, plan: str | None,
               figure: str = "composite") -> dict[str, Any]:
    """GeoJSON outlines (property ``code``) and each region's value of ``figure`` (or the composite).

    :raises NotFound: a level that has no map (grids are too many to colour one by one).
    """
    if object_type not in MAP_LEVELS:
        raise NotFound(f"no map of '{object_type}' (maps: {', '.join(MAP_LEVELS)})")
    card = scorecard(deps, actor, object_type, period, plan)
    shown = {r.code for r in card.rows}
    with deps.uow() as uow:
        rows = uow.session.execute(select(Place.code, Place.name, Place.geometry).where(Place.level == object_type))
        features = [{"type": "Feature", "properties": {"code": code, "name": name},
                     "geometry": shapely.geometry.mapping(shapely.from_wkb(wkb).simplify(SIMPLIFY_DEGREES))}
                    for code, name, wkb in rows if code in shown]
    values = []
    for r in card.rows:
        value = r.composite if figure == "composite" else (r.indicators[figure].value if figure in r.indicators
                                                         else None)
        values.append({"code": r.code, "name": r.name, "value": value, "grade": r.grade})
    return {"period": card.period, "figure": figure, "geojson": {"type": "FeatureCollection", "features": features},
            "values": values}
