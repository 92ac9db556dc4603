"""The generated demo Urumqi: sizes, nesting, codes, beats, and that it geocodes."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
import shapely

from demo.places import CENTRAL_DISTRICTS, CITY_CENTRE, DemoCity, generate, load_districts
from engine.places.codes import parent_code, validate_place_code
from engine.places.geocoder import Geocoder

TOLERANCE = 1e-9  # degrees (~0.1 mm): clipping arithmetic may overshoot by an ulp or two


@pytest.fixture(scope="module")
def city() -> DemoCity:
    return generate()


@pytest.fixture(scope="module")
def geocoder(city: DemoCity) -> Geocoder:
    return city.geocoder()


def test_grid_count_and_sizes(city: DemoCity) -> None:
    assert 10_000 <= len(city.grids) <= 30_000
    areas = np.array([g.area_m2 for g in city.grids])
    assert 9_000 < np.median(areas) < 11_000  # 万米单元网格
    assert {d.code for d in city.districts} == set(CENTRAL_DISTRICTS)


def test_codes_are_valid_unique_and_nested(city: DemoCity) -> None:
    places = list(city.places())
    assert len({p.code for p in places}) == len(places)
    known = {p.code for p in places}
    for place in places:
        validate_place_code(place.code, place.level, place.parent_code if place.parent_code else None)
        assert place.parent_code == parent_code(place.code)
        assert place.parent_code is None or place.parent_code in known
    assert [g.code for g in city.grids] == sorted(g.code for g in city.grids)


def test_sequence_limits(city: DemoCity) -> None:
    per_community = Counter(g.parent_code for g in city.grids)
    assert max(per_community.values()) <= 99
    assert all(1 <= int(s.code[6:]) <= 99 for s in city.streets)
    assert all(1 <= int(c.code[9:]) <= 999 for c in city.communities)
    assert {c.code for c in city.communities} == set(per_community)  # no empty community


def _covered(children: list, parents: dict) -> np.ndarray:
    geoms = np.array([c.geometry for c in children])
    outer = shapely.buffer(np.array([parents[c.parent_code].geometry for c in children]), TOLERANCE)
    return shapely.covers(outer, geoms)


def test_every_place_lies_in_its_parent(city: DemoCity) -> None:
    by_code = {p.code: p for p in city.places()}
    for children in (city.grids, city.communities, city.streets):
        assert _covered(list(children), by_code).all()


def test_grids_do_not_overlap(city: DemoCity) -> None:
    geoms = np.array([g.geometry for g in city.grids])
    assert shapely.is_valid(geoms).all()
    total = shapely.area(geoms).sum()
    assert shapely.union_all(geoms).area == pytest.approx(total, rel=1e-9)


def test_area_classes(city: DemoCity) -> None:
    counts = Counter(g.area_class for g in city.grids)
    assert set(counts) == {"A", "B", "C"}
    assert counts["A"] < counts["B"]


def test_every_grid_in_exactly_one_beat(city: DemoCity) -> None:
    in_beats = [code for beat in city.beats for code in beat.grid_codes]
    assert len(in_beats) == len(set(in_beats)) == len(city.grids)
    assert set(in_beats) == {g.code for g in city.grids}
    assert len({b.beat_id for b in city.beats}) == len(city.beats)
    for beat in city.beats:
        assert 100 <= len(beat.grid_codes) <= 300
        assert all(code.startswith(beat.street_code) for code in beat.grid_codes)


def test_names_are_unique_per_level(city: DemoCity) -> None:
    for places in (city.streets, city.communities, city.grids):
        assert len({p.name for p in places}) == len(places)
    assert all(s.name.endswith("街道") for s in city.streets)
    assert all(c.name.endswith("社区") for c in city.communities)


def test_deterministic(city: DemoCity) -> None:
    again = generate()
    assert [g.code for g in again.grids] == [g.code for g in city.grids]
    assert [b.grid_codes for b in again.beats] == [b.grid_codes for b in city.beats]
    assert all(
        a.geometry.equals_exact(b.geometry, 0)
        for a, b in zip(again.grids[:500], city.grids[:500], strict=True)
    )


def test_downtown_locates_to_a_central_district(geocoder: Geocoder) -> None:
    """People's Square (人民广场) is in 天山区; the quoted city-centre coordinate is in the
    managed area but, on these simplified demo boundaries, inside 水磨沟区 (2 km north of
    天山区's simplified edge), so only the central four are asserted for it."""
    square = geocoder.locate(87.6205, 43.7935)
    assert square is not None and square.district_code == "650102"
    centre = geocoder.locate(*CITY_CENTRE)
    assert centre is not None and centre.district_code in CENTRAL_DISTRICTS
    assert centre.attributes["area_class"] == "A"
    assert centre.attributes["beat_id"].startswith(centre.street_code)


def test_geocoded_district_matches_the_district_polygon(city: DemoCity, geocoder: Geocoder) -> None:
    districts = {code: geom for code, _, geom in load_districts()}
    rng = np.random.default_rng(5)
    lons, lats = rng.uniform(87.54, 87.68, 2000), rng.uniform(43.74, 43.90, 2000)
    indexes = geocoder.locate_many(lons, lats)
    assert (indexes >= 0).mean() > 0.8
    for i in np.flatnonzero(indexes >= 0)[:300].tolist():
        code = geocoder.codes[indexes[i]][:6]
        assert shapely.intersects(shapely.buffer(districts[code], TOLERANCE), shapely.Point(lons[i], lats[i]))


def test_every_grid_is_one_polygon(city: DemoCity) -> None:
    """A wiggly district edge must not leave two-part grids: a grid is one closed polygon."""
    assert {g.geometry.geom_type for g in city.grids} == {"Polygon"}
