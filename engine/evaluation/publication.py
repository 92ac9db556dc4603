"""Publishing a period's evaluation (发布), and proving it later.

A published evaluation is frozen: the plan as it was, the scorecards of every object type, the
hash of the facts they came from and one digest per case. Recomputing it (``compare``) uses the
*stored* plan on the facts as they are now: the same facts give the same numbers, and a case
whose facts changed since (reopened, corrected, moved) is named with every figure it moved —
a visible difference, never a silent change of a published figure.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from engine.audit import digests
from engine.deps import Deps
from engine.errors import Conflict, Forbidden, Invalid, NotFound
from engine.evaluation import counts as counting
from engine.evaluation import facts as loading
from engine.evaluation.facts import Facts
from engine.evaluation.indicators import OBJECT_TYPES
from engine.evaluation.periods import parse_period
from engine.evaluation.plans import Plan, get_plan, load_plans, plan_from_raw
from engine.evaluation.scorecards import Row, build, visible_districts
from engine.people.accounts import Actor
from engine.store.evaluation_models import EvaluationPublication
from engine.time.clock import isoformat

# Who publishes: the city's leaders and administrators (the supervision centre's evaluators).
PUBLISHER_ROLES = ("leader", "admin")


def _compact(row: Row) -> dict[str, Any]:
    return {"code": row.code, "name": row.name, "counts": {k: v for k, v in row.counts.items() if v},
            "indicators": {k: [f.value, f.score] for k, f in row.indicators.items()},
            "composite": row.composite, "grade": row.grade, "rank": row.rank}


def compute_all(facts: Facts, plan: Plan) -> dict[str, list[dict[str, Any]]]:
    """The compact scorecards of every object type from one tally of the facts."""
    entries = counting.tally(facts, plan.public_sources)
    return {t: [_compact(r) for r in build(facts, plan, t, entries)] for t in OBJECT_TYPES}


def _may_publish(actor: Actor) -> None:
    if not any(g.role in PUBLISHER_ROLES and g.district_code is None for g in actor.grants):
        raise Forbidden("only the city's leaders and administrators publish evaluations")


def publish(deps: Deps, actor: Actor, period: str, plan: str | None = None) -> dict[str, Any]:
    """Freeze the period's scorecards under the plan.

    :raises Forbidden: not a publisher. :raises Invalid: the period has not ended.
    :raises Conflict: this period is already published under this plan.
    """
    _may_publish(actor)
    parsed, chosen = parse_period(period), get_plan(plan)
    now = deps.clock.now()
    if parsed.end > now:
        raise Invalid(f"{parsed.name} has not ended yet: publish it once it is over", fields={"period": "running"})
    with deps.uow(write=True) as uow:
        facts = loading.load(uow.session, parsed, now)
        sealed = digests.latest(uow.session)  # the timeline the figures rest on, as the city can notarize it
        row = EvaluationPublication(
            period=parsed.name, plan_key=chosen.key, plan_version=chosen.version, plan_digest=chosen.digest,
            plan=chosen.raw, facts_digest=facts.digest(), case_digests=facts.case_digests(),
            timeline_digest=sealed.digest if sealed else None,
            scorecards=compute_all(facts, chosen), published_at=now, published_by=actor.username)
        uow.session.add(row)
        try:
            uow.session.flush()
        except IntegrityError:
            raise Conflict(f"{parsed.name} is already published under plan '{chosen.key}'") from None
        summary = _summary(row)
        uow.commit()
    return summary


def _summary(row: EvaluationPublication) -> dict[str, Any]:
    return {"period": row.period, "plan": row.plan_key, "plan_version": row.plan_version,
            "plan_digest": row.plan_digest, "facts_digest": row.facts_digest, "timeline_digest": row.timeline_digest,
            "published_at": isoformat(row.published_at), "published_by": row.published_by,
            "cases": len(row.case_digests)}


def _load(session: Any, period: str, plan_key: str) -> EvaluationPublication:
    row = session.scalar(select(EvaluationPublication).where(EvaluationPublication.period == period,
                                                             EvaluationPublication.plan_key == plan_key))
    if row is None:
        raise NotFound(f"{period} is not published under plan '{plan_key}'")
    return row


def list_publications(deps: Deps, actor: Actor) -> list[dict[str, Any]]:
    visible_districts(actor)
    with deps.uow() as uow:
        rows = uow.session.scalars(select(EvaluationPublication).order_by(EvaluationPublication.period.desc(),
                                                                          EvaluationPublication.plan_key))
        return [_summary(r) for r in rows]


def published(deps: Deps, actor: Actor, period: str, plan: str | None, object_type: str) -> dict[str, Any]:
    """The frozen scorecard of one object type, as published."""
    visible_districts(actor)
    key = get_plan(plan).key if plan is None else plan
    with deps.uow() as uow:
        row = _load(uow.session, parse_period(period).name, key)
        if object_type not in row.scorecards:
            raise NotFound(f"no evaluation object type '{object_type}'")
        return {**_summary(row), "object_type": object_type, "rows": row.scorecards[object_type]}


def _differences(then: dict[str, list[dict[str, Any]]], now: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    out = []
    for object_type, rows in then.items():
        current = {r["code"]: r for r in now.get(object_type, [])}
        for old in rows:
            new = current.get(old["code"], {})
            for field in ("composite", "grade", "rank"):
                if old.get(field) != new.get(field):
                    out.append({"object_type": object_type, "code": old["code"], "name": old["name"],
                                "figure": field, "published": old.get(field), "now": new.get(field)})
            for kind in ("counts", "indicators"):
                keys = set(old.get(kind, {})) | set(new.get(kind, {}))
                for key in sorted(keys):
                    a, b = old.get(kind, {}).get(key, 0 if kind == "counts" else None), \
                        new.get(kind, {}).get(key, 0 if kind == "counts" else None)
                    if a != b:
                        out.append({"object_type": object_type, "code": old["code"], "name": old["name"],
                                    "figure": key, "published": a, "now": b})
    return out


def compare(deps: Deps, actor: Actor, period: str, plan: str | None = None) -> dict[str, Any]:
    """Recompute a publication with its own plan on today's facts and say what differs.

    :raises NotFound: the period is not published under the plan.
    """
    visible_districts(actor)
    key = get_plan(plan).key if plan is None else plan
    parsed = parse_period(period)
    with deps.uow() as uow:
        row = _load(uow.session, parsed.name, key)
        facts = loading.load(uow.session, parsed, deps.clock.now())
        stored_plan = plan_from_raw(row.plan)
        now_digests = facts.case_digests()
        then_digests: dict[str, str] = row.case_digests
        recomputed = compute_all(facts, stored_plan)
        differences = _differences(row.scorecards, recomputed)
        current = load_plans().get(key)
        return {**_summary(row), "facts_digest_now": facts.digest(),
                "same": facts.digest() == row.facts_digest and not differences,
                "changed_cases": sorted(c for c in then_digests.keys() & now_digests.keys()
                                        if then_digests[c] != now_digests[c]),
                "added_cases": sorted(now_digests.keys() - then_digests.keys()),
                "removed_cases": sorted(then_digests.keys() - now_digests.keys()),
                "differences": differences,
                "plan_changed_since": current is None or current.digest != row.plan_digest}
