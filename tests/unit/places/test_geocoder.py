"""Point -> grid lookups: inside, shared edges, holes, outside, near the boundary, batch."""

from __future__ import annotations

import math

import numpy as np
import pytest
from shapely.geometry import LineString, MultiPolygon, Polygon, box

from engine.places.codes import CodeError
from engine.places.geocoder import Geocoder, metres_per_degree

LON0, LAT0 = 87.60, 43.80
KX, KY = metres_per_degree(LAT0)
COMMUNITY = "650102001002"


def cell(col: int, row: int, size_m: float = 100.0) -> Polygon:
    """A size_m square whose south-west corner is (col, row) cells east/north of the origin."""
    w, s = LON0 + col * size_m / KX, LAT0 + row * size_m / KY
    return box(w, s, w + size_m / KX, s + size_m / KY)


def at(x_m: float, y_m: float) -> tuple[float, float]:
    """lon/lat of a point x_m east and y_m north of the origin."""
    return LON0 + x_m / KX, LAT0 + y_m / KY


@pytest.fixture(scope="module")
def grids() -> list[tuple[str, Polygon | MultiPolygon]]:
    """2 x 2 block of cells, a holed cell with a grid filling its hole, and a two-part grid."""
    holed = Polygon(cell(3, 0).exterior.coords, [cell(3, 0).buffer(-30 / KX).exterior.coords])
    plug = cell(3, 0).buffer(-30 / KX)  # exactly the hole, as a separate grid
    donut_only = Polygon(cell(5, 0).exterior.coords, [cell(5, 0).buffer(-30 / KX).exterior.coords])
    return [
        (COMMUNITY + "01", cell(0, 1)),  # north-west
        (COMMUNITY + "02", cell(1, 1)),  # north-east
        (COMMUNITY + "03", cell(0, 0)),  # south-west
        (COMMUNITY + "04", cell(1, 0)),  # south-east
        ("65010200100301", holed),
        ("65010200100302", plug),
        ("65010200100303", MultiPolygon([cell(7, 0), cell(9, 0)])),
        ("65010200100304", donut_only),
    ]


@pytest.fixture(scope="module")
def geocoder(grids: list) -> Geocoder:
    return Geocoder.build(grids, near_boundary_m=10.0)


def test_inside_a_grid_gives_its_codes(geocoder: Geocoder) -> None:
    hit = geocoder.locate(*at(150, 150))
    assert hit is not None
    assert hit.grid_code == COMMUNITY + "02"
    assert (hit.community_code, hit.street_code, hit.district_code) == (COMMUNITY, "650102001", "650102")
    assert hit.near_boundary is False


def test_outside_every_grid_is_none(geocoder: Geocoder) -> None:
    assert geocoder.locate(*at(-500, 50)) is None
    assert geocoder.locate(*at(850, 50)) is None  # the gap between the parts of a MultiPolygon


def test_multipolygon_parts_both_belong(geocoder: Geocoder) -> None:
    assert geocoder.locate(*at(750, 50)).grid_code == "65010200100303"  # type: ignore[union-attr]
    assert geocoder.locate(*at(950, 50)).grid_code == "65010200100303"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("point", "expected"),
    [
        ((100, 150), COMMUNITY + "01"),  # edge shared by 01 and 02
        ((150, 100), COMMUNITY + "02"),  # edge shared by 02 and 04
        ((100, 100), COMMUNITY + "01"),  # vertex shared by all four
        ((100, 50), COMMUNITY + "03"),  # edge shared by 03 and 04
    ],
)
def test_shared_boundary_goes_to_the_lowest_code(
    grids: list, point: tuple[float, float], expected: str
) -> None:
    lon, lat = at(*point)
    forwards = Geocoder.build(grids)
    backwards = Geocoder.build(list(reversed(grids)))
    assert forwards.locate(lon, lat).grid_code == expected  # type: ignore[union-attr]
    assert backwards.locate(lon, lat).grid_code == expected  # type: ignore[union-attr]
    assert forwards.codes[forwards.locate_many(np.array([lon]), np.array([lat]))[0]] == expected


def test_outer_edge_belongs_to_the_grid(geocoder: Geocoder) -> None:
    hit = geocoder.locate(*at(0, 50))
    assert hit is not None and hit.grid_code == COMMUNITY + "03"
    assert hit.near_boundary and hit.boundary_distance_m == pytest.approx(0.0, abs=1e-6)


def test_point_in_a_hole_is_not_in_the_holed_grid(geocoder: Geocoder) -> None:
    assert geocoder.locate(*at(550, 50)) is None  # hole left empty
    plugged = geocoder.locate(*at(350, 50))
    assert plugged is not None and plugged.grid_code == "65010200100302"  # the grid filling the hole
    ring = geocoder.locate(*at(310, 50))  # in the ring around the hole
    assert ring is not None and ring.grid_code == "65010200100301"


def test_distance_counts_hole_edges(geocoder: Geocoder) -> None:
    hit = geocoder.locate(*at(520, 50))  # 20 m from the outer edge, 10 m from the hole
    assert hit is not None
    assert hit.boundary_distance_m == pytest.approx(10.0, rel=0.02)


