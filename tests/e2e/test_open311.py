"""Open311 GeoReport v2 through a real client from PyPI (``georeport``) against the app on a live port.

``georeport`` reads (services, definitions, requests by id and by dates, XML and JSON); it has no
POST, so requests are posted with ``requests`` as the real clients do: form-encoded, ``api_key``
in the query string, ``jurisdiction_id`` always sent. (``open311`` 1.1 from PyPI does not import
on Python 3: implicit relative imports.)
"""

from __future__ import annotations

import threading

import pytest
import requests
from georeport import GeoReport
from werkzeug.serving import make_server

from engine.exchange import open311
from tests.factories import GARBAGE, INSIDE, INSIDE_650103, act, actor, straight_through

PHONE = "13911112222"


@pytest.fixture
def base(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/open311/v2"
    server.shutdown()


@pytest.fixture
def key(deps):
    return open311.create_client(deps, actor(deps, "admin"), "FixMyStreet")["api_key"]


def post(base, key, fmt="json", **fields):
    data = {"jurisdiction_id": "", "service_code": GARBAGE, "lat": INSIDE[1], "long": INSIDE[0],
            "description": "路口垃圾堆积", "first_name": "Wang", "last_name": "Li", "phone": PHONE,
            "email": "wang@example.org", **fields}
    return requests.post(f"{base}/requests.{fmt}", params={"api_key": key} if key else {}, data=data, timeout=10)


def test_services_and_their_definitions_in_json_and_xml(base):
    for fmt in ("json", "xml"):
        client = GeoReport(base, jurisdiction="650100", output_format=fmt)
        garbage = next(s for s in client.get_service_list() if s["service_code"] == GARBAGE)
        assert garbage["service_name"] == "暴露垃圾" and garbage["group"] and garbage["type"] == "realtime"
        definition = client.get_service_definition(GARBAGE)
        attributes = definition["attributes"] if fmt == "json" else definition["attributes"]["attribute"]
        attribute = attributes[0] if isinstance(attributes, list) else attributes
        assert attribute["code"] == "filing_condition" and attribute["datatype"] == "singlevaluelist"


def test_a_pothole_app_reports_and_follows_the_request_to_closed(base, key, deps):
    made = post(base, key, client_request_id="app-42")
    assert made.status_code == 201
    request_id = made.json()[0]["service_request_id"]
    assert post(base, key, client_request_id="app-42").json()[0]["service_request_id"] == request_id  # idempotent
    client = GeoReport(base, jurisdiction="650100")
    one = client.get_service_request(request_id)
    assert one["status"] == "open" and one["service_code"] == GARBAGE
    assert (one["lat"], one["long"]) == (INSIDE[1], INSIDE[0])  # the reporter's own point
    listed = client.get_service_requests(start_date="2026-03-01T00:00:00Z", end_date="2026-03-31T00:00:00Z")
    assert [r["service_request_id"] for r in listed] == [request_id]
    act(deps, request_id, "register", {"decision": "file"})
    act(deps, request_id, "verify", {"confirmed": True})  # a citizen's report is verified on site
    straight_through(deps, request_id, after_register=True)
    assert client.get_service_request(request_id)["status"] == "closed"
    xml = GeoReport(base, jurisdiction="650100", output_format="xml").get_service_request(request_id)
    assert xml["status"] == "closed" and xml["service_request_id"] == request_id
    assert client.get_service_requests(status="closed")[0]["service_request_id"] == request_id
    assert client.get_service_requests(status="open") == []


def test_answers_carry_no_personal_data(base, key):
    request_id = post(base, key).json()[0]["service_request_id"]
    for fmt in ("json", "xml"):
        text = requests.get(f"{base}/requests/{request_id}.{fmt}", timeout=10).text
        assert PHONE not in text and "Wang" not in text and "wang@example.org" not in text


def test_errors_are_the_spec_s_list_with_400_403_404(base, key):
    no_key = post(base, None)
    assert no_key.status_code == 403 and no_key.json()[0]["code"] == 403
    xml = post(base, "wrong", fmt="xml")
    assert xml.status_code == 403 and xml.text.count("<error>") == 1 and "<code>403</code>" in xml.text
    assert post(base, key, service_code="99999").status_code == 404
    nowhere = post(base, key, lat="", long="")
    assert nowhere.status_code == 400 and "address_string" in nowhere.json()[0]["description"]
    wide = requests.get(f"{base}/requests.json", timeout=10,
                        params={"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"})
    assert wide.status_code == 400 and "90 days" in wide.json()[0]["description"]
    assert requests.get(f"{base}/requests/NOPE.json", timeout=10).status_code == 404
    assert requests.get(f"{base}/services.html", timeout=10).status_code == 404
    assert requests.get(f"{base}/services.json", params={"jurisdiction_id": "x"}, timeout=10).status_code == 404


def test_a_client_s_key_is_scoped_to_its_district(base, deps):
    scoped = open311.create_client(deps, actor(deps, "admin"), "天山区 app", "650102")["api_key"]
    assert post(base, scoped).status_code == 201
    outside = post(base, scoped, lat=INSIDE_650103[1], long=INSIDE_650103[0])
    assert outside.status_code == 403 and "650102" in outside.json()[0]["description"]


def test_discovery_names_the_endpoint(base):
    found = requests.get(f"{base}/discovery.json", timeout=10).json()
    assert found["endpoints"][0]["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert "<discovery>" in requests.get(f"{base}/discovery.xml", timeout=10).text


def test_keys_are_issued_listed_without_the_key_revoked_and_audited(base, client):
    admin = {"Authorization": f"Bearer {client.post('/api/v1/auth/token', json={'username': 'admin', 'password': 'demo'}).get_json()['token']}"}
    issued = client.post("/api/v1/admin/open311/clients", json={"name": "FixMyStreet"}, headers=admin).get_json()
    assert post(base, issued["api_key"]).status_code == 201
    listed = client.get("/api/v1/admin/open311/clients", headers=admin).get_json()
    assert [(c["name"], c["active"], c["requests"]) for c in listed["items"]] == [("FixMyStreet", True, 1)]
    assert issued["api_key"] not in str(listed)  # only a hash of the key is kept
    revoked = client.delete(f"/api/v1/admin/open311/clients/{issued['id']}", headers=admin)
    assert revoked.status_code == 200 and revoked.get_json()["active"] is False
    refused = post(base, issued["api_key"])
    assert refused.status_code == 403 and refused.json()[0]["description"] == "api_key is not valid"
    trail = client.get(f"/api/v1/admin/events?target_type=open311_client&target={issued['id']}",
                       headers=admin).get_json()
    assert [e["action"] for e in trail["items"]] == ["revoke_open311_client", "create_open311_client"]
    assert client.delete("/api/v1/admin/open311/clients/999999", headers=admin).status_code == 404
    operator = client.post("/api/v1/auth/token", json={"username": "operator", "password": "demo"}).get_json()
    assert client.get("/api/v1/admin/open311/clients",
                      headers={"Authorization": f"Bearer {operator['token']}"}).status_code == 403
