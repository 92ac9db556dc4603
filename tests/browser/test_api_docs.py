"""The API docs page: the vendored Swagger UI draws /api/v1/openapi.json offline (no CDN)."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.browser


def test_swagger_ui_lists_every_operation_from_the_served_document(browse: Any, client: Any) -> None:
    doc = client.get("/api/v1/openapi.json").get_json()
    operations = sum(len([m for m in item if m in ("get", "post", "put", "patch", "delete")])
                     for item in [*doc["paths"].values(), *doc["webhooks"].values()])
    page = browse.page()
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(browse.base) else None)
    page.goto("/api/v1/docs")
    page.wait_for_selector(".opblock-summary", state="attached")
    assert page.locator(".opblock").count() == operations
    assert page.js_errors == [] and outside == []
    browse.shot(page, "desktop-api-docs", full=False)
