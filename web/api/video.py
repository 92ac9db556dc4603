"""The video subsystem: the analytics platform's event intake and the camera registry."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request

from engine.cases.attachments import Upload
from engine.command import cameras, video
from engine.errors import BadRequest, Invalid
from web.api.common import actor, bp, deps, float_arg, list_json, public


@bp.post("/video/events")
@public
def video_event():  # type: ignore[no-untyped-def]
    """One video-AI event (multipart: fields and the ``snapshot`` file), authorised by ``X-Api-Key``.

    The key belongs to a platform and opens this route only; a bearer token does not open it.
    """
    platform = video.platform_for_key(deps(), request.headers.get("X-Api-Key"))
    event = video.parse_event(request.form.to_dict())
    file = request.files.get("snapshot")
    limit = deps().settings.upload_max_bytes
    snapshot = Upload(file.read(limit + 1), file.filename or "snapshot") if file and file.filename else None
    answer = video.receive_event(deps(), platform, event, snapshot)
    return jsonify(answer), 201 if answer["created"] else 200


@bp.put("/admin/cameras")
def import_cameras():  # type: ignore[no-untyped-def]
    """Replace or extend the registry from CSV (``text/csv``) or GeoJSON; ``?replace=1`` empties it first."""
    text = request.get_data(as_text=True)
    if request.mimetype in ("application/json", "application/geo+json"):
        body = request.get_json(silent=True)
        if body is None:
            raise BadRequest("the body is not valid JSON")
        rows = cameras.rows_from_geojson(body)
    elif request.mimetype == "text/csv":
        rows = cameras.rows_from_csv(text)
    else:
        raise BadRequest("send text/csv or application/geo+json")
    count = cameras.import_cameras(deps(), actor(), rows, file=request.args.get("file", "cameras"),
                                   replace=request.args.get("replace") == "1")
    return jsonify(imported=count)


@bp.get("/cameras/near")
def cameras_near():  # type: ignore[no-untyped-def]
    """The cameras within 500 m of ``lon``/``lat``, nearest first (a short list: one page)."""
    lon, lat = float_arg("lon"), float_arg("lat")
    for name, value, bound in (("lon", lon, 180), ("lat", lat, 90)):
        if value is None or not -bound <= value <= bound:
            raise Invalid(f"'{name}' must be a number between -{bound} and {bound}", fields={name: "invalid"})
    items = cameras.cameras_near(deps(), lon, lat)  # type: ignore[arg-type]  # nearest first

    def nearest(c: dict[str, Any]) -> list[Any]:
        return [(c["lon"] - lon) ** 2 + (c["lat"] - lat) ** 2, c["code"]]  # type: ignore[operator]

    return list_json(sorted(items, key=nearest), sort_key=nearest, limit_default=100, limit_max=1000)
