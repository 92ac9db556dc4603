"""Scorecards (综合评价): every object of one type, its counts, indicators, scores, 综合指标值,
grade and rank for a period under a plan — and the cases behind any one figure.

One function computes a scorecard (``scorecard``); the API, the leaders' pages, the Excel export,
publication and the tests call it, so their numbers are the same. Figures are rounded to two
decimals once, here: a rate is a percent, a score 0–100, and the composite the weighted mean of
the scored indicators (an indicator without a denominator has no score and its weight is shared
out among the others).
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Any

from engine.deps import Deps
from engine.errors import Forbidden, Invalid, NotFound
from engine.evaluation import counts as counting
from engine.evaluation import facts as loading
from engine.evaluation.facts import Facts
from engine.evaluation.indicators import (
    COUNTS,
    INDICATORS,
    OBJECT_TYPES,
    REASONS,
    REGION_TYPES,
    counts_of,
    group_of,
)
from engine.evaluation.periods import Period, parse_period
from engine.evaluation.plans import Plan, Weighted, band_score, get_plan
from engine.people.accounts import Actor
from engine.people.authz import CENTRE_ROLES
from engine.store import paging
from engine.time.clock import BEIJING, isoformat

REGION_LEVEL_LENGTH = {"grid": 14, "community": 12, "street": 9, "district": 6}


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    value: float | None
    score: float | None
    weight: float
    numerator: int
    denominator: int | None


@dataclass(frozen=True)
class Row:
    object_type: str
    code: str
    name: str
    counts: dict[str, int]
    indicators: dict[str, Figure]
    composite: float | None
    grade: str | None
    rank: int | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Scorecard:
    object_type: str
    period: str
    plan: str
    plan_version: int
    plan_digest: str
    facts_digest: str
    computed_at: str
    rows: list[Row] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {**{k: v for k, v in asdict(self).items() if k != "rows"}, "rows": [r.to_dict() for r in self.rows]}


def _r(value: float) -> float:
    return round(value + 0.0, 2)


def _objects(facts: Facts, object_type: str, entries: counting.Entries) -> dict[str, str]:
    """Every object of the type (also those with nothing to count), code → name."""
    if object_type == "city":
        return {"city": "全市"}
    if object_type in REGION_TYPES:
        return {p.code: p.name for p in facts.places.values() if p.level == object_type}
    if object_type == "department":
        found = dict(facts.departments)
    else:
        found = {facts.users[uid][0]: facts.users[uid][1] for uid in facts.holders.get(object_type, set())}
    for kind, code in entries:
        if kind == object_type and code not in found:
            found[code] = code
    return found


def _grids_of(facts: Facts, object_type: str, code: str) -> list[str]:
    return facts.grids_under("city" if object_type == "city" else code)


def _score(w: Weighted, value: float | None) -> float | None:
    if value is None:
        return None
    if w.score == "rate":
        return _r(value)
    if w.score == "inverse":
        return _r(100.0 - value)
    if "bands" in w.score:
        return band_score(w.score["bands"], value)
    return band_score(w.score["bands_by_area_class"]["default"], value)


def _grid_band_score(w: Weighted, facts: Facts, grids: list[str], entries: counting.Entries,
                     count: str) -> float | None:
    """Per-grid thresholds (立案数 per grid, by its area class): a region scores its grids' mean.
    Each grid's score is computed once per set of facts and plan entry."""
    if not grids:
        return None
    key = ("grid_band", count, repr(w.score), id(entries))
    scores: dict[str, float] | None = facts.memo.get(key)
    if scores is None:
        by_class = w.score["bands_by_area_class"]
        scores = {}
        for grid in facts.grids_under("city"):
            bands = by_class.get(facts.places[grid].area_class or "", by_class["default"])
            scores[grid] = band_score(bands, len(entries.get(("grid", grid), {}).get(count, [])))
        facts.memo[key] = scores
    return _r(sum(scores[g] for g in grids) / len(grids))


def _row(facts: Facts, plan: Plan, object_type: str, code: str, name: str, entries: counting.Entries) -> Row:
    mine = entries.get((object_type, code))
    if mine is None and object_type == "grid":
        # Most of a city's grids have nothing in a month: their figures differ only by area class.
        key = ("empty_grid", plan.digest, facts.places[code].area_class, id(entries))
        blank = facts.memo.get(key)
        if blank is None:
            blank = facts.memo[key] = _figures(facts, plan, object_type, code, name, entries, None)
        return Row(object_type, code, name, *blank)
    return Row(object_type, code, name, *_figures(facts, plan, object_type, code, name, entries, mine))


