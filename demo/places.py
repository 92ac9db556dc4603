"""A living demo Urumqi: 42 streets, 333 communities, 19,300 unit grids, 101 inspector beats.

Nobody can ship a real city's grid layer (it is surveyed, owned by the city and not
public), yet every screen of szcg needs one. This module derives a plausible one, always
the same, from the 8 demo district polygons in ``data/`` (Amap-derived, licence unclear,
never authoritative):

1. a 100 m x 100 m lattice (万米单元网格, ~10,000 m²) over the built-up core
   :data:`BUILT_UP` is clipped to the four central districts (天山, 沙依巴克, 新市, 水磨沟);
2. slivers that clipping leaves (< 30 % of a cell) join a lattice neighbour in the same
   district; fragments below 5 % with no neighbour are dropped;
3. 8 x 8 cell blocks become communities (<= 64 grids, so the 2-digit grid sequence never
   overflows), 3 x 3 community blocks become streets; blocks cut small by a district edge
   are merged into a neighbour so no community is a handful of grids;
4. each street's communities are dealt into beats (责任网格) of ~200 grids.

Numbering follows the Beijing DB11 habit: north to south, then west to east. Names are
invented from a fixed list and do not describe the real streets. Geometry work is shapely
vectorised; the remaining Python loops run over slivers and blocks, not over every cell.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from engine.places.codes import Level, child_code
from engine.places.geocoder import Geocoder, GridInput, metres_per_degree

DATA_FILE = Path(__file__).with_name("data") / "urumqi_districts_demo.geojson"
CITY_CENTRE = (87.6168, 43.8256)
BUILT_UP = (87.54, 43.74, 87.68, 43.90)  # lon/lat box of the built-up core that gets grids
CENTRAL_DISTRICTS = ("650102", "650103", "650104", "650105")
CELL_M = 100.0
COMMUNITY_BLOCK = 8  # cells per side of a community block: 64 grids at most
STREET_BLOCK = 3  # community blocks per side of a street block
MIN_COMMUNITY_GRIDS = 16
MAX_COMMUNITY_GRIDS = 99
MIN_STREET_GRIDS = 150
BEAT_TARGET_GRIDS = 200
SLIVER_FRACTION = 0.30
DROP_FRACTION = 0.05
CLASS_A_M, CLASS_B_M = 3_000.0, 7_000.0

_STREET_ROOTS = (
    "和平路", "解放南路", "解放北路", "人民路", "新华南路", "新华北路", "胜利路", "团结路",
    "幸福路", "青年路", "建设路", "光明路", "友好南路", "友好北路", "长江路", "黄河路",
    "扬子江路", "北京南路", "北京北路", "南湖路", "西湖路", "东风路", "红旗路", "五一路",
    "文化路", "公园北街", "钱塘江路", "河滩路", "西山路", "雅山路", "红山路", "碾子沟",
    "燕儿窝", "东门", "南门", "西大桥", "八一路", "七道湾", "六道湾", "石人沟",
    "苇湖梁", "八道湾", "榆树沟", "喀什东路", "阿勒泰路", "克拉玛依路", "昆仑路", "天山路",
    "博格达路", "天池路", "仓房沟", "红雁池", "二道桥", "三屯碑", "新民路", "温泉路",
    "西北路", "鲤鱼山", "平顶山", "炉院街", "长春路", "苏州路", "北站路", "安居路",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Place:
    """A district, street, community or grid: what the store will persist, minus versions."""

    code: str
    level: Level
    name: str
    parent_code: str | None
    geometry: BaseGeometry = field(repr=False)
    area_m2: float
    area_class: str | None = None  # grids only: "A" core, "B", "C" outer


@dataclass(frozen=True, slots=True)
class Beat:
    """A 责任网格: the grids one inspector patrols."""

    beat_id: str
    name: str
    street_code: str
    grid_codes: tuple[str, ...] = field(repr=False)


@dataclass(frozen=True)
class DemoCity:
    """The generated city. Tuples are in code order."""

    districts: tuple[Place, ...]
    streets: tuple[Place, ...]
    communities: tuple[Place, ...]
    grids: tuple[Place, ...]
    beats: tuple[Beat, ...]

    @cached_property
    def beat_of(self) -> dict[str, str]:
        """grid code -> beat id."""
        return {code: beat.beat_id for beat in self.beats for code in beat.grid_codes}

    def places(self) -> Iterator[Place]:
        """Every place, parents before children (the order to insert them)."""
        yield from self.districts
        yield from self.streets
        yield from self.communities
        yield from self.grids

    def geocoder_input(self) -> list[GridInput]:
        beat_of = self.beat_of
        return [
            (g.code, g.geometry, {"area_class": g.area_class, "beat_id": beat_of[g.code]}) for g in self.grids
        ]

    def geocoder(self, *, near_boundary_m: float = 15.0) -> Geocoder:
        return Geocoder.build(self.geocoder_input(), near_boundary_m=near_boundary_m)


@dataclass(frozen=True, slots=True)
class _Cells:
    """Clipped lattice cells: parallel arrays, one row per future grid."""

    district: np.ndarray  # index into the districts tuple
    row: np.ndarray  # 0 = northmost
    col: np.ndarray  # 0 = westmost
    geometry: np.ndarray


def load_districts(path: Path = DATA_FILE) -> list[tuple[str, str, BaseGeometry]]:
    """All 8 demo districts as (code, name, geometry), in code order."""
    data = json.loads(path.read_text(encoding="utf-8"))
    rows = [
        (f["properties"]["adcode"], f["properties"]["name"], shape(f["geometry"])) for f in data["features"]
    ]
    return sorted(rows, key=lambda row: row[0])


def generate(
    district_codes: tuple[str, ...] = CENTRAL_DISTRICTS,
    built_up: tuple[float, float, float, float] = BUILT_UP,
    path: Path = DATA_FILE,
) -> DemoCity:
    """Build the demo city; deterministic (no randomness at all), about a second.

    ``built_up`` (west, south, east, north) and ``district_codes`` are parameters so a
    benchmark can grow the city (e.g. to 30,000 grids); the demo uses the defaults.
    """
    districts = [row for row in load_districts(path) if row[0] in district_codes]
    cells = _absorb_slivers(_clip_lattice([row[2] for row in districts], built_up))
    communities = _merge_small(_blocks(cells, COMMUNITY_BLOCK), len, MIN_COMMUNITY_GRIDS, MAX_COMMUNITY_GRIDS)
    streets = _merge_small(
        _street_blocks(communities), lambda members: sum(len(m) for m in members), MIN_STREET_GRIDS, 10**9
    )
    return _assemble(districts, cells, streets)


# --- geometry: lattice, clipping, slivers -------------------------------------------------


def _clip_lattice(district_geoms: list[BaseGeometry], built_up: tuple[float, float, float, float]) -> _Cells:
    """Cut the built-up box into ~100 m cells and clip them to each district."""
    west, south, east, north = built_up
    kx, ky = metres_per_degree(CITY_CENTRE[1])
    x_edges = np.arange(west, east + 1e-12, CELL_M / kx)
    y_edges = np.arange(north, south - 1e-12, -CELL_M / ky)  # north to south
    rows, cols = np.meshgrid(np.arange(len(y_edges) - 1), np.arange(len(x_edges) - 1), indexing="ij")
    rows, cols = rows.ravel(), cols.ravel()
    boxes = shapely.box(x_edges[cols], y_edges[rows + 1], x_edges[cols + 1], y_edges[rows])
    tree = shapely.STRtree(boxes)
    parts: list[tuple[np.ndarray, np.ndarray]] = []
    for index, geom in enumerate(district_geoms):
        candidates = tree.query(geom, predicate="intersects")
        inside = shapely.contains_properly(geom, boxes[candidates])
        clipped = boxes[candidates].copy()
        clipped[~inside] = shapely.intersection(boxes[candidates[~inside]], geom)
        clipped = _polygonal(clipped)
        keep = ~shapely.is_empty(clipped)
        parts.append((np.full(keep.sum(), index), candidates[keep], clipped[keep]))
    district = np.concatenate([p[0] for p in parts])
    box_index = np.concatenate([p[1] for p in parts])
    # A wiggly district edge can cut a cell in two: each part is its own candidate grid
    # (the small one usually ends up a sliver), so no grid is a MultiPolygon.
    geometry, part_of = shapely.get_parts(np.concatenate([p[2] for p in parts]), return_index=True)
    return _Cells(district[part_of], rows[box_index[part_of]], cols[box_index[part_of]], geometry)


def _polygonal(geoms: np.ndarray) -> np.ndarray:
    """Drop the lines and points an intersection may return along a touching edge."""
    out = geoms.copy()
    mixed = np.flatnonzero(shapely.get_type_id(out) == 7)  # GeometryCollection
    for i in mixed:
        polys = [g for g in shapely.get_parts(out[i]) if g.geom_type in ("Polygon", "MultiPolygon")]
        out[i] = shapely.union_all(polys) if polys else shapely.Polygon()
    out[shapely.area(out) <= 0.0] = shapely.Polygon()
    return out


def _absorb_slivers(cells: _Cells) -> _Cells:
    """Merge clipped slivers into a touching full cell of the same district.

    Real grids follow streets, not a lattice, so a 3 m wide strip along a district edge
    would be an absurd unit grid; one cell slightly larger than 10,000 m² is fine.
    """
    full_area = float(np.median(shapely.area(cells.geometry)))
    fraction = shapely.area(cells.geometry) / full_area
    keys = list(zip(cells.district.tolist(), cells.row.tolist(), cells.col.tolist(), strict=True))
    index: dict[tuple[int, int, int], int] = {}
    for i in np.argsort(fraction, kind="stable").tolist():  # ascending: a cut cell's largest part wins
        index[keys[i]] = i
    is_sliver = fraction < SLIVER_FRACTION
    absorbed: dict[int, list[int]] = defaultdict(list)
    keep = ~is_sliver
    for i in np.flatnonzero(is_sliver).tolist():
        target = _touching_neighbour(cells, index, is_sliver, i)
        if target is not None:
            absorbed[target].append(i)
        elif fraction[i] >= DROP_FRACTION:
            keep[i] = True
    geometry = cells.geometry.copy()
    for target, slivers in absorbed.items():
        geometry[target] = shapely.union_all(geometry[[target, *slivers]])
    return _Cells(cells.district[keep], cells.row[keep], cells.col[keep], geometry[keep])


def _touching_neighbour(cells: _Cells, index: dict, is_sliver: np.ndarray, i: int) -> int | None:
    """First full lattice neighbour (N, W, E, S, then diagonals) sharing an edge with cell i.

    An edge, not a corner: a union over a corner would make a two-part grid.
    """
    d, r, c = int(cells.district[i]), int(cells.row[i]), int(cells.col[i])
    for dr, dc in ((-1, 0), (0, -1), (0, 1), (1, 0), (-1, -1), (-1, 1), (1, -1), (1, 1)):
        j = index.get((d, r + dr, c + dc))
        if j is not None and not is_sliver[j] and _share_edge(cells.geometry[i], cells.geometry[j]):
            return j
    return None


def _share_edge(a: BaseGeometry, b: BaseGeometry) -> bool:
    """Boundaries meet along a line (DE-9IM boundary/boundary dimension 1)."""
    return bool(shapely.relate_pattern(a, b, "****1****"))


# --- grouping: communities, streets -------------------------------------------------------


def _blocks(cells: _Cells, size: int) -> dict[tuple[int, int, int], list[int]]:
    """Group cell indexes by (district, block row, block col)."""
    groups: dict[tuple[int, int, int], list[int]] = defaultdict(list)
    keys = zip(
        cells.district.tolist(), (cells.row // size).tolist(), (cells.col // size).tolist(), strict=True
    )
    for i, key in enumerate(keys):
        groups[key].append(i)
    return dict(groups)


def _street_blocks(
    communities: dict[tuple[int, int, int], list[int]],
) -> dict[tuple[int, int, int], list[list[int]]]:
    groups: dict[tuple[int, int, int], list[list[int]]] = defaultdict(list)
    for (d, r, c), members in sorted(communities.items()):
        groups[(d, r // STREET_BLOCK, c // STREET_BLOCK)].append(members)
    return dict(groups)


def _merge_small(
    groups: dict[tuple[int, int, int], list[Any]],
    weight: Callable[[list[Any]], int],
    min_size: int,
    max_size: int,
) -> dict[tuple[int, int, int], list[Any]]:
    """Fold each group lighter than ``min_size`` into its lightest same-district neighbour.

    Deterministic: groups are visited in key order and ties broken by key. A group with no
    neighbour that can take it (``max_size``) stays small, which is legal, only unusual.
    """
    groups = {key: list(members) for key, members in groups.items()}
    changed = True
    while changed:
        changed = False
        for key in sorted(groups):
            members = groups.get(key)
            if members is None or weight(members) >= min_size:
                continue
            d, r, c = key
            options = [
                n
                for n in ((d, r - 1, c), (d, r, c - 1), (d, r, c + 1), (d, r + 1, c))
                if n in groups and weight(groups[n]) + weight(members) <= max_size
            ]
            if options:
                target = min(options, key=lambda n: (weight(groups[n]), n))
                groups[target].extend(members)
                del groups[key]
                changed = True
    return groups


# --- codes, names, classes, beats ---------------------------------------------------------


def _assemble(
    districts: list[tuple[str, str, BaseGeometry]],
    cells: _Cells,
    streets: dict[tuple[int, int, int], list[list[int]]],
) -> DemoCity:
    """Number and name the streets district by district, north to south; collect the rest."""
    names = iter(_STREET_ROOTS)
    parts: tuple[list[Place], list[Place], list[Place], list[Beat]] = ([], [], [], [])
    street_seq: dict[int, int] = defaultdict(int)
    for (d, _, _), members in sorted(streets.items(), key=lambda kv: (kv[0][0], _north_west(cells, kv[1]))):
        district_code, district_name, _ = districts[d]
        street_seq[d] += 1
        if street_seq[d] > 99:
            raise ValueError(f"district {district_code} would get more than 99 streets")
        root = next(names, f"{district_name.removesuffix('区')}第{street_seq[d]}")
        street = _street(cells, child_code(district_code, street_seq[d]), root, district_code, members)
        for collected, new in zip(parts, street, strict=True):
            collected.extend(new)
    district_places = [_place(code, "district", name, None, geom) for code, name, geom in districts]
    streets_, communities, grids, beats = parts
    return DemoCity(tuple(district_places), tuple(streets_), tuple(communities), tuple(grids), tuple(beats))


def _street(
    cells: _Cells, code: str, root: str, district_code: str, members: list[list[int]]
) -> tuple[list[Place], list[Place], list[Place], list[Beat]]:
    """One street with its communities, grids and beats."""
    communities: list[Place] = []
    grids_by_community: list[list[Place]] = []
    for n, cell_indexes in enumerate(sorted(members, key=lambda m: _north_west(cells, m)), start=1):
        name = f"{root}第{_zh_number(n)}社区"
        community, grids = _community(cells, child_code(code, n), name, code, cell_indexes)
        communities.append(community)
        grids_by_community.append(grids)
    geometry = shapely.union_all([c.geometry for c in communities])
    street = _place(code, "street", f"{root}街道", district_code, geometry)
    beats = _deal_beats(code, street.name, grids_by_community)
    return [street], communities, [g for grids in grids_by_community for g in grids], beats


def _north_west(cells: _Cells, members: list[Any]) -> tuple[int, int]:
    """Sort key of a block (cell indexes, or lists of them): its north-most, then west-most cell."""
    flat = np.array([i for m in members for i in (m if isinstance(m, list) else [m])])
    rows, cols = cells.row[flat], cells.col[flat]
    first = np.lexsort((cols, rows))[0]
    return int(rows[first]), int(cols[first])


def _community(
    cells: _Cells, code: str, name: str, street_code: str, members: list[int]
) -> tuple[Place, list[Place]]:
    """Create a community and its grids, numbered north->south, then west->east."""
    ordered = sorted(members, key=lambda i: (int(cells.row[i]), int(cells.col[i])))
    geoms = cells.geometry[ordered]
    grids = [
        Place(child_code(code, seq), "grid", f"{name}{seq:02d}号网格", code, geom, area, area_class)
        for seq, (geom, area_class, area) in enumerate(
            zip(geoms, _area_classes(geoms), _areas_m2(geoms).tolist(), strict=True), start=1
        )
    ]
    return _place(code, "community", name, street_code, shapely.union_all(geoms)), grids


def _place(code: str, level: Level, name: str, parent: str | None, geom: BaseGeometry) -> Place:
    return Place(code, level, name, parent, geom, float(_areas_m2(np.array([geom]))[0]))


def _areas_m2(geoms: np.ndarray) -> np.ndarray:
    """Area in m² with the local metres-per-degree at each geometry's centroid latitude."""
    lats = shapely.get_y(shapely.centroid(geoms))
    factors = np.array([math.prod(metres_per_degree(lat)) for lat in lats.tolist()])
    return shapely.area(geoms) * factors


