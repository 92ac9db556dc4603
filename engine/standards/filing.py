"""Filing standards (立案结案标准): each minor class's filing conditions and time limits.

Loaded from a CSV in the layout of ``engine/standards/data/case_standards.csv`` (kind, minor_code,
condition, time_limit, unit, urgency, close_condition, example_responsible, source,
confidence). A condition's code is ``<category_code>-<n>``, n counting that class's rows in
the file from 1, so the time-limit table (DMN) can name a condition without a database id.
Rows whose confidence is *reconstructed* are typical values, labelled as defaults for the
city to replace with its own standard (``szcg import filing-conditions``).

Time limits are written as in the city documents: ``15`` + ``工作日``; ``停工4 / 处罚7 /
拆除20`` + ``工作时 / 工作日 / 工作日`` (phases, one after another); ``建筑垃圾4 / 渣土堆2``
(alternatives by sub-type); ``立即(≤0.5到场)`` + ``小时(连续计时)``. Every part is kept in
``phases``; ``time_limit``/``unit`` are the first part that has a number.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from engine.deps import Deps
from engine.errors import ImportRefused, NotFound
from engine.people import audit
from engine.people.accounts import Actor
from engine.standards.catalog import DATA_DIR, KIND_DIGIT, STANDARD_BY_MINOR_LENGTH
from engine.store.models import Category
from engine.store.places_models import DepartmentResponsibility, FilingCondition

# Longest first: 工作分钟 before 分钟, 工作时 before 时.
UNITS = (("工作分钟", "working_minutes"), ("工作时", "working_hours"), ("工作日", "working_days"),
         ("小时", "hours"), ("working_minutes", "working_minutes"), ("working_hours", "working_hours"),
         ("working_days", "working_days"), ("hours", "hours"))
URGENCY = {"一般": "normal", "较急": "pressing", "紧急": "urgent", "特急": "critical", "较长": "long",
           "分阶段": "phased"}
DEFAULT_LABEL = "default (reconstructed typical value): replace with the city's own filing standard"
REQUIRED = ("kind", "minor_code", "condition", "time_limit", "unit", "urgency")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_LABEL = re.compile(r"^[^\d(（≤]*")


class RowError(ValueError):
    """One cell of a standards row cannot be read."""


def parse_unit(text: str) -> str:
    cleaned = text.strip()
    for prefix, code in UNITS:
        if cleaned.startswith(prefix):
            return code
    raise RowError(f"unit '{text}' is not 工作分钟, 工作时, 工作日 or 小时 (working_minutes, working_hours, "
                   f"working_days, hours)")


def parse_limit(time_text: str, unit_text: str) -> list[dict[str, Any]]:
    """Split a time limit into its parts, each with its number (or None) and unit code."""
    parts = [p.strip() for p in time_text.split("/") if p.strip()]
    units = [parse_unit(u) for u in unit_text.split("/") if u.strip()]
    if not parts or not units:
        raise RowError("time_limit and unit are required")
    if len(units) == 1:
        units *= len(parts)
    if len(units) != len(parts):
        raise RowError(f"{len(parts)} time limits but {len(units)} units")
    phases = []
    for part, unit in zip(parts, units, strict=True):
        number = _NUMBER.search(part)
        label = _LABEL.match(part)
        phases.append({"text": part, "label": (label.group(0).strip() if label else "") or None,
                       "time_limit": float(number.group(0)) if number else None, "unit": unit})
    if all(p["time_limit"] is None for p in phases):
        raise RowError(f"time_limit '{time_text}' has no number")
    return phases


def parse_row(row: dict[str, str], positions: dict[str, int]) -> dict[str, Any]:
    """One CSV row → the columns of a :class:`FilingCondition` (``positions`` counts rows per class)."""
    kind, minor = row["kind"].strip(), row["minor_code"].strip().rstrip("*")
    if kind not in KIND_DIGIT:
        raise RowError(f"kind '{kind}' is not component or incident")
    if not (minor.isascii() and minor.isdigit()) or len(minor) not in STANDARD_BY_MINOR_LENGTH:
        raise RowError(f"minor_code '{row['minor_code']}' must be 4 or 5 digits")
    category = KIND_DIGIT[kind] + minor
    urgency_text = row["urgency"].strip()
    urgency = URGENCY.get(urgency_text, urgency_text if urgency_text in URGENCY.values() else None)
    if urgency is None:
        raise RowError(f"urgency '{urgency_text}' is not one of {', '.join(URGENCY)}")
    if not row["condition"].strip():
        raise RowError("condition is empty")
    phases = parse_limit(row["time_limit"], row["unit"])
    first = next(p for p in phases if p["time_limit"] is not None)
    positions[category] = positions.get(category, 0) + 1
    return {
        "code": f"{category}-{positions[category]}", "standard": STANDARD_BY_MINOR_LENGTH[len(minor)],
        "category_code": category, "position": positions[category], "condition": row["condition"].strip(),
        "time_limit": first["time_limit"], "unit": first["unit"], "phases": phases if len(phases) > 1 else [],
        "sequential": urgency == "phased", "urgency": urgency, "time_limit_text": row["time_limit"].strip()[:128],
        "unit_text": row["unit"].strip()[:64], "closing_condition": (row.get("close_condition") or "").strip() or None,
        "responsible_example": (row.get("example_responsible") or "").strip() or None,
        "source": (row.get("source") or "").strip() or None,
        "reconstructed": (row.get("confidence") or "").strip().startswith("reconstructed"),
    }


def read_standards(path: Path) -> list[dict[str, Any]]:
    """Every row of a standards CSV, or :class:`ImportRefused` naming each bad line."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
        if missing:
            raise ImportRefused(path.name, [{"where": "line 1", "code": None,
                                             "reason": f"missing columns {', '.join(missing)}"}])
        problems: list[dict[str, str | None]] = []
        rows, positions = [], {}
        for line, row in enumerate(reader, start=2):
            try:
                parsed = parse_row({k: v or "" for k, v in row.items() if k}, positions)
            except RowError as exc:
                problems.append({"where": f"line {line}", "code": (row.get("minor_code") or None), "reason": str(exc)})
                continue
            parsed["line"] = line
            rows.append(parsed)
    if problems:
        raise ImportRefused(path.name, problems)
    return rows


