"""Classification (部件/事件 classes) and departments: reference data every case points at."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from engine.deps import Deps
from engine.errors import ImportRefused, Invalid
from engine.people.accounts import Actor
from engine.store.models import Category, Department

DATA_DIR = Path(__file__).resolve().parent / "data"
KIND_DIGIT = {"component": "1", "incident": "2"}
STANDARD_BY_MINOR_LENGTH = {4: "CJT214-2007", 5: "GBT47678.5-2026"}
_ACTIVE_DEPARTMENT = select(Department.code).where(Department.code == bindparam("code"),
                                                   Department.active.is_(True))  # every dispatch checks it


def category_code(kind: str, minor_code: str) -> str:
    """``component`` + ``0101`` → ``10101``: one code space for both kinds."""
    return KIND_DIGIT[kind] + minor_code


def split_category_code(code: str) -> tuple[str, str]:
    """Inverse of :func:`category_code`; raises Invalid for a malformed code."""
    kinds = {v: k for k, v in KIND_DIGIT.items()}
    if len(code) < 5 or not code.isdigit() or code[0] not in kinds:
        raise Invalid(f"category_code '{code}' must be 1 (component) or 2 (incident) + the minor code",
                      fields={"category_code": "malformed"})
    return kinds[code[0]], code[1:]


def read_category_rows(path: Path) -> list[dict[str, str]]:
    """Rows of a classification CSV (kind, major_code, major_name, minor_code, minor_name, …).

    :raises ImportRefused: naming every bad line (wrong kind, code, duplicate); nothing is returned.
    """
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        need = {"kind", "major_code", "major_name", "minor_code", "minor_name"}
        missing = need - set(reader.fieldnames or [])
        if missing:
            raise ImportRefused(path.name, [{"where": "line 1", "code": None,
                                             "reason": f"missing columns {', '.join(sorted(missing))}"}])
        rows, problems, seen = [], [], set()
        for line, row in enumerate(reader, start=2):
            row = {k: (v or "").strip() for k, v in row.items() if k}
            reason = _category_problem(row, seen)
            if reason:
                problems.append({"where": f"line {line}", "code": row["minor_code"] or None, "reason": reason})
            else:
                rows.append(row)
    if problems:
        raise ImportRefused(path.name, problems)
    return rows


def _category_problem(row: dict[str, str], seen: set[tuple[str, str]]) -> str | None:
    kind, minor = row["kind"], row["minor_code"]
    if kind not in KIND_DIGIT:
        return f"kind '{kind}' is not component or incident"
    if not (minor.isascii() and minor.isdigit()) or len(minor) not in STANDARD_BY_MINOR_LENGTH:
        return f"minor_code '{minor}' must be 4 or 5 digits"
    if not minor.startswith(row["major_code"]) or not row["major_code"]:
        return f"minor_code '{minor}' does not start with its major code '{row['major_code']}'"
    if not row["minor_name"] or not row["major_name"]:
        return "major_name and minor_name are required"
    if (kind, minor) in seen:
        return f"duplicate code: {kind} {minor} appears earlier in the file"
    seen.add((kind, minor))
    return None


def import_categories(deps: Deps, actor: Actor, path: Path) -> int:
    """Load a classification table (both standards may be in one file); known classes are updated."""
    from engine.people import audit

    audit.require_admin(actor)
    rows = read_category_rows(path)
    with deps.uow(write=True) as uow:
        count = upsert_categories(uow.session, rows)
        audit.record(uow.session, actor, deps.clock.now(), "import_categories", "categories", path.name,
                     {"rows": count})
        uow.commit()
    return count


def upsert_categories(session: Session, rows: Iterable[dict[str, str]]) -> int:
    """Insert or update categories; the standard follows from the minor code's length."""
    existing = {(c.standard, c.code): c for c in session.scalars(select(Category))}
    count = 0
    for row in rows:
        standard = row.get("standard") or STANDARD_BY_MINOR_LENGTH[len(row["minor_code"])]
        code = category_code(row["kind"], row["minor_code"])
        values = {"kind": row["kind"], "major_code": row["major_code"], "major_name": row["major_name"],
                  "minor_code": row["minor_code"], "minor_name": row["minor_name"], "note": row.get("note") or None}
        current = existing.get((standard, code))
        if current is None:
            session.add(Category(standard=standard, code=code, **values))
        else:
            for key, value in values.items():
                setattr(current, key, value)
        count += 1
    return count


def load_shipped_categories(session: Session) -> int:
    rows = read_category_rows(DATA_DIR / "components.csv") + read_category_rows(DATA_DIR / "events.csv")
    return upsert_categories(session, rows)


def find_category(session: Session, standard: str, code: str) -> Category | None:
    return session.scalar(select(Category).where(Category.standard == standard, Category.code == code))


def list_categories(deps: Deps, standard: str | None = None) -> list[dict[str, Any]]:
    standard = standard or deps.settings.classification_standard
    with deps.uow() as uow:
        rows = uow.session.scalars(select(Category).where(Category.standard == standard).order_by(Category.code))
        return [{"code": c.code, "standard": c.standard, "kind": c.kind, "major_code": c.major_code,
                 "major_name": c.major_name, "minor_code": c.minor_code, "minor_name": c.minor_name} for c in rows]


def list_departments(deps: Deps) -> list[dict[str, Any]]:
    with deps.uow() as uow:
        rows = uow.session.scalars(select(Department).where(Department.active.is_(True)).order_by(Department.code))
        return [{"code": d.code, "name": d.name, "level": d.level, "district_code": d.district_code} for d in rows]


def department_exists(session: Session, code: str) -> bool:
    return session.scalar(_ACTIVE_DEPARTMENT, {"code": code}) is not None