def test_near_boundary_flag_uses_metres(geocoder: Geocoder) -> None:
    near = geocoder.locate(*at(195, 150))  # 5 m west of the east edge of grid 02
    far = geocoder.locate(*at(150, 150))  # centre: 50 m from every edge
    assert (
        near is not None and near.near_boundary and near.boundary_distance_m == pytest.approx(5.0, rel=1e-3)
    )
    assert (
        far is not None and not far.near_boundary and far.boundary_distance_m == pytest.approx(50.0, rel=1e-3)
    )


@pytest.mark.parametrize("edges", [6, 12, 40, 200])
def test_distance_is_the_same_for_few_and_many_edges(edges: int) -> None:
    """Short boundaries are measured with plain floats, long ones with numpy: both give the edge distance."""
    cx, cy = at(1500, 1500)
    ring = [(cx + 100 * math.cos(2 * math.pi * k / edges) / KX, cy + 100 * math.sin(2 * math.pi * k / edges) / KY)
            for k in range(edges)]
    geocoder = Geocoder.build([(COMMUNITY + "09", Polygon(ring))], near_boundary_m=10.0)
    apothem = 100 * math.cos(math.pi / edges)  # centre to the middle of an edge
    centre = geocoder.locate(cx, cy)
    assert centre is not None and centre.boundary_distance_m == pytest.approx(apothem, rel=1e-3)
    half = math.pi / edges  # the direction of the middle of the first edge
    inner = geocoder.locate(*at(1500 + (apothem - 4) * math.cos(half), 1500 + (apothem - 4) * math.sin(half)))
    assert inner is not None and inner.near_boundary and inner.boundary_distance_m == pytest.approx(4.0, abs=0.05)


@pytest.mark.parametrize("lat", [0.0, 22.5, 43.8, 53.0])
def test_metres_per_degree_matches_the_wgs84_series(lat: float) -> None:
    """The textbook series for WGS84 degree lengths, independent of our radii formulae.

    (A sphere, as haversine uses, would be 0.3 % off here: that is why the ellipsoid is used.)
    """
    phi = math.radians(lat)
    lon_m = 111412.84 * math.cos(phi) - 93.5 * math.cos(3 * phi) + 0.118 * math.cos(5 * phi)
    lat_m = 111132.92 - 559.82 * math.cos(2 * phi) + 1.175 * math.cos(4 * phi) - 0.0023 * math.cos(6 * phi)
    kx, ky = metres_per_degree(lat)
    assert kx == pytest.approx(lon_m, rel=1e-5)
    assert ky == pytest.approx(lat_m, rel=1e-5)


def test_batch_equals_single_lookups(geocoder: Geocoder) -> None:
    rng = np.random.default_rng(11)
    lons = np.concatenate(
        [LON0 + rng.uniform(-100, 1100, 3000) / KX, [at(100, 100)[0], at(100, 150)[0], np.nan]]
    )
    lats = np.concatenate([LAT0 + rng.uniform(-50, 250, 3000) / KY, [at(100, 100)[1], at(100, 150)[1], LAT0]])
    batch = geocoder.locate_many(lons, lats)
    assert batch.dtype == np.int64 and batch[-1] == -1  # NaN is "nowhere", not an error
    for i in range(len(lons) - 1):
        hit = geocoder.locate(float(lons[i]), float(lats[i]))
        assert batch[i] == (hit.index if hit else -1)
    assert (batch >= 0).any() and (batch == -1).any()
    assert geocoder.codes_at(batch[-3:]) == [COMMUNITY + "01", COMMUNITY + "01", None]


def test_empty_batch(geocoder: Geocoder) -> None:
    assert geocoder.locate_many(np.array([]), np.array([])).shape == (0,)


def test_non_finite_single_lookup_is_an_error(geocoder: Geocoder) -> None:
    with pytest.raises(ValueError, match="finite"):
        geocoder.locate(float("nan"), LAT0)


def test_attributes_travel_with_the_hit() -> None:
    geocoder = Geocoder.build(
        [(COMMUNITY + "01", cell(0, 0), {"area_class": "A"}), (COMMUNITY + "02", cell(1, 0))]
    )
    assert geocoder.locate(*at(50, 50)).attributes == {"area_class": "A"}  # type: ignore[union-attr]
    assert geocoder.locate(*at(150, 50)).attributes == {}  # type: ignore[union-attr]


def test_build_rejects_bad_input() -> None:
    with pytest.raises(CodeError, match="more than once"):
        Geocoder.build([(COMMUNITY + "01", cell(0, 0)), (COMMUNITY + "01", cell(1, 0))])
    with pytest.raises(CodeError, match="14 digits"):
        Geocoder.build([(COMMUNITY, cell(0, 0))])
    bowtie = Polygon([(LON0, LAT0), (LON0 + 0.001, LAT0 + 0.001), (LON0 + 0.001, LAT0), (LON0, LAT0 + 0.001)])
    with pytest.raises(ValueError, match="invalid"):
        Geocoder.build([(COMMUNITY + "01", bowtie)])
    with pytest.raises(ValueError, match="Polygon or MultiPolygon"):
        Geocoder.build([(COMMUNITY + "01", LineString([(LON0, LAT0), (LON0 + 1, LAT0)]))])
    with pytest.raises(ValueError, match="empty"):
        Geocoder.build([(COMMUNITY + "01", Polygon())])
