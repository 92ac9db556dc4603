"""Operations: /healthz, /readyz (database, migrations, scheduler heartbeat), /metrics, request ids, JSON logs."""

from __future__ import annotations

import json
import logging

from sqlalchemy import text

from engine.logs import JsonFormatter, RequestIdFilter
from engine.ops import heartbeat
from engine.time.scheduler import tick
from tests.factories import report


def test_healthz_answers_without_the_database(client):
    res = client.get("/healthz")
    assert res.status_code == 200 and res.get_json() == {"status": "ok"}


def test_readyz_needs_a_recent_scheduler_heartbeat(client, deps, clock):
    res = client.get("/readyz")
    body = res.get_json()
    assert res.status_code == 503 and body["ready"] is False
    assert body["checks"]["database"]["ok"] and body["checks"]["migrations"]["ok"]
    assert not body["checks"]["scheduler"]["ok"] and "szcg scheduler" in body["checks"]["scheduler"]["detail"]

    tick(deps)  # one scheduler run stamps the heartbeat
    res = client.get("/readyz")
    assert res.status_code == 200 and res.get_json()["ready"] is True

    clock.advance(minutes=10)  # the scheduler stopped: three missed runs and at least a minute
    res = client.get("/readyz")
    assert res.status_code == 503 and "last heartbeat 600 s ago" in res.get_json()["checks"]["scheduler"]["detail"]


def test_two_schedulers_share_one_heartbeat(deps):
    heartbeat.beat(deps)
    heartbeat.beat(deps)
    with deps.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM heartbeats")).scalar() == 1


def test_readyz_says_when_the_migrations_are_behind(client, deps):
    tick(deps)
    with deps.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0008'"))
    body = client.get("/readyz").get_json()
    assert body["ready"] is False and "szcg db upgrade" in body["checks"]["migrations"]["detail"]


def test_readyz_says_when_the_database_is_unreachable(deps):
    from web import create_app

    broken = type(deps)(**{**deps.__dict__})
    from engine.store.db import make_engine

    broken.engine = make_engine("postgresql://nobody@127.0.0.1:1/none")
    res = create_app(deps=broken, test_config={"TESTING": True}).test_client().get("/readyz")
    body = res.get_json()
    assert res.status_code == 503 and body["checks"]["database"]["detail"].startswith("unreachable")


def _samples(text_body: str, name: str) -> dict[str, float]:
    found = {}
    for line in text_body.splitlines():
        if line.startswith(name):
            key, _, value = line.rpartition(" ")
            found[key] = float(value)
    return found


def test_metrics_count_requests_by_route_steps_and_database_gauges(client, api, deps):
    made = report(deps)
    api.get(f"/api/v1/cases/{made.case_no}", "operator")
    body = client.get("/metrics").get_data(as_text=True)
    requests = _samples(body, "szcg_http_requests_total")
    assert any('route="/api/v1/cases/<case_no>"' in k and 'status="200"' in k for k in requests), requests
    assert made.case_no not in body  # routes are templates, never a case number
    assert _samples(body, "szcg_step_seconds_count")
    tasks = _samples(body, "szcg_open_tasks")
    assert sum(tasks.values()) >= 1 and any('light="green"' in k for k in tasks)
    for gauge in ("szcg_due_timers_waiting", "szcg_outbox_backlog", "szcg_scheduler_lag_seconds"):
        assert gauge in _samples(body, gauge), gauge


def test_metrics_behind_a_token_when_one_is_set(deps):
    from web import create_app

    guarded = type(deps)(**{**deps.__dict__, "settings": deps.settings.replace(metrics_token="s" * 20)})
    client = create_app(deps=guarded, test_config={"TESTING": True}).test_client()
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer " + "s" * 20}).status_code == 200


def test_every_response_has_a_request_id_and_a_proxys_id_is_kept(client):
    fresh = client.get("/healthz").headers["X-Request-Id"]
    assert len(fresh) == 32
    assert client.get("/healthz", headers={"X-Request-Id": "lb-42.a"}).headers["X-Request-Id"] == "lb-42.a"
    assert client.get("/healthz", headers={"X-Request-Id": "<bad id>"}).headers["X-Request-Id"] != "<bad id>"


def test_json_log_lines_carry_the_request_id(app, client):
    lines: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(self.format(record))

    handler = Keep()
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())

    @app.get("/_log_probe")
    def _probe():  # type: ignore[no-untyped-def]
        logging.getLogger("szcg.test").warning("probe")
        return "ok"

    logging.getLogger("szcg.test").addHandler(handler)
    try:
        client.get("/_log_probe", headers={"X-Request-Id": "req-7"})
    finally:
        logging.getLogger("szcg.test").removeHandler(handler)
    record = json.loads(lines[-1])
    assert record["message"] == "probe" and record["request_id"] == "req-7" and record["level"] == "WARNING"


def test_a_completion_retried_with_its_idempotency_key_is_answered_not_refused(api, deps):
    from tests.factories import open_task

    made = report(deps)
    task = open_task(deps, made.case_no)
    send = {"json": {"decision": "file"}, "headers": {"Idempotency-Key": "lost-answer-1"}}
    first = api.post(f"/api/v1/tasks/{task.id}/complete", "operator", **send)
    assert first.status_code == 200 and "replayed" not in first.get_json()
    again = api.post(f"/api/v1/tasks/{task.id}/complete", "operator", **send)
    assert again.status_code == 200 and again.get_json() == {**first.get_json(), "replayed": True}
    other_key = api.post(f"/api/v1/tasks/{task.id}/complete", "operator", json={"decision": "file"},
                         headers={"Idempotency-Key": "another"})
    no_key = api.post(f"/api/v1/tasks/{task.id}/complete", "operator", json={"decision": "file"})
    assert other_key.status_code == 409 and no_key.status_code == 409
    with deps.engine.connect() as conn:  # the step ran once: one timeline line for the completion
        assert conn.execute(text("SELECT count(*) FROM case_events WHERE task_id = :t"),
                            {"t": task.id}).scalar() == 1


def test_a_dropped_database_connection_is_a_503_with_a_retry_hint(app, client):
    from sqlalchemy.exc import OperationalError

    def dropped():  # type: ignore[no-untyped-def]
        raise OperationalError("SELECT 1", {}, Exception("terminating connection due to administrator command"))

    app.add_url_rule("/api/v1/_dropped", "api_dropped", dropped)
    app.add_url_rule("/_dropped", "page_dropped", dropped)
    res = client.get("/api/v1/_dropped")
    assert res.status_code == 503 and res.headers["Retry-After"] == "1"
    assert res.get_json()["error"] == "unavailable" and "nothing was changed" in res.get_json()["message"]
    page = client.get("/_dropped")
    assert page.status_code == 503 and "try again" in page.get_data(as_text=True)
