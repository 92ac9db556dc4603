"""Administering the organisation: departments and their classes, users and roles, inspectors.

Every function here is admin-only and writes one audit row per change in the same
transaction. Assigning a grid's inspector also moves the open on-site tasks (verify, check)
of that grid to the new inspector, so nothing waits in the inbox of someone who left the beat.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from engine.deps import Deps
from engine.errors import Invalid, NotFound
from engine.people import audit
from engine.people.accounts import Actor, Grant, add_user, get_user, parse_grant
from engine.places.codes import CodeError, validate_place_code
from engine.places.grids import bump_revision, grid_properties
from engine.store.models import Category, Department, Place, Task, User, UserRole
from engine.store.places_models import DepartmentResponsibility

LEVELS = ("city", "district")
_DEPARTMENT_CODE = re.compile(r"^[A-Za-z0-9_.-]{1,32}$")


# --- departments -------------------------------------------------------------------------

def list_departments(deps: Deps, actor: Actor) -> list[dict[str, Any]]:
    """Every department, inactive ones too, with the classes it is responsible for."""
    audit.require_admin(actor)
    with deps.uow() as uow:
        classes: dict[str, list[str]] = {}
        for dep, cat in uow.session.execute(select(DepartmentResponsibility.department_code,
                                                   DepartmentResponsibility.category_code)
                                            .order_by(DepartmentResponsibility.category_code)):
            classes.setdefault(dep, []).append(cat)
        return [{"code": d.code, "name": d.name, "level": d.level, "district_code": d.district_code,
                 "active": d.active, "category_codes": classes.get(d.code, [])}
                for d in uow.session.scalars(select(Department).order_by(Department.code))]


def _check_department(session: Session, level: str, district_code: str | None,
                      category_codes: list[str] | None) -> None:
    fields: dict[str, str] = {}
    if level not in LEVELS:
        fields["level"] = "must be city or district"
    elif level == "district":
        try:
            validate_place_code(district_code or "", "district")
        except CodeError as exc:
            fields["district_code"] = f"a district department needs its district: {exc}"
    elif district_code:
        fields["district_code"] = "a city department has no district"
    if category_codes is not None:
        if not isinstance(category_codes, list) or not all(isinstance(c, str) for c in category_codes):
            fields["category_codes"] = "must be a list of class codes"
        else:
            known = set(session.scalars(select(Category.code).where(Category.code.in_(category_codes))))
            unknown = sorted(set(category_codes) - known)
            if unknown:
                fields["category_codes"] = f"unknown classes: {', '.join(unknown)}"
    if fields:
        raise Invalid("the department is not valid", fields=fields)


def _set_classes(session: Session, code: str, category_codes: list[str]) -> None:
    session.execute(delete(DepartmentResponsibility).where(DepartmentResponsibility.department_code == code))
    for category in sorted(set(category_codes)):
        session.add(DepartmentResponsibility(department_code=code, category_code=category))


def create_department(deps: Deps, actor: Actor, *, code: str, name: str, level: str,
                      district_code: str | None = None, category_codes: list[str] | None = None) -> dict[str, Any]:
    """Add a department. :raises Invalid: field by field (code taken, district missing …)."""
    audit.require_admin(actor)
    if not isinstance(code, str) or not _DEPARTMENT_CODE.match(code):
        raise Invalid("code must be 1-32 letters, digits, '_', '-' or '.'", fields={"code": "invalid"})
    if not isinstance(name, str) or not name.strip() or len(name) > 128:
        raise Invalid("name must be 1-128 characters", fields={"name": "required"})
    with deps.uow(write=True) as uow:
        session = uow.session
        if session.get(Department, code) is not None:
            raise Invalid(f"department '{code}' exists already", fields={"code": "taken"})
        _check_department(session, level, district_code, category_codes)
        session.add(Department(code=code, name=name.strip(), level=level,
                               district_code=district_code if level == "district" else None, active=True))
        session.flush()
        _set_classes(session, code, category_codes or [])
        audit.record(session, actor, deps.clock.now(), "create_department", "department", code,
                     {"name": name, "level": level, "district_code": district_code,
                      "category_codes": category_codes or []})
        uow.commit()
    return next(d for d in list_departments(deps, actor) if d["code"] == code)


def update_department(deps: Deps, actor: Actor, code: str, changes: dict[str, Any]) -> dict[str, Any]:
    """Change a department's name, level, district, active flag or classes (only the keys given)."""
    audit.require_admin(actor)
    allowed = {"name", "level", "district_code", "active", "category_codes"}
    unknown = sorted(set(changes) - allowed)
    if unknown:
        raise Invalid("unknown fields", fields={k: "unknown field" for k in unknown})
    with deps.uow(write=True) as uow:
        session = uow.session
        department = session.get(Department, code)
        if department is None:
            raise NotFound(f"no department '{code}'")
        level = changes.get("level", department.level)
        district = changes.get("district_code", department.district_code) if level == "district" else None
        _check_department(session, level, district, changes.get("category_codes"))
        if "name" in changes:
            if not isinstance(changes["name"], str) or not changes["name"].strip():
                raise Invalid("name must not be empty", fields={"name": "required"})
            department.name = changes["name"].strip()
        if "active" in changes:
            if not isinstance(changes["active"], bool):
                raise Invalid("active must be true or false", fields={"active": "not a boolean"})
            department.active = changes["active"]
        department.level, department.district_code = level, district
        if "category_codes" in changes:
            _set_classes(session, code, changes["category_codes"])
        audit.record(session, actor, deps.clock.now(), "update_department", "department", code, changes)
        uow.commit()
    return next(d for d in list_departments(deps, actor) if d["code"] == code)


