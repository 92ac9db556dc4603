"""The console's process pages: versions and their running cases, migration, the BPMN designer, the form
editor, version comparison. Routes of the admin blueprint (``admin.*``)."""

from __future__ import annotations

import json
from typing import Any

from flask import abort, flash, jsonify, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _

from engine.cases import migration, views
from engine.errors import DeployError, Invalid, NotFound
from engine.processes import designer
from web.pages.admin import bp
from web.pages.common import actor, deps, login_required
from web.pages.forms import fields_of


@bp.get("/processes/<key>")
@login_required("admin")
def process_versions(key: str):  # type: ignore[no-untyped-def]
    """A process's versions with their running cases, and the migration of running cases between them."""
    return _process_page(key)


def _process_page(key: str, report: Any = None, status: int = 200):  # type: ignore[no-untyped-def]
    try:
        versions = migration.versions(deps(), key)
    except Invalid:
        abort(404)
    return render_template("admin/process.html", key=key, versions=versions, report=report,
                           forms=designer.forms_of(deps(), actor(), key), section="process:" + key), status


@bp.post("/processes/<key>/migrations")
@login_required("admin")
def process_migrate(key: str):  # type: ignore[no-untyped-def]
    """Dry-run (default) or run the migration of the running cases of one version to another."""
    raw_to, raw_from = request.form.get("to_version", ""), request.form.get("from_version", "")
    to_version = int(raw_to) if raw_to.isdigit() else None
    from_version = int(raw_from) if raw_from.isdigit() else None
    run = migration.migrate_cases if request.form.get("action") == "migrate" else migration.dry_run
    try:
        report = run(deps(), actor(), key, to_version, from_version=from_version)
    except Invalid as exc:
        flash(exc.message, "error")
        return _process_page(key, status=422)
    return _process_page(key, report.to_dict())


@bp.get("/processes/<key>/design")
@login_required("admin")
def process_design(key: str):  # type: ignore[no-untyped-def]
    """The BPMN modeler on the process's newest version, with szcg's properties and deploy's checks."""
    try:
        found = designer.source(deps(), actor(), key)
    except NotFound:
        abort(404)
    return render_template("admin/design.html", key=key, source=found, palette=designer.palette(deps(), actor()),
                           section="process:" + key)


@bp.post("/processes/<key>/design/compile")
@login_required("admin")
def process_design_compile(key: str):  # type: ignore[no-untyped-def]
    """The sandbox's compile check of one script, condition or timer text (the designer runs it on blur)."""
    body = request.get_json(silent=True) or {}
    try:
        return jsonify(problems=designer.check_code(actor(), body.get("kind"), body.get("text")))
    except Invalid as exc:
        return jsonify(problems=[exc.message], fields=exc.fields), 422


@bp.post("/processes/<key>/design/check")
@login_required("admin")
def process_design_check(key: str):  # type: ignore[no-untyped-def]
    """The problems `szcg deploy` would name for the edited file (JSON in, JSON out)."""
    body = request.get_json(silent=True) or {}
    try:
        return jsonify(problems=designer.check(deps(), actor(), key, body.get("xml")))
    except Invalid as exc:
        return jsonify(problems=[{"file": None, "element": None, "reason": exc.message}]), 422


@bp.post("/processes/<key>/design/deploy")
@login_required("admin")
def process_design_deploy(key: str):  # type: ignore[no-untyped-def]
    """Deploy the edited file as a new version; nothing is stored if a check fails."""
    body = request.get_json(silent=True) or {}
    try:
        return jsonify(designer.deploy_edit(deps(), actor(), key, body.get("xml"))), 201
    except DeployError as exc:
        return jsonify(problems=[p.to_dict() for p in exc.problems]), 422
    except Invalid as exc:
        return jsonify(problems=[{"file": None, "element": None, "reason": exc.message}]), 422


@bp.get("/processes/<key>/compare")
@login_required("admin")
def process_compare(key: str):  # type: ignore[no-untyped-def]
    """Two versions side by side: the newer drawn with what was added and changed highlighted."""
    versions = migration.versions(deps(), key) if key else []
    old = request.args.get("old", "")
    new = request.args.get("new", "")
    newest = versions[0]["version"] if versions else 1
    try:
        diff = designer.compare(deps(), actor(), key, int(old) if old.isdigit() else max(newest - 1, 1),
                                int(new) if new.isdigit() else newest)
    except NotFound:
        abort(404)
    return render_template("admin/compare.html", key=key, diff=diff, versions=versions, section="process:" + key)


def _preview(key: str, name: str, doc: Any) -> tuple[str, list[dict[str, Any]]]:
    """The form drawn exactly as the task page draws it, and deploy's problems with it."""
    problems = designer.check_form(deps(), actor(), key, name, doc)
    if any(p["file"] == f"{name}.json" for p in problems) or not isinstance(doc, dict):
        return "", problems
    locale = "en" if get_locale().language == "en" else "zh_CN"
    fake = {"form": doc, "stage": name, "name": name, "case_no": "", "state": "open"}
    html = render_template("admin/_form_preview.html", form=doc, task=fake, fields=fields_of(doc, locale),
                           reference=views.reference(deps()), locale=locale)
    return html, problems


@bp.get("/processes/<key>/forms/<name>")
@login_required("admin")
def process_form(key: str, name: str):  # type: ignore[no-untyped-def]
    """Edit one form of the process with a live preview drawn as the task page draws it."""
    found = {f["name"]: f for f in designer.forms_of(deps(), actor(), key)}
    if name not in found:
        abort(404)
    doc = found[name]["form"] or {"title": name, "schema": {"type": "object", "properties": {}}}
    html, problems = _preview(key, name, doc)
    return render_template("admin/form.html", key=key, name=name, text=json.dumps(doc, ensure_ascii=False, indent=2),
                           preview=html, problems=problems, forms=sorted(found), section="process:" + key)


def _posted_form() -> Any:
    body = request.get_json(silent=True) or {}
    try:
        return json.loads(body.get("text") or "")
    except ValueError as exc:
        raise Invalid(_("The form is not valid JSON (line %(line)s: %(error)s).", line=getattr(exc, "lineno", "?"),
                        error=getattr(exc, "msg", exc)), fields={"text": "not JSON"}) from None


@bp.post("/processes/<key>/forms/<name>/preview")
@login_required("admin")
def process_form_preview(key: str, name: str):  # type: ignore[no-untyped-def]
    try:
        html, problems = _preview(key, name, _posted_form())
    except Invalid as exc:
        return jsonify(html="", problems=[{"file": f"{name}.json", "element": None, "reason": exc.message}]), 422
    return jsonify(html=html, problems=problems)


@bp.post("/processes/<key>/forms/<name>/deploy")
@login_required("admin")
def process_form_deploy(key: str, name: str):  # type: ignore[no-untyped-def]
    try:
        return jsonify(designer.deploy_form(deps(), actor(), key, name, _posted_form())), 201
    except DeployError as exc:
        return jsonify(problems=[p.to_dict() for p in exc.problems]), 422
    except Invalid as exc:
        return jsonify(problems=[{"file": f"{name}.json", "element": None, "reason": exc.message}]), 422
