"""Words for the codes the engine stores (stages, statuses, sources, roles, actions, lights).

Codes are the glossary's English names; what a reader sees is translated here, once, with
lazy strings so the language is chosen per request. An unknown code (a stage a process
designer added) is shown as the task's own name or the code itself, never as an error.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

STAGES: dict[str, Any] = {
    "report": _l("Report"), "register": _l("Register"), "verify": _l("Verify"), "file": _l("File"),
    "dispatch": _l("Dispatch"), "handle": _l("Handle"), "check": _l("Check"), "close": _l("Close"),
    "evaluate": _l("Evaluate"), "closed": _l("Closed"), "void": _l("Void"),
}
ACTIONS: dict[str, Any] = {
    **STAGES, "return": _l("Returned"), "rework": _l("Rework"), "extend": _l("Extension"),
    "suspend": _l("Suspended"), "resume": _l("Resumed"), "urge": _l("Urged"), "escalate": _l("Escalated"),
    "warn": _l("Time nearly used"), "overdue": _l("Overdue"), "report": _l("Reported"),
    "closed": _l("Case closed"), "void": _l("Case voided"), "evaluate": _l("Evaluated"),
    "decide": _l("Rule decision"),
}
SOURCES: dict[str, Any] = {
    "inspector": _l("Inspector"), "citizen": _l("Citizen"), "hotline": _l("Hotline"), "video": _l("Video"),
    "leader": _l("Leader's instruction"), "media": _l("Media"), "department": _l("Department"),
}
ROLES: dict[str, Any] = {
    "operator": _l("Operator"), "inspector": _l("Inspector"), "shift_leader": _l("Shift leader"),
    "dispatcher": _l("Dispatcher"), "handler": _l("Department"), "leader": _l("Leader"), "admin": _l("Administrator"),
    "citizen": _l("Citizen"),
}
LIGHTS: dict[str, Any] = {"green": _l("In time"), "yellow": _l("Nearly due"), "red": _l("Overdue"),
                          None: _l("No time limit")}
KINDS: dict[str, Any] = {"before": _l("Before"), "after": _l("After"), "evidence": _l("Evidence")}
URGENCY: dict[str, Any] = {"normal": _l("Normal"), "urgent": _l("Urgent")}
KIND_OF_CATEGORY: dict[str, Any] = {"component": _l("Component"), "incident": _l("Incident")}


def label(table: dict[Any, Any], code: Any, fallback: str | None = None) -> str:
    """The reader's word for ``code``; the fallback (or the code) when there is none."""
    if code in table:
        return str(table[code])
    return fallback or ("" if code is None else str(code))
