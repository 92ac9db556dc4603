"""Demo components (部件) for the demo city: lamps, manhole covers, grates, bins, bus stops, toilets.

A real registry comes from the city's survey. This one is generated, always the same, so the
map and component reports have something realistic to show: the demo grids are a 100 m
lattice, so arterial roads are taken to run along every 8th lattice line (800 m, the
community block edges), and facilities line those roads at typical spacings and offsets —
street lamps along one side, each utility's manholes in its own lane, grates at the kerb,
bins and bus stops on the pavement — plus public toilets scattered among the grids. Only
points that fall inside a unit grid are kept. Identifiers are district 6 + class 4 +
sequence 6 (CJ/T 214), numbered north to south, then west to east, per district and class.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from demo.places import BUILT_UP, CELL_M, CITY_CENTRE
from engine.places.geocoder import Geocoder, metres_per_degree

ROAD_EVERY_CELLS = 8


@dataclass(frozen=True)
class Kind:
    """How one class is laid along the roads: spacing along, offset across (metres)."""

    minor: str  # major + minor, 4 digits
    name: str
    spacing_m: float
    offset_m: float
    both_sides: bool = False


ALONG_ROADS = (
    Kind("0118", "路灯", 450.0, 18.0, both_sides=True),
    Kind("0101", "上水井盖", 1100.0, 6.0),
    Kind("0102", "污水井盖", 1000.0, 1.5),
    Kind("0103", "雨水井盖", 1100.0, -8.0),
    Kind("0105", "电力井盖", 1300.0, 10.0),
    Kind("0107", "通讯井盖", 1400.0, -12.0),
    Kind("0111", "燃气井盖", 1500.0, 4.0),
    Kind("0104", "雨水箅子", 2000.0, -14.0, both_sides=True),
    Kind("0305", "垃圾箱", 1500.0, 20.0, both_sides=True),
    Kind("0203", "公交站亭", 2400.0, 22.0, both_sides=True),
)
TOILET = Kind("0301", "公共厕所", 0.0, 0.0)
TOILET_EVERY_GRIDS = 80


@dataclass(frozen=True, slots=True)
class DemoComponent:
    code: str
    minor: str
    name: str
    lon: float
    lat: float
    grid_code: str
    state: str


def _road_points(kind: Kind, rng: np.random.Generator, kx: float, ky: float) -> tuple[np.ndarray, np.ndarray]:
    """Points along every arterial (both directions), jittered along, offset across."""
    west, south, east, north = BUILT_UP
    step_x, step_y = ROAD_EVERY_CELLS * CELL_M / kx, ROAD_EVERY_CELLS * CELL_M / ky
    lons, lats = [], []
    sides = (1.0, -1.0) if kind.both_sides else (1.0,)
    for side_index, side in enumerate(sides):
        phase = kind.spacing_m * (0.5 * side_index + rng.uniform(0, 0.5))
        along_x = np.arange(west * kx + phase, east * kx, kind.spacing_m) / kx  # east-west roads
        along_y = np.arange(south * ky + phase, north * ky, kind.spacing_m) / ky  # north-south roads
        for y in np.arange(north, south, -step_y):
            jitter = rng.normal(0, kind.spacing_m * 0.08, along_x.size) / kx
            lons.append(along_x + jitter)
            lats.append(np.full(along_x.size, y + side * kind.offset_m / ky))
        for x in np.arange(west, east, step_x):
            jitter = rng.normal(0, kind.spacing_m * 0.08, along_y.size) / ky
            lons.append(np.full(along_y.size, x + side * kind.offset_m / kx))
            lats.append(along_y + jitter)
    return np.concatenate(lons), np.concatenate(lats)


def _toilet_points(geocoder: Geocoder, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """One public toilet in about every 80th grid, somewhere inside it."""
    picks = np.flatnonzero(rng.random(len(geocoder)) < 1.0 / TOILET_EVERY_GRIDS)
    points = [geocoder.geometry(int(i)).representative_point() for i in picks]
    return np.array([p.x for p in points]), np.array([p.y for p in points])


def generate(geocoder: Geocoder, seed: int = 2026) -> list[DemoComponent]:
    """The demo registry for the grids indexed by ``geocoder`` (deterministic for a given layer)."""
    rng = np.random.default_rng(seed)
    kx, ky = metres_per_degree(CITY_CENTRE[1])
    made: list[DemoComponent] = []
    for kind in (*ALONG_ROADS, TOILET):
        lons, lats = _toilet_points(geocoder, rng) if kind is TOILET else _road_points(kind, rng, kx, ky)
        lons, lats = np.round(lons, 7), np.round(lats, 7)  # stored as given: locate what is stored
        grids = geocoder.codes_at(geocoder.locate_many(lons, lats))
        states = rng.choice(["good", "damaged", "lost"], size=len(grids), p=[0.94, 0.05, 0.01])
        rows = sorted(((g, -lat, lon, s) for g, lon, lat, s in zip(grids, lons.tolist(), lats.tolist(), states.tolist(),
                                                                    strict=True) if g is not None),
                      key=lambda r: (r[0][:6], r[1], r[2]))
        sequence: dict[str, int] = {}
        for grid, neg_lat, lon, state in rows:
            district = grid[:6]
            sequence[district] = sequence.get(district, 0) + 1
            made.append(DemoComponent(f"{district}{kind.minor}{sequence[district]:06d}", kind.minor, kind.name,
                                      lon, -neg_lat, grid, state))
    return made