def store_conditions(session: Session, rows: list[dict[str, Any]], file: str) -> int:
    """Replace the conditions of every class in ``rows``; refuse rows of unknown classes."""
    known = {(s, c) for s, c in session.execute(select(Category.standard, Category.code))}
    unknown = [{"where": f"line {r['line']}", "code": r["category_code"],
                "reason": f"unknown class {r['category_code']} in {r['standard']}"}
               for r in rows if (r["standard"], r["category_code"]) not in known]
    if unknown:
        raise ImportRefused(file, unknown)
    classes = sorted({r["category_code"] for r in rows})
    session.execute(delete(FilingCondition).where(FilingCondition.category_code.in_(classes)))
    if rows:
        session.execute(insert(FilingCondition), [{k: v for k, v in r.items() if k != "line"} for r in rows])
    return len(rows)


def load_shipped_conditions(session: Session) -> int:
    """The shipped defaults (12 sourced rows, 42 reconstructed), for the demo and tests."""
    return store_conditions(session, read_standards(DATA_DIR / "case_standards.csv"), "case_standards.csv")


def import_conditions(deps: Deps, actor: Actor, path: Path) -> int:
    """Load a city's filing standard: each class in the file gets exactly the file's conditions."""
    audit.require_admin(actor)
    rows = read_standards(path)
    with deps.uow(write=True) as uow:
        count = store_conditions(uow.session, rows, path.name)
        audit.record(uow.session, actor, deps.clock.now(), "import_filing_conditions", "filing_conditions",
                     path.name, {"rows": count, "classes": len({r["category_code"] for r in rows})})
        uow.commit()
    return count


def condition_view(c: FilingCondition) -> dict[str, Any]:
    return {"code": c.code, "condition": c.condition, "time_limit": c.time_limit, "unit": c.unit,
            "phases": c.phases, "sequential": c.sequential, "urgency": c.urgency,
            "time_limit_text": c.time_limit_text, "unit_text": c.unit_text,
            "closing_condition": c.closing_condition, "responsible_example": c.responsible_example,
            "source": c.source, "reconstructed": c.reconstructed,
            "label": DEFAULT_LABEL if c.reconstructed else None}


def category_detail(deps: Deps, code: str, standard: str | None = None) -> dict[str, Any]:
    """One class of the configured standard with its filing conditions and responsible departments.

    :raises NotFound: no such class in that standard.
    """
    standard = standard or deps.settings.classification_standard
    with deps.uow() as uow:
        session = uow.session
        category = session.scalar(select(Category).where(Category.standard == standard, Category.code == code))
        if category is None:
            raise NotFound(f"no class '{code}' in {standard}")
        conditions = session.scalars(select(FilingCondition).where(FilingCondition.category_code == code)
                                     .order_by(FilingCondition.position))
        departments = session.scalars(select(DepartmentResponsibility.department_code)
                                      .where(DepartmentResponsibility.category_code == code)
                                      .order_by(DepartmentResponsibility.department_code))
        return {"code": category.code, "standard": category.standard, "kind": category.kind,
                "major_code": category.major_code, "major_name": category.major_name,
                "minor_code": category.minor_code, "minor_name": category.minor_name, "note": category.note,
                "filing_conditions": [condition_view(c) for c in conditions],
                "departments": list(departments)}
