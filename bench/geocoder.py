"""Measure the geocoder on the demo city: build time, batch rate, single-lookup latency, memory.

Kept next to the code so ``szcg bench`` (or ``python -m bench.geocoder``) reports the
same figures the design promises: batch >= 100,000 points/s, single p95 <= 100 µs, and
an index small enough for a < 300 MB web process. No assertions: it reports, CI decides.
"""

from __future__ import annotations

import gc
import time
from pathlib import Path
from typing import Any

import numpy as np

from demo.places import BUILT_UP, CENTRAL_DISTRICTS, generate
from engine.places.geocoder import Geocoder


def _rss_mb() -> float:
    """Resident set size of this process (Linux /proc; 0 elsewhere)."""
    status = Path("/proc/self/status")
    if not status.exists():
        return 0.0
    for line in status.read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024.0
    return 0.0


# The demo (~19,300 grids) and a grown city of ~31,000 grids, the design's upper figure.
SIZES: dict[str, tuple[tuple[str, ...], tuple[float, float, float, float]]] = {
    "demo": (CENTRAL_DISTRICTS, BUILT_UP),
    "30k": ((*CENTRAL_DISTRICTS, "650109"), (87.52, 43.72, 87.70, 43.92)),
}


def _random_points(
    n: int, seed: int, box: tuple[float, float, float, float]
) -> tuple[np.ndarray, np.ndarray]:
    """Points over the built-up box plus 10 % margin, so some fall outside every grid."""
    west, south, east, north = box
    dx, dy = (east - west) * 0.1, (north - south) * 0.1
    rng = np.random.default_rng(seed)
    return rng.uniform(west - dx, east + dx, n), rng.uniform(south - dy, north + dy, n)


def run(
    size: str = "30k", batch_points: int = 200_000, single_points: int = 20_000, seed: int = 20240601
) -> dict[str, Any]:
    """Return the measured figures as a plain dict."""
    districts, box = SIZES[size]
    gc.collect()
    rss_start = _rss_mb()
    t0 = time.perf_counter()
    city = generate(districts, box)
    t1 = time.perf_counter()
    rss_city = _rss_mb()
    inputs = city.geocoder_input()
    geocoder = Geocoder.build(inputs)
    t2 = time.perf_counter()
    rss_index = _rss_mb()

    lons, lats = _random_points(batch_points, seed, box)
    geocoder.locate_many(lons[:1000], lats[:1000])  # warm-up
    t3 = time.perf_counter()
    indexes = geocoder.locate_many(lons, lats)
    t4 = time.perf_counter()

    slons, slats = _random_points(single_points, seed + 1, box)
    timings = np.empty(single_points)
    for k, (lon, lat) in enumerate(zip(slons.tolist(), slats.tolist(), strict=True)):
        start = time.perf_counter_ns()
        geocoder.locate(lon, lat)
        timings[k] = time.perf_counter_ns() - start
    return {
        "grids": len(geocoder),
        "generate_s": round(t1 - t0, 3),
        "build_s": round(t2 - t1, 3),
        "batch_points_per_s": round(batch_points / (t4 - t3)),
        "batch_hit_share": round(float(np.mean(indexes >= 0)), 3),
        "single_p50_us": round(float(np.percentile(timings, 50)) / 1000, 1),
        "single_p95_us": round(float(np.percentile(timings, 95)) / 1000, 1),
        "single_p99_us": round(float(np.percentile(timings, 99)) / 1000, 1),
        "rss_start_mb": round(rss_start, 1),
        "rss_after_demo_city_mb": round(rss_city, 1),
        "rss_after_index_mb": round(rss_index, 1),
        "index_numpy_mb": round(geocoder.memory_bytes() / 2**20, 2),
    }


if __name__ == "__main__":
    import sys

    for key, value in run(*sys.argv[1:2]).items():
        print(f"{key:>24}: {value}")
