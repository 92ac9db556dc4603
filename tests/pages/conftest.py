"""Page helpers: sign in through the login form (with its CSRF token) and read tokens from pages."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from PIL import Image

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "the page has no CSRF token"
    return found.group(1)


class Pages:
    """The test client as a person uses it: sign in once, then get and post forms."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def login(self, username: str, password: str = "demo") -> Any:
        token = csrf_of(self.client.get("/login").get_data(as_text=True))
        return self.client.post("/login", data={"username": username, "password": password, "csrf_token": token})

    def token(self, path: str = "/login") -> str:
        return csrf_of(self.client.get(path).get_data(as_text=True))

    def get(self, path: str, **kw: Any) -> Any:
        return self.client.get(path, **kw)

    def post(self, path: str, data: dict[str, Any], *, token_from: str | None = None, **kw: Any) -> Any:
        data = dict(data)
        data.setdefault("csrf_token", self.token(token_from or path))
        return self.client.post(path, data=data, **kw)


@pytest.fixture
def pages(client: Any) -> Pages:
    return Pages(client)


def jpeg(color: str = "red", size: tuple[int, int] = (64, 48), gps: tuple[float, float] | None = None) -> bytes:
    """A small JPEG, optionally with an EXIF GPS position (lat, lon)."""
    image = Image.new("RGB", size, color)
    out = io.BytesIO()
    exif = Image.Exif()
    if gps:
        def dms(value: float) -> tuple[float, float, float]:
            d = int(value)
            m = int((value - d) * 60)
            return (float(d), float(m), round(((value - d) * 60 - m) * 60, 4))

        exif[0x8825] = {1: "N", 2: dms(gps[0]), 3: "E", 4: dms(gps[1])}
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()
