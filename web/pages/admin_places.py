"""The console's places (基础数据管理): unit grids on a map — each grid's area class, beat and inspector kept
in the browser — and the import of a city's own place layers (GeoJSON upload, a preview of what would change
before it changes, the refusal list with feature and line numbers). Routes of the admin blueprint
(``admin.*``); every change goes through the use cases the API and the CLI call, which audit it."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from engine.errors import ImportRefused, Invalid, NotFound
from engine.people import organisation
from engine.people.accounts import list_users
from engine.places import grids, place_import
from engine.places.codes import LEVELS
from web.pages.admin import bp
from web.pages.common import actor, deps, login_required

MAX_UPLOAD = 64 * 1024 * 1024  # a city's grid layer is tens of megabytes


def _page(*, grid: dict[str, Any] | None = None, problems: list[dict[str, Any]] | None = None,
          preview: dict[str, Any] | None = None, values: dict[str, Any] | None = None,
          status: int = 200):  # type: ignore[no-untyped-def]
    inspectors = [u["username"] for u in list_users(deps()) if "inspector" in u["roles"]]
    beats = [b["beat_code"] for b in organisation.list_beats(deps(), actor())]
    return render_template("admin/grids.html", grid=grid, problems=problems or [], preview=preview,
                           values=values or {}, levels=LEVELS, inspectors=inspectors, beats=beats,
                           section="grids"), status


@bp.get("/grids")
@login_required("admin")
def grids_page():  # type: ignore[no-untyped-def]
    """The grids on a map; ``?code=`` opens one grid's area class, beat and inspector for editing."""
    code = (request.args.get("code") or "").strip()
    grid = None
    if code:
        try:
            grid = grids.grid_view(deps(), code)
        except NotFound:
            flash(_("There is no grid %(code)s.", code=code), "error")
            return _page(status=404)
    return _page(grid=grid)


@bp.post("/grids/<code>")
@login_required("admin")
def grid_update(code: str):  # type: ignore[no-untyped-def]
    """Change one grid's area class, beat and inspector at once (audited; its open on-site tasks follow)."""
    form = {k: (request.form.get(k) or "").strip() for k in ("area_class", "beat_code", "inspector")}
    changes: dict[str, Any] = {"area_class": form["area_class"] or None, "beat_code": form["beat_code"] or None}
    if form["inspector"]:
        changes["inspector"] = form["inspector"]
    try:
        organisation.update_grid(deps(), actor(), code, changes)
    except (Invalid, NotFound) as exc:
        fields = ", ".join(f"{k}: {v}" for k, v in getattr(exc, "fields", {}).items())
        flash(_("Nothing changed: %(message)s", message=exc.message) + (f" ({fields})" if fields else ""), "error")
        return redirect(url_for("admin.grids_page", code=code), code=303)
    flash(_("Grid %(code)s changed.", code=code), "ok")
    return redirect(url_for("admin.grids_page", code=code), code=303)


@bp.post("/places/import")
@login_required("admin")
def places_import():  # type: ignore[no-untyped-def]
    """Preview (default) or import one level of places from an uploaded GeoJSON file, all or nothing."""
    upload = request.files.get("file")
    level = request.form.get("level") or ""
    replace, drop_lower = request.form.get("replace") == "on", request.form.get("drop_lower") == "on"
    values = {"level": level, "replace": replace, "drop_lower": drop_lower}
    preview = request.form.get("action") != "import"
    if upload is None or not upload.filename:
        problems = [{"where": "file", "code": None, "reason": _("Choose a GeoJSON file."), "line": None}]
        return _page(problems=problems, values=values, status=422)
    name = upload.filename
    text = upload.read(MAX_UPLOAD).decode("utf-8-sig", errors="replace")
    lines: list[int] = []
    try:
        collection, lines = place_import.parse_geojson_text(text, name)
        result = place_import.import_places(deps(), actor(), collection, level, replace=replace,
                                            drop_lower=drop_lower, file=name, preview=preview)
    except ImportRefused as exc:
        problems = place_import.with_lines(list(exc.problems), lines)
        return _page(problems=problems, values={**values, "file": name}, status=422)
    except Invalid as exc:
        problems = [{"where": next(iter(exc.fields), "file"), "code": None, "reason": exc.message, "line": None}]
        return _page(problems=problems, values=values, status=422)
    if preview:
        return _page(preview={"file": name, **vars(result)}, values={**values, "file": name})
    flash(_("%(file)s imported: %(inserted)d added, %(updated)d updated, %(deleted)d deleted (%(level)s).",
            file=name, inserted=result.inserted, updated=result.updated, deleted=result.deleted, level=level), "ok")
    return redirect(url_for("admin.grids_page"), code=303)
