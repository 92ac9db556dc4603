"""Decision support (综合决策): where and what problems concentrate (hot spots), and the same
class at the same place again and again (recurrences) — lists for root-cause work.

Both read case summaries only. A case belongs to the period by ``reported_at`` (where and when a
problem showed up is what decision support is about, filed or not); voided reports are left out
(a duplicate or a report outside the remit is not a problem of the place).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from engine.deps import Deps
from engine.evaluation.periods import parse_period
from engine.evaluation.scorecards import visible_districts
from engine.evaluation.signals import thresholds
from engine.people.accounts import Actor
from engine.store.models import Case, Category, Place
from engine.time.clock import isoformat


def _cases(session: Any, start: Any, end: Any, districts: set[str] | None) -> list[Any]:
    query = (select(Case.id, Case.case_no, Case.category_code, Case.grid_code, Case.street_code,
                    Case.district_code, Case.component_code, Case.department_code, Case.reported_at, Case.status)
             .where(Case.reported_at >= start, Case.reported_at < end, Case.status != "void"))
    if districts is not None:
        query = query.where(Case.district_code.in_(sorted(districts)))
    return list(session.execute(query))


def _names(session: Any) -> tuple[dict[str, str], dict[str, str]]:
    places = {r[0]: r[1] for r in session.execute(select(Place.code, Place.name))}
    classes = {r[0]: r[1] for r in session.execute(select(Category.code, Category.minor_name))}
    return places, classes


def hot_spots(deps: Deps, actor: Actor, period: str, level: str = "grid") -> dict[str, Any]:
    """The places (grid or street) and classes with the most problems reported in the period."""
    if level not in ("grid", "street"):
        level = "grid"
    districts = visible_districts(actor)
    parsed, top = parse_period(period), int(thresholds(deps)["hotspot_top"])
    with deps.uow() as uow:
        rows = _cases(uow.session, parsed.start, parsed.end, districts)
        places, classes = _names(uow.session)
    column = 3 if level == "grid" else 4
    by_place = Counter(r[column] for r in rows)
    by_pair = Counter((r[column], r.category_code) for r in rows)
    total = len(rows) or 1
    return {"period": parsed.name, "level": level, "total": len(rows),
            "places": [{"code": code, "name": places.get(code, code), "cases": n, "share": round(100 * n / total, 2)}
                       for code, n in by_place.most_common(top)],
            "classes": [{"code": code, "name": places.get(code, code), "category_code": cat,
                         "category_name": classes.get(cat, cat), "cases": n}
                        for (code, cat), n in by_pair.most_common(top)]}


def recurrences(deps: Deps, actor: Actor, period: str) -> list[dict[str, Any]]:
    """Places with the same class reported at least ``recurrence_min_cases`` times within
    ``recurrence_window_days`` (the last of them in the period): the same component when the
    reports name one, else the same grid."""
    districts = visible_districts(actor)
    config, parsed = thresholds(deps), parse_period(period)
    window, least = timedelta(days=int(config["recurrence_window_days"])), int(config["recurrence_min_cases"])
    with deps.uow() as uow:
        rows = _cases(uow.session, parsed.start - window, parsed.end, districts)
        places, classes = _names(uow.session)
    groups: dict[tuple[str, str, str], list[Any]] = defaultdict(list)
    for r in rows:
        key = ("component", r.component_code, r.category_code) if r.component_code else \
            ("grid", r.grid_code, r.category_code)
        groups[key].append(r)
    found = []
    for (kind, where, category), cases in groups.items():
        cases.sort(key=lambda r: r.reported_at)
        best: list[Any] = []
        for i in range(len(cases)):
            run = [c for c in cases[i:] if c.reported_at - cases[i].reported_at <= window]
            if len(run) >= least and run[-1].reported_at >= parsed.start and len(run) > len(best):
                best = run
        if best:
            found.append({"kind": kind, "code": where, "name": places.get(where, where) if kind == "grid" else where,
                          "grid_code": best[-1].grid_code, "category_code": category,
                          "category_name": classes.get(category, category), "count": len(best),
                          "first_reported_at": isoformat(best[0].reported_at),
                          "last_reported_at": isoformat(best[-1].reported_at),
                          "cases": [c.case_no for c in best],
                          "departments": sorted({c.department_code for c in best if c.department_code})})
    found.sort(key=lambda f: (-f["count"], f["code"], f["category_code"]))
    return found


def distribution(deps: Deps, actor: Actor, period: str) -> dict[str, Any]:
    """The period's reported cases (voided ones included: they are part of the workload) by class,
    by source and by the stage they are at now."""
    districts = visible_districts(actor)
    parsed = parse_period(period)
    with deps.uow() as uow:
        query = (select(Case.category_code, Case.source, Case.status)
                 .where(Case.reported_at >= parsed.start, Case.reported_at < parsed.end))
        if districts is not None:
            query = query.where(Case.district_code.in_(sorted(districts)))
        rows = list(uow.session.execute(query))
        _places, classes = _names(uow.session)

    def ranked(counter: Counter[str], names: dict[str, str] | None = None) -> list[dict[str, Any]]:
        return [{"code": code, "name": (names or {}).get(code, code), "cases": n} for code, n in counter.most_common()]

    return {"period": parsed.name, "total": len(rows),
            "by_class": ranked(Counter(r.category_code for r in rows), classes),
            "by_source": ranked(Counter(r.source for r in rows)),
            "by_stage": ranked(Counter(r.status for r in rows))}


def anomalies(deps: Deps, actor: Actor, period: str) -> list[dict[str, Any]]:
    """Classes whose count in a district left their usual range: the period against the mean and
    standard deviation of the ``anomaly_baseline_periods`` equal periods before (week over week for
    a week, month over month for a month), flagged beyond ``anomaly_z`` deviations and
    ``anomaly_min_change`` cases; with the same period a year before, for seasonal classes."""
    districts = visible_districts(actor)
    config, current = thresholds(deps), parse_period(period)
    before, p = [], current
    for _ in range(int(config["anomaly_baseline_periods"])):
        p = p.previous()
        before.insert(0, p)
    year_ago = current.shifted_years(-1)
    with deps.uow() as uow:
        def counts(q: Any) -> Counter[tuple[str, str]]:
            return Counter((r.district_code, r.category_code) for r in _cases(uow.session, q.start, q.end, districts))

        now, history, last_year = counts(current), [counts(q) for q in before], counts(year_ago)
        places, classes = _names(uow.session)
    found = []
    for key in sorted(set(now).union(*history)):
        series = [h.get(key, 0) for h in history]
        mean = sum(series) / len(series)
        spread = (sum((x - mean) ** 2 for x in series) / len(series)) ** 0.5
        value = now.get(key, 0)
        if abs(value - mean) < int(config["anomaly_min_change"]):
            continue
        z = (value - mean) / spread if spread else float("inf")
        if abs(z) >= float(config["anomaly_z"]):
            district, category = key
            found.append({"district_code": district, "district_name": places.get(district, district),
                          "category_code": category, "category_name": classes.get(category, category),
                          "cases": value, "mean": round(mean, 2), "z": None if spread == 0 else round(z, 2),
                          "direction": "up" if value > mean else "down", "year_ago": last_year.get(key, 0),
                          "history": [{"period": q.name, "cases": n} for q, n in zip(before, series, strict=True)]})
    found.sort(key=lambda f: (-abs(f["cases"] - f["mean"]), f["district_code"], f["category_code"]))
    return found
