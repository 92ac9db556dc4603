"""Security headers on every response and the session cookie's flags.

The pages load only files served by szcg itself (the vendored Leaflet, dmn-js and bpmn-js bundles and
``static/js``), so the Content-Security-Policy allows scripts from ``'self'`` alone: an injected
``<script>`` or ``onclick=`` cannot run even if some escaping were ever missed. Styles are held to
``'self'`` for ``<style>``/``<link>`` elements; the map and diagram libraries set element styles from
their scripts (positions, sizes), which is why ``style-src-attr`` allows them — a style attribute cannot
run code. Map tiles come from ``map_tile_url`` when one is set.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response, g

from engine.config import Settings


def allow_inline_style_elements() -> None:
    """Let this response's page add ``<style>`` elements from its scripts.

    dmn-js's literal-expression editor (CodeMirror) injects its rules as a ``<style>`` element, so
    the decision-table editor alone needs this; scripts stay ``'self'`` there too.
    """
    g.csp_inline_style_elements = True


def content_security_policy(settings: Settings, *, inline_style_elements: bool = False) -> str:
    """The policy sent with every response (tiles allowed from the configured tile server only)."""
    images = ["'self'", "data:", "blob:"]
    tiles = settings.map_tile_url
    if tiles:
        parts = urlsplit(tiles.replace("{s}", "a"))
        host = parts.netloc.replace("a.", "*.", 1) if "{s}" in tiles else parts.netloc
        images.append(f"{parts.scheme}://{host}")
    return "; ".join([
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "style-src-elem 'self'" + (" 'unsafe-inline'" if inline_style_elements else ""),
        "style-src-attr 'unsafe-inline'",
        f"img-src {' '.join(images)}",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])


def register(app: Flask, settings: Settings) -> None:
    """Set the cookie flags and add the headers to every response of ``app``."""
    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SECURE=bool(settings.session_cookie_secure))
    # Flask's defaults hold the key (None), so ``setdefault`` would never set it.
    if not app.config.get("SESSION_COOKIE_SAMESITE"):
        app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    relaxed = content_security_policy(settings, inline_style_elements=True)
    headers = {
        "Content-Security-Policy": content_security_policy(settings),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "X-Frame-Options": "DENY",
        "Cross-Origin-Opener-Policy": "same-origin",
        "Permissions-Policy": "camera=(self), geolocation=(self), microphone=()",
    }
    if settings.session_cookie_secure:
        headers["Strict-Transport-Security"] = "max-age=31536000"

    @app.after_request
    def _secure(response: Response) -> Response:
        if g.get("csp_inline_style_elements"):
            response.headers["Content-Security-Policy"] = relaxed
        for name, value in headers.items():
            response.headers.setdefault(name, value)
        return response
