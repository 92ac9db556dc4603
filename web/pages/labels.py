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
    # special paths (command structure): self-handling, coordination, approvals, suspension, urge, enforcement
    "confirm_self_handled": _l("Confirm self-handling"), "district_dispatch": _l("Dispatch"),
    "enforcement_dispatch": _l("Dispatch"), "coordinate": _l("City coordination"),
    "approve_return": _l("Approve return"), "approve_extension": _l("Approve extension"),
    "approve_suspension": _l("Approve suspension"), "suspended": _l("Suspended"), "resume": _l("Suspended"),
    "approve_void": _l("Approve voiding"), "urge": _l("Urge"), "answer_urge": _l("Answer the urge"),
    "stop_work": _l("Order to stop"), "penalty": _l("Penalty decision"), "demolition": _l("Demolition"),
}
ACTIONS: dict[str, Any] = {
    **STAGES, "return": _l("Returned"), "rework": _l("Rework"), "extend": _l("Extension"),
    "suspend": _l("Suspended"), "resume": _l("Resumed"), "urge": _l("Urged"), "escalate": _l("Escalated to the city"),
    "warn": _l("Time nearly used"), "overdue": _l("Overdue"), "report": _l("Reported"),
    "closed": _l("Case closed"), "void": _l("Case voided"), "evaluate": _l("Evaluated"),
    "decide": _l("Rule decision"),
    # facts the processes record and actions outside tasks (timers, supervisors)
    "auto_dispatch": _l("Dispatched automatically"), "return_refused": _l("Return refused"),
    "extension": _l("Extension granted"), "extension_refused": _l("Extension refused"),
    "suspension": _l("Suspension granted"), "suspension_refused": _l("Suspension refused"),
    "suspended": _l("Suspension lifted"), "answer_urge": _l("Urge answered"),
    "coordinate": _l("City coordination"), "reassign": _l("Reassigned"), "warning": _l("Time nearly used"),
    "self_handled": _l("Self-handled"), "void_refused": _l("Voiding refused"), "note": _l("Note"),
    "duplicate_of": _l("Duplicate"), "duplicate_reported": _l("Duplicate reported"),
    "linked_to": _l("Started a case of another process"), "linked_from": _l("Started from another case"),
    "alert": _l("Alerted"), "reply": _l("Answered the reporter"), "reopen": _l("Reopened"),
    "personal_data_cleared": _l("Reporter's personal data cleared (retention)"), "photo": _l("Photo added"),
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
CHANNELS: dict[str, Any] = {"city": _l("City command"), "district": _l("District command"),
                            "enforcement": _l("Enforcement"), "auto": _l("Automatic")}
SATISFACTION: dict[str, Any] = {"satisfied": _l("Satisfied"), "basically_satisfied": _l("Basically satisfied"),
                                "unsatisfied": _l("Unsatisfied")}
FLAGS: dict[str, Any] = {"repeated_returns": _l("Returned repeatedly (shirking)")}
NOTIFICATION_KINDS: dict[str, Any] = {"warning": _l("Time nearly used"), "overdue": _l("Overdue")}
TABLES: dict[str, Any] = {"dispatch_routing": _l("Dispatch routing"), "time_limits": _l("Time limits")}
TABLE_STATUSES: dict[str, Any] = {"draft": _l("Draft"), "active": _l("Active"), "retired": _l("Retired")}
TABLE_ACTIONS: dict[str, Any] = {"upload": _l("Uploaded"), "dry_run": _l("Dry run"), "activate": _l("Activated"),
                                 "rollback": _l("Rolled back")}


# Where a reporter's personal data was shown (engine.audit.personal_data.CHANNELS).
PLACE_LEVELS: dict[str, Any] = {"district": _l("District"), "street": _l("Street"), "community": _l("Community"),
                               "grid": _l("Grid")}
VIEW_CHANNELS: dict[str, Any] = {"page": _l("Page"), "api": _l("API"), "export": _l("Export")}


def label(table: dict[Any, Any], code: Any, fallback: str | None = None) -> str:
    """The reader's word for ``code``; the fallback (or the code) when there is none."""
    if code in table:
        return str(table[code])
    return fallback or ("" if code is None else str(code))
