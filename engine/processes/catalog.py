"""The processes the platform runs: what each declares in its diagram, for reports, pages and the API.

Every deployed process says of itself (process-level ``spiffworkflow:properties`` in its BPMN) its
names, the roles that may start it, its case number prefix and its time-limits table; its stages and
end states come from its tasks and end events. A process with no ``startRoles`` is only called by
others (the district sub-centre's dispatch, the enforcement squads) and is never offered for a report.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.deps import Deps
from engine.errors import Forbidden, Invalid
from engine.people.accounts import Actor
from engine.processes.definitions import parsed_by_id
from engine.runtime.workflow import ProcessInfo
from engine.store.models import ProcessDefinition


@dataclass(frozen=True)
class Startable:
    """The newest version of a process a report may start."""

    definition_id: int
    version: int
    info: ProcessInfo


def latest_versions(session: Session) -> dict[str, tuple[int, int]]:
    """Each process key's newest (definition id, version): one indexed read."""
    newest = (select(ProcessDefinition.key, func.max(ProcessDefinition.version).label("version"))
              .group_by(ProcessDefinition.key).subquery())
    rows = session.execute(select(ProcessDefinition.key, ProcessDefinition.id, ProcessDefinition.version)
                           .join(newest, (newest.c.key == ProcessDefinition.key)
                                 & (newest.c.version == ProcessDefinition.version)))
    return {key: (definition_id, version) for key, definition_id, version in rows}


def startable(deps: Deps, session: Session) -> dict[str, Startable]:
    """The processes a report may start (those declaring ``startRoles``), by key."""
    found = {}
    for key, (definition_id, version) in latest_versions(session).items():
        info = parsed_by_id(deps, session, definition_id).info
        if info is not None and info.start_roles:
            found[key] = Startable(definition_id, version, info)
    return found


def process_of(deps: Deps, session: Session, key: str, actor: Actor | None = None) -> Startable:
    """The startable process ``key``, checked against the actor's roles when the actor names it.

    :raises Invalid: (422) no such startable process. :raises Forbidden: (403) the actor holds none
        of the roles the process allows to start it.
    """
    found = startable(deps, session).get(key)
    if found is None:
        known = ", ".join(sorted(startable(deps, session)))
        raise Invalid(f"no process '{key}' that a report can start (known: {known})",
                      fields={"process": "unknown process"})
    if actor is not None and not actor.has_role(*found.info.start_roles):
        raise Forbidden(f"only {', '.join(found.info.start_roles)} may start '{key}' directly")
    return found


def list_processes(deps: Deps) -> list[dict[str, Any]]:
    """Every startable process with its declaration (the API, the case search's filter, the pages)."""
    with deps.uow() as uow:
        return [{**asdict(s.info), "version": s.version} for _k, s in sorted(startable(deps, uow.session).items())]


def stage_orders(deps: Deps, session: Session) -> dict[str, tuple[str, ...]]:
    """Each deployed process's stages in order (for counting an inbox's stages in the process's order)."""
    return {key: parsed_by_id(deps, session, definition_id).info.stages  # type: ignore[union-attr]
            for key, (definition_id, _v) in latest_versions(session).items()}


def names(deps: Deps) -> dict[str, Any]:
    """What pages call things the diagrams name: ``processes`` (key → (name, English name)) and ``stages``
    (stage → its user task's name), from every deployed process's newest version. A stage or process a
    designer adds is shown by its own name, with no word of Python."""
    with deps.uow() as uow:
        session = uow.session
        processes: dict[str, tuple[str, str]] = {}
        stages: dict[str, str] = {}
        for key, (definition_id, _v) in sorted(latest_versions(session).items()):
            parsed = parsed_by_id(deps, session, definition_id)
            if parsed.info is not None:
                processes[key] = (parsed.info.name, parsed.info.name_en)
            for info in parsed.user_tasks.values():
                stages.setdefault(info.stage, info.name)
        return {"processes": processes, "stages": stages}
