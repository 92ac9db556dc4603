"""Integrity signals (数据真实性): evidence lists for the supervision centre to review — never
automatic penalties. Each signal's definition is in docs/EVALUATION.md, its thresholds in
``decision_signals`` of config.yaml:

* ``photo_reused`` — the same photo (SHA-256 of the file) attached to more than one case;
* ``report_swing`` — an inspector's reports in the period collapsing below, or surging above,
  their own mean of the previous equal periods (possible under-reporting or padding);
* ``quick_check`` — checks completed within minutes of the department reporting the case
  handled, several by the same inspector (possible staged verification);
* ``bunched_reports`` — most of an inspector's reports of the period made in its last days.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from engine.deps import Deps
from engine.errors import Forbidden
from engine.evaluation.periods import Period, parse_period
from engine.evaluation.scorecards import visible_districts
from engine.evaluation.signals import thresholds
from engine.people.accounts import Actor
from engine.store.models import Case, Task, User
from engine.store.ui_models import Attachment
from engine.time.clock import isoformat


def photo_reused(session: Any, period: Period) -> list[dict[str, Any]]:
    """Photos uploaded in the period that also belong to another case."""
    recent = (select(Attachment.sha256).where(Attachment.uploaded_at >= period.start,
                                              Attachment.uploaded_at < period.end).distinct().scalar_subquery())
    shared = (select(Attachment.sha256).where(Attachment.sha256.in_(recent)).group_by(Attachment.sha256)
              .having(func.count(func.distinct(Attachment.case_id)) > 1).scalar_subquery())
    rows = session.execute(select(Attachment.sha256, Case.case_no, Attachment.kind, Attachment.uploaded_by,
                                  Attachment.uploaded_at)
                           .join(Case, Case.id == Attachment.case_id).where(Attachment.sha256.in_(shared))
                           .order_by(Attachment.sha256, Attachment.uploaded_at))
    by_hash: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for sha, case_no, kind, who, at in rows:
        by_hash[sha].append({"case_no": case_no, "kind": kind, "uploaded_by": who, "uploaded_at": isoformat(at)})
    return [{"signal": "photo_reused", "sha256": sha, "cases": sorted({u["case_no"] for u in uses}),
             "evidence": uses} for sha, uses in by_hash.items()]


def _reports_by_inspector(session: Any, period: Period) -> dict[str, int]:
    rows = session.execute(select(User.username, func.count(Case.id)).join(User, User.id == Case.reporter_id)
                           .where(Case.source == "inspector", Case.reported_at >= period.start,
                                  Case.reported_at < period.end).group_by(User.username))
    return {name: n for name, n in rows}


def report_swing(session: Any, period: Period, config: dict[str, Any]) -> list[dict[str, Any]]:
    """Inspectors whose report count left their own usual range."""
    before, previous = [], period
    for _ in range(int(config["report_baseline_periods"])):
        previous = previous.previous()
        before.insert(0, previous)
    history = [_reports_by_inspector(session, p) for p in before]
    now = _reports_by_inspector(session, period)
    found = []
    for name in sorted(set(now).union(*history)):
        counts = [h.get(name, 0) for h in history]
        baseline = sum(counts) / len(counts)
        current = now.get(name, 0)
        if baseline < float(config["report_min_baseline"]):
            continue
        direction = ("collapse" if current < baseline * float(config["report_collapse_ratio"])
                     else "surge" if current > baseline * float(config["report_surge_ratio"]) else None)
        if direction:
            found.append({"signal": "report_swing", "inspector": name, "direction": direction, "reports": current,
                          "baseline": round(baseline, 2),
                          "evidence": [{"period": p.name, "reports": n} for p, n in zip(before, counts, strict=True)]})
    return found


def quick_check(session: Any, period: Period, config: dict[str, Any]) -> list[dict[str, Any]]:
    """Inspectors with several checks completed within minutes of the case being handled."""
    limit = float(config["quick_check_minutes"]) * 60
    rows = session.execute(select(Case.case_no, Case.handled_at, Task.completed_at, User.username)
                           .join(Task, Task.case_id == Case.id).join(User, User.id == Task.completed_by_id)
                           .where(Task.stage == "check", Task.state == "completed",
                                  Task.completed_at >= period.start, Task.completed_at < period.end,
                                  Case.handled_at.is_not(None)))
    by_user: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for case_no, handled, checked, who in rows:
        seconds = (checked - handled).total_seconds()
        if 0 <= seconds < limit:
            by_user[who].append({"case_no": case_no, "handled_at": isoformat(handled),
                                 "checked_at": isoformat(checked), "minutes": round(seconds / 60, 1)})
    return [{"signal": "quick_check", "inspector": who, "cases": [e["case_no"] for e in found], "evidence": found}
            for who, found in sorted(by_user.items()) if len(found) >= int(config["quick_check_min_cases"])]


def bunched_reports(session: Any, period: Period, config: dict[str, Any]) -> list[dict[str, Any]]:
    """Inspectors whose reports of the period came mostly in its last days (filling a quota?)."""
    days = int(config["bunch_last_days"])
    tail_start = period.end - timedelta(days=days)
    rows = session.execute(select(User.username, Case.reported_at).join(User, User.id == Case.reporter_id)
                           .where(Case.source == "inspector", Case.reported_at >= period.start,
                                  Case.reported_at < period.end))
    total: dict[str, int] = defaultdict(int)
    late: dict[str, int] = defaultdict(int)
    for who, at in rows:
        total[who] += 1
        late[who] += at >= tail_start
    length = (period.last_day - period.first_day).days + 1
    found = []
    for who in sorted(total):
        share = late[who] / total[who]
        if total[who] >= int(config["bunch_min_reports"]) and days < length and share >= float(config["bunch_share"]):
            found.append({"signal": "bunched_reports", "inspector": who, "reports": total[who],
                          "in_last_days": late[who], "last_days": days, "share": round(100 * share, 2),
                          "expected_share": round(100 * days / length, 2)})
    return found


def signals(deps: Deps, actor: Actor, period: str) -> dict[str, Any]:
    """Every integrity signal of the period with its evidence (city-wide centre roles only)."""
    if visible_districts(actor) is not None:
        raise Forbidden("integrity signals are for the city's supervision centre")
    config, parsed = thresholds(deps), parse_period(period)
    with deps.uow() as uow:
        s = uow.session
        return {"period": parsed.name, "photo_reused": photo_reused(s, parsed),
                "report_swing": report_swing(s, parsed, config), "quick_check": quick_check(s, parsed, config),
                "bunched_reports": bunched_reports(s, parsed, config)}
