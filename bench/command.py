"""Section: the command room at scale — the big screen's first load and delta, video events, tracks.

Run after the history is loaded, so the snapshot reads every open case of it (20,000 in the full
run). Only the use-case calls are timed; the camera, the key and the snapshot image are made first.
"""

from __future__ import annotations

import io
import json
import time
from datetime import timedelta
from typing import Any

from PIL import Image
from sqlalchemy import func, select

from bench.common import Progress, summary_ms
from bench.env import BenchDatabase, Cast
from engine.cases.attachments import Upload
from engine.command import cameras, patrols, screen, video
from engine.people.accounts import Actor, Grant
from engine.store.models import CaseEvent

ADMIN = Actor(id=None, username="bench", display_name="bench", grants=(Grant("admin"),))
TRACK_POINTS = 2880  # 8 hours at one fix per 10 s


def _timed(call: Any, samples: int, warm: int = 2) -> list[float]:
    for _ in range(warm):
        call()
    out = []
    for _ in range(samples):
        start = time.perf_counter()
        call()
        out.append(time.perf_counter() - start)
    return out


def _jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (640, 360), "orange").save(buffer, "JPEG")
    return buffer.getvalue()


def command_section(db: BenchDatabase, cast: Cast, samples: int, progress: Progress) -> dict[str, Any]:
    deps = db.deps
    viewer = cast.centre["dispatcher"]
    progress.note(f"[{db.backend}] command room: screen, delta, video, tracks")
    first = screen.screen_snapshot(deps, viewer, None)
    snapshot = summary_ms(_timed(lambda: screen.screen_snapshot(deps, viewer, None), max(3, samples // 10)))
    with deps.uow() as uow:
        top = uow.session.scalar(select(func.max(CaseEvent.id))) or 0
    quiet = summary_ms(_timed(lambda: screen.screen_delta(deps, viewer, top), samples))
    busy = summary_ms(_timed(lambda: screen.screen_delta(deps, viewer, max(top - 50, 0)), samples))
    return {"open_points": len(first["points"]), "payload_bytes": len(json.dumps(first, ensure_ascii=False)),
            "snapshot": snapshot, "delta_quiet": quiet, "delta_50_events": busy,
            "video": _video(db, cast, samples), "track": _track(db, cast)}


def _video(db: BenchDatabase, cast: Cast, samples: int) -> dict[str, Any]:
    """Events of 10 cameras and 2 classes: the first of each pair a report, the others folded into it."""
    deps = db.deps
    lon, lat, _ = cast.points[0]
    rows = [(f"line {i}", {"code": f"BENCH-{i}", "name": f"camera {i}", "lon": lon, "lat": lat}) for i in range(10)]
    cameras.import_cameras(deps, ADMIN, rows, file="bench")
    platform = video.platform_for_key(deps, video.add_key(deps, ADMIN, f"bench-{time.time_ns()}"))
    image, n = Upload(_jpeg(), "snap.jpg"), max(100, samples * 2)
    events = [video.EventInput(f"bench-{time.time_ns()}-{i}", f"BENCH-{i % 10}", ("20102", "20106")[i % 2],
                               0.9, None, None) for i in range(n)]
    start = time.perf_counter()
    answers = [video.receive_event(deps, platform, e, image) for e in events]
    seconds = time.perf_counter() - start
    return {"events": n, "per_s": round(n / seconds, 1),
            "reported": sum(a["outcome"] == "reported" for a in answers),
            "folded": sum(a["outcome"] == "folded" for a in answers)}


def _track(db: BenchDatabase, cast: Cast) -> dict[str, Any]:
    """A day's track (2,880 fixes) uploaded in one batch, by a different inspector each time."""
    deps = db.deps
    inspectors = cast.inspectors[:5]
    lon, lat, _ = cast.points[0]
    start_at = deps.clock.now() - timedelta(hours=9)
    times = []
    for who in inspectors:
        points = [{"at": (start_at + timedelta(seconds=10 * i)).isoformat(), "lon": lon + i * 1e-6, "lat": lat}
                  for i in range(TRACK_POINTS)]
        began = time.perf_counter()
        patrols.upload_track(deps, who, points)
        times.append(time.perf_counter() - began)
    return {"points": TRACK_POINTS, "uploads": len(times), **summary_ms(times)}