# --- users and roles ---------------------------------------------------------------------

def _grant(value: Any) -> Grant:
    """``"handler@department:water"`` or ``{"role", "district_code", "department_code"}`` → Grant."""
    if isinstance(value, str):
        return parse_grant(value)
    if isinstance(value, dict) and isinstance(value.get("role"), str):
        grant = parse_grant(value["role"])
        return Grant(grant.role, value.get("district_code") or None, value.get("department_code") or None)
    raise Invalid("a role is 'role', 'role@district:650102', 'role@department:water' or an object with role",
                  fields={"roles": "invalid"})


def create_user(deps: Deps, actor: Actor, *, username: str, password: str, display_name: str = "",
                roles: list[Any] | None = None) -> dict[str, Any]:
    """Add a user with roles. :raises Invalid: username taken, password short, unknown role or department."""
    audit.require_admin(actor)
    for name, value in (("username", username), ("password", password), ("display_name", display_name)):
        if not isinstance(value, str):
            raise Invalid(f"'{name}' must be a string", fields={name: "must be a string"})
    if roles is not None and not isinstance(roles, list):
        raise Invalid("'roles' must be a list of roles", fields={"roles": "must be a list"})
    grants = [_grant(r) for r in roles or []]
    if not grants:
        raise Invalid("a user needs at least one role", fields={"roles": "required"})
    with deps.uow(write=True) as uow:
        user = add_user(uow.session, username, password, display_name, grants, now_ts=deps.clock.now())
        audit.record(uow.session, actor, deps.clock.now(), "create_user", "user", username,
                     {"roles": [g.__dict__ for g in grants]})
        uow.commit()
        return {"username": user.username, "display_name": user.display_name,
                "roles": [g.__dict__ for g in grants]}


def grant_role(deps: Deps, actor: Actor, username: str, role: Any) -> None:
    """Give a user a role (idempotent), limited to a district or department if the grant says so."""
    audit.require_admin(actor)
    grant = _grant(role)
    with deps.uow(write=True) as uow:
        session = uow.session
        user = get_user(session, username)
        if grant.department_code and session.get(Department, grant.department_code) is None:
            raise Invalid(f"unknown department '{grant.department_code}'", fields={"department_code": "unknown"})
        if session.scalar(_role_query(user.id, grant)) is None:
            session.add(UserRole(user_id=user.id, role=grant.role, district_code=grant.district_code,
                                 department_code=grant.department_code))
        audit.record(session, actor, deps.clock.now(), "grant_role", "user", username, grant.__dict__)
        uow.commit()


def revoke_role(deps: Deps, actor: Actor, username: str, role: Any) -> None:
    """Take a role (with exactly that scope) away. :raises NotFound: the user does not hold it."""
    audit.require_admin(actor)
    grant = _grant(role)
    with deps.uow(write=True) as uow:
        session = uow.session
        user = get_user(session, username)
        row = session.scalar(_role_query(user.id, grant))
        if row is None:
            raise NotFound(f"{username} does not hold {grant.role} with that scope")
        session.delete(row)
        audit.record(session, actor, deps.clock.now(), "revoke_role", "user", username, grant.__dict__)
        uow.commit()


def _role_query(user_id: int, grant: Grant) -> Any:
    def same(column: Any, value: str | None) -> Any:
        return column.is_(None) if value is None else column == value

    return select(UserRole).where(UserRole.user_id == user_id, UserRole.role == grant.role,
                                  same(UserRole.district_code, grant.district_code),
                                  same(UserRole.department_code, grant.department_code))


