"""Webhooks from the transactional outbox, against a local receiver that verifies signatures."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from engine.cases import steps, tasks
from engine.deps import build_deps
from engine.errors import Invalid
from engine.exchange import delivery, subscriptions
from engine.people import notify
from engine.store.exchange_models import WebhookDelivery, WebhookEvent
from engine.store.rules_models import OutboxMessage
from engine.time import scheduler
from engine.time.clock import BEIJING
from tests.factories import act, actor, open_task, report, straight_through, who_takes
from tests.webhook_receiver import Receiver

ALL = ["case_created", "stage_changed", "answered", "overdue", "closed", "voided", "evaluated"]


@pytest.fixture
def wdeps(settings, clock):
    """Deps whose webhooks may post to the loopback receiver (a closed city network's setting)."""
    d = build_deps(settings.replace(webhook_allow_private_addresses=True), clock=clock)
    yield d
    d.engine.dispose()


@pytest.fixture
def receiver():
    with Receiver(subscriptions.new_secret()) as r:
        yield r


def subscribe(deps, receiver, **fields):
    body = {"name": "test receiver", "url": receiver.url, "event_types": ALL, "secret": receiver.secret, **fields}
    return subscriptions.create_subscription(deps, actor(deps, "admin"), body)


def count(deps, model):
    with deps.uow() as uow:
        return uow.session.scalar(select(func.count()).select_from(model))


def test_a_closed_case_sends_its_events_signed_in_order(wdeps, receiver):
    subscribe(wdeps, receiver)
    case_no = report(wdeps).case_no
    straight_through(wdeps, case_no)
    assert delivery.deliver_due(wdeps) == count(wdeps, WebhookDelivery) > 0
    types = [m["payload"]["type"] for m in receiver.received]
    assert types[0] == "case_created" and "stage_changed" in types and types[-2:] == ["closed", "evaluated"]
    assert receiver.bad_signatures == 0 and len({m["id"] for m in receiver.received}) == len(types)
    data = receiver.received[-2]["payload"]["data"]
    assert data["case_no"] == case_no and data["status"] == "closed"
    assert not {"reporter_name", "reporter_phone", "lon", "lat", "description"} & set(data)  # no personal data
    assert {m["timestamp"] for m in receiver.received} == {int(wdeps.clock.now().timestamp())}


def test_a_step_that_rolls_back_sends_nothing(wdeps, receiver, monkeypatch):
    subscribe(wdeps, receiver)
    case_no = report(wdeps).case_no
    before = count(wdeps, WebhookEvent)
    task = open_task(wdeps, case_no)

    def crash(self):  # after the outbox rows were written in the step's transaction
        raise RuntimeError("disk full")

    monkeypatch.setattr(steps.Step, "_write_state", crash)
    with pytest.raises(RuntimeError):
        tasks.complete_task(wdeps, actor(wdeps, who_takes(task)), task.id, {"decision": "file"})
    assert count(wdeps, WebhookEvent) == before
    delivery.deliver_due(wdeps)
    assert [m["payload"]["type"] for m in receiver.received] == ["case_created"]


def test_a_failing_receiver_gets_retries_with_backoff_and_drops_repeats(wdeps, receiver, clock):
    subscribe(wdeps, receiver, event_types=["case_created"])
    receiver.answers = [500, 503]
    report(wdeps)
    assert delivery.deliver_due(wdeps) == 0
    clock.advance(seconds=3)
    assert delivery.deliver_due(wdeps) == 0 and len(receiver.received) == 1  # not due yet (5 s)
    clock.advance(seconds=10)
    assert delivery.deliver_due(wdeps) == 0 and len(receiver.received) == 2
    clock.advance(minutes=6)
    assert delivery.deliver_due(wdeps) == 1
    assert len(receiver.received) == 3 and len(receiver.unique()) == 1  # one webhook-id, sent three times
    sub = subscriptions.subscription_page(wdeps, actor(wdeps, "admin")).items[0]
    log = subscriptions.delivery_page(wdeps, actor(wdeps, "admin"), sub["id"]).items
    assert log[0]["state"] == "delivered" and log[0]["attempts"] == 3 and log[0]["last_status"] == 200


def test_a_receiver_down_for_three_days_is_given_up_then_redelivered_by_hand(wdeps, receiver, clock):
    sub = subscribe(wdeps, receiver, event_types=["case_created"])
    receiver.answers = [502] * 10
    report(wdeps)
    start = clock.now()
    for _ in range(10):
        delivery.deliver_due(wdeps)
        clock.advance(hours=27)  # past the longest wait (24 h + jitter)
    log = subscriptions.delivery_page(wdeps, actor(wdeps, "admin"), sub["id"]).items[0]
    assert log["state"] == "failed" and log["attempts"] == 10 and "502" in log["last_error"]
    assert sum(delivery.BACKOFF, timedelta()) > timedelta(days=3) and clock.now() - start > timedelta(days=3)
    again = subscriptions.redeliver(wdeps, actor(wdeps, "admin"), log["id"])
    assert again["state"] == "pending" and again["attempts"] == 0
    assert delivery.deliver_due(wdeps) == 1 and len(receiver.unique()) == 1


def test_410_disables_the_subscription_and_no_more_events_are_written(wdeps, receiver):
    sub = subscribe(wdeps, receiver)
    receiver.answers = [410]
    case_no = report(wdeps).case_no
    delivery.deliver_due(wdeps)
    state = subscriptions.get_subscription(wdeps, actor(wdeps, "admin"), sub["id"])
    assert state["active"] is False and "410" in state["disabled_reason"]
    written = count(wdeps, WebhookEvent)
    act(wdeps, case_no, "register", {"decision": "file"})
    assert count(wdeps, WebhookEvent) == written
    subscriptions.update_subscription(wdeps, actor(wdeps, "admin"), sub["id"], {"active": True})
    assert subscriptions.get_subscription(wdeps, actor(wdeps, "admin"), sub["id"])["disabled_reason"] is None


def test_the_scope_limits_events_to_a_district_and_types(wdeps, receiver):
    subscribe(wdeps, receiver, district_code="650103", event_types=["closed"])
    straight_through(wdeps, report(wdeps).case_no)  # a 650102 case
    assert count(wdeps, WebhookEvent) == 0


def test_private_and_loopback_addresses_are_refused_unless_configured(deps, receiver):
    for url in (receiver.url, "http://10.1.2.3/x", "http://[::1]/x", "ftp://example.org/", "http://u:p@example.org/"):
        with pytest.raises(Invalid) as refused:
            subscriptions.create_subscription(deps, actor(deps, "admin"),
                                              {"name": "x", "url": url, "event_types": ["closed"]})
        assert "url" in refused.value.fields


def test_bad_subscriptions_are_refused_field_by_field(wdeps):
    with pytest.raises(Invalid) as refused:
        subscriptions.create_subscription(wdeps, actor(wdeps, "admin"), {
            "name": "", "url": "http://127.0.0.1/", "event_types": ["exploded"], "secret": "short", "colour": 1})
    assert set(refused.value.fields) == {"name", "event_types", "secret", "colour"}
    assert count(wdeps, WebhookEvent) == 0


def test_two_schedulers_at_once_deliver_each_message_once(wdeps, receiver):
    subscribe(wdeps, receiver)
    for _ in range(3):
        straight_through(wdeps, report(wdeps).case_no)
    total = count(wdeps, WebhookDelivery)
    other = build_deps(wdeps.settings, clock=wdeps.clock)
    results: list[int] = []
    threads = [threading.Thread(target=lambda d=d: results.append(delivery.deliver_due(d))) for d in (wdeps, other)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    other.engine.dispose()
    assert sum(results) == total and len(receiver.received) == total == len(receiver.unique())


def test_a_claim_left_by_a_crashed_scheduler_is_sent_after_a_restart(wdeps, receiver, clock):
    subscribe(wdeps, receiver)
    report(wdeps)
    claimed = delivery.claim_due(wdeps)  # the scheduler crashes before sending
    assert claimed and delivery.claim_due(wdeps) == []
    clock.advance(minutes=6)
    assert delivery.deliver_due(wdeps) == 1 and len(receiver.unique()) == 1


def test_the_scheduler_tick_sends_webhooks(wdeps, receiver):
    subscribe(wdeps, receiver)
    report(wdeps)
    scheduler.tick(wdeps)
    assert [m["payload"]["type"] for m in receiver.received] == ["case_created"]


def test_an_overdue_fired_by_the_scheduler_is_announced_in_the_same_tick(wdeps, receiver, clock):
    subscribe(wdeps, receiver, event_types=["overdue"])
    case_no = report(wdeps).case_no
    act(wdeps, case_no, "register", {"decision": "file"})
    act(wdeps, case_no, "file", {"decision": "file"})
    act(wdeps, case_no, "dispatch", {"department_code": "sanitation_650102"})
    clock.set(datetime(2026, 3, 10, 19, 31, tzinfo=BEIJING))  # past the 1 working day handling limit
    scheduler.tick(wdeps)
    (message,) = receiver.unique()
    assert message["payload"]["type"] == "overdue" and message["payload"]["data"]["stage"] == "handle"
    assert message["payload"]["data"]["case_no"] == case_no


def test_the_sms_outbox_drains_through_an_sms_gateway_subscription(wdeps, receiver):
    subscribe(wdeps, receiver, event_types=["sms"])
    case_no = report(wdeps).case_no
    assert notify.pending_outbox(wdeps) == []
    with wdeps.uow(write=True) as uow:  # what notify() and published answers write in a step
        uow.session.add(OutboxMessage(notification_id=None, channel="sms", recipient="13900000000",
                                      payload={"case_no": case_no, "kind": "reply", "text": "已处理"},
                                      created_at=wdeps.clock.now(), attempts=0))
        uow.commit()
    scheduler.tick(wdeps)
    (message,) = receiver.unique()
    assert message["payload"]["type"] == "sms" and message["payload"]["data"]["recipient"] == "13900000000"
    assert message["payload"]["data"]["text"] == "已处理"
    assert notify.pending_outbox(wdeps) == []  # handed over: the pull API will not send it again
    scheduler.tick(wdeps)
    assert len(receiver.received) == 1


def test_without_an_sms_subscription_the_outbox_waits_for_the_pull_api(wdeps, receiver):
    subscribe(wdeps, receiver, event_types=["closed"])
    with wdeps.uow(write=True) as uow:
        uow.session.add(OutboxMessage(notification_id=None, channel="sms", recipient="13900000000",
                                      payload={"kind": "reply", "text": "x"}, created_at=wdeps.clock.now(),
                                      attempts=0))
        uow.commit()
    scheduler.tick(wdeps)
    assert len(notify.pending_outbox(wdeps)) == 1 and receiver.received == []


def sms_row(deps, sent_at=None):
    with deps.uow(write=True) as uow:
        uow.session.add(OutboxMessage(notification_id=None, channel="sms", recipient="13900000000",
                                      payload={"kind": "reply", "text": "x"}, created_at=deps.clock.now(),
                                      sent_at=sent_at, attempts=1 if sent_at else 0))
        uow.commit()


def states(deps):
    with deps.uow() as uow:
        return sorted(uow.session.scalars(select(WebhookDelivery.state)))


def test_old_delivered_and_failed_rows_are_purged_by_age_and_pending_ones_never(wdeps, receiver, clock):
    from engine.exchange import retention

    assert retention.ages(wdeps) == {"delivered_days": 30, "failed_days": 90}  # config.yaml
    subscribe(wdeps, receiver, event_types=["case_created"])
    report(wdeps)
    delivery.deliver_due(wdeps)  # delivered now
    with Receiver(subscriptions.new_secret()) as second:
        second.answers = [410]
        other = subscribe(wdeps, second, event_types=["case_created"], name="second")
        report(wdeps)
        delivery.deliver_due(wdeps)  # one more delivered to the first receiver; the second fails (410)
        subscriptions.update_subscription(wdeps, actor(wdeps, "admin"), other["id"], {"active": True})
        receiver.answers = second.answers = [500] * 3
        report(wdeps)
        delivery.deliver_due(wdeps)  # two pending, retrying
    sms_row(wdeps, sent_at=wdeps.clock.now())
    sms_row(wdeps)  # unsent: waits for the pull API
    assert states(wdeps) == ["delivered", "delivered", "failed", "pending", "pending"]

    clock.advance(days=29)
    assert retention.purge(wdeps).total == 0
    clock.advance(days=2)
    purged = retention.purge(wdeps)
    assert (purged.deliveries, purged.sms) == (2, 1)
    assert states(wdeps) == ["failed", "pending", "pending"]
    assert count(wdeps, WebhookEvent) == 2  # the first report's event had no delivery left; the others have
    assert count(wdeps, OutboxMessage) == 1 and len(notify.pending_outbox(wdeps)) == 1
    clock.advance(days=60)
    assert retention.purge(wdeps).deliveries == 1 and states(wdeps) == ["pending", "pending"]
    assert count(wdeps, WebhookEvent) == 1


def test_the_scheduler_purges_hourly_with_the_configured_ages(settings, clock, receiver):
    d = build_deps(settings.replace(webhook_allow_private_addresses=True,
                                    exchange_retention={"delivered_days": 1, "failed_days": 2}), clock=clock)
    try:
        subscribe(d, receiver, event_types=["case_created"])
        report(d)
        scheduler.tick(d)
        assert states(d) == ["delivered"]
        clock.advance(days=1, hours=2)
        scheduler.tick(d)
        assert states(d) == [] and count(d, WebhookEvent) == 0
    finally:
        d.engine.dispose()

