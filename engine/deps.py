"""What every use case needs, built once per process and passed in explicitly.

No module-level state: the web app, the CLI, the scheduler and the tests each build a
:class:`Deps` (``build_deps``) and hand it to the use-case functions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from engine.config import Settings
from engine.store.db import UnitOfWork, make_engine, make_session_factory
from engine.time.clock import Clock, SystemClock

# Roles are the lanes of the BPMN and the grants users hold (GLOSSARY "People").
ROLES = ("operator", "inspector", "shift_leader", "dispatcher", "handler", "leader", "admin", "citizen")


@dataclass
class Deps:
    """Settings, database, workflow runtime and clock for one process."""

    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    runtime: Any
    clock: Clock
    extras: dict[str, Any] = field(default_factory=dict)

    def uow(self, *, write: bool = False) -> UnitOfWork:
        return UnitOfWork(self.session_factory, write=write)


def build_deps(settings: Settings, *, clock: Clock | None = None, engine: Engine | None = None) -> Deps:
    """Wire the process-wide objects from settings (no I/O besides the pool creation)."""
    from engine.processes.bpmn_helpers import HELPERS
    from engine.runtime.workflow import WorkflowRuntime

    engine = engine or make_engine(settings.database_url_resolved)
    clock = clock or SystemClock()
    return Deps(
        settings=settings,
        engine=engine,
        session_factory=make_session_factory(engine),
        runtime=WorkflowRuntime(HELPERS, clock=clock),
        clock=clock,
    )
