"""Decision tables as administrators' data: versions, checks, dry runs, activation, ``decide``.

A table is accepted only if :func:`engine.rules.checks.check_table` finds nothing (it parses, every
cell compiles in the sandbox, the last rule is a catch-all, no two rules overlap under UNIQUE,
and its stored examples pass); otherwise it is refused with rule numbers and reasons and the
active version stays. ``decide`` evaluates the *active* version at the moment of the decision,
so a new version applies to the next decision of every running case.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.deps import Deps
from engine.errors import Invalid, NotFound
from engine.rules.checks import check_table
from engine.runtime.dmn import DecisionTable, evaluate, parse_table
from engine.store import revisions
from engine.store.models import Case, Place
from engine.store.rules_models import DecisionTableEvent, DecisionTableVersion

# A table's key is its DMN decision id and its file name in workflows/ (``<key>.dmn``): a designer adds
# a table by adding a file; nothing in Python lists them.
TABLE_KEY = re.compile(r"^[a-z][a-z0-9_]{1,63}$")
_parsed: dict[tuple[int, str], DecisionTable] = {}
_lock = threading.Lock()


@dataclass(frozen=True)
class Decided:
    """A decision and where it came from (recorded in the audit)."""

    outputs: dict[str, Any]
    table: str
    version: int
    rule: int | None

    def provenance(self) -> dict[str, Any]:
        return {"table": self.table, "version": self.version, "rule": self.rule}


def _digest(xml: str, examples: list[Any]) -> str:
    return hashlib.sha256(json.dumps([xml, examples], ensure_ascii=False).encode()).hexdigest()


def _parsed_version(row: DecisionTableVersion) -> DecisionTable:
    """The parsed table of a stored version, parsed once: keyed by id *and* content, because two
    databases in one process (the tests, a restore next to the live one) reuse the same ids."""
    key = (row.id, row.sha256)
    with _lock:
        table = _parsed.get(key)
        if table is None:
            table = _parsed[key] = parse_table(row.dmn_xml)
        return table


def active_version(session: Session, key: str) -> DecisionTableVersion:
    row = session.scalar(select(DecisionTableVersion).where(DecisionTableVersion.key == key,
                                                            DecisionTableVersion.status == "active"))
    if row is None:
        raise NotFound(f"decision table '{key}' has no active version; run `szcg deploy`")
    return row


TABLES_REVISION = "decision_tables"


def _active_tables(deps: Deps, session: Session, known: dict[str, int] | None) -> dict[str, tuple[int, DecisionTable]]:
    """Every key's active version and parsed table, cached per process until a table changes."""

    def build() -> dict[str, tuple[int, DecisionTable]]:
        rows = session.scalars(select(DecisionTableVersion).where(DecisionTableVersion.status == "active"))
        return {row.key: (row.version, _parsed_version(row)) for row in rows}

    return revisions.cached(deps, session, TABLES_REVISION, build, known)


def decide(deps: Deps, session: Session, key: str, inputs: dict[str, Any],
           known: dict[str, int] | None = None) -> Decided:
    """Evaluate the active version of table ``key``; the catch-all rule guarantees an answer."""
    active = _active_tables(deps, session, known).get(key)
    if active is None:
        raise NotFound(f"decision table '{key}' has no active version; run `szcg deploy`")
    version, table = active
    decision = evaluate(table, inputs)
    return Decided(dict(decision.outputs), key, version, decision.rule_number)


# -- administration ---------------------------------------------------------------------


def audit(session: Session, key: str, version: int | None, action: str, actor: str, now: Any,
           detail: dict[str, Any] | None = None) -> None:
    session.add(DecisionTableEvent(key=key, version=version, action=action, actor=actor, at=now, detail=detail))


def refuse_if_invalid(key: str, xml: str, examples: Any) -> None:
    if not TABLE_KEY.match(key):
        raise Invalid(f"'{key}' is not a decision table key (lower-case letters, digits and _)",
                      fields={"key": "invalid"})
    if not isinstance(examples, list):
        raise Invalid("examples must be a JSON list of {inputs, expected}", fields={"examples": "not a list"})
    problems = check_table(xml, examples)
    if problems:
        raise Invalid(f"decision table '{key}' refused: " + "; ".join(str(p) for p in problems),
                      fields={"dmn": str(problems[0])}, problems=[str(p) for p in problems])
    table = parse_table(xml)
    if table.id != key:
        raise Invalid(f"the DMN decision id is '{table.id}', expected '{key}'", fields={"dmn": "wrong decision id"})


