"""推送订阅: the administrator subscribes a receiver on a page, reads its log, redelivers, disables it."""

from __future__ import annotations

from engine.exchange import subscriptions
from tests.factories import actor, report

PUBLIC_URL = "http://93.184.216.34/hook"  # an address literal: no name to resolve in the test


def test_only_administrators_open_the_webhooks_page(pages):
    pages.login("shift_leader")
    assert pages.get("/admin/webhooks/").status_code == 403


def test_a_receiver_is_subscribed_and_its_secret_shown_once(pages):
    pages.login("admin")
    res = pages.post("/admin/webhooks/", {"name": "12345 热线", "url": PUBLIC_URL, "event_types": ["answered", "closed"]},
                     follow_redirects=True)
    page = res.get_data(as_text=True)
    assert res.status_code == 200 and "whsec_" in page and "12345 热线" in page and "answered, closed" in page
    assert "whsec_" not in pages.get("/admin/webhooks/").get_data(as_text=True)


def test_a_refused_receiver_names_its_fields_and_keeps_what_was_typed(pages):
    pages.login("admin")
    res = pages.post("/admin/webhooks/", {"name": "本机", "url": "http://127.0.0.1/hook"})
    page = res.get_data(as_text=True)
    assert res.status_code == 422 and "<code>url</code>" in page and "<code>event_types</code>" in page
    assert 'value="本机"' in page


def test_the_delivery_log_redelivers_and_a_receiver_is_disabled(pages, deps):
    sub = subscriptions.create_subscription(deps, actor(deps, "admin"), {
        "name": "city hall", "url": PUBLIC_URL, "event_types": ["case_created"]})
    case_no = report(deps).case_no
    pages.login("admin")
    log = pages.get(f"/admin/webhooks/{sub['id']}").get_data(as_text=True)
    assert case_no in log and "case_created" in log
    delivery_id = subscriptions.delivery_page(deps, actor(deps, "admin"), sub["id"]).items[0]["id"]
    res = pages.post(f"/admin/webhooks/deliveries/{delivery_id}/redeliver", {},
                     token_from=f"/admin/webhooks/{sub['id']}", follow_redirects=True)
    assert res.status_code == 200 and f"推送 {delivery_id} 将重新发送" in res.get_data(as_text=True)
    pages.post(f"/admin/webhooks/{sub['id']}/active", {"active": "0"}, token_from="/admin/webhooks/")
    assert subscriptions.get_subscription(deps, actor(deps, "admin"), sub["id"])["active"] is False
    assert "已停用" in pages.get("/admin/webhooks/").get_data(as_text=True)
