"""管理: the administrator's console — decision tables edited with dmn-js, and the working calendar.

Everything here is for the admin role only (anyone else gets the 403 page). The decision-table
page draws the table in the browser with the dmn-js modeler (vendored, no CDN); before a form is
sent, static/js/dmn-editor.js writes the modeler's XML into the form's ``dmn`` field, so the
server only ever receives plain form posts. Refusals (``engine.errors.Invalid``) are shown in
full: every problem with its rule, example, column or line number.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from engine.errors import Invalid
from engine.rules import tables
from engine.time import city_calendar, whatif
from web import security
from web.pages import whatif_xlsx
from web.pages.common import actor, deps, login_required

bp = Blueprint("admin", __name__, url_prefix="/admin")

DEFAULT_DAYS = 30
MAX_TEXT = 2 * 1024 * 1024  # a table or a year file is a few dozen kilobytes
_WHERE = re.compile(r"^((?:(?:line|example|rule|column) [^,:]+(?:, )?)+): (.*)$", re.S)


def _known(key: str) -> str:
    if key not in tables.table_keys(deps()):
        abort(404)
    return key


def located(problem: str) -> dict[str, Any]:
    """Split an engine problem ("rule 24, column level: …") into its places and its reason."""
    match = _WHERE.match(problem)
    if not match:
        return {"where": [], "reason": problem, "rule": None}
    where = [tuple(part.split(" ", 1)) for part in match.group(1).split(", ")]
    rule = next((int(v) for k, v in where if k == "rule" and v.isdigit()), None)
    return {"where": where, "reason": match.group(2), "rule": rule}


def _problems(exc: Invalid) -> list[dict[str, Any]]:
    found = exc.details.get("problems") or [exc.message]
    return [located(str(p)) for p in found]


def examples_text(examples: list[Any]) -> str:
    """Examples as JSON, one example a line (the layout of workflows/<table>.examples.json)."""
    if not examples:
        return "[]"
    return "[\n" + ",\n".join("  " + json.dumps(e, ensure_ascii=False) for e in examples) + "\n]"


def _days() -> int:
    raw = (request.form.get("days") or "").strip()
    return min(max(int(raw), 1), 3650) if raw.isdigit() else DEFAULT_DAYS


def _table_page(key: str, *, xml: str, examples: str, shown: dict[str, Any] | None = None,
                result: dict[str, Any] | None = None, problems: list[dict[str, Any]] | None = None,
                days: int = DEFAULT_DAYS, note: str = "", status: int = 200):  # type: ignore[no-untyped-def]
    history = tables.history(deps(), key)
    security.allow_inline_style_elements()  # dmn-js's CodeMirror adds a <style> element
    return render_template("admin/table.html", key=key, xml=xml, examples=examples, shown=shown, result=result,
                           problems=problems or [], days=days, note=note,
                           versions=list(reversed(tables.list_versions(deps(), key))),
                           history=list(reversed(history[-100:]))), status


@bp.get("/")
@login_required("admin")
def index():  # type: ignore[no-untyped-def]
    """The console's front page: the tables with their active versions and the calendar's state."""
    versions = {key: tables.list_versions(deps(), key) for key in tables.table_keys(deps())}
    return render_template("admin/index.html", tables=versions, status=city_calendar.calendar_status(deps()))


@bp.get("/tables/<key>")
@login_required("admin")
def table(key: str):  # type: ignore[no-untyped-def]
    """The active version (or ``?version=N``) in the editor, with its versions and audit history."""
    version = request.args.get("version", "")
    shown = tables.get_version(deps(), _known(key), int(version) if version.isdigit() else None)
    return _table_page(key, xml=shown["dmn_xml"], examples=examples_text(shown["examples_list"]), shown=shown)


def _posted(key: str) -> tuple[str, str, list[Any] | None, list[dict[str, Any]]]:
    """The edited XML and examples; a problem instead of the examples when they are not JSON."""
    xml = (request.form.get("dmn") or "")[:MAX_TEXT]
    text = (request.form.get("examples") or "").strip()[:MAX_TEXT] or "[]"
    problems = [] if xml.strip() else [located(_("The table is empty."))]
    try:
        examples = json.loads(text)
    except ValueError as exc:
        where = getattr(exc, "lineno", None)
        problems.append({"where": [("line", str(where))] if where else [], "rule": None,
                         "reason": _("The examples are not valid JSON (%(error)s).", error=getattr(exc, "msg", exc))})
        examples = None
    return xml, text, examples, problems


@bp.post("/tables/<key>/check")
@login_required("admin")
def check(key: str):  # type: ignore[no-untyped-def]
    """校验并试运行: check the edited table and compare it with the active one on recent cases."""
    xml, text, examples, problems = _posted(_known(key))
    days, note = _days(), (request.form.get("note") or "")[:255]
    if problems or examples is None:
        return _table_page(key, xml=xml, examples=text, problems=problems, days=days, note=note, status=422)
    try:
        result = tables.dry_run(deps(), key, xml, examples, days=days, actor=actor().username)
        if '_limit"' in xml:  # a time-limits table: what its limits would have done to the on-time rates
            result["what_if"] = _what_if(key, xml, examples, days)
    except Invalid as exc:
        return _table_page(key, xml=xml, examples=text, problems=_problems(exc), days=days, note=note, status=422)
    return _table_page(key, xml=xml, examples=text, result=result, days=days, note=note)


def _what_if(key: str, xml: str, examples: list[Any], days: int) -> dict[str, Any]:
    until = deps().clock.now()
    return whatif.replay_limits(deps(), key, xml, examples, since=until - timedelta(days=days), until=until,
                                actor=actor().username)


@bp.post("/tables/<key>/what-if.xlsx")
@login_required("admin")
def what_if_export(key: str):  # type: ignore[no-untyped-def]
    """The what-if of the edited limits table as an Excel workbook (the numbers the page shows)."""
    xml, text, examples, problems = _posted(_known(key))
    days = _days()
    if problems or examples is None:
        return _table_page(key, xml=xml, examples=text, problems=problems, days=days, status=422)
    try:
        result = _what_if(key, xml, examples, days)
    except Invalid as exc:
        return _table_page(key, xml=xml, examples=text, problems=_problems(exc), days=days, status=422)
    body = whatif_xlsx.workbook_of(key, result)
    return Response(body, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="what-if-{key}.xlsx"'})


@bp.post("/tables/<key>/versions")
@login_required("admin")
def save(key: str):  # type: ignore[no-untyped-def]
    """保存为新版本: store the edited table as a draft (checked first; refusals name the rule)."""
    xml, text, examples, problems = _posted(_known(key))
    days, note = _days(), (request.form.get("note") or "").strip()[:255]
    if problems or examples is None:
        return _table_page(key, xml=xml, examples=text, problems=problems, days=days, note=note, status=422)
    try:
        made = tables.upload(deps(), key, xml, examples, actor=actor().username, note=note or None)
    except Invalid as exc:
        return _table_page(key, xml=xml, examples=text, problems=_problems(exc), days=days, note=note, status=422)
    if made["created"]:
        flash(_("Saved as version %(v)d (draft). Activate it when it is right.", v=made["version"]), "ok")
    else:
        flash(_("Nothing changed: this is version %(v)d.", v=made["version"]), "ok")
    return redirect(url_for("admin.table", key=key, version=made["version"]) + "#versions", code=303)


@bp.post("/tables/<key>/versions/<int:version>/activate")
@login_required("admin")
def activate(key: str, version: int):  # type: ignore[no-untyped-def]
    """启用: the next decision of every case uses this version."""
    return _activate(key, version, rollback=False)


@bp.post("/tables/<key>/versions/<int:version>/rollback")
@login_required("admin")
def rollback(key: str, version: int):  # type: ignore[no-untyped-def]
    """回滚: activate an older version again."""
    return _activate(key, version, rollback=True)


def _activate(key: str, version: int, *, rollback: bool):  # type: ignore[no-untyped-def]
    try:
        tables.activate(deps(), _known(key), version, actor=actor().username, rollback=rollback)
    except Invalid as exc:
        flash(_("Version %(v)d was refused: %(why)s", v=version, why="; ".join(
            p["reason"] for p in _problems(exc))), "error")
    else:
        flash(_("Version %(v)d is now active; the next decision of every case uses it.", v=version), "ok")
    return redirect(url_for("admin.table", key=key) + "#versions", code=303)


# -- the working calendar ----------------------------------------------------------------------

def _calendar_page(*, problems: list[dict[str, Any]] | None = None, form: str = "", values: dict[str, str] | None = None,
                   status: int = 200):  # type: ignore[no-untyped-def]
    state = city_calendar.calendar_status(deps())
    return render_template("admin/calendar.html", state=state, problems=problems or [], failed_form=form,
                           values=values or {}), status


def _posted_text() -> str:
    """The uploaded file if one was chosen, else the text area."""
    upload = request.files.get("file")
    if upload and upload.filename:
        return upload.read(MAX_TEXT).decode("utf-8-sig", errors="replace")
    return (request.form.get("text") or "")[:MAX_TEXT]


@bp.get("/calendar")
@login_required("admin")
def calendar_page():  # type: ignore[no-untyped-def]
    """Loaded years, local days, and a warning for every year whose holidays are still unknown."""
    return _calendar_page()


@bp.post("/calendar/years")
@login_required("admin")
def calendar_year():  # type: ignore[no-untyped-def]
    """Load (or replace) one year's holidays and make-up working days: lines ``date,kind,name``."""
    raw_year, text = (request.form.get("year") or "").strip(), _posted_text()
    try:
        if not raw_year.isdigit():
            raise Invalid("year must be a number", fields={"year": "invalid"})
        loaded = city_calendar.load_year(deps(), int(raw_year), text, actor=actor().username)
    except Invalid as exc:
        return _calendar_page(problems=_problems(exc), form="year", values={"year": raw_year, "text": text},
                              status=422)
    flash(_("%(year)d loaded: %(h)d holidays and %(w)d make-up working days.", year=loaded.year, h=loaded.holidays,
            w=loaded.workdays), "ok")
    return redirect(url_for("admin.calendar_page"), code=303)


@bp.post("/calendar/local-days")
@login_required("admin")
def calendar_local_days():  # type: ignore[no-untyped-def]
    """Add or replace local days (肉孜节, 古尔邦节, closures): lines ``date,kind,name``."""
    text = _posted_text()
    try:
        count = city_calendar.load_local_days(deps(), text)
    except Invalid as exc:
        return _calendar_page(problems=_problems(exc), form="local", values={"local_text": text}, status=422)
    flash(_("%(n)d local day(s) saved.", n=count), "ok")
    return redirect(url_for("admin.calendar_page"), code=303)
