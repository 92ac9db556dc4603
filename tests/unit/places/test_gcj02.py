"""GCJ-02 <-> WGS84 against published reference pairs, and round-trip accuracy."""

from __future__ import annotations

import math

import numpy as np
import pytest

from engine.places.gcj02 import (
    gcj02_to_wgs84,
    gcj02_to_wgs84_array,
    in_china,
    wgs84_to_gcj02,
    wgs84_to_gcj02_array,
)

# (wgs lon, wgs lat, gcj lon, gcj lat). The first three are the test vectors shared by
# every port of googollee/eviltransform (its go/transform_test.go and python/test.py);
# the fourth is from an independent R package's test suite (Tiananmen, 8 decimals).
REFERENCE = [
    (121.5272106, 31.1774276, 121.531541859215, 31.17530398364597),  # Shanghai
    (113.912316, 22.543847, 113.9171764808363, 22.540796131694766),  # Shenzhen
    (116.377817, 39.911954, 116.38404722455657, 39.91334545536069),  # Beijing
    (116.39089, 39.90734, 116.39713094, 39.90874107),  # Beijing, Tiananmen
]


def metres(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Haversine distance: independent of the module under test."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371008.8 * math.asin(math.sqrt(a))


@pytest.mark.parametrize(("wlon", "wlat", "glon", "glat"), REFERENCE)
def test_forward_matches_reference(wlon: float, wlat: float, glon: float, glat: float) -> None:
    lon, lat = wgs84_to_gcj02(wlon, wlat)
    assert lon == pytest.approx(glon, abs=1e-8)
    assert lat == pytest.approx(glat, abs=1e-8)


@pytest.mark.parametrize(("wlon", "wlat", "glon", "glat"), REFERENCE)
def test_inverse_recovers_reference_within_half_a_metre(
    wlon: float, wlat: float, glon: float, glat: float
) -> None:
    lon, lat = gcj02_to_wgs84(glon, glat)
    assert metres(lon, lat, wlon, wlat) < 0.5


def test_shift_in_urumqi_is_hundreds_of_metres() -> None:
    """Why conversion matters: without it a report lands 2-3 grids away."""
    lon, lat = wgs84_to_gcj02(87.6168, 43.8256)
    assert 100 < metres(lon, lat, 87.6168, 43.8256) < 700


def test_round_trip_over_urumqi_and_china_is_sub_millimetre() -> None:
    rng = np.random.default_rng(7)
    lons = np.concatenate([rng.uniform(87.3, 88.0, 300), rng.uniform(75.0, 134.0, 300)])
    lats = np.concatenate([rng.uniform(43.5, 44.1, 300), rng.uniform(18.0, 53.0, 300)])
    worst = 0.0
    for lon, lat in zip(lons.tolist(), lats.tolist(), strict=True):
        back = gcj02_to_wgs84(*wgs84_to_gcj02(lon, lat))
        worst = max(worst, metres(*back, lon, lat))
    assert worst < 0.001  # the promise is < 0.5 m; the iteration does far better


def test_outside_china_is_identity() -> None:
    for lon, lat in [(2.3522, 48.8566), (-74.0, 40.7), (139.69, 35.69), (87.0, 60.0)]:
        assert not in_china(lon, lat)
        assert wgs84_to_gcj02(lon, lat) == (lon, lat)
        assert gcj02_to_wgs84(lon, lat) == (lon, lat)


def test_array_variants_equal_scalar_ones() -> None:
    rng = np.random.default_rng(3)
    lons = np.concatenate([rng.uniform(87.3, 88.0, 50), [2.35, 150.0]])
    lats = np.concatenate([rng.uniform(43.5, 44.1, 50), [48.85, 30.0]])
    glons, glats = wgs84_to_gcj02_array(lons, lats)
    wlons, wlats = gcj02_to_wgs84_array(glons, glats)
    for i in range(len(lons)):
        assert (glons[i], glats[i]) == pytest.approx(wgs84_to_gcj02(lons[i], lats[i]), abs=1e-12)
        assert (wlons[i], wlats[i]) == pytest.approx(gcj02_to_wgs84(glons[i], glats[i]), abs=1e-12)
    assert (glons[-2], glats[-2]) == (2.35, 48.85)  # outside China untouched
