"""How each base count is taken from the facts — one definition each (docs/EVALUATION.md).

Every count is a set of *entries*: (object, case, reason). A scorecard counts them; a drill-down
lists them, so a figure and the cases behind it can never disagree. The period is ``[start,
end)`` in Beijing days and its *cutoff* is its end, or now while it runs; "open at the cutoff"
is judged from the stored times alone, so a past period recomputes to the same entries as long
as its cases' facts do not change.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from engine.evaluation.facts import CaseFact, Facts, TaskFact

# A case whose summary is at one of these stages has finished handling (handled_at is the
# department's last "done"); elsewhere handled_at may be a request (extend, return) while handling.
HANDLED_STATUSES = ("check", "close", "closed")


@dataclass(frozen=True)
class Entry:
    case_id: int
    reason: str


Entries = dict[tuple[str, str], dict[str, list[Entry]]]  # (object_type, code) → count → entries


class _Window:
    def __init__(self, facts: Facts) -> None:
        self.start, self.cut = facts.period.start, facts.cutoff

    def within(self, at: datetime | None) -> bool:
        return at is not None and self.start <= at < self.cut

    def before_cut(self, at: datetime | None) -> bool:
        return at is not None and at < self.cut


def _filed(c: CaseFact) -> bool:
    """Filed as a case: the file stage passed and did not void it there (the same step stamps both)."""
    return c.filed_at is not None and not (c.voided_at is not None and c.voided_at <= c.filed_at)


def _handled(c: CaseFact) -> bool:
    return c.handled_at is not None and c.status in HANDLED_STATUSES


def _in_time(done: datetime | None, due: datetime | None) -> str:
    """On time against the case deadline, which already carries approved extensions and
    excludes suspended time (the case clock moves it): ``on_time``, ``no_deadline`` or ``late``."""
    if due is None:
        return "no_deadline"
    return "on_time" if done is not None and done <= due else "late"


def _case_reasons(c: CaseFact, w: _Window, public: tuple[str, ...], event_cases: dict[str, set[int]]) -> dict[str, str]:
    """The counts one case is in for its region and department, with the reason of each."""
    out: dict[str, str] = {}
    if c.source == "inspector" and w.within(c.reported_at):
        out["reported"] = "reported"
        if _filed(c) or (c.status == "closed" and c.filed_at is None):
            out["valid_reported"] = "filed" if _filed(c) else "self_handled"
    if c.source in public and w.within(c.reported_at):
        out["public_reported"] = "reported"
    filed_in = _filed(c) and w.within(c.filed_at)
    if filed_in:
        out["filed"] = "filed"
        if c.source in public:
            out["public_verified"] = "filed"
    if w.within(c.voided_at):
        out["void"] = "voided"
    ended = w.before_cut(c.closed_at) or w.before_cut(c.voided_at)
    suspended = c.suspended_at is not None and c.suspended_at < w.cut
    if _handled(c) and w.within(c.handled_at):
        verdict = _in_time(c.handled_at, c.deadline_at)
        out["handled"] = out["to_handle"] = verdict
        out["handled_on_time" if verdict != "late" else "handled_late"] = verdict
    elif (_filed(c) and w.before_cut(c.filed_at) and c.department_code and not ended and not suspended
          and not (_handled(c) and w.before_cut(c.handled_at))):
        overdue = c.deadline_at is not None and c.deadline_at < w.cut
        out["to_handle"] = "open_overdue" if overdue else "open"
        if overdue:
            out["overdue_unhandled"] = "open_overdue"
    if c.status == "closed" and w.within(c.closed_at):
        verdict = _in_time(c.handled_at, c.deadline_at)
        out["closed"] = out["to_close"] = verdict
        out["closed_on_time" if verdict != "late" else "closed_late"] = verdict
    elif _filed(c) and w.before_cut(c.filed_at) and not ended and not suspended:
        out["to_close"] = "open_overdue" if c.deadline_at is not None and c.deadline_at < w.cut else "open"
    for count, action in (("rework", "rework"), ("suspended", "suspension"), ("extended", "extension"),
                          ("returned", "return"), ("self_handled", "self_handled")):
        if c.id in event_cases[action]:
            out[count] = action
    return out


def _task_verdict(t: TaskFact) -> str:
    return _in_time(t.completed_at, t.due_at)


def tally(facts: Facts, public: tuple[str, ...]) -> Entries:
    """Every entry of every count of the period, for every object type."""
    w = _Window(facts)
    entries: Entries = defaultdict(lambda: defaultdict(list))
    event_cases: dict[str, set[int]] = defaultdict(set)
    for e in facts.events:
        event_cases[e.action].add(e.case_id)
    beats = {code: p.inspector_id for code, p in facts.places.items() if p.level == "grid" and p.inspector_id}
    for c in facts.cases.values():
        reasons = _case_reasons(c, w, public, event_cases)
        if not reasons:
            continue
        grid = entries[("grid", c.grid_code)]
        department = entries[("department", c.department_code)] if c.department_code else None
        for count, reason in reasons.items():
            entry = Entry(c.id, reason)
            grid[count].append(entry)
            if department is not None and count not in ("reported", "valid_reported"):
                department[count].append(entry)
        _inspector_case_entries(c, reasons, beats, facts, entries)
    _roll_up(entries)
    _task_entries(facts, w, event_cases, entries)
    return entries


def _roll_up(entries: Entries) -> None:
    """A region's entries are its grids' (a case counts where it is): gathered grid by grid with
    list.extend, several times cheaper than appending each case to five levels."""
    for (kind, code), counts in list(entries.items()):
        if kind != "grid":
            continue
        for key in (("community", code[:12]), ("street", code[:9]), ("district", code[:6]), ("city", "city")):
            target = entries[key]
            for count, found in counts.items():
                target[count].extend(found)


def _inspector_case_entries(c: CaseFact, reasons: dict[str, str], beats: dict[str, int], facts: Facts,
                            entries: Entries) -> None:
    """Reports by their reporter; 漏报: a public report filed in the grid of the inspector responsible now."""
    if c.reporter_id is not None and "reported" in reasons:
        user = facts.users.get(c.reporter_id, ("?", ""))[0]
        for count in ("reported", "valid_reported"):
            if count in reasons:
                entries[("inspector", user)][count].append(Entry(c.id, reasons[count]))
    inspector = beats.get(c.grid_code)
    if inspector is not None and "filed" in reasons:
        user = facts.users.get(inspector, ("?", ""))[0]
        entries[("inspector", user)]["beat_filed"].append(Entry(c.id, reasons["filed"]))
        if "public_verified" in reasons:
            entries[("inspector", user)]["missed"].append(Entry(c.id, "public_report"))


def _task_entries(facts: Facts, w: _Window, event_cases: dict[str, set[int]], entries: Entries) -> None:
    """The positions' counts, from the stage tasks each person completed (or, for an inspector's
    on-site tasks, was assigned and left overdue at the cutoff)."""
    by_case: dict[int, list[TaskFact]] = defaultdict(list)
    for t in facts.tasks:
        by_case[t.case_id].append(t)
    returns: dict[int, list[datetime]] = defaultdict(list)
    for e in facts.events:
        if e.action == "return":
            returns[e.case_id].append(e.at)
    name = {uid: u[0] for uid, u in facts.users.items()}
    for t in facts.tasks:
        done = w.within(t.completed_at) and t.state == "completed"
        who = name.get(t.completed_by_id or -1)
        verdict = _task_verdict(t)
        on_time = verdict != "late"
        case = facts.cases.get(t.case_id)
        if t.stage in ("verify", "check"):
            prefix = "verif" if t.stage == "verify" else "check"
            total, good = ("to_verify", "verified_on_time") if prefix == "verif" else ("to_check", "checked_on_time")
            if done and who:
                _add(entries, "inspector", who, total, t, verdict)
                if on_time:
                    _add(entries, "inspector", who, good, t, verdict)
            elif (t.created_at < w.cut and (t.completed_at is None or t.completed_at >= w.cut)
                  and t.assignee_id is not None and t.due_at is not None and t.due_at < w.cut):
                _add(entries, "inspector", name.get(t.assignee_id, "?"), total, t, "open_overdue")
        if not done or not who:
            continue
        if t.stage == "register":
            if case is not None and case.voided_at is not None and case.voided_at <= (t.completed_at or case.voided_at):
                continue  # not accepted: voided at registration (不予受理)
            _add(entries, "operator", who, "accepted", t, verdict)
            if any(o.stage == "verify" for o in by_case[t.case_id]):
                _add(entries, "operator", who, "to_verify_dispatch", t, verdict)
                if on_time:
                    _add(entries, "operator", who, "verify_dispatched_on_time", t, verdict)
        elif t.stage == "file" and case is not None and not (case.voided_at and case.voided_at <= t.completed_at):
            _add(entries, "shift_leader", who, "file_decisions", t, verdict)
            if on_time:
                _add(entries, "shift_leader", who, "filed_on_time", t, verdict)
            if not w.before_cut(case.voided_at):
                _add(entries, "shift_leader", who, "accurate_filed", t, "not_voided")
        elif t.stage == "close":
            _add(entries, "shift_leader", who, "close_decisions", t, verdict)
            if on_time:
                _add(entries, "shift_leader", who, "closed_on_time_task", t, verdict)
        elif t.stage == "dispatch" and not any(o.stage == "approve_void" and o.created_at == t.completed_at
                                               for o in by_case[t.case_id]):  # a request to void is no dispatch
            _add(entries, "dispatcher", who, "dispatched", t, verdict)
            if on_time:
                _add(entries, "dispatcher", who, "dispatched_on_time", t, verdict)
            assert t.completed_at is not None
            if not any(at > t.completed_at for at in returns[t.case_id]):
                _add(entries, "dispatcher", who, "accurate_dispatch", t, "not_returned")
    _check_dispatch(facts, w, by_case, name, entries)


def _check_dispatch(facts: Facts, w: _Window, by_case: dict[int, list[TaskFact]], name: dict[int, str],
                    entries: Entries) -> None:
    """核查派发: szcg creates the check task the moment handling is reported, so each check task
    created in the period counts, on time, for the operator who registered the case."""
    for tasks in by_case.values():
        registers = [t for t in tasks if t.stage == "register" and t.completed_by_id in name]
        if not registers:
            continue
        operator = name[registers[-1].completed_by_id or -1]
        for t in tasks:
            if t.stage == "check" and w.within(t.created_at):
                _add(entries, "operator", operator, "to_check_dispatch", t, "automatic")
                _add(entries, "operator", operator, "check_dispatched_on_time", t, "automatic")


def _add(entries: Entries, object_type: str, code: str, count: str, t: TaskFact, reason: str) -> None:
    entries[(object_type, code)][count].append(Entry(t.case_id, reason))
