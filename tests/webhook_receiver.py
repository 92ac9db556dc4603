"""A webhook receiver for tests: an http.server thread that verifies Standard Webhooks signatures.

It answers with the statuses it is told to (then 200), keeps every message it verified, and drops
a repeated ``webhook-id`` as a real receiver should, so tests can see both what was sent and
what a receiver would have acted on.
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks.webhooks import Webhook


class Receiver:
    def __init__(self, secret: str) -> None:
        self.secret = secret
        self.answers: list[int] = []   # statuses to answer next, in order; then 200
        self.received: list[dict[str, Any]] = []  # every verified request: id, timestamp, payload
        self.bad_signatures = 0
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks"

    def unique(self) -> list[dict[str, Any]]:
        """The messages a receiver acts on: the first of each webhook-id."""
        seen: dict[str, dict[str, Any]] = {}
        for message in self.received:
            seen.setdefault(message["id"], message)
        return list(seen.values())

    def verify(self, body: bytes, headers: Any) -> dict[str, Any] | None:
        msg_id, stamp = headers.get("webhook-id"), headers.get("webhook-timestamp")
        signatures = (headers.get("webhook-signature") or "").split(" ")
        if not msg_id or not stamp or not stamp.isdigit():
            return None
        expected = Webhook(self.secret).sign(msg_id, datetime.fromtimestamp(int(stamp), UTC), body)
        if expected not in signatures:
            return None
        return {"id": msg_id, "timestamp": int(stamp), "payload": json.loads(body)}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                message = receiver.verify(body, self.headers)
                with receiver.lock:
                    if message is None:
                        receiver.bad_signatures += 1
                        status = 401
                    else:
                        receiver.received.append(message)
                        status = receiver.answers.pop(0) if receiver.answers else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        return Handler

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()
