"""大屏幕监督指挥: the wall screen page and the JSON it polls (signed in by the page session)."""

from __future__ import annotations

import json

from flask import Blueprint, jsonify, render_template, url_for

from engine.command import scope, screen
from web.api.screen import cursor_arg, district_arg, points_wanted
from web.pages.common import actor, deps, login_required

bp = Blueprint("screen", __name__, url_prefix="/screen")
SCREEN_ROLES = ("operator", "shift_leader", "dispatcher", "leader")


@bp.get("/")
@login_required(*SCREEN_ROLES)
def show():  # type: ignore[no-untyped-def]
    """The screen; its data comes from the JSON below, its layout from config.yaml ``screen:``."""
    district = scope.screen_district(actor(), district_arg())
    query = {"district": district} if district else {}
    config = {"layout": screen.screen_layout(deps()),
              "snapshotUrl": url_for("screen.data", **query), "deltaUrl": url_for("screen.delta", **query),
              "caseUrl": url_for("screen.card", case_no="CASE_NO"), "casePage": url_for("cases.detail", case_no="CASE_NO"),
              "taskPage": url_for("tasks.show", task_id="TASK_ID"), "gridsUrl": url_for("public.grids"),
              "districtsUrl": url_for("screen.districts", **query), "tiles": deps().settings.map_tile_url,
              "center": [deps().settings.map_center[1], deps().settings.map_center[0]]}
    return render_template("screen/index.html", config=json.dumps(config, ensure_ascii=False),
                           layout=config["layout"])


@bp.get("/data.json")
@login_required(*SCREEN_ROLES)
def data():  # type: ignore[no-untyped-def]
    return jsonify(screen.screen_snapshot(deps(), actor(), district_arg(), with_points=points_wanted()))


@bp.get("/delta.json")
@login_required(*SCREEN_ROLES)
def delta():  # type: ignore[no-untyped-def]
    return jsonify(screen.screen_delta(deps(), actor(), cursor_arg(), district_arg()))


@bp.get("/cases/<case_no>.json")
@login_required(*SCREEN_ROLES)
def card(case_no: str):  # type: ignore[no-untyped-def]
    return jsonify(screen.case_card(deps(), actor(), case_no))


@bp.get("/districts.json")
@login_required(*SCREEN_ROLES)
def districts():  # type: ignore[no-untyped-def]
    """District outlines (simplified) for the screen's map."""
    return jsonify(screen.districts_geojson(deps(), actor(), district_arg()))
