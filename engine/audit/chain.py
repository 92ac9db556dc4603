"""The hash chain of a case's timeline: each line's hash covers its content and the previous hash.

``hash = SHA-256(canonical JSON of the line's fields, its number in the case and the previous
line's hash)``; the first line of a case chains to :data:`GENESIS`. The case row keeps the chain's
head (``timeline_head``, ``timeline_seq``), so a step extends the chain from the row it has already
locked — no extra read on the hot path — and a deleted last line is noticed too. Changing any line
changes its hash and, unless every later hash is recomputed, breaks the link of the next line;
recomputing them all is what the daily digests (published outside the database) catch.

The canonical form is JSON with sorted keys and no spaces, the time as UTC ISO 8601, and ``data``
normalised through a JSON round trip, so SQLite's JSON text and PostgreSQL's JSONB give the same bytes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Protocol

VERSION = 1
GENESIS = "0" * 64
FIELDS = ("case_id", "at", "actor_id", "actor", "role", "action", "stage_from", "stage_to", "task_id",
          "comment", "data")


class ChainHead(Protocol):
    """What a case row holds of its chain (``engine.store.models.Case``)."""

    id: int
    timeline_head: str | None
    timeline_seq: int


def canonical(line: Mapping[str, Any], seq: int, prev: str) -> bytes:
    """The bytes a line's hash is computed over."""
    body: dict[str, Any] = {key: line.get(key) for key in FIELDS}
    at = body["at"]
    body["at"] = at.astimezone(UTC).isoformat() if isinstance(at, datetime) else at
    body["data"] = json.loads(json.dumps(body["data"])) if body["data"] is not None else None
    body.update(v=VERSION, seq=seq, prev=prev)
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def line_hash(line: Mapping[str, Any], seq: int, prev: str) -> str:
    return hashlib.sha256(canonical(line, seq, prev)).hexdigest()


def extend(case: ChainHead, lines: list[dict[str, Any]]) -> None:
    """Number and hash ``lines`` (in order) after the case's head, and move the head on the case row.

    The caller holds the case row's lock, so no other transaction extends the same chain meanwhile
    (a unique (case, seq) constraint would refuse it anyway).
    """
    prev, seq = case.timeline_head or GENESIS, case.timeline_seq or 0
    for line in lines:
        seq += 1
        line["seq"] = seq
        line["hash"] = prev = line_hash(line, seq, prev)
    case.timeline_head, case.timeline_seq = prev, seq
