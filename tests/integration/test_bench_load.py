"""`szcg bench`'s load sections with tiny volumes: gunicorn workers under the multi-process HTTP driver.

No timing is asserted (the figures are what the benchmark reports); this keeps the sections working:
a real gunicorn on the throw-away database, load clients in their own processes taking cases through
their whole lifecycle over HTTP, and the report's throughput table and city-day line.
"""

from __future__ import annotations

import json

from bench import Sizes, run
from bench.common import Progress
from bench.report import render
from tests.conftest import PG_URL

TINY = Sizes(lifecycle=0, http=0, finished=0, open=0, read_samples=0, geo_batch=0, geo_single=0, geo_size="demo",
             timers=0, due=0, web_memory=False, city=(87.60, 43.80, 87.63, 43.83), throughput=2, city_day=3,
             load_workers=(1, 2))


def test_throughput_and_city_day_run_on_every_database(tmp_path):
    result = run(sizes=TINY, database=PG_URL, progress=Progress(quiet=True), workdir=tmp_path,
                 only=frozenset({"throughput", "city_day"}))

    assert result["errors"] == []
    for backend, data in result["backends"].items():
        day = data["city_day"]
        assert day["cases"] == 3 and day["steps"] >= 3 * 8  # report and at least seven tasks a case
        assert day["cases_per_s"] > 0 and day["step_p95_ms"] >= day["step_p50_ms"] > 0
        if backend == "postgresql":
            runs = data["throughput"]["runs"]
            assert [r["workers"] for r in runs] == [1, 2]
            assert all(r["cases"] == 2 and r["clients"] >= 2 for r in runs)
        else:
            assert "throughput" not in data  # one writer at a time: measured on PostgreSQL only
    text = render(result)
    assert "CITY DAY (sqlite)" in text
    if PG_URL:
        assert "THROUGHPUT (postgresql" in text
    json.dumps(result)
