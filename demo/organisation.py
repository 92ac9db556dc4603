"""The demo organisation: departments, accounts and inspectors for the places present.

Idempotent: running it again adds what is missing and changes nothing else, so `make run`
can call it on every start. Demo accounts use the password ``demo``; they are created only
by this module, never by ``db upgrade`` or ``deploy``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.people.accounts import Grant, add_user, hash_password, parse_grant
from engine.store.models import Category, Department, Place, User
from engine.store.places_models import DepartmentResponsibility

DEMO_PASSWORD = "demo"

DATA_DIR = Path(__file__).resolve().parent / "data"


@dataclass
class DemoAccounts:
    """What the demo created or found, to print for the newcomer."""

    rows: list[tuple[str, str, str]] = field(default_factory=list)
    password_hash: str | None = field(default=None, repr=False)

    def add(self, username: str, roles: str, note: str) -> None:
        self.rows.append((username, roles, note))


def load_org_file(path: Path | None = None) -> dict[str, Any]:
    return yaml.safe_load((path or DATA_DIR / "organisation.yaml").read_text(encoding="utf-8"))


def seed_departments(session: Session, org: dict[str, Any]) -> None:
    known = {d.code for d in session.scalars(select(Department))}
    for dep in org["city_departments"]:
        if dep["code"] not in known:
            session.add(Department(code=dep["code"], name=dep["name"], level="city", active=True))
    names = org["district_names"]
    for district in org["district_departments"]["districts"]:
        for kind in org["district_departments"]["kinds"]:
            code = f"{kind['code']}_{district}"
            if code not in known:
                session.add(Department(code=code, name=names[district] + kind["name"], level="district",
                                       district_code=district, active=True))
    session.flush()


def _ensure_user(session: Session, username: str, display: str, grants: list[Grant], now: Any,
                 out: DemoAccounts, note: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        if out.password_hash is None:  # scrypt is slow on purpose: hash the shared password once
            out.password_hash = hash_password(DEMO_PASSWORD)
        user = add_user(session, username, DEMO_PASSWORD, display, grants, now_ts=now,
                        password_hash=out.password_hash)
    out.add(username, ",".join(sorted({g.role for g in grants})), note)
    return user


def seed_accounts(session: Session, org: dict[str, Any], now: Any) -> DemoAccounts:
    """Centre accounts, one handler per department, one inspector per beat of grids."""
    out = DemoAccounts()
    for acc in org["accounts"]:
        _ensure_user(session, acc["username"], acc["display_name"], [parse_grant(r) for r in acc["roles"]], now, out,
                     "centre")
    if org.get("district_dispatchers"):
        for district in org["district_departments"]["districts"]:
            name = org["district_names"][district]
            _ensure_user(session, f"dispatcher_{district}", f"{name}指挥分中心派遣员",
                         [Grant("dispatcher", district_code=district)], now, out, "district centre")
    for dep in session.scalars(select(Department).order_by(Department.code)):
        user = _ensure_user(session, dep.code, dep.name, [Grant("handler", department_code=dep.code)], now, out,
                            dep.name)
        if dep.head_id is None:  # the department's account also stands for its head (overdue notices)
            dep.head_id = user.id
    beats = session.execute(select(Place.beat_code).where(Place.level == "grid", Place.beat_code.is_not(None))
                            .distinct().order_by(Place.beat_code)).scalars().all()
    for beat in beats:
        username = f"inspector_{beat}"
        user = _ensure_user(session, username, f"监督员 {beat}", [Grant("inspector")], now, out, f"beat {beat}")
        session.execute(
            Place.__table__.update().where(Place.level == "grid", Place.beat_code == beat,
                                           Place.inspector_id.is_(None)).values(inspector_id=user.id))
    session.flush()
    return out


def seed_responsibilities(session: Session, org: dict[str, Any]) -> int:
    """Give each classic class its responsible departments, unless responsibilities exist already.

    The longest key of ``responsibilities`` that prefixes a class code wins; ``district:<kind>``
    stands for that kind of department in every district that has one.
    """
    if session.scalar(select(DepartmentResponsibility.category_code).limit(1)) is not None:
        return 0  # an earlier run's, or the city's own: never overwritten
    rules = {str(k): str(v) for k, v in (org.get("responsibilities") or {}).items()}
    departments = {d.code: d for d in session.scalars(select(Department).where(Department.active.is_(True)))}
    count = 0
    for code in session.scalars(select(Category.code).where(Category.standard == "CJT214-2007")):
        key = max((k for k in rules if code.startswith(k)), key=len, default=None)
        if key is None:
            continue
        target = rules[key]
        if target.startswith("district:"):
            kind = target.split(":", 1)[1]
            chosen = [c for c, d in departments.items() if d.level == "district" and c == f"{kind}_{d.district_code}"]
        else:
            chosen = [target] if target in departments else []
        for department in chosen:
            session.add(DepartmentResponsibility(department_code=department, category_code=code))
            count += 1
    session.flush()
    return count
