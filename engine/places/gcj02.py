"""GCJ-02 ("Mars coordinates") <-> WGS84.

Chinese map apps and mini-programs (Amap, Tencent, WeChat's ``gcj02`` location) report
positions in GCJ-02, a deliberately distorted WGS84 that is shifted by 100-700 m. Grids are
stored in WGS84, so a report taken from such an app must be converted before geocoding,
or it lands in the wrong grid.

The forward transform is the widely published one (Krasovsky ellipsoid constants, the same
polynomial-plus-sines as eviltransform and its many ports). The inverse has no closed form:
:func:`gcj02_to_wgs84` iterates a fixed-point correction. The shift varies slowly with
position (its gradient is ~1e-3), so each step shrinks the error about 1000-fold: 3 steps
reach 1e-9 degrees (0.1 mm) in Urumqi. The one-step "subtract the offset" shortcut that
many snippets use is off by decimetres up to ~2 m.

Outside the rough China box the transform is the identity, as the published algorithm does.
The PyPI ports (``eviltransform`` 2018, ``coord-convert`` 2019) are unmaintained and not
vectorised, so this small module is kept here with its tests.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

_A = 6378245.0  # Krasovsky 1940 semi-major axis, as the published algorithm uses
_EE = 0.00669342162296594323  # its first eccentricity squared
_TOLERANCE_DEG = 1e-10  # ~0.01 mm: far below the 0.5 m promise, reached in 2-3 steps
_MAX_STEPS = 30

# The rough box in which the published algorithm applies the shift.
_LON_MIN, _LON_MAX = 72.004, 137.8347
_LAT_MIN, _LAT_MAX = 0.8293, 55.8271


def in_china(lon: float, lat: float) -> bool:
    """True inside the box where GCJ-02 differs from WGS84 (a rectangle, as published)."""
    return _LON_MIN <= lon <= _LON_MAX and _LAT_MIN <= lat <= _LAT_MAX


def _offset(
    lon: Any, lat: Any, sin: Callable[[Any], Any], cos: Callable[[Any], Any], sqrt: Callable[[Any], Any]
):
    """Return the GCJ-02 shift (dlon, dlat) in degrees at a WGS84 point.

    Written once over ``math`` or ``numpy`` functions so the scalar and array variants
    cannot drift apart.
    """
    x, y = lon - 105.0, lat - 35.0
    pi = math.pi
    common = (20.0 * sin(6.0 * x * pi) + 20.0 * sin(2.0 * x * pi)) * 2.0 / 3.0
    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sqrt(abs(x)) + common
    dlat = dlat + (20.0 * sin(y * pi) + 40.0 * sin(y / 3.0 * pi)) * 2.0 / 3.0
    dlat = dlat + (160.0 * sin(y / 12.0 * pi) + 320.0 * sin(y * pi / 30.0)) * 2.0 / 3.0
    dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sqrt(abs(x)) + common
    dlon = dlon + (20.0 * sin(x * pi) + 40.0 * sin(x / 3.0 * pi)) * 2.0 / 3.0
    dlon = dlon + (150.0 * sin(x / 12.0 * pi) + 300.0 * sin(x / 30.0 * pi)) * 2.0 / 3.0
    rad_lat = lat / 180.0 * pi
    magic = 1.0 - _EE * sin(rad_lat) ** 2
    sqrt_magic = sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1.0 - _EE)) / (magic * sqrt_magic) * pi)
    dlon = (dlon * 180.0) / (_A / sqrt_magic * cos(rad_lat) * pi)
    return dlon, dlat


def wgs84_to_gcj02(lon: float, lat: float) -> tuple[float, float]:
    """Shift a WGS84 point into GCJ-02 (identity outside China)."""
    if not in_china(lon, lat):
        return lon, lat
    dlon, dlat = _offset(lon, lat, math.sin, math.cos, math.sqrt)
    return lon + dlon, lat + dlat


def gcj02_to_wgs84(lon: float, lat: float) -> tuple[float, float]:
    """Invert :func:`wgs84_to_gcj02` by fixed-point iteration (sub-millimetre)."""
    if not in_china(lon, lat):
        return lon, lat
    wlon, wlat = lon, lat
    for _ in range(_MAX_STEPS):
        dlon, dlat = _offset(wlon, wlat, math.sin, math.cos, math.sqrt)
        err_lon, err_lat = wlon + dlon - lon, wlat + dlat - lat
        wlon, wlat = wlon - err_lon, wlat - err_lat
        if abs(err_lon) < _TOLERANCE_DEG and abs(err_lat) < _TOLERANCE_DEG:
            break
    return wlon, wlat


def _in_china_array(lons: np.ndarray, lats: np.ndarray) -> np.ndarray:
    return (lons >= _LON_MIN) & (lons <= _LON_MAX) & (lats >= _LAT_MIN) & (lats <= _LAT_MAX)


def wgs84_to_gcj02_array(lons: np.ndarray, lats: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Vectorised :func:`wgs84_to_gcj02` (for imports of many components)."""
    lons, lats = np.asarray(lons, dtype=float), np.asarray(lats, dtype=float)
    dlon, dlat = _offset(lons, lats, np.sin, np.cos, np.sqrt)
    inside = _in_china_array(lons, lats)
    return np.where(inside, lons + dlon, lons), np.where(inside, lats + dlat, lats)


def gcj02_to_wgs84_array(lons: np.ndarray, lats: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Vectorised :func:`gcj02_to_wgs84`; iterates until every point has converged."""
    lons, lats = np.asarray(lons, dtype=float), np.asarray(lats, dtype=float)
    inside = _in_china_array(lons, lats)
    wlons, wlats = lons.copy(), lats.copy()
    for _ in range(_MAX_STEPS):
        dlon, dlat = _offset(wlons, wlats, np.sin, np.cos, np.sqrt)
        err_lon = np.where(inside, wlons + dlon - lons, 0.0)
        err_lat = np.where(inside, wlats + dlat - lats, 0.0)
        wlons, wlats = wlons - err_lon, wlats - err_lat
        if np.all(np.abs(err_lon) < _TOLERANCE_DEG) and np.all(np.abs(err_lat) < _TOLERANCE_DEG):
            break
    return wlons, wlats
