"""Administration (admin role only): departments, users and roles, grids and beats, the audit trail, process
versions and the migration of running cases."""

from __future__ import annotations

from flask import jsonify, request

from engine.audit import personal_data
from engine.cases import migration
from engine.errors import BadRequest, Forbidden
from engine.people import audit, organisation
from web.api.common import actor, after_arg, bp, deps, int_arg, json_body, list_json, page_json


def _object() -> dict:  # type: ignore[type-arg]
    body = json_body()
    if not isinstance(body, dict):
        raise BadRequest("the body must be a JSON object", fields={"_": "not an object"})
    return body


@bp.get("/admin/departments")
def admin_departments():  # type: ignore[no-untyped-def]
    return list_json(organisation.list_departments(deps(), actor()), "code")


@bp.post("/admin/departments")
def admin_create_department():  # type: ignore[no-untyped-def]
    """Create a department: code, name, level (city|district), district_code, category_codes."""
    body = _object()
    created = organisation.create_department(
        deps(), actor(), code=body.get("code"), name=body.get("name"), level=body.get("level"),
        district_code=body.get("district_code"), category_codes=body.get("category_codes"))
    return jsonify(created), 201


@bp.patch("/admin/departments/<code>")
def admin_update_department(code: str):  # type: ignore[no-untyped-def]
    return jsonify(organisation.update_department(deps(), actor(), code, _object()))


@bp.post("/admin/users")
def admin_create_user():  # type: ignore[no-untyped-def]
    """Create a user: username, password, display_name, roles (["operator", "handler@department:water"])."""
    body = _object()
    created = organisation.create_user(deps(), actor(), username=body.get("username"),
                                       password=body.get("password") or "", display_name=body.get("display_name") or "",
                                       roles=body.get("roles"))
    return jsonify(created), 201


@bp.post("/admin/users/<username>/roles")
def admin_grant_role(username: str):  # type: ignore[no-untyped-def]
    """Grant a role: {role, district_code?, department_code?}."""
    organisation.grant_role(deps(), actor(), username, _object())
    return "", 204


@bp.delete("/admin/users/<username>/roles")
def admin_revoke_role(username: str):  # type: ignore[no-untyped-def]
    """Revoke a role: ?role=&district_code=&department_code= (the exact grant)."""
    organisation.revoke_role(deps(), actor(), username, dict(request.args))
    return "", 204


@bp.patch("/admin/grids/<grid_code>")
def admin_update_grid(grid_code: str):  # type: ignore[no-untyped-def]
    """Change a grid's inspector (username), beat_code or area_class."""
    return jsonify(organisation.update_grid(deps(), actor(), grid_code, _object()))


@bp.put("/admin/beats/<beat_code>/inspector")
def admin_assign_beat(beat_code: str):  # type: ignore[no-untyped-def]
    """Make {username} the inspector of every grid of a beat."""
    username = _object().get("username")
    if not isinstance(username, str):
        raise BadRequest("username is required", fields={"username": "required"})
    count = organisation.assign_inspector(deps(), actor(), username, beat_code=beat_code)
    return jsonify(beat_code=beat_code, inspector=username, grids=count)


@bp.get("/admin/events")
def admin_events():  # type: ignore[no-untyped-def]
    """The audit trail of administrators' changes, newest first."""
    return page_json(audit.event_page(deps(), actor(), target_type=request.args.get("target_type") or None,
                                      target=request.args.get("target") or None, after=after_arg(),
                                      limit=int_arg("limit", 100, 1, 1000)))



@bp.get("/admin/personal-data-views")
def personal_data_views():  # type: ignore[no-untyped-def]
    """Who viewed reporters' names and phones, newest first (filters as on the administrators' page)."""
    from web.pages.privacy import view_filter

    return page_json(personal_data.view_page(deps(), actor(), view_filter(), after=after_arg(),
                                             limit=int_arg("limit", 50, 1, 500)))


@bp.get("/admin/processes/<key>/versions")
def admin_process_versions(key: str):  # type: ignore[no-untyped-def]
    """A process's versions, oldest first (paged), each with its running cases."""
    if not actor().is_admin:
        raise Forbidden("only an administrator may read process versions")
    return list_json(migration.versions(deps(), key), "version", descending=True)


@bp.post("/admin/processes/<key>/migrations")
def admin_migrate_cases(key: str):  # type: ignore[no-untyped-def]
    """Move running cases to another version: ``to_version``, optional ``from_version`` and ``case_nos``;
    ``dry_run: true`` (the default) only says, case by case, whether it is safe and why not."""
    body = _object()
    from_version, case_nos = body.get("from_version"), body.get("case_nos")
    if from_version is not None and (isinstance(from_version, bool) or not isinstance(from_version, int)):
        raise BadRequest("from_version must be a version number", fields={"from_version": "invalid"})
    if case_nos is not None and (not isinstance(case_nos, list) or not all(isinstance(c, str) for c in case_nos)):
        raise BadRequest("case_nos must be a list of case numbers", fields={"case_nos": "invalid"})
    run = migration.dry_run if body.get("dry_run", True) is not False else migration.migrate_cases
    report = run(deps(), actor(), key, body.get("to_version"), from_version=from_version, case_nos=case_nos)
    return jsonify(report.to_dict())

