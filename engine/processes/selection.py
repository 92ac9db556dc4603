"""Which process a new report starts: the ``process_selection`` decision table, or the channel's own.

The table (``workflows/process_selection.dmn``, versioned and checked like every table) reads the
report — source, class, urgency, the intake's own type (a 12345 order's 诉求类型), reported injuries —
and names the process and, optionally, the urgency to start with. A dedicated channel (an emergency
button) names its process itself; the reporter must then hold one of the roles the process declares
in ``startRoles``. Nothing here knows any process by name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from engine.deps import Deps
from engine.errors import ProcessError
from engine.people.accounts import Actor
from engine.processes.catalog import Startable, process_of, startable
from engine.rules import tables

SELECTION_TABLE = "process_selection"


@dataclass(frozen=True)
class Chosen:
    process: Startable
    urgency: str
    decided: tables.Decided | None  # None when the report named its process


def choose_process(deps: Deps, session: Session, actor: Actor, named: str | None, inputs: dict[str, Any]) -> Chosen:
    """The process (newest version) and urgency a report starts with: the one it ``named``, or the table's.

    ``inputs`` are the table's: source, kind, category_code, major_code, minor_code, urgency,
    channel_type, injuries.

    :raises Invalid: the report names an unknown process. :raises Forbidden: it names one the
        reporter may not start. :raises ProcessError: the table names a process no report can start.
    """
    if named:
        return Chosen(process_of(deps, session, named, actor), inputs["urgency"], None)
    decided = tables.decide(deps, session, SELECTION_TABLE, inputs)
    key = decided.outputs.get("process_key")
    found = startable(deps, session).get(key) if isinstance(key, str) else None
    if found is None:
        raise ProcessError(f"{SELECTION_TABLE} version {decided.version}, rule {decided.rule}, chose process "
                           f"'{key}', which is not deployed or declares no startRoles")
    urgency = decided.outputs.get("urgency") or inputs["urgency"]
    return Chosen(found, urgency, decided)
