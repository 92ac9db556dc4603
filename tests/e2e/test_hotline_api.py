"""12345 hotline work orders: idempotent on the order number, routed by 诉求类型, answered back signed."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from engine.deps import build_deps
from engine.exchange import delivery, subscriptions
from engine.store.models import Case
from tests.e2e.conftest import Api
from tests.factories import INSIDE, act, actor
from tests.webhook_receiver import Receiver

ORDER = {"order_no": "12345-20260310-0001", "called_at": "2026-03-10T09:30:00+08:00", "appeal_type": "举报",
         "content": "小区门口垃圾三天没人清运", "category_code": "20102", "lon": INSIDE[0], "lat": INSIDE[1],
         "contact_name": "王女士", "contact_phone": "13900000000"}


def cases(deps):
    with deps.uow() as uow:
        return uow.session.scalar(select(func.count(Case.id)))


def test_twenty_posts_of_one_order_make_one_case(api, deps):
    answers = [api.post("/api/v1/hotline/orders", "operator", json=ORDER) for _ in range(20)]
    assert [a.status_code for a in answers] == [201] + [200] * 19
    assert len({a.get_json()["case_no"] for a in answers}) == 1 and cases(deps) == 1
    case = api.get(f"/api/v1/cases/{answers[0].get_json()['case_no']}", "operator").get_json()
    assert case["source"] == "hotline" and "12345 工单 12345-20260310-0001" in case["description"]


def test_an_order_without_coordinates_is_located_by_the_place_names_of_its_address(api):
    order = {**ORDER, "order_no": "A2", "address": "沙依巴克区第一社区网格02 东门"}
    del order["lon"], order["lat"]
    made = api.post("/api/v1/hotline/orders", "operator", json=order).get_json()
    case = api.get(f"/api/v1/cases/{made['case_no']}", "operator").get_json()
    assert case["grid_code"] == "65010300100102"


def test_orders_szcg_cannot_take_are_refused_with_a_reason_and_change_nothing(api, deps):
    res = api.post("/api/v1/hotline/orders", "operator", json={**ORDER, "category_code": "99999"})
    assert res.status_code == 422 and "不属于数字城管受理范围" in res.get_json()["message"]
    assert res.get_json()["fields"] == {"category_code": "not handled by szcg"}
    nowhere = {**ORDER, "address": "火星大道 1 号"}
    del nowhere["lon"], nowhere["lat"]
    assert api.post("/api/v1/hotline/orders", "operator", json=nowhere).get_json()["fields"] == {
        "address": "no known place name"}
    bad = api.post("/api/v1/hotline/orders", "operator", json={"order_no": "x y", "appeal_type": "?"}).get_json()
    assert {"order_no", "appeal_type", "content", "category_code", "called_at", "address"} <= set(bad["fields"])
    assert api.post("/api/v1/hotline/orders", "sanitation_650102", json=ORDER).status_code == 403
    assert cases(deps) == 0


@pytest.fixture
def wdeps(settings, clock):
    d = build_deps(settings.replace(webhook_allow_private_addresses=True), clock=clock)
    yield d
    d.engine.dispose()


def test_a_consultation_s_answer_goes_back_to_the_hotline_signed(wdeps):
    api = Api(__import__("web").create_app(deps=wdeps, test_config={"TESTING": True}).test_client())
    with Receiver(subscriptions.new_secret()) as hotline:
        subscriptions.create_subscription(wdeps, actor(wdeps, "admin"), {
            "name": "12345", "url": hotline.url, "secret": hotline.secret, "event_types": ["answered", "closed"]})
        made = api.post("/api/v1/hotline/orders", "operator",
                        json={**ORDER, "order_no": "C3", "appeal_type": "咨询", "content": "垃圾几点清运？"}).get_json()
        assert made["case_no"].startswith("FW")  # the service-request process, chosen by the selection table
        act(wdeps, made["case_no"], "register", {"decision": "accept"})
        act(wdeps, made["case_no"], "answer", {"answer": "每日 7 点和 19 点清运。"})
        delivery.deliver_due(wdeps)
        (message,) = hotline.unique()
        assert message["payload"]["type"] == "answered" and hotline.bad_signatures == 0
        assert message["payload"]["data"]["external_ref"] == "C3"
        assert message["payload"]["data"]["answers"] == ["每日 7 点和 19 点清运。"]
