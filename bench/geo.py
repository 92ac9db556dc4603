"""Section 4 (geocoding at city scale) and the memory of a web process with the city loaded.

The geocoding figures come from :mod:`bench.geocoder` (kept next to the geocoder). The
web process is measured in a child process, so that what this benchmark itself allocated does
not count: the child builds the app, loads the grid index the way a report would, parses the
process, and reports its resident set size.
"""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
from pathlib import Path
from typing import Any

from bench import geocoder as places_bench

PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent

_CHILD = r"""
import json, pickle, sys
from pathlib import Path
def rss():
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024.0
    return 0.0
from engine.config import load_settings
from web import create_app
url, instance, grids_file = sys.argv[1], sys.argv[2], sys.argv[3]
settings = load_settings(environ={}, overrides={"database_url": url, "instance_path": instance,
    "upload_dir": instance + "/uploads", "secret_key_file": instance + "/secret_key", "log_level": "WARNING"})
app = create_app(settings)
deps = app.extensions["szcg"]
out = {"app_mb": rss()}
from engine.places import grids
from engine.processes.catalog import startable
with deps.uow() as uow:
    index = grids.geocoder(deps, uow.session)
    startable(deps, uow.session)  # every process a report can start, parsed
out["grids"] = len(index)
out["with_city_mb"] = rss()
if grids_file != "-":
    import shapely
    from engine.places.geocoder import Geocoder
    del index
    deps.extras.pop("geocoder", None)
    rows = pickle.loads(Path(grids_file).read_bytes())
    big = Geocoder.build([(code, shapely.from_wkb(wkb)) for code, wkb in rows])
    del rows
    out["big_grids"] = len(big)
    out["with_big_city_mb"] = rss()
print(json.dumps(out))
"""


def geocoding_section(batch_points: int, single_points: int, size: str = "30k") -> dict[str, Any]:
    figures = places_bench.run(size, batch_points=batch_points, single_points=single_points)
    return {key: figures[key] for key in ("grids", "build_s", "batch_points_per_s", "batch_hit_share",
                                          "single_p50_us", "single_p95_us", "single_p99_us", "index_numpy_mb")}


def web_memory(url: str, workdir: Path, size: str = "30k") -> dict[str, Any]:
    """RSS of a fresh web process with the demo city's index, and with a ~31,000-grid city's."""
    import shapely

    from demo.places import generate

    districts, box = places_bench.SIZES[size]
    city = generate(districts, box)
    grids_file = workdir / "grids.pickle"
    grids_file.write_bytes(pickle.dumps([(code, shapely.to_wkb(geom)) for code, geom, *_ in city.geocoder_input()]))
    del city
    instance = workdir / "instance"
    done = subprocess.run([sys.executable, "-c", _CHILD, url, str(instance), str(grids_file)], cwd=PROJECT_ROOT,
                          capture_output=True, text=True, check=False, timeout=300)
    grids_file.unlink(missing_ok=True)
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "failed"}
    return {k: round(v, 1) if isinstance(v, float) else v for k, v in json.loads(done.stdout).items()}
