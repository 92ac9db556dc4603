"""The designer's console: read a deployed process's file, check an edited one, deploy it, compare versions.

The console edits one BPMN file of the deployed bundle (the newest version of every process, with their
forms). Checking runs exactly the checks of ``szcg deploy`` on the bundle with that file replaced; deploying
stores a new version of every process whose own files changed (the others stay as they are) and writes an
audit row with the diff's summary. The files in ``workflows/`` stay the source for Camunda Modeler: a
version deployed from the console can be exported as the file, and ``szcg deploy`` of an unchanged folder
after that creates nothing new unless the folder differs — the newest deployment wins, and the versions
page shows which it was.
"""

from __future__ import annotations

from typing import Any

from lxml import etree
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.deps import ROLES, Deps
from engine.errors import DeployError, Forbidden, Invalid, NotFound
from engine.people import audit
from engine.people.accounts import Actor
from engine.processes.catalog import latest_versions
from engine.processes.definitions import deploy
from engine.rules import tables
from engine.runtime.dmn import parse_table
from engine.runtime.parsing import (
    PRIORITIES,
    SCOPES,
    SNIPPET_KINDS,
    check_bundle,
    check_snippet,
    forms_used,
    parse_process,
    process_files,
)
from engine.store.models import ProcessDefinition

MAX_XML = 2_000_000
BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"


def _admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise Forbidden("only an administrator may edit and deploy processes")


def _bundle(session: Session) -> tuple[dict[str, str], dict[str, Any]]:
    """Every file and form of the newest version of every deployed process."""
    files: dict[str, str] = {}
    forms: dict[str, Any] = {}
    ids = [definition_id for definition_id, _v in latest_versions(session).values()]
    for row_files, row_forms in session.execute(select(ProcessDefinition.files, ProcessDefinition.forms)
                                                .where(ProcessDefinition.id.in_(ids))):
        files.update(row_files or {})
        forms.update(row_forms or {})
    return files, forms


def _version(session: Session, key: str, version: int | None) -> ProcessDefinition:
    query = select(ProcessDefinition).where(ProcessDefinition.key == key)
    query = query.where(ProcessDefinition.version == version) if version else query.order_by(
        ProcessDefinition.version.desc()).limit(1)
    row = session.scalar(query)
    if row is None:
        raise NotFound(f"no process '{key}'" + (f" version {version}" if version else ""))
    return row


def file_of(files: dict[str, str], key: str) -> str:
    """The name of the file that defines process ``key``."""
    for name, xml in files.items():
        if f'<bpmn:process id="{key}"' in xml or f'<process id="{key}"' in xml:
            return name
    raise NotFound(f"no file defines process '{key}'")


def source(deps: Deps, actor: Actor, key: str, version: int | None = None) -> dict[str, Any]:
    """The BPMN file of ``key`` as deployed (newest version unless ``version``), to edit or export."""
    _admin(actor)
    with deps.uow() as uow:
        row = _version(uow.session, key, version)
        name = file_of(row.files, key)
        return {"key": key, "version": row.version, "file": name, "xml": row.files[name],
                "forms": sorted(row.forms or {})}


def _edited(session: Session, key: str, xml: object) -> tuple[str, dict[str, str], dict[str, Any]]:
    if not isinstance(xml, str) or not xml.strip():
        raise Invalid("the BPMN XML is required", fields={"xml": "required"})
    if len(xml) > MAX_XML:
        raise Invalid(f"the file is larger than {MAX_XML} characters", fields={"xml": "too long"})
    files, forms = _bundle(session)
    name = file_of(files, key)
    return name, {**files, name: xml}, forms


def check(deps: Deps, actor: Actor, key: str, xml: object) -> list[dict[str, Any]]:
    """The problems ``szcg deploy`` would name for the bundle with ``key``'s file replaced (empty: fine)."""
    _admin(actor)
    with deps.uow() as uow:
        _name, files, forms = _edited(uow.session, key, xml)
    return [p.to_dict() for p in check_bundle(files, forms, ROLES)]


def deploy_edit(deps: Deps, actor: Actor, key: str, xml: object) -> dict[str, Any]:
    """Deploy the edited file: new versions where a process's own files changed; audited with the diff.

    :raises DeployError: the same problems as :func:`check`; nothing is stored.
    """
    _admin(actor)
    with deps.uow() as uow:
        name, files, forms = _edited(uow.session, key, xml)
        before = _version(uow.session, key, None)
        old_xml = before.files.get(name, "")
    problems = check_bundle(files, forms, ROLES)
    if problems:
        raise DeployError(problems)
    results = deploy(deps, files, forms, actor=actor.username)
    mine = next(r for r in results if r.key == key)
    changes = diff_elements(old_xml, files[name], key)
    with deps.uow(write=True) as uow:
        audit.record(uow.session, actor, deps.clock.now(), "deploy_process", "process", key,
                     {"version": mine.version, "created": mine.created,
                      **{k: len(v) for k, v in changes.items()}})
        uow.commit()
    return {"key": key, "version": mine.version, "created": mine.created, "changes": changes,
            "deployed": [{"key": r.key, "version": r.version, "created": r.created} for r in results]}


