"""Migrating running cases onto another version of their process (the designer fixed or extended it).

An administrator picks the running cases of a process (all, those of one version, or a list) and a target
version. The dry run says for each case whether it is safe and why not (the rule is in
:mod:`engine.runtime.migration`). Migration then moves the safe cases one by one, each in its own
transaction with its row lock — other steps on the same case simply wait or retry — writes a ``migrate``
line on the case's timeline (from version → to version, who), and leaves every unsafe case untouched with
its reason. A crash leaves every case either migrated or not; running it again skips those already moved.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from engine.cases.steps import Step, lock_case
from engine.deps import Deps
from engine.errors import Forbidden, Invalid
from engine.people.accounts import Actor
from engine.processes.definitions import parsed_by_id
from engine.runtime.migration import check_migration, migrate
from engine.store.models import Case, ProcessDefinition, Task, WorkflowState

FINISHED = ("closed", "void")
MAX_CASES = 100_000
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class CaseMigration:
    """One case's verdict (dry run) or outcome (migration)."""

    case_no: str
    from_version: int
    to_version: int
    safe: bool
    reasons: tuple[str, ...] = ()
    migrated: bool = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class MigrationReport:
    key: str
    to_version: int
    cases: list[CaseMigration]
    dry_run: bool

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "to_version": self.to_version, "dry_run": self.dry_run,
                "total": len(self.cases), "safe": sum(c.safe for c in self.cases),
                "migrated": sum(c.migrated for c in self.cases),
                "cases": [c.to_dict() for c in self.cases]}


def _target(session: Session, key: str, version: object) -> ProcessDefinition:
    if isinstance(version, bool) or not isinstance(version, int):
        raise Invalid("name the target version (a number)", fields={"to_version": "required"})
    row = session.scalar(select(ProcessDefinition).where(ProcessDefinition.key == key,
                                                         ProcessDefinition.version == version))
    if row is None:
        raise Invalid(f"process '{key}' has no version {version}", fields={"to_version": "unknown version"})
    return row


def _candidates(session: Session, key: str, target_id: int, from_version: int | None,
                case_nos: Sequence[str] | None) -> list[tuple[int, str, int]]:
    """(case id, case number, version) of the running cases that would move, oldest first."""
    query = (select(Case.id, Case.case_no, ProcessDefinition.version)
             .join(ProcessDefinition, ProcessDefinition.id == Case.definition_id)
             .where(Case.process_key == key, Case.status.not_in(FINISHED), Case.definition_id != target_id))
    if from_version is not None:
        query = query.where(ProcessDefinition.version == from_version)
    if case_nos is not None:
        query = query.where(Case.case_no.in_(list(case_nos)))
    return [tuple(row) for row in session.execute(query.order_by(Case.id).limit(MAX_CASES + 1))]  # type: ignore[misc]


def _check(deps: Deps, session: Session, case_id: int, target_id: int) -> tuple[bool, tuple[str, ...]]:
    state = session.get(WorkflowState, case_id)
    if state is None:
        return False, ("the case has no workflow state",)
    workflow = deps.runtime.load(state.state, parsed_by_id(deps, session, state.definition_id))
    verdict = check_migration(deps.runtime, workflow, parsed_by_id(deps, session, target_id))
    return verdict.safe, verdict.reasons


def _select(deps: Deps, actor: Actor, key: str, to_version: object, from_version: int | None,
            case_nos: Sequence[str] | None) -> tuple[int, int, list[tuple[int, str, int]]]:
    if not actor.is_admin:
        raise Forbidden("only an administrator may migrate running cases")
    with deps.uow() as uow:
        target = _target(uow.session, key, to_version)
        found = _candidates(uow.session, key, target.id, from_version, case_nos)
    if len(found) > MAX_CASES:
        raise Invalid(f"more than {MAX_CASES} cases: narrow the selection", fields={"from_version": "too many"})
    return target.id, target.version, found


