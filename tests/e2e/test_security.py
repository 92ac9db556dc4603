"""Security headers on every response, the session cookie's flags, and uploads refused by content."""

from __future__ import annotations

import io
import zlib

import pytest
from PIL import Image

from engine.cases.attachments import file_path
from tests.e2e.test_attachments_api import upload
from tests.factories import report
from tests.pages.conftest import jpeg


@pytest.mark.parametrize("path", ["/login", "/report", "/track", "/api/v1/categories", "/no/such/page",
                                  "/static/css/szcg.css"])
def test_every_response_carries_the_security_headers(client, path):
    res = client.get(path)
    csp = res.headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";"))
    assert directives["script-src"] == "'self'" and "unsafe-inline" not in directives["style-src-elem"]
    assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'"
    assert res.headers["X-Content-Type-Options"] == "nosniff"
    assert res.headers["Referrer-Policy"] == "same-origin"
    assert res.headers["X-Frame-Options"] == "DENY"


def test_no_template_has_an_inline_script_or_event_handler(client):
    html = client.get("/report").get_data(as_text=True) + client.get("/login").get_data(as_text=True)
    import re

    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert not re.search(r"\son[a-z]+\s*=", html)


def test_session_cookie_is_http_only_and_secure_only_when_configured(deps):
    from web import create_app

    plain = create_app(deps=deps, test_config={"TESTING": True})
    res = plain.test_client().get("/login")
    flags = _cookie_flags(res.headers["Set-Cookie"])
    assert {"httponly", "samesite=lax"} <= flags and "secure" not in flags
    assert "Strict-Transport-Security" not in res.headers

    secure_deps = type(deps)(**{**deps.__dict__, "settings": deps.settings.replace(session_cookie_secure=True)})
    secure = create_app(deps=secure_deps, test_config={"TESTING": True})
    res = secure.test_client().get("/login")
    assert {"secure", "httponly"} <= _cookie_flags(res.headers["Set-Cookie"])
    assert res.headers["Strict-Transport-Security"].startswith("max-age=")


def _cookie_flags(header: str) -> set[str]:
    return {part.strip().lower() for part in header.split(";")[1:]}


def test_tile_server_is_the_only_foreign_image_source(deps):
    from web.security import content_security_policy

    policy = content_security_policy(deps.settings.replace(map_tile_url="https://t{s}.example.org/{z}/{x}/{y}"))
    assert "img-src 'self' data: blob: https://t" in policy and "script-src 'self';" in policy


def _png_bomb(side: int = 20000) -> bytes:
    """A tiny PNG that declares side×side pixels: a decompression bomb."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return len(body).to_bytes(4, "big") + kind + body + zlib.crc32(kind + body).to_bytes(4, "big")

    header = side.to_bytes(4, "big") * 2 + bytes([8, 0, 0, 0, 0])
    rows = zlib.compress(b"\0" * (side + 1) * 8)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")


def test_decompression_bombs_are_refused_before_decoding(api, deps):
    made = report(deps)
    res = upload(api, made.case_no, _png_bomb(), name="bomb.png")
    assert res.status_code == 422 and res.get_json()["codes"]["photos"] == "too_many_pixels"


SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="10" height="10"/></svg>'


def test_svg_is_refused_whatever_it_is_called(api, deps):
    made = report(deps)
    for name in ("photo.jpg", "photo.svg", "photo.png"):
        res = upload(api, made.case_no, SVG, name=name)
        assert res.status_code == 422 and res.get_json()["codes"]["photos"] == "not_image"


@pytest.mark.parametrize("extra", [b"<html><script>alert(1)</script></html>", b"PK\x03\x04zipzipzip",
                                   b"%PDF-1.4 trailer", b"anything at all after the image"])
def test_polyglots_are_refused_and_nothing_is_stored(api, deps, extra):
    made = report(deps)
    for fmt in ("JPEG", "PNG", "WEBP"):
        out = io.BytesIO()
        Image.new("RGB", (40, 30), "blue").save(out, fmt)
        res = upload(api, made.case_no, out.getvalue() + extra, name=f"x.{fmt.lower()}")
        assert res.status_code == 422, (fmt, extra)
        assert res.get_json()["codes"]["photos"] == "polyglot"
    assert api.get(f"/api/v1/cases/{made.case_no}/attachments", "operator").get_json()["items"] == []
    assert not (deps.settings.path("upload_dir") / "original").exists()


def test_a_phone_photo_with_a_second_embedded_image_and_padding_is_accepted(api, deps):
    made = report(deps)
    photo = jpeg(size=(200, 100)) + jpeg(size=(20, 10)) + b"\0" * 16
    assert upload(api, made.case_no, photo).status_code == 201


def test_a_progressive_jpeg_is_accepted(api, deps):
    made = report(deps)
    out = io.BytesIO()
    Image.effect_noise((300, 200), 80).convert("RGB").save(out, "JPEG", progressive=True, quality=90)
    assert upload(api, made.case_no, out.getvalue()).status_code == 201


def test_a_filename_never_becomes_a_path(api, deps, tmp_path):
    made = report(deps)
    for name in ("../../../evil.jpg", "/tmp/evil.jpg", "..\\..\\evil.jpg", "evil\0.jpg"):
        res = upload(api, made.case_no, jpeg(color="green"), name=name)
        assert res.status_code == 201, name
        sha = res.get_json()["items"][0]["sha256"]
        assert file_path(deps.settings, sha, "original").exists()
    root = deps.settings.path("upload_dir")
    names = {p.name for p in root.rglob("*") if p.is_file()}
    assert all(n.split(".")[0] == sha for n in names), names
    assert not any("evil" in str(p) for p in tmp_path.parent.rglob("*evil*"))
