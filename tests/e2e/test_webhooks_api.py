"""The administrators' webhook API: subscribe, read the delivery log, redeliver, remove."""

from __future__ import annotations

import pytest

from engine.deps import build_deps
from engine.exchange import delivery
from tests.e2e.conftest import Api
from tests.factories import report
from tests.webhook_receiver import Receiver


@pytest.fixture
def wdeps(settings, clock):
    d = build_deps(settings.replace(webhook_allow_private_addresses=True), clock=clock)
    yield d
    d.engine.dispose()


@pytest.fixture
def wapi(wdeps):
    from web import create_app

    return Api(create_app(deps=wdeps, test_config={"TESTING": True}).test_client())


def test_an_administrator_subscribes_reads_the_log_and_redelivers(wapi, wdeps):
    with Receiver("whsec_" + "A" * 40) as receiver:
        res = wapi.post("/api/v1/admin/webhooks", "admin", json={
            "name": "12345", "url": receiver.url, "event_types": ["case_created"], "secret": receiver.secret})
        assert res.status_code == 201
        made = res.get_json()
        assert made["secret"] == receiver.secret and made["active"] is True
        listed = wapi.get("/api/v1/admin/webhooks", "admin").get_json()
        assert [s["id"] for s in listed["items"]] == [made["id"]] and "secret" not in listed["items"][0]
        report(wdeps)
        receiver.answers = [500]
        delivery.deliver_due(wdeps)
        log = wapi.get(f"/api/v1/admin/webhooks/{made['id']}/deliveries", "admin").get_json()
        assert log["total"] == 1 and log["items"][0]["last_error"] == "HTTP 500 Internal Server Error"
        again = wapi.post(f"/api/v1/admin/webhooks/deliveries/{log['items'][0]['id']}/redeliver", "admin")
        assert again.status_code == 200 and again.get_json()["state"] == "pending"
        delivery.deliver_due(wdeps)
        assert len(receiver.unique()) == 1 and len(receiver.received) == 2
        patched = wapi.call("PATCH", f"/api/v1/admin/webhooks/{made['id']}", "admin", json={"active": False})
        assert patched.get_json()["active"] is False
        assert wapi.call("DELETE", f"/api/v1/admin/webhooks/{made['id']}", "admin").status_code == 204
        assert wapi.get(f"/api/v1/admin/webhooks/{made['id']}", "admin").status_code == 404


def test_only_administrators_see_subscriptions_and_bad_input_names_the_field(api):
    assert api.get("/api/v1/admin/webhooks", "operator").status_code == 403
    res = api.post("/api/v1/admin/webhooks", "admin", json={"name": "x", "url": "http://127.0.0.1:9/",
                                                            "event_types": []})
    assert res.status_code == 422 and set(res.get_json()["fields"]) == {"url", "event_types"}