def dry_run(deps: Deps, actor: Actor, key: str, to_version: object, *, from_version: int | None = None,
            case_nos: Sequence[str] | None = None, progress: Progress | None = None) -> MigrationReport:
    """Each selected running case: safe to move to ``to_version`` or not, and why. Changes nothing."""
    target_id, version, found = _select(deps, actor, key, to_version, from_version, case_nos)
    results = []
    for n, (case_id, case_no, current) in enumerate(found, 1):
        with deps.uow() as uow:
            safe, reasons = _check(deps, uow.session, case_id, target_id)
        results.append(CaseMigration(case_no, current, version, safe, reasons))
        if progress:
            progress(n, len(found))
    return MigrationReport(key, version, results, dry_run=True)


def migrate_cases(deps: Deps, actor: Actor, key: str, to_version: object, *, from_version: int | None = None,
                  case_nos: Sequence[str] | None = None, progress: Progress | None = None) -> MigrationReport:
    """Move every safe selected case to ``to_version``, one transaction per case; unsafe ones stay."""
    target_id, version, found = _select(deps, actor, key, to_version, from_version, case_nos)
    results = []
    for n, (case_id, case_no, current) in enumerate(found, 1):
        results.append(_migrate_one(deps, actor, case_id, case_no, current, target_id, version))
        if progress:
            progress(n, len(found))
    return MigrationReport(key, version, results, dry_run=False)


def _migrate_one(deps: Deps, actor: Actor, case_id: int, case_no: str, current: int, target_id: int,
                 version: int) -> CaseMigration:
    with deps.uow(write=True) as uow:
        session = uow.session
        case = lock_case(session, case_id)
        if case.definition_id == target_id:  # a run before this one moved it: re-running is harmless
            return CaseMigration(case_no, current, version, True, ("already on the target version",))
        if case.status in FINISHED:
            return CaseMigration(case_no, current, version, False, ("the case finished meanwhile",))
        safe, reasons = _check(deps, session, case_id, target_id)  # again, under the lock
        if not safe:
            return CaseMigration(case_no, current, version, False, reasons)
        step = Step.load(deps, session, case, actor)
        target = parsed_by_id(deps, session, target_id)
        step._with_helpers(lambda: migrate(deps.runtime, step.workflow, target))
        step.parsed = target
        _refresh_open_tasks(session, step)
        case.definition_id = target_id
        session.execute(update(WorkflowState).where(WorkflowState.case_id == case_id)
                        .values(definition_id=target_id))
        step.add_event("migrate", data={"from_version": current, "to_version": version})
        step.finish()
        uow.commit()
        return CaseMigration(case_no, current, version, True, migrated=True)


def _refresh_open_tasks(session: Session, step: Step) -> None:
    """Open task rows that stay open take the target's names, stages, forms and priorities."""
    for ready in step.deps.runtime.ready_user_tasks(step.workflow, step.parsed):
        info = ready.info
        session.execute(update(Task).where(Task.id == ready.id, Task.state == "open").values(
            name=info.name, stage=info.stage, form_key=info.form_key, lane=info.lane or "",
            priority=info.priority, bpmn_id=info.bpmn_id))


def versions(deps: Deps, key: str) -> list[dict[str, Any]]:
    """A process's versions, newest first, each with the number of running cases on it."""
    with deps.uow() as uow:
        running = dict(uow.session.execute(
            select(Case.definition_id, func.count()).where(Case.process_key == key, Case.status.not_in(FINISHED))
            .group_by(Case.definition_id)).all())
        rows = uow.session.execute(select(ProcessDefinition.id, ProcessDefinition.version, ProcessDefinition.sha256,
                                          ProcessDefinition.deployed_at, ProcessDefinition.deployed_by)
                                   .where(ProcessDefinition.key == key)
                                   .order_by(ProcessDefinition.version.desc())).all()
    if not rows:
        raise Invalid(f"no process '{key}'", fields={"key": "unknown process"})
    return [{"version": r.version, "sha256": r.sha256, "deployed_at": r.deployed_at.isoformat(),
             "deployed_by": r.deployed_by, "running_cases": running.get(r.id, 0)} for r in rows]