def _figures(facts: Facts, plan: Plan, object_type: str, code: str, name: str, entries: counting.Entries,
             mine: dict[str, list[counting.Entry]] | None
             ) -> tuple[dict[str, int], dict[str, Figure], float | None, str | None, None]:
    """Counts, figures, composite, grade (and no rank yet) of one object."""
    group = group_of(object_type)
    keys = [c.key for c in counts_of(group)]
    tallies = {k: len(mine[k]) if k in mine else 0 for k in keys} if mine else dict.fromkeys(keys, 0)
    figures: dict[str, Figure] = {}
    weighted, weights, any_rate = 0.0, 0.0, False
    for w in plan.weights(group):
        ind = INDICATORS[w.indicator]
        num = tallies[ind.numerator]
        den = tallies[ind.denominator] if ind.denominator else None
        if ind.denominator is not None:
            value = _r(100.0 * num / den) if den else None
            any_rate = any_rate or value is not None
        elif ind.key == "filed_per_grid":
            grids = _grids_of(facts, object_type, code)
            value = _r(num / len(grids)) if grids else None
        else:
            value = float(num)
        if isinstance(w.score, dict) and "bands_by_area_class" in w.score and object_type in REGION_TYPES:
            score = _grid_band_score(w, facts, _grids_of(facts, object_type, code) if object_type != "grid"
                                     else [code], entries, ind.numerator)
        else:
            score = _score(w, value)
        figures[ind.key] = Figure(ind.key, ind.label, value, score, w.weight, num, den)
        if score is not None:
            weighted, weights = weighted + w.weight * score, weights + w.weight
    composite = _r(weighted / weights) if any_rate and weights else None
    return tallies, figures, composite, plan.grade(composite) if composite is not None else None, None


def _ranked(rows: list[Row]) -> list[Row]:
    """Competition ranks (1, 1, 3) by composite, highest first; rows without one are not ranked."""
    scored = sorted((r for r in rows if r.composite is not None), key=lambda r: (-(r.composite or 0), r.code))
    out, previous, rank = [], None, 0
    for i, row in enumerate(scored, start=1):
        if row.composite != previous:
            rank, previous = i, row.composite
        out.append(Row(**{**row.__dict__, "rank": rank}))
    return out + sorted((r for r in rows if r.composite is None), key=lambda r: r.code)


def build(facts: Facts, plan: Plan, object_type: str, entries: counting.Entries | None = None,
          districts: set[str] | None = None) -> list[Row]:
    """The ranked rows of one object type (pure: facts in, figures out)."""
    entries = entries if entries is not None else counting.tally(facts, plan.public_sources)
    objects = _objects(facts, object_type, entries)
    if districts is not None and object_type in REGION_TYPES:
        objects = {c: n for c, n in objects.items() if c[:6] in districts}
    return _ranked([_row(facts, plan, object_type, code, name, entries) for code, name in objects.items()])


def visible_districts(actor: Actor) -> set[str] | None:
    """None for the city's centre roles; the districts of district-limited ones.

    :raises Forbidden: the actor holds no centre role (only centres and leaders see evaluations).
    """
    grants = [g for g in actor.grants if g.role in CENTRE_ROLES]
    if not grants:
        raise Forbidden("only the centres and leaders see evaluations")
    if any(g.district_code is None for g in grants):
        return None
    return {g.district_code for g in grants if g.district_code}


def _check_type(object_type: str) -> None:
    if object_type not in OBJECT_TYPES:
        raise NotFound(f"no evaluation object type '{object_type}' (known: {', '.join(OBJECT_TYPES)})")


def current_month(deps: Deps) -> str:
    """The month the clock is in (Beijing), the pages' and the API's default period."""
    now = deps.clock.now().astimezone(BEIJING)
    return f"{now.year:04d}-{now.month:02d}"


# Computed tallies are kept per process for a minute: a leader moving between object types, figures
# and drill-downs of one month reads them instead of the facts again (README Performance: the ranking
# page and the drill-down read in milliseconds once computed). A publication never uses this cache.
CACHE_SECONDS = 60.0
_CACHE_SIZE = 16
_cache: dict[tuple[str, str, tuple[str, ...]], tuple[float, Facts, counting.Entries]] = {}


def load_facts(deps: Deps, period: Period) -> Facts:
    with deps.uow() as uow:
        return loading.load(uow.session, period, deps.clock.now())


def tallied(deps: Deps, period: Period, plan: Plan) -> tuple[Facts, counting.Entries]:
    """The period's facts and entries, computed at most once a minute per process and database."""
    key = (deps.settings.database_url_resolved, period.name, plan.public_sources)
    now = time.monotonic()
    hit = _cache.get(key)
    if hit is not None and hit[0] > now:
        return hit[1], hit[2]
    facts = load_facts(deps, period)
    entries = counting.tally(facts, plan.public_sources)
    if len(_cache) >= _CACHE_SIZE:
        _cache.pop(min(_cache, key=lambda k: _cache[k][0]))
    _cache[key] = (now + CACHE_SECONDS, facts, entries)
    return facts, entries


