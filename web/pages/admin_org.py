"""The console's base data (基础数据管理, 管理维护): departments, users and their roles, beats and their
inspectors, and the history of every change. Routes of the admin blueprint (``admin.*``); every change
goes through the same use cases as the API and the CLI, which audit it."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from engine.errors import Invalid, NotFound
from engine.people import audit, organisation
from engine.people.accounts import list_users
from web.pages.admin import bp
from web.pages.common import actor, deps, login_required


def _back(anchor: str):  # type: ignore[no-untyped-def]
    return redirect(url_for("admin.organisation_page") + anchor, code=303)


def _refused(exc: Invalid | NotFound, anchor: str):  # type: ignore[no-untyped-def]
    fields = ", ".join(f"{k}: {v}" for k, v in getattr(exc, "fields", {}).items())
    flash(_("Nothing changed: %(message)s", message=exc.message) + (f" ({fields})" if fields else ""), "error")
    return _back(anchor)


@bp.get("/organisation")
@login_required("admin")
def organisation_page():  # type: ignore[no-untyped-def]
    """Departments, users with their roles, and beats with their inspectors."""
    return render_template("admin/organisation.html", departments=organisation.list_departments(deps(), actor()),
                           users=list_users(deps()), beats=organisation.list_beats(deps(), actor()),
                           section="organisation")


def _form(name: str) -> str:
    return (request.form.get(name) or "").strip()


@bp.post("/organisation/departments")
@login_required("admin")
def organisation_add_department():  # type: ignore[no-untyped-def]
    codes = [c for c in _form("category_codes").replace(",", " ").split() if c]
    try:
        organisation.create_department(deps(), actor(), code=_form("code"), name=_form("name"), level=_form("level"),
                                       district_code=_form("district_code") or None, category_codes=codes)
    except Invalid as exc:
        return _refused(exc, "#departments")
    flash(_("Department %(code)s added.", code=_form("code")), "ok")
    return _back("#departments")


@bp.post("/organisation/departments/<code>")
@login_required("admin")
def organisation_update_department(code: str):  # type: ignore[no-untyped-def]
    changes: dict[str, Any] = {}
    if _form("name"):
        changes["name"] = _form("name")
    if request.form.get("active") in ("true", "false"):
        changes["active"] = request.form["active"] == "true"
    try:
        organisation.update_department(deps(), actor(), code, changes)
    except (Invalid, NotFound) as exc:
        return _refused(exc, "#departments")
    flash(_("Department %(code)s changed.", code=code), "ok")
    return _back("#departments")


@bp.post("/organisation/users")
@login_required("admin")
def organisation_add_user():  # type: ignore[no-untyped-def]
    roles = [r for r in _form("roles").replace(",", " ").split() if r]
    try:
        organisation.create_user(deps(), actor(), username=_form("username"), password=request.form.get("password") or "",
                                 display_name=_form("display_name"), roles=roles)
    except Invalid as exc:
        return _refused(exc, "#users")
    flash(_("User %(name)s added.", name=_form("username")), "ok")
    return _back("#users")


@bp.post("/organisation/users/<username>/roles")
@login_required("admin")
def organisation_role(username: str):  # type: ignore[no-untyped-def]
    """Grant (or with ``revoke`` revoke) one role written as ``role[@district:X|@department:Y]``."""
    role = _form("role")
    change = organisation.revoke_role if request.form.get("action") == "revoke" else organisation.grant_role
    try:
        change(deps(), actor(), username, role)
    except (Invalid, NotFound) as exc:
        return _refused(exc, "#users")
    flash(_("Roles of %(name)s changed.", name=username), "ok")
    return _back("#users")


@bp.post("/organisation/beats/<beat_code>")
@login_required("admin")
def organisation_beat(beat_code: str):  # type: ignore[no-untyped-def]
    try:
        count = organisation.assign_inspector(deps(), actor(), _form("username"), beat_code=beat_code)
    except (Invalid, NotFound) as exc:
        return _refused(exc, "#beats")
    flash(_("%(name)s now inspects the %(n)d grids of beat %(beat)s.", name=_form("username"), n=count,
            beat=beat_code), "ok")
    return _back("#beats")


@bp.get("/history")
@login_required("admin")
def history():  # type: ignore[no-untyped-def]
    """Every audited change of the base data, the processes and the tables, newest first, filtered."""
    target_type, target = request.args.get("type") or None, request.args.get("target") or None
    events = audit.list_events(deps(), actor(), target_type=target_type, target=target, limit=500)
    return render_template("admin/history.html", events=events, args=request.args, section="history")
