"""schemathesis fuzzes every operation of /api/v1/openapi.json against the app on a seeded database.

Bounded (a few examples an operation) so that it runs in the normal suite: no 5xx, every status,
content type and body as documented, and every 4xx carries the error body ``{error, message}``.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from engine.people import accounts
from tests.factories import actor, report, straight_through
from web.api.openapi import document

EXAMPLES = 5


@pytest.fixture
def seeded_app(app, deps):
    """The test city with a few cases in different stages (one closed)."""
    for _ in range(2):
        report(deps)
    straight_through(deps, report(deps).case_no)
    return app


@pytest.fixture
def admin_headers(deps):
    token, _ = accounts.issue_token(deps, actor(deps, "admin"))
    return {"Authorization": f"Bearer {token}"}


def error_body_on_4xx(ctx, response, case):  # type: ignore[no-untyped-def]
    """A client error says what went wrong in the API's one error shape."""
    if 400 <= response.status_code < 500:
        body = response.json()
        assert isinstance(body, dict) and isinstance(body.get("error"), str) and isinstance(body.get("message"), str), \
            f"{response.status_code} without the error body: {response.text[:200]}"
    return None


# The document the app serves (test_openapi.py checks that /api/v1/openapi.json returns exactly this).
schema = schemathesis.openapi.from_dict(document())


@schema.exclude(method="DELETE", path="/api/v1/auth/token").parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_the_api_keeps_its_contract(case, seeded_app, admin_headers):
    case.call_and_validate(app=seeded_app, headers=admin_headers, checks=[
        not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
        error_body_on_4xx])
