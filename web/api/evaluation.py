"""综合评价 over the API: scorecards per object type, period and plan, and the cases behind a figure."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request

from engine.errors import BadRequest
from engine.evaluation import decisions, integrity, publication, scorecards
from engine.evaluation.plans import load_plans
from web.api.common import actor, after_arg, bp, deps, int_arg, json_body, list_json, paged


def _period() -> str:
    return request.args.get("period") or scorecards.current_month(deps())


@bp.get("/evaluation/plans")
def evaluation_plans():  # type: ignore[no-untyped-def]
    """The plans a scorecard may be computed under (key, version, name), a page by key."""
    scorecards.visible_districts(actor())
    return list_json(sorted(({"key": p.key, "version": p.version, "name": p.name, "digest": p.digest}
                             for p in load_plans().values()), key=lambda p: p["key"]), "key")


@bp.get("/evaluation/<object_type>")
def evaluation_scorecard(object_type: str):  # type: ignore[no-untyped-def]
    """Every object of the type with counts, indicators, scores, composite, grade and rank."""
    card = scorecards.scorecard(deps(), actor(), object_type, _period(), request.args.get("plan"))
    return jsonify(card.to_dict())


@bp.get("/evaluation/<object_type>/drill")
def evaluation_drill(object_type: str):  # type: ignore[no-untyped-def]
    """The cases one figure of one object counted (``code``, ``figure``), each with its reason."""
    args = request.args
    found = scorecards.drill(deps(), actor(), object_type, args.get("code", ""), args.get("figure", ""), _period(),
                             args.get("plan"), offset=int_arg("offset", 0, 0, 10_000_000),
                             limit=int_arg("limit", 200, 1, 1000), after=after_arg())
    return paged(found, found["next"])


@bp.get("/evaluation/publications")
def evaluation_publications():  # type: ignore[no-untyped-def]
    """Published periods, newest first (a page)."""
    found = publication.list_publications(deps(), actor())
    return list_json(sorted(found, key=_publication_key, reverse=True), sort_key=_publication_key, descending=True)


def _publication_key(item: dict[str, Any]) -> list[Any]:
    return [item["period"], item["plan"]]


@bp.post("/evaluation/publications")
def publish_evaluation():  # type: ignore[no-untyped-def]
    """Publish (freeze) a period that has ended under a plan: ``{period, plan}``."""
    body = json_body()
    if not isinstance(body, dict) or not isinstance(body.get("period"), str):
        raise BadRequest("send {\"period\": \"2026-05\", \"plan\": \"standard\"}", fields={"period": "required"})
    if body.get("plan") is not None and not isinstance(body["plan"], str):
        raise BadRequest("'plan' must be a plan's key (GET /api/v1/evaluation/plans)", fields={"plan": "invalid"})
    return jsonify(publication.publish(deps(), actor(), body["period"], body.get("plan"))), 201


@bp.get("/evaluation/publications/<period>")
def published_evaluation(period: str):  # type: ignore[no-untyped-def]
    """The frozen scorecard of ``object_type`` (default district) as published."""
    return jsonify(publication.published(deps(), actor(), period, request.args.get("plan"),
                                         request.args.get("object_type", "district")))


@bp.get("/evaluation/publications/<period>/compare")
def compare_evaluation(period: str):  # type: ignore[no-untyped-def]
    """Recompute a publication and list what changed since (cases and figures)."""
    return jsonify(publication.compare(deps(), actor(), period, request.args.get("plan")))


@bp.get("/evaluation/hotspots")
def evaluation_hotspots():  # type: ignore[no-untyped-def]
    """Where and what problems concentrate (``level`` grid or street)."""
    return jsonify(decisions.hot_spots(deps(), actor(), _period(), request.args.get("level", "grid")))


@bp.get("/evaluation/recurrences")
def evaluation_recurrences():  # type: ignore[no-untyped-def]
    """The same class at the same place again and again, with the cases and departments."""
    found = decisions.recurrences(deps(), actor(), _period())  # most cases first
    return list_json(found, sort_key=lambda f: [-f["count"], f["code"], f["category_code"]])


@bp.get("/evaluation/integrity")
def evaluation_integrity():  # type: ignore[no-untyped-def]
    """Integrity signals with their evidence, for the supervision centre to review."""
    return jsonify(integrity.signals(deps(), actor(), _period()))


@bp.get("/evaluation/distribution")
def evaluation_distribution():  # type: ignore[no-untyped-def]
    """The period's cases by class, source and stage."""
    return jsonify(decisions.distribution(deps(), actor(), _period()))


@bp.get("/evaluation/anomalies")
def evaluation_anomalies():  # type: ignore[no-untyped-def]
    """Classes far outside their usual range per district (against the previous periods and last year)."""
    found = decisions.anomalies(deps(), actor(), _period())  # farthest from the usual first
    return list_json(found, sort_key=lambda f: [-abs(f["cases"] - f["mean"]), f["district_code"],
                                                f["category_code"]])
