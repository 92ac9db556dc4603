"""Browser tests: the app served from a background thread on a seeded test database, driven by
Playwright in Debian's Chromium (never a browser Playwright downloads itself).

Each test gets its own database and server (the ``deps`` fixture); the browser is launched
once per session. Screenshots go to tests/screenshots/ (ignored by git).
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOTS = Path(__file__).resolve().parent.parent / "screenshots"
DESKTOP = {"width": 1920, "height": 1080}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is missing: apt-get install -y chromium (.ci/run does this)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def live_server(app: Any) -> Iterator[str]:
    """The app on a free port of 127.0.0.1, served by werkzeug in a background thread."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


class Browse:
    """Opens pages in a fresh browser context (desktop or phone) and takes screenshots."""

    def __init__(self, browser: Any, base: str) -> None:
        self.browser, self.base = browser, base
        self.contexts: list[Any] = []
        self.csp_violations: list[str] = []

    def page(self, viewport: dict[str, int] = DESKTOP, **context: Any) -> Any:
        ctx = self.browser.new_context(viewport=viewport, base_url=self.base, locale="zh-CN",
                                       timezone_id="Asia/Shanghai", **context)
        ctx.set_default_timeout(15000)
        self.contexts.append(ctx)
        page = ctx.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.js_errors = errors
        # The Content-Security-Policy (web/security.py) must never block what a page needs.
        page.on("console", lambda msg: self.csp_violations.append(f"{page.url}: {msg.text}")
                if "Content Security Policy" in msg.text else None)
        return page

    def login(self, page: Any, username: str) -> None:
        page.goto("/login")
        page.fill("#username", username)
        page.fill("#password", "demo")
        page.click("main form button[type=submit]")
        page.wait_for_load_state()

    def shot(self, page: Any, name: str, *, full: bool = True) -> Path:
        SCREENSHOTS.mkdir(exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=full)
        return path

    def close(self) -> None:
        for ctx in self.contexts:
            ctx.close()
        assert not self.csp_violations, "the Content-Security-Policy blocked: " + "\n".join(self.csp_violations)


@pytest.fixture
def browse(browser: Any, live_server: str) -> Iterator[Browse]:
    helper = Browse(browser, live_server)
    yield helper
    helper.close()
