"""Administrators' rules and time: decision-table versions and the working calendar; notifications."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import jsonify, request

from engine.errors import BadRequest, Forbidden
from engine.people import notify
from engine.rules import tables
from engine.time import city_calendar, whatif
from web.api.common import (
    actor,
    after_arg,
    bp,
    deps,
    int_arg,
    json_object,
    list_json,
    page_json,
    text_body,
)


def _admin() -> str:
    if not actor().is_admin:
        raise Forbidden("only administrators may change rules and the calendar")
    return actor().username


def _table_body() -> tuple[str, list[Any]]:
    body = json_object()
    xml, examples = body.get("dmn"), body.get("examples", [])
    if not isinstance(xml, str) or not xml.strip():
        raise BadRequest("'dmn' (the DMN XML text) is required", fields={"dmn": "required"})
    return xml, examples


@bp.get("/admin/tables/<key>/versions")
def table_versions(key: str):  # type: ignore[no-untyped-def]
    _admin()
    return list_json(tables.list_versions(deps(), key), "version", extra={"history": tables.history(deps(), key)})


@bp.get("/admin/tables/<key>")
def table_active(key: str):  # type: ignore[no-untyped-def]
    _admin()
    version = request.args.get("version")
    if version and not version.isdigit():
        raise BadRequest("'version' must be a version number", fields={"version": "invalid"})
    return jsonify(tables.get_version(deps(), key, int(version) if version else None))


@bp.post("/admin/tables/<key>/versions")
def table_upload(key: str):  # type: ignore[no-untyped-def]
    """Upload a new version (checked; stored as a draft). Refusals name rule and reason."""
    who = _admin()
    xml, examples = _table_body()
    note = json_object().get("note")
    result = tables.upload(deps(), key, xml, examples, actor=who, note=note if isinstance(note, str) else None)
    return jsonify(result), 201 if result["created"] else 200


@bp.post("/admin/tables/<key>/dry-run")
def table_dry_run(key: str):  # type: ignore[no-untyped-def]
    """Check a candidate table and show which recent cases it would decide differently."""
    who = _admin()
    body = json_object()
    days = int_arg("days", 30, 1, 3650)
    if "version" in body:
        if isinstance(body["version"], bool) or not isinstance(body["version"], int):
            raise BadRequest("'version' must be a version number", fields={"version": "invalid"})
        stored = tables.get_version(deps(), key, body["version"])
        xml, examples, version = stored["dmn_xml"], stored["examples_list"], stored["version"]
    else:
        (xml, examples), version = _table_body(), None
    return jsonify(tables.dry_run(deps(), key, xml, examples, days=days, actor=who, version=version))


@bp.post("/admin/tables/<key>/what-if")
def table_what_if(key: str):  # type: ignore[no-untyped-def]
    """Replay a candidate time-limits table over the stage tasks completed in the last ``days``: the on-time
    rates per stage, department and district it would have produced, before → after."""
    who = _admin()
    body = json_object()
    days = int_arg("days", 30, 1, 366)
    if "version" in body:
        if isinstance(body["version"], bool) or not isinstance(body["version"], int):
            raise BadRequest("'version' must be a version number", fields={"version": "invalid"})
        stored = tables.get_version(deps(), key, body["version"])
        xml, examples = stored["dmn_xml"], stored["examples_list"]
    else:
        xml, examples = _table_body()
    until = deps().clock.now()
    return jsonify(whatif.replay_limits(deps(), key, xml, examples, since=until - timedelta(days=days), until=until,
                                        actor=who))


@bp.post("/admin/tables/<key>/versions/<int:version>/activate")
def table_activate(key: str, version: int):  # type: ignore[no-untyped-def]
    return jsonify(tables.activate(deps(), key, version, actor=_admin()))


@bp.post("/admin/tables/<key>/versions/<int:version>/rollback")
def table_rollback(key: str, version: int):  # type: ignore[no-untyped-def]
    return jsonify(tables.activate(deps(), key, version, actor=_admin(), rollback=True))


@bp.get("/admin/calendar")
def calendar_status():  # type: ignore[no-untyped-def]
    _admin()
    return jsonify(city_calendar.calendar_status(deps()))


@bp.put("/admin/calendar/years/<int:year>")
def calendar_year(year: int):  # type: ignore[no-untyped-def]
    """Load a year's holidays and make-up days: text/csv body, lines ``date,kind,name``."""
    who = _admin()
    text = text_body()
    loaded = city_calendar.load_year(deps(), year, text, actor=who)
    return jsonify(year=loaded.year, holidays=loaded.holidays, workdays=loaded.workdays)


@bp.post("/admin/calendar/local-days")
def calendar_local_days():  # type: ignore[no-untyped-def]
    """Add local days (肉孜节, 古尔邦节, closures): text/csv body, lines ``date,kind,name``."""
    _admin()
    return jsonify(loaded=city_calendar.load_local_days(deps(), text_body()))


@bp.get("/notifications")
def notifications():  # type: ignore[no-untyped-def]
    unread = request.args.get("unread") in ("1", "true", "yes")
    return page_json(notify.notification_page(deps(), actor(), unread_only=unread, after=after_arg(),
                                              limit=int_arg("limit", 50, 1, 200)))


@bp.post("/notifications/read")
def notifications_read():  # type: ignore[no-untyped-def]
    body = request.get_json(silent=True) or {}
    if not isinstance(body, dict):
        raise BadRequest("the body must be a JSON object", fields={"_": "not an object"})
    target = body.get("id")
    if target is not None and (isinstance(target, bool) or not isinstance(target, int)):
        raise BadRequest("'id' must be a number", fields={"id": "invalid"})
    return jsonify(changed=notify.mark_read(deps(), actor(), target))