def upload(deps: Deps, key: str, xml: str, examples: list[Any], *, actor: str, note: str | None = None,
           activate: bool = False) -> dict[str, Any]:
    """Store a checked new version (as a draft unless ``activate``); identical content is not stored twice.

    :raises Invalid: with the rule number and reason of every problem; nothing is stored.
    """
    refuse_if_invalid(key, xml, examples)
    digest = _digest(xml, examples)
    now = deps.clock.now()
    with deps.uow(write=True) as uow:
        s = uow.session
        same = s.scalar(select(DecisionTableVersion).where(DecisionTableVersion.key == key,
                                                           DecisionTableVersion.sha256 == digest))
        if same is not None:
            return _version_view(same) | {"created": False}
        version = (s.scalar(select(func.max(DecisionTableVersion.version))
                            .where(DecisionTableVersion.key == key)) or 0) + 1
        row = DecisionTableVersion(key=key, version=version, sha256=digest, dmn_xml=xml, examples=examples,
                                   status="draft", note=note, uploaded_at=now, uploaded_by=actor)
        s.add(row)
        audit(s, key, version, "upload", actor, now, {"note": note})
        revisions.bump(s, TABLES_REVISION)
        if activate:
            _activate(s, row, actor, now, "activate")
        uow.commit()
        return _version_view(row) | {"created": True}


def _activate(session: Session, row: DecisionTableVersion, actor: str, now: Any, action: str) -> None:
    for current in session.scalars(select(DecisionTableVersion).where(DecisionTableVersion.key == row.key,
                                                                      DecisionTableVersion.status == "active")):
        current.status = "retired"
    row.status, row.activated_at, row.activated_by = "active", now, actor
    audit(session, row.key, row.version, action, actor, now)


def activate(deps: Deps, key: str, version: int, *, actor: str, rollback: bool = False) -> dict[str, Any]:
    """Make ``version`` the one every next decision uses (a rollback is activating an older one)."""
    with deps.uow(write=True) as uow:
        row = _get(uow.session, key, version)
        refuse_if_invalid(key, row.dmn_xml, row.examples)
        _activate(uow.session, row, actor, deps.clock.now(), "rollback" if rollback else "activate")
        revisions.bump(uow.session, TABLES_REVISION)
        uow.commit()
        return _version_view(row)


def _get(session: Session, key: str, version: int) -> DecisionTableVersion:
    row = session.scalar(select(DecisionTableVersion).where(DecisionTableVersion.key == key,
                                                            DecisionTableVersion.version == version))
    if row is None:
        raise NotFound(f"decision table '{key}' has no version {version}")
    return row


def _version_view(row: DecisionTableVersion) -> dict[str, Any]:
    return {"key": row.key, "version": row.version, "status": row.status, "sha256": row.sha256,
            "uploaded_at": row.uploaded_at.isoformat(), "uploaded_by": row.uploaded_by,
            "activated_at": row.activated_at.isoformat() if row.activated_at else None,
            "activated_by": row.activated_by, "note": row.note, "examples": len(row.examples)}


def table_keys(deps: Deps) -> list[str]:
    """Every table that has a version: those deployed from workflows/ and those uploaded since."""
    with deps.uow() as uow:
        return list(uow.session.scalars(select(DecisionTableVersion.key).distinct()
                                        .order_by(DecisionTableVersion.key)))


def require_table(deps: Deps, key: str) -> None:
    """:raises NotFound: no version of ``key`` was ever stored (the console's pages for a table)."""
    if key not in table_keys(deps):
        raise NotFound(f"no decision table '{key}'; add workflows/{key}.dmn and run `szcg deploy`")