def _area_classes(geoms: np.ndarray) -> list[str]:
    """A within 3 km of the centre, B within 7 km, C beyond (evaluation 区域类别)."""
    kx, ky = metres_per_degree(CITY_CENTRE[1])
    centroids = shapely.centroid(geoms)
    dx = (shapely.get_x(centroids) - CITY_CENTRE[0]) * kx
    dy = (shapely.get_y(centroids) - CITY_CENTRE[1]) * ky
    distance = np.hypot(dx, dy)
    return np.where(distance <= CLASS_A_M, "A", np.where(distance <= CLASS_B_M, "B", "C")).tolist()


def _deal_beats(street_code: str, street_name: str, communities: list[list[Place]]) -> list[Beat]:
    """Split a street's communities, in order, into beats of about BEAT_TARGET_GRIDS grids.

    Whole communities go to one beat, so a beat follows community lines, as offices draw them.
    """
    total = sum(len(grids) for grids in communities)
    count = max(1, round(total / BEAT_TARGET_GRIDS))
    slots: list[list[str]] = [[] for _ in range(count)]
    done = 0
    for grids in communities:
        slot = min(count - 1, int((done + len(grids) / 2) * count / total))
        slots[slot].extend(g.code for g in grids)
        done += len(grids)
    return [
        Beat(f"{street_code}-B{n:02d}", f"{street_name}第{_zh_number(n)}责任网格", street_code, tuple(codes))
        for n, codes in enumerate((s for s in slots if s), start=1)
    ]


_DIGITS = "零一二三四五六七八九"


def _zh_number(n: int) -> str:
    """Chinese numeral for 1..99 (一, 十二, 二十), as place names write them; digits beyond."""
    if not 1 <= n < 100:
        return str(n)
    if n < 10:
        return _DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _DIGITS[tens]) + "十" + (_DIGITS[ones] if ones else "")