def scorecard(deps: Deps, actor: Actor, object_type: str, period: str, plan: str | None = None) -> Scorecard:
    """The scorecard of every object of ``object_type`` for ``period`` under ``plan``.

    :raises NotFound: unknown object type or plan. :raises Invalid: a malformed period.
    :raises Forbidden: not a centre role.
    """
    _check_type(object_type)
    districts = visible_districts(actor)
    chosen, parsed = get_plan(plan), parse_period(period)
    facts, entries = tallied(deps, parsed, chosen)
    rows = build(facts, chosen, object_type, entries, districts=districts)
    return Scorecard(object_type, parsed.name, chosen.key, chosen.version, chosen.digest, facts.digest(),
                     isoformat(deps.clock.now()) or "", rows)


def drill_entries(all_entries: counting.Entries, object_type: str, code: str, figure: str
                  ) -> list[tuple[int, bool, str]]:
    """(case id, counted, reason) behind a figure: a count's entries, or a rate's denominator with
    whether each case is in its numerator and why."""
    entries = all_entries.get((object_type, code), {})
    if figure in INDICATORS:
        ind = INDICATORS[figure]
        numerator = {e.case_id: e.reason for e in entries.get(ind.numerator, [])}
        if ind.denominator is None:
            return [(cid, True, reason) for cid, reason in numerator.items()]
        return [(e.case_id, e.case_id in numerator, numerator.get(e.case_id, e.reason))
                for e in entries.get(ind.denominator, [])]
    if figure in COUNTS:
        return [(e.case_id, True, e.reason) for e in entries.get(figure, [])]
    raise NotFound(f"no evaluation figure '{figure}'")


def drill(deps: Deps, actor: Actor, object_type: str, code: str, figure: str, period: str,
          plan: str | None = None, *, offset: int = 0, limit: int = 200, after: str | None = None) -> dict[str, Any]:
    """The cases a figure of one object counted, each with why it counted (on time or not): the
    ones not counted first, then by case number, a page of ``limit`` from ``offset`` — or after the
    keyset cursor ``after`` (the ``next`` of the previous page), which the API uses.

    :raises NotFound: unknown type, figure or plan. :raises Forbidden: not allowed to see it.
    """
    _check_type(object_type)
    districts = visible_districts(actor)
    if districts is not None and object_type in REGION_TYPES and code[:6] not in districts:
        raise Forbidden("you may not see this region's evaluation")
    if not code:
        raise Invalid("name the object", fields={"code": "required"})
    chosen, parsed = get_plan(plan), parse_period(period)
    facts, entries = tallied(deps, parsed, chosen)
    found = drill_entries(entries, object_type, code, figure)
    found.sort(key=lambda e: (e[1], facts.cases[e[0]].case_no))
    rest = found[offset:]
    if after is not None:
        last = paging.decode(after, 2)
        try:
            rest = [e for e in found if [int(e[1]), facts.cases[e[0]].case_no] > last]
        except TypeError:
            raise Invalid("the page cursor is not valid", fields={"after": "invalid"}) from None
    page = rest[:limit]
    rows = []
    for case_id, counted, reason in page:
        c = facts.cases[case_id]
        rows.append({"case_no": c.case_no, "counted": counted, "reason": reason,
                     "reason_text": REASONS.get(reason, reason), "status": c.status,
                     "category_code": c.category_code, "district_code": c.district_code,
                     "department_code": c.department_code, "source": c.source,
                     "reported_at": isoformat(c.reported_at), "filed_at": isoformat(c.filed_at),
                     "handled_at": isoformat(c.handled_at), "closed_at": isoformat(c.closed_at),
                     "deadline_at": isoformat(c.deadline_at), "extensions": c.extension_count})
    label = INDICATORS[figure].label if figure in INDICATORS else COUNTS[figure].label
    return {"object_type": object_type, "code": code, "figure": figure, "label": label, "period": parsed.name,
            "plan": chosen.key, "cases": rows, "counted": sum(1 for e in found if e[1]), "total": len(found),
            "offset": offset, "limit": limit, "total_exact": True,
            "next": paging.encode([int(page[-1][1]), facts.cases[page[-1][0]].case_no])
            if len(rest) > limit else None}


def trend(deps: Deps, actor: Actor, object_type: str, period: str, plan: str | None = None,
          count: int = 6, top: int = 5) -> dict[str, Any]:
    """The composite of the period's ``top`` ranked objects over the ``count`` periods up to it
    (months before a month, quarters before a quarter, as many days before a range).

    :raises NotFound: unknown type or plan. :raises Invalid: a malformed period.
    """
    _check_type(object_type)
    districts = visible_districts(actor)
    chosen, last = get_plan(plan), parse_period(period)
    periods = [last]
    while len(periods) < count:
        periods.insert(0, periods[0].previous())
    cards = []
    for p in periods:
        facts, entries = tallied(deps, p, chosen)
        cards.append(build(facts, chosen, object_type, entries, districts=districts))
    leaders = [r for r in cards[-1] if r.rank is not None][:top]
    series = []
    for row in leaders:
        by_period = [{r.code: r.composite for r in card}.get(row.code) for card in cards]
        series.append({"code": row.code, "name": row.name, "values": by_period})
    return {"periods": [p.name for p in periods], "series": series}
