"""A small hand-made month of facts (March 2026) for the evaluation tests.

Twelve cases and twenty stage tasks are written straight into the summary tables, as the engine
would have left them, so every timestamp is exactly what the worked examples in
``tests/integration/test_evaluation_worked.py`` compute by hand. The clock is moved to
2026-04-05, so March is over: its cutoff is 2026-04-01 00:00 Beijing time.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any

from sqlalchemy import insert, select, update

from engine.audit import chain
from engine.deps import Deps
from engine.store.models import Case, CaseEvent, ProcessDefinition, Task, User
from engine.time.clock import BEIJING

G = "650102001001"  # 天山区 community: grids G+01 … G+04 (04 is area class A)
H = "650103001001"  # 沙依巴克区 community
NOW = datetime(2026, 4, 5, 10, 0, tzinfo=BEIJING)


def t(day: int, hh: int, mm: int = 0, month: int = 3) -> datetime:
    return datetime(2026, month, day, hh, mm, tzinfo=BEIJING)


# case → grid, source, reporter, status, times (reported, filed, deadline, handled, closed, voided,
# suspended), department
CASES: dict[str, dict[str, Any]] = {
    "c1": dict(grid=G + "01", source="inspector", by="inspector_650102_01", status="closed", reported=t(2, 9),
               filed=t(2, 10), deadline=t(3, 18), handled=t(3, 12), closed=t(3, 16), dept="sanitation_650102"),
    "c2": dict(grid=G + "01", source="citizen", status="closed", reported=t(5, 9), filed=t(5, 11),
               deadline=t(6, 18), handled=t(7, 10), closed=t(7, 15), dept="sanitation_650102"),
    "c3": dict(grid=G + "04", source="inspector", by="inspector_650102_01", status="handle", reported=t(10, 9),
               filed=t(10, 10), deadline=t(20, 18), dept="sanitation_650102", extensions=1),
    "c4": dict(grid=G + "02", source="hotline", status="closed", reported=t(12, 8), filed=t(12, 10),
               deadline=t(16, 18), handled=t(16, 10), closed=t(17, 10), dept="water", extensions=1),
    "c5": dict(grid=G + "02", source="inspector", by="inspector_650102_01", status="void", reported=t(20, 9),
               voided=t(20, 10)),
    "c6": dict(grid=H + "01", source="inspector", by="inspector_650103_01", status="closed",
               reported=t(25, 9, month=2), filed=t(25, 10, month=2), deadline=t(27, 18, month=2),
               handled=t(4, 10), closed=t(5, 10), dept="water"),
    "c7": dict(grid=H + "01", source="citizen", status="suspended", reported=t(3, 9), filed=t(3, 10),
               deadline=t(5, 18), suspended=t(4, 10), dept="water"),
    "c8": dict(grid=H + "04", source="inspector", by="inspector_650103_01", status="handle", reported=t(25, 9),
               filed=t(25, 10), deadline=t(10, 18, month=4), dept="water"),
    "c9": dict(grid=G + "01", source="inspector", by="inspector_650102_01", status="closed", reported=t(15, 9),
               closed=t(15, 10)),
    "c10": dict(grid=H + "02", source="inspector", by="inspector_650103_01", status="closed", reported=t(28, 9),
                filed=t(28, 10), deadline=t(2, 18, month=4), handled=t(1, 10, month=4),
                closed=t(2, 10, month=4), dept="water"),
    "c11": dict(grid=H + "03", source="inspector", by="inspector_650103_01", status="void", reported=t(6, 9),
                filed=t(6, 10), voided=t(8, 10)),
    "c12": dict(grid=H + "02", source="citizen", status="verify", reported=t(30, 9)),
}
EVENTS = [("c2", "return", t(6, 9)), ("c3", "extension", t(15, 10)), ("c4", "rework", t(14, 10)),
          ("c7", "suspension", t(4, 10)), ("c9", "self_handled", t(15, 10))]
# case, stage, created, due, completed (None: open), who completed (or, open, is assigned)
TASKS = [
    ("c2", "register", t(5, 9), t(5, 9, 30), t(5, 9, 20), "operator"),
    ("c2", "verify", t(5, 9, 20), t(5, 11, 20), t(5, 10, 30), "inspector_650102_01"),
    ("c2", "file", t(5, 10, 30), t(5, 10, 45), t(5, 11), "shift_leader"),
    ("c2", "dispatch", t(5, 11), t(5, 12), t(5, 11, 30), "dispatcher"),
    ("c2", "check", t(7, 10), t(7, 12), t(7, 11), "inspector_650102_01"),
    ("c2", "close", t(7, 11), t(7, 12), t(7, 15), "shift_leader"),
    ("c1", "file", t(2, 9, 30), t(2, 10, 30), t(2, 10), "shift_leader"),
    ("c1", "dispatch", t(2, 10), t(2, 10, 30), t(2, 10, 20), "dispatcher"),
    ("c1", "check", t(3, 12), t(3, 14), t(3, 13), "inspector_650102_01"),
    ("c1", "close", t(3, 13), t(3, 17), t(3, 16), "shift_leader"),
    ("c4", "register", t(12, 8), t(12, 8, 30), t(12, 9), "operator"),
    ("c4", "verify", t(12, 9), t(12, 9, 40), t(12, 9, 50), "inspector_650102_01"),
    ("c4", "file", t(12, 9, 50), t(12, 10, 30), t(12, 10), "shift_leader"),
    ("c4", "dispatch", t(12, 10), t(12, 10, 40), t(12, 11), "dispatcher"),
    ("c4", "check", t(16, 10), t(16, 12), t(16, 15), "inspector_650102_01"),
    ("c7", "register", t(3, 9), t(3, 9, 30), t(3, 9, 10), "operator"),
    ("c7", "verify", t(3, 9, 10), t(3, 11, 10), t(3, 12), "inspector_650103_01"),
    ("c11", "file", t(6, 9, 30), t(6, 10, 30), t(6, 10), "shift_leader"),
    ("c12", "register", t(30, 9), t(30, 9, 30), t(30, 9, 10), "operator"),
    ("c12", "verify", t(30, 9, 10), t(30, 11, 10), None, "inspector_650103_01"),
]


def case_no(name: str) -> str:
    return f"EV{int(name[1:]):04d}"


def case_row(session: Any, number: str, c: dict[str, Any]) -> dict[str, Any]:
    """A ``cases`` row as the engine would have left it (the fields of :data:`CASES`)."""
    definition = session.scalar(select(ProcessDefinition.id).limit(1))
    reporter = session.scalar(select(User.id).where(User.username == c["by"])) if c.get("by") else None
    grid = c["grid"]
    tracking = "T" + hashlib.sha256(number.encode()).hexdigest()[:15]  # the column holds 16
    return {"case_no": number, "tracking_code": tracking, "definition_id": definition,
            "process_key": "case_lifecycle", "source": c["source"], "standard": "cjt214", "kind": "incident",
            "category_code": c.get("category", "20102"), "description": number, "lon": 87.6, "lat": 43.8,
            "grid_code": grid, "community_code": grid[:12], "street_code": grid[:9], "district_code": grid[:6],
            "reporter_id": reporter, "status": c["status"], "department_code": c.get("dept"),
            "reported_at": c["reported"], "filed_at": c.get("filed"), "deadline_at": c.get("deadline"),
            "handled_at": c.get("handled"), "closed_at": c.get("closed"), "voided_at": c.get("voided"),
            "suspended_at": c.get("suspended"), "extension_count": c.get("extensions", 0),
            "component_code": c.get("component"), "urgency": "normal", "updated_at": c["reported"],
            "deadline_provisional": False, "suspended_seconds": 0.0, "row_version": 1}


def add_case(deps: Deps, number: str, **c: Any) -> int:
    with deps.uow(write=True) as uow:
        case_id = uow.session.execute(insert(Case).values(case_row(uow.session, number, c)).returning(Case.id))
        found = case_id.scalar_one()
        uow.commit()
    return found


def load_month(deps: Deps, clock: Any) -> dict[str, int]:
    """Write the month's facts and move the clock past it; return case name → id."""
    with deps.uow(write=True) as uow:
        s = uow.session
        users = {r[0]: r[1] for r in s.execute(select(User.username, User.id))}
        ids: dict[str, int] = {}
        for name, c in CASES.items():
            ids[name] = s.execute(insert(Case).values(case_row(s, case_no(name), c)).returning(Case.id)).scalar_one()
        heads = {name: SimpleNamespace(id=case_id, timeline_head=None, timeline_seq=0) for name, case_id in ids.items()}
        for name, action, at in EVENTS:  # timeline lines are hash-chained per case, as the engine writes them
            line = {"case_id": ids[name], "at": at, "actor_id": None, "actor": "system", "role": None,
                    "action": action, "stage_from": None, "stage_to": None, "task_id": None, "comment": None,
                    "data": None}
            chain.extend(heads[name], [line])
            s.execute(insert(CaseEvent).values(**line))
        for head in heads.values():
            s.execute(update(Case).where(Case.id == head.id).values(timeline_head=head.timeline_head,
                                                                     timeline_seq=head.timeline_seq))
        for n, (name, stage, created, due, done, who) in enumerate(TASKS):
            s.execute(insert(Task).values(
                id=f"task-{n:03d}", case_id=ids[name], bpmn_id=stage, name=stage, stage=stage, lane=stage,
                scope="city", form_key=stage, district_code=CASES[name]["grid"][:6], state="completed" if done
                else "open", created_at=created, due_at=due, completed_at=done,
                completed_by_id=users[who] if done else None, assignee_id=users[who] if stage in ("verify", "check")
                else None, priority=0, provisional=False))
        uow.commit()
    clock.set(NOW)
    return ids


def shift(value: datetime, **delta: float) -> datetime:
    return value + timedelta(**delta)
