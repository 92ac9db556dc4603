"""综合评价 over the API: scorecards per object type, period and plan, and the cases behind a figure."""

from __future__ import annotations

from flask import jsonify, request

from engine.evaluation import scorecards
from engine.evaluation.plans import load_plans
from web.api.common import actor, bp, deps


def _period() -> str:
    return request.args.get("period") or scorecards.current_month(deps())


@bp.get("/evaluation/plans")
def evaluation_plans():  # type: ignore[no-untyped-def]
    """The plans a scorecard may be computed under (key, version, name)."""
    scorecards.visible_districts(actor())
    return jsonify(plans=[{"key": p.key, "version": p.version, "name": p.name, "digest": p.digest}
                          for p in load_plans().values()])


@bp.get("/evaluation/<object_type>")
def evaluation_scorecard(object_type: str):  # type: ignore[no-untyped-def]
    """Every object of the type with counts, indicators, scores, composite, grade and rank."""
    card = scorecards.scorecard(deps(), actor(), object_type, _period(), request.args.get("plan"))
    return jsonify(card.to_dict())


@bp.get("/evaluation/<object_type>/drill")
def evaluation_drill(object_type: str):  # type: ignore[no-untyped-def]
    """The cases one figure of one object counted (``code``, ``figure``), each with its reason."""
    args = request.args
    return jsonify(scorecards.drill(deps(), actor(), object_type, args.get("code", ""), args.get("figure", ""),
                                    _period(), args.get("plan")))
