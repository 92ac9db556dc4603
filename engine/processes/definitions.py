"""Deploy processes and forms; find the version a case runs on.

A deployment is the set of BPMN files of ``workflows/`` plus the forms of ``forms/``. It is
checked as a whole (call activities refer across files) and stored as a new immutable
version of each executable process only when its content changed. Cases keep the version
they started with; new cases take the newest.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.deps import ROLES, Deps
from engine.errors import DeployError, DeployProblem, NotFound
from engine.runtime.parsing import (
    check_bundle,
    executable_process_ids,
    forms_used,
    parse_process,
    process_files,
)
from engine.runtime.workflow import ParsedProcess
from engine.store.models import ProcessDefinition

PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent


@dataclass(frozen=True)
class Deployed:
    key: str
    version: int
    created: bool
    sha256: str


def read_bundle(workflow_dir: Path, forms_dir: Path) -> tuple[dict[str, str], dict[str, Any]]:
    """Read ``*.bpmn`` and ``*.json`` forms; a form that is not JSON is a deploy problem."""
    files = {p.name: p.read_text(encoding="utf-8") for p in sorted(workflow_dir.glob("*.bpmn"))}
    forms: dict[str, Any] = {}
    problems = []
    for path in sorted(forms_dir.glob("*.json")):
        try:
            forms[path.stem] = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            problems.append(DeployProblem(path.name, None, f"not valid JSON (line {exc.lineno}): {exc.msg}"))
    if not files:
        problems.append(DeployProblem(str(workflow_dir), None, "no .bpmn file found"))
    if problems:
        raise DeployError(problems)
    return files, forms


def bundle_digest(key: str, files: dict[str, str], forms: dict[str, Any]) -> str:
    blob = json.dumps({"key": key, "files": files, "forms": forms}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def deploy(deps: Deps, files: dict[str, str], forms: dict[str, Any], *, actor: str | None) -> list[Deployed]:
    """Check and store the bundle; all-or-nothing.

    :raises DeployError: listing every problem with its file and element.
    """
    problems = check_bundle(files, forms, ROLES)
    if problems:
        raise DeployError(problems)
    results = []
    with deps.uow(write=True) as uow:
        for key in executable_process_ids(files):
            results.append(_store(uow.session, key, files, forms, actor, deps))
        uow.commit()
    return results


def deploy_dirs(deps: Deps, workflow_dir: Path | None = None, forms_dir: Path | None = None,
                *, actor: str | None = None) -> list[Deployed]:
    """Deploy the processes and forms of two folders, and seed their decision tables."""
    from engine.rules import tables

    workflow_dir = workflow_dir or PROJECT_ROOT / "workflows"
    files, forms = read_bundle(workflow_dir, forms_dir or PROJECT_ROOT / "forms")
    deployed = deploy(deps, files, forms, actor=actor)
    tables.seed_from_files(deps, workflow_dir, actor=actor)
    return deployed


def _store(session: Session, key: str, bundle: dict[str, str], all_forms: dict[str, Any], actor: str | None,
           deps: Deps) -> Deployed:
    """Store a new version of ``key`` unless its own files and forms are unchanged."""
    files = process_files(bundle, key)
    used = forms_used(parse_process(files, key))
    forms = {name: form for name, form in all_forms.items() if name in used}
    digest = bundle_digest(key, files, forms)
    existing = session.scalar(select(ProcessDefinition).where(ProcessDefinition.key == key,
                                                              ProcessDefinition.sha256 == digest))
    if existing is not None:
        return Deployed(key, existing.version, False, digest)
    version = (session.scalar(select(func.max(ProcessDefinition.version)).where(ProcessDefinition.key == key)) or 0) + 1
    session.add(ProcessDefinition(key=key, version=version, sha256=digest, files=files, forms=forms,
                                  deployed_at=deps.clock.now(), deployed_by=actor))
    session.flush()
    return Deployed(key, version, True, digest)


def latest_definition_id(session: Session, key: str) -> int:
    """The id of the newest deployed version of process ``key`` (new cases start on it)."""
    definition_id = session.scalar(select(ProcessDefinition.id).where(ProcessDefinition.key == key)
                                   .order_by(ProcessDefinition.version.desc()).limit(1))
    if definition_id is None:
        raise NotFound(f"process '{key}' is not deployed; run `szcg deploy`")
    return definition_id


def parsed_by_id(deps: Deps, session: Session, definition_id: int) -> ParsedProcess:
    """The parsed spec of a stored version, parsed once per process.

    Versions are immutable, so the BPMN text is read from the database only on a cache miss:
    the hot path never loads the (large) definition row.
    """
    def parse() -> ParsedProcess:
        key, files = session.execute(select(ProcessDefinition.key, ProcessDefinition.files)
                                     .where(ProcessDefinition.id == definition_id)).one()
        return parse_process(files, key)

    return deps.runtime.cached(definition_id, parse)


def definition_forms(deps: Deps, session: Session, definition_id: int) -> dict[str, Any]:
    """The forms of a stored version, read once per process (versions are immutable)."""
    cache: dict[int, dict[str, Any]] = deps.extras.setdefault("definition_forms", {})
    forms = cache.get(definition_id)
    if forms is None:
        forms = session.scalar(select(ProcessDefinition.forms).where(ProcessDefinition.id == definition_id)) or {}
        cache[definition_id] = forms
    return forms


def list_definitions(deps: Deps) -> list[dict[str, Any]]:
    with deps.uow() as uow:
        rows = uow.session.execute(
            select(ProcessDefinition.key, ProcessDefinition.version, ProcessDefinition.sha256,
                   ProcessDefinition.deployed_at, ProcessDefinition.deployed_by)
            .order_by(ProcessDefinition.key, ProcessDefinition.version)
        ).all()
        return [{"key": r.key, "version": r.version, "sha256": r.sha256, "deployed_at": r.deployed_at.isoformat(),
                 "deployed_by": r.deployed_by} for r in rows]
