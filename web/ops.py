"""Operations endpoints (``/healthz``, ``/readyz``, ``/metrics``) and what every request records.

Each request gets an id — the caller's ``X-Request-Id`` when it is a sane token (a proxy's), else a
new one — that is on every log line of the request and returned in the response, so one failing
request can be found in the logs. Requests are counted by route *template* (``/cases/<case_no>``),
never by the raw path, so metrics never carry a case number or a tracking code.
"""

from __future__ import annotations

import contextlib
import hmac
import re
import time
import uuid

from flask import Blueprint, Flask, Response, current_app, g, jsonify, request

from engine.deps import Deps
from engine.logs import request_id
from engine.ops import health, metrics

bp = Blueprint("ops", __name__)
_SANE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def _deps() -> Deps:
    return current_app.extensions["szcg"]


@bp.get("/healthz")
def healthz() -> Response:
    """The process is up and answers (no database asked)."""
    return jsonify({"status": "ok"})


@bp.get("/readyz")
def readyz() -> tuple[Response, int]:
    """Database reachable, migrations at head, scheduler heartbeat recent: 200, else 503 with the reasons."""
    ready = health.readiness(_deps())
    return jsonify(ready.to_dict()), 200 if ready.ok else 503


@bp.get("/metrics")
def metrics_view() -> Response:
    """Prometheus text exposition; behind ``metrics_token`` when one is set."""
    token = _deps().settings.raw.get("metrics_token")
    if token:
        given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(given.encode(), token.encode()):
            return Response("metrics need 'Authorization: Bearer <metrics_token>'\n", 401,
                            {"WWW-Authenticate": "Bearer"}, mimetype="text/plain")
    return Response(metrics.exposition(_deps()), mimetype="text/plain; version=0.0.4")


def register(app: Flask) -> None:
    """Add the endpoints and the per-request id, timing and counting to ``app``."""
    app.register_blueprint(bp)

    @app.before_request
    def _start() -> None:
        given = request.headers.get("X-Request-Id", "")
        g.request_id = given if _SANE_ID.match(given) else uuid.uuid4().hex
        g.request_token = request_id.set(g.request_id)
        g.request_started = time.perf_counter()

    @app.after_request
    def _record(response: Response) -> Response:
        route = request.url_rule.rule if request.url_rule is not None else "unmatched"
        if "request_started" in g:
            metrics.REQUEST_SECONDS.labels(route).observe(time.perf_counter() - g.request_started)
        metrics.REQUESTS.labels(route, request.method, str(response.status_code)).inc()
        response.headers["X-Request-Id"] = g.get("request_id", "")
        return response

    @app.teardown_request
    def _forget(_exc: BaseException | None) -> None:
        token = g.pop("request_token", None)
        if token is not None:
            with contextlib.suppress(ValueError):  # torn down in another context: nothing to undo
                request_id.reset(token)