# --- grids: inspector, beat, area class --------------------------------------------------

def assign_inspector(deps: Deps, actor: Actor, username: str, *, grid_code: str | None = None,
                     beat_code: str | None = None) -> int:
    """Make ``username`` the responsible inspector of one grid or of every grid of a beat.

    Open grid-scoped tasks (verify, check) of those grids move to the new inspector.
    :returns: the number of grids assigned.
    """
    audit.require_admin(actor)
    if (grid_code is None) == (beat_code is None):
        raise Invalid("give either a grid code or a beat code", fields={"grid_code": "one of grid_code, beat_code"})
    with deps.uow(write=True) as uow:
        count = _assign(uow.session, actor, deps.clock.now(), username, grid_code, beat_code)
        uow.commit()
        return count


def _assign(session: Session, actor: Actor, now: datetime, username: str, grid_code: str | None,
            beat_code: str | None) -> int:
    user = get_user(session, username)
    if session.scalar(select(UserRole.id).where(UserRole.user_id == user.id, UserRole.role == "inspector")) is None:
        raise Invalid(f"{username} does not hold the inspector role", fields={"inspector": "not an inspector"})
    where = Place.code == grid_code if grid_code else Place.beat_code == beat_code
    codes = list(session.scalars(select(Place.code).where(Place.level == "grid", where)))
    if not codes:
        raise NotFound(f"no grid {grid_code}" if grid_code else f"no grid in beat {beat_code}")
    session.execute(update(Place).where(Place.level == "grid", where).values(inspector_id=user.id))
    moved = session.execute(update(Task).where(Task.state == "open", Task.scope == "grid", Task.grid_code.in_(codes))
                            .values(assignee_id=user.id)).rowcount
    bump_revision(session)
    audit.record(session, actor, now, "assign_inspector", "beat" if beat_code else "grid", beat_code or grid_code or "",
                 {"inspector": username, "grids": len(codes), "tasks_moved": moved})
    return len(codes)


def update_grid(deps: Deps, actor: Actor, grid_code: str, changes: dict[str, Any]) -> dict[str, Any]:
    """Change a grid's beat, area class or inspector (``inspector``: a username), all at once."""
    audit.require_admin(actor)
    unknown = sorted(set(changes) - {"beat_code", "area_class", "inspector"})
    if unknown:
        raise Invalid("unknown fields", fields={k: "unknown field" for k in unknown})
    if "area_class" in changes and changes["area_class"] not in ("A", "B", "C", None):
        raise Invalid("area_class must be A, B or C", fields={"area_class": "invalid"})
    beat = changes.get("beat_code")
    if "beat_code" in changes and beat is not None and (not isinstance(beat, str) or not 0 < len(beat) <= 32):
        raise Invalid("beat_code must be 1-32 characters", fields={"beat_code": "invalid"})
    with deps.uow(write=True) as uow:
        session, now = uow.session, deps.clock.now()
        grid = session.get(Place, grid_code)
        if grid is None or grid.level != "grid":
            raise NotFound(f"no grid {grid_code}")
        for key in ("beat_code", "area_class"):
            if key in changes:
                setattr(grid, key, changes[key])
        bump_revision(session)
        audit.record(session, actor, now, "update_grid", "grid", grid_code,
                     {k: v for k, v in changes.items() if k != "inspector"})
        if changes.get("inspector"):
            _assign(session, actor, now, changes["inspector"], grid_code, None)
        session.flush()
        view = grid_properties(session, [session.get(Place, grid_code)])[grid_code]
        uow.commit()
        return view


def list_beats(deps: Deps, actor: Actor) -> list[dict[str, Any]]:
    """Every beat (巡查责任区) with its district, number of grids and inspector(s)."""
    audit.require_admin(actor)
    with deps.uow() as uow:
        rows = uow.session.execute(
            select(Place.beat_code, Place.district_code, func.count(), func.min(User.username),
                   func.count(func.distinct(Place.inspector_id)))
            .outerjoin(User, User.id == Place.inspector_id)
            .where(Place.level == "grid", Place.beat_code.is_not(None))
            .group_by(Place.beat_code, Place.district_code).order_by(Place.beat_code)).all()
    return [{"beat_code": beat, "district_code": district, "grids": grids, "inspector": inspector,
             "inspectors": inspectors} for beat, district, grids, inspector, inspectors in rows]
