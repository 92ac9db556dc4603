"""Patrols: 城管通 uploads the inspector's GPS track; the day's figures for who may see them."""

from __future__ import annotations

from datetime import date

from flask import jsonify

from engine.command import patrols
from engine.errors import Invalid
from web.api.common import actor, bp, deps, json_body


@bp.post("/patrols/track")
def upload_track():  # type: ignore[no-untyped-def]
    """A batch of the signed-in inspector's fixes ``{"points": [{at, lon, lat}, …]}``; safe to resend."""
    body = json_body()
    points = body.get("points") if isinstance(body, dict) else None
    return jsonify(patrols.upload_track(deps(), actor(), points))


@bp.get("/patrols/<username>/<day>")
def patrol_day(username: str, day: str):  # type: ignore[no-untyped-def]
    """One inspector's day: distance, time on patrol, beat coverage and the track."""
    try:
        when = date.fromisoformat(day)
    except ValueError:
        raise Invalid("the day must be YYYY-MM-DD", fields={"day": "invalid"}) from None
    return jsonify(patrols.patrol_day(deps(), actor(), username, when))