def list_versions(deps: Deps, key: str) -> list[dict[str, Any]]:
    with deps.uow() as uow:
        rows = uow.session.scalars(select(DecisionTableVersion).where(DecisionTableVersion.key == key)
                                   .order_by(DecisionTableVersion.version))
        return [_version_view(r) for r in rows]


def get_version(deps: Deps, key: str, version: int | None = None) -> dict[str, Any]:
    """A version with its XML and examples (the active one when ``version`` is None)."""
    with deps.uow() as uow:
        row = active_version(uow.session, key) if version is None else _get(uow.session, key, version)
        return _version_view(row) | {"dmn_xml": row.dmn_xml, "examples_list": row.examples}


def history(deps: Deps, key: str) -> list[dict[str, Any]]:
    with deps.uow() as uow:
        rows = uow.session.scalars(select(DecisionTableEvent).where(DecisionTableEvent.key == key)
                                   .order_by(DecisionTableEvent.id))
        return [{"version": e.version, "action": e.action, "actor": e.actor, "at": e.at.isoformat(),
                 "detail": e.detail} for e in rows]


# -- dry run ----------------------------------------------------------------------------


def case_inputs(case: Case, area_class: str | None) -> dict[str, Any]:
    """The inputs the tables read, from a case row (the same names the BPMN and the report pass)."""
    minor = case.category_code[1:]
    return {"kind": case.kind, "major_code": minor[:2], "minor_code": minor, "district_code": case.district_code,
            "area_class": area_class or case.area_class or "B", "source": case.source,
            "filing_condition": case.filing_condition or "", "urgency": case.urgency or "normal",
            "category_code": case.category_code, "channel_type": case.channel_type or "",
            "injuries": case.injuries or 0, "process_key": case.process_key,
            "response_level": case.response_level or ""}


def dry_run(deps: Deps, key: str, xml: str, examples: list[Any], *, days: int, actor: str,
            version: int | None = None) -> dict[str, Any]:
    """Check a candidate table and compare it with the active one on the cases of the last ``days``.

    Returns how many of those cases would decide differently, with a sample — e.g. "these 37
    cases would have gone to another department". Stores nothing but the audit line.
    """
    refuse_if_invalid(key, xml, examples)
    candidate = parse_table(xml)
    since = deps.clock.now() - timedelta(days=days)
    changed: list[dict[str, Any]] = []
    with deps.uow(write=True) as uow:
        s = uow.session
        current = active_version(s, key)
        current_table = _parsed_version(current)
        rows = s.execute(select(Case, Place.area_class).outerjoin(Place, Place.code == Case.grid_code)
                         .where(Case.reported_at >= since).order_by(Case.id)).all()
        for case, area_class in rows:
            inputs = case_inputs(case, area_class)
            before, after = evaluate(current_table, inputs), evaluate(candidate, inputs)
            if before.outputs != after.outputs:
                changed.append({"case_no": case.case_no, "before": dict(before.outputs), "after": dict(after.outputs),
                                "rule_before": before.rule_number, "rule_after": after.rule_number})
        summary = {"cases": len(rows), "changed": len(changed), "days": days, "examples": len(examples),
                   "against_version": current.version}
        audit(s, key, version, "dry_run", actor, deps.clock.now(), summary)
        uow.commit()
    return summary | {"sample": changed[:50]}


def seed_from_files(deps: Deps, workflow_dir: Path, *, actor: str | None) -> list[dict[str, Any]]:
    """Deploy every ``workflows/<key>.dmn`` (+ ``<key>.examples.json``).

    A table with no version yet is activated; a changed file is stored as a draft, so a
    deployment never silently overrides what an administrator activated in the console.
    """
    results = []
    for path in sorted(workflow_dir.glob("*.dmn")):
        key = path.stem
        examples_path = workflow_dir / f"{key}.examples.json"
        examples = json.loads(examples_path.read_text(encoding="utf-8")) if examples_path.exists() else []
        with deps.uow() as uow:
            has_versions = uow.session.scalar(select(func.count(DecisionTableVersion.id))
                                              .where(DecisionTableVersion.key == key)) > 0
        result = upload(deps, key, path.read_text(encoding="utf-8"), examples, actor=actor or "deploy",
                        note=f"deployed from {path.name}", activate=not has_versions)
        results.append(result)
    return results