def _elements(xml: str, key: str) -> dict[str, bytes]:
    """Each element of process ``key`` with an id, by id, in a canonical form without its DI."""
    if not xml:
        return {}
    root = etree.fromstring(xml.encode("utf-8"))
    process = root.find(f"{BPMN}process[@id='{key}']")
    if process is None:
        return {}
    found = {}
    for element in process.iter():
        if isinstance(element.tag, str) and element.get("id") and element is not process:
            found[element.get("id")] = etree.tostring(element, method="c14n")
    return found


def diff_elements(old_xml: str, new_xml: str, key: str) -> dict[str, list[str]]:
    """Element ids added, removed and changed between two versions of a process's file."""
    old, new = _elements(old_xml, key), _elements(new_xml, key)
    return {"added": sorted(new.keys() - old.keys()), "removed": sorted(old.keys() - new.keys()),
            "changed": sorted(k for k in old.keys() & new.keys() if old[k] != new[k])}


def compare(deps: Deps, actor: Actor, key: str, old: int, new: int) -> dict[str, Any]:
    """What changed between two deployed versions (for the diagram's highlights)."""
    _admin(actor)
    with deps.uow() as uow:
        a, b = _version(uow.session, key, old), _version(uow.session, key, new)
        name = file_of(b.files, key)
        return {"key": key, "old": old, "new": new, "file": name, "old_xml": a.files.get(name, ""),
                "new_xml": b.files[name], **diff_elements(a.files.get(name, ""), b.files[name], key)}


def _process_forms(session: Session, key: str) -> tuple[dict[str, str], dict[str, Any], set[str]]:
    files, forms = _bundle(session)
    row = _version(session, key, None)
    return files, forms, forms_used(parse_process(process_files(row.files, key), key))


def forms_of(deps: Deps, actor: Actor, key: str) -> list[dict[str, Any]]:
    """The forms the newest version of ``key`` uses, each with its document (to edit), by name."""
    _admin(actor)
    with deps.uow() as uow:
        _files, forms, used = _process_forms(uow.session, key)
    return [{"name": name, "form": forms.get(name), "missing": name not in forms} for name in sorted(used)]


def _edited_forms(session: Session, key: str, name: str, doc: object) -> tuple[dict[str, str], dict[str, Any]]:
    files, forms, used = _process_forms(session, key)
    if name not in used:
        raise Invalid(f"no task or message of '{key}' uses a form '{name}'", fields={"form": "unknown form"})
    return files, {**forms, name: doc}


def check_form(deps: Deps, actor: Actor, key: str, name: str, doc: object) -> list[dict[str, Any]]:
    """Deploy's checks on the bundle with form ``name`` replaced: the form is valid JSON Schema, and every
    user task still has its form (empty: fine)."""
    _admin(actor)
    with deps.uow() as uow:
        files, forms = _edited_forms(uow.session, key, name, doc)
    return [p.to_dict() for p in check_bundle(files, forms, ROLES)]


def deploy_form(deps: Deps, actor: Actor, key: str, name: str, doc: object) -> dict[str, Any]:
    """Deploy the edited form: a new version of every process that uses it; nothing if a check fails."""
    _admin(actor)
    with deps.uow() as uow:
        files, forms = _edited_forms(uow.session, key, name, doc)
    problems = check_bundle(files, forms, ROLES)
    if problems:
        raise DeployError(problems)
    results = deploy(deps, files, forms, actor=actor.username)
    mine = next(r for r in results if r.key == key)
    with deps.uow(write=True) as uow:
        audit.record(uow.session, actor, deps.clock.now(), "deploy_form", "process", key,
                     {"form": name, "version": mine.version, "created": mine.created})
        uow.commit()
    return {"key": key, "form": name, "version": mine.version, "created": mine.created,
            "deployed": [{"key": r.key, "version": r.version, "created": r.created} for r in results]}


def palette(deps: Deps, actor: Actor) -> dict[str, Any]:
    """What the designer's pickers offer, all read from what is deployed: roles (lane names), scopes and
    priorities szcg knows, the forms of the deployed bundle, the deployed processes (call activities), and
    the decision tables with the variables each reads and the outputs it gives (``decide(...)`` calls,
    ``limitsTable``)."""
    _admin(actor)
    with deps.uow() as uow:
        _files, forms = _bundle(uow.session)
        processes = sorted(latest_versions(uow.session))
        found = []
        for key in tables.table_keys(deps):
            table = parse_table(tables.active_version(uow.session, key).dmn_xml)
            found.append({"key": key, "name": table.name, "inputs": list(table.variables),
                          "outputs": list(table.output_names)})
    return {"roles": [r for r in ROLES if r != "citizen"], "scopes": sorted(SCOPES), "priorities": list(PRIORITIES),
            "forms": sorted(forms), "processes": processes, "tables": found}


def check_code(actor: Actor, kind: object, text: object) -> list[str]:
    """The sandbox's compile check of one condition, script or timer expression (run on blur in the designer).

    :raises Invalid: an unknown kind or a text that is not a string, naming the field.
    """
    _admin(actor)
    if not isinstance(kind, str) or kind not in SNIPPET_KINDS:
        raise Invalid(f"kind must be one of {sorted(SNIPPET_KINDS)}", fields={"kind": "unknown kind"})
    if not isinstance(text, str) or len(text) > MAX_XML:
        raise Invalid("the text is required", fields={"text": "required"})
    return check_snippet(kind, text)
