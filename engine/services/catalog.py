"""Classification (部件/事件 classes) and departments: reference data every case points at."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.errors import Invalid
from engine.services.deps import Deps
from engine.store.models import Category, Department

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
KIND_DIGIT = {"component": "1", "incident": "2"}
STANDARD_BY_MINOR_LENGTH = {4: "CJT214-2007", 5: "GBT47678.5-2026"}


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

    :raises Invalid: naming the line of the first bad row.
    """
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        need = {"kind", "major_code", "major_name", "minor_code", "minor_name"}
        missing = need - set(reader.fieldnames or [])
        if missing:
            raise Invalid(f"{path.name}: missing columns {', '.join(sorted(missing))}")
        rows = []
        for line, row in enumerate(reader, start=2):
            kind, minor = row["kind"].strip(), row["minor_code"].strip()
            if kind not in KIND_DIGIT:
                raise Invalid(f"{path.name} line {line}: kind '{kind}' is not component or incident")
            if not minor.isdigit() or len(minor) not in STANDARD_BY_MINOR_LENGTH:
                raise Invalid(f"{path.name} line {line}: minor_code '{minor}' must be 4 or 5 digits")
            if not minor.startswith(row["major_code"].strip()):
                raise Invalid(f"{path.name} line {line}: minor_code '{minor}' does not start with its major code")
            rows.append({k: (v or "").strip() for k, v in row.items() if k})
        return rows


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
    return session.scalar(select(Department.code).where(Department.code == code, Department.active.is_(True))) \
        is not None
