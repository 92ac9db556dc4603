"""HTTP-level helpers: log in as a demo account and call the API with its token."""

from __future__ import annotations

from typing import Any

import pytest


class Api:
    """A tiny client that logs in once per user and sends JSON with the bearer token."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self._tokens: dict[str, str] = {}

    def token(self, username: str, password: str = "demo") -> str:
        if username not in self._tokens:
            res = self.client.post("/api/v1/auth/token", json={"username": username, "password": password})
            assert res.status_code == 200, res.get_json()
            self._tokens[username] = res.get_json()["token"]
        return self._tokens[username]

    def call(self, method: str, path: str, as_user: str | None = None, **kwargs: Any) -> Any:
        headers = dict(kwargs.pop("headers", {}))
        if as_user:
            headers["Authorization"] = f"Bearer {self.token(as_user)}"
        return self.client.open(path, method=method, headers=headers, **kwargs)

    def get(self, path: str, as_user: str | None = None, **kw: Any) -> Any:
        return self.call("GET", path, as_user, **kw)

    def post(self, path: str, as_user: str | None = None, **kw: Any) -> Any:
        return self.call("POST", path, as_user, **kw)


@pytest.fixture
def api(client: Any) -> Api:
    return Api(client)
