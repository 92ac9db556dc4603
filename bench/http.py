"""Section 2: the same lifecycle through the JSON API (Flask test client, no network).

The benchmark is the one place in ``engine/`` that builds the web app: it measures what the
HTTP layer (token lookup, JSON parsing, error mapping, serialization) adds on top of the use
cases. The import is local so that ``engine`` itself never depends on Flask.
"""

from __future__ import annotations

from typing import Any

from bench.common import Progress
from bench.env import Cast
from bench.lifecycle import CATEGORY, figures, run_cases
from engine.deps import Deps
from engine.people import accounts
from engine.people.accounts import Actor


class HttpChannel:
    """Reports and completes tasks with ``POST /api/v1/...`` as the demo accounts."""

    def __init__(self, deps: Deps) -> None:
        from web import create_app

        self.client = create_app(deps=deps, test_config={"TESTING": True}).test_client()
        self._tokens: dict[str, str] = {}

    def login(self, deps: Deps, actors: list[Actor]) -> None:
        """Give every actor a token before timing.

        One real login checks the route; the others get their token from the use case behind it,
        because scrypt (deliberately slow) for 130 accounts would only measure scrypt.
        """
        first = actors[0]
        res = self.client.post("/api/v1/auth/token", json={"username": first.username, "password": "demo"})
        if res.status_code != 200:
            raise RuntimeError(f"login of {first.username} failed: {res.get_json()}")
        self._tokens[first.username] = res.get_json()["token"]
        for actor in actors[1:]:
            if actor.username not in self._tokens:
                self._tokens[actor.username] = accounts.issue_token(deps, actor)[0]

    def _headers(self, actor: Actor) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._tokens[actor.username]}"}

    def report(self, actor: Actor, lon: float, lat: float, n: int) -> str:
        body = {"source": "citizen", "category_code": CATEGORY, "description": f"路边有一堆垃圾 #{n}", "lon": lon,
                "lat": lat, "address": "和平路 1 号", "reporter_name": "张三", "reporter_phone": "13800000000"}
        res = self.client.post("/api/v1/reports", json=body, headers=self._headers(actor))
        if res.status_code != 201:
            raise RuntimeError(f"report failed: {res.status_code} {res.get_json()}")
        return str(res.get_json()["case_no"])

    def complete(self, actor: Actor, task_id: str, data: dict[str, Any]) -> None:
        res = self.client.post(f"/api/v1/tasks/{task_id}/complete", json=data, headers=self._headers(actor))
        if res.status_code != 200:
            raise RuntimeError(f"completing {task_id} failed: {res.status_code} {res.get_json()}")


def http_section(deps: Deps, cast: Cast, n: int, progress: Progress, backend: str,
                 engine_p50_ms: float) -> dict[str, Any]:
    """The lifecycle through HTTP; the ratio is against the engine's median in the same run."""
    channel = HttpChannel(deps)
    channel.login(deps, [*cast.centre.values(), *cast.handlers.values(), *cast.by_user_id.values()])
    run_cases(deps, channel, cast, min(5, n), Progress(quiet=True), "warm-up", offset=20_000_000)
    times, steps = run_cases(deps, channel, cast, n, progress, f"[{backend}] lifecycle (HTTP)", offset=30_000_000)
    result = figures(times, steps)
    result["http_over_engine"] = round(result["p50_ms"] / engine_p50_ms, 2) if engine_p50_ms else 0.0
    return result
