"""综合评价 for leaders: rankings per object type (bar chart with its table), trends, the cases
behind a figure, the Excel export of the same table, and publishing a month.

Every number comes from ``engine.evaluation.scorecards`` — the same function the API calls — so
the chart, the table, the workbook and ``GET /api/v1/evaluation/…`` agree.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from engine.errors import Conflict, Invalid
from engine.evaluation import decisions, integrity, maps, publication, scorecards
from engine.evaluation.indicators import INDICATORS, OBJECT_TYPES, REGION_TYPES
from engine.evaluation.periods import parse_period
from engine.evaluation.plans import get_plan, load_plans
from web.pages.common import actor, deps, login_required
from web.pages.evaluation_xlsx import scorecard_workbook

bp = Blueprint("evaluation", __name__, url_prefix="/evaluation")
CENTRE = ("leader", "operator", "shift_leader", "dispatcher")
OBJECT_LABELS: dict[str, Any] = {
    "district": _l("Districts"), "street": _l("Streets"), "community": _l("Communities"), "grid": _l("Grids"),
    "city": _l("City"), "department": _l("Departments"), "inspector": _l("Inspectors"),
    "operator": _l("Operators"), "shift_leader": _l("Shift leaders"), "dispatcher": _l("Dispatchers"),
}
TAB_ORDER = ("district", "street", "community", "grid", "department", "inspector", "operator", "shift_leader",
             "dispatcher", "city")
MAX_ROWS = 300  # a page shows the first rows of 19,300 grids; the workbook has them all


def _args() -> tuple[str, str]:
    period = request.args.get("period") or scorecards.current_month(deps())
    return period, get_plan(request.args.get("plan")).key


@bp.get("/")
@login_required(*CENTRE)
def index():  # type: ignore[no-untyped-def]
    return redirect(url_for("evaluation.ranking", object_type="district"))


@bp.get("/decisions")
@login_required(*CENTRE)
def decision_support():  # type: ignore[no-untyped-def]
    """综合决策: hot spots (a bar chart and its table) and recurrences for root-cause work."""
    period = request.args.get("period") or scorecards.current_month(deps())
    level = request.args.get("level", "grid")
    hot = decisions.hot_spots(deps(), actor(), period, level)
    return render_template("evaluation/decisions.html", hot=hot, period=hot["period"], level=hot["level"],
                           recurrences=decisions.recurrences(deps(), actor(), period),
                           spread=decisions.distribution(deps(), actor(), period),
                           anomalies=decisions.anomalies(deps(), actor(), period))


@bp.get("/integrity")
@login_required("leader", "shift_leader")
def integrity_signals():  # type: ignore[no-untyped-def]
    """Integrity signals with their evidence, for the supervision centre to review."""
    period = request.args.get("period") or scorecards.current_month(deps())
    return render_template("evaluation/integrity.html", signals=integrity.signals(deps(), actor(), period))


@bp.get("/<object_type>")
@login_required(*CENTRE)
def ranking(object_type: str):  # type: ignore[no-untyped-def]
    """The ranking of one object type: a bar chart of the chosen figure with the table beside it."""
    period, plan = _args()
    card = scorecards.scorecard(deps(), actor(), object_type, period, plan)
    chosen = get_plan(plan)
    columns = [INDICATORS[w.indicator] for w in chosen.weights(_group(object_type))]
    figure = request.args.get("figure") or "composite"
    trend = url_for("evaluation.trend", object_type=object_type, period=card.period, plan=plan) \
        if object_type not in ("grid", "community") else None
    rows = card.rows[:MAX_ROWS]
    chart = {"figure": figure, "rows": [
        {"code": r.code, "name": r.name, "value": r.composite if figure == "composite"
         else (r.indicators[figure].value if figure in r.indicators else None)}
        for r in rows if r.rank is not None][:40], "trend": trend,
        "map": url_for("evaluation.figure_map", object_type=object_type, period=card.period, plan=plan,
                       figure=figure) if object_type in maps.MAP_LEVELS else None,
        "max": 100 if figure == "composite" or (figure in INDICATORS and INDICATORS[figure].is_rate) else None,
        "drill": url_for("evaluation.drill", object_type=object_type, period=card.period, plan=plan)}
    shown = parse_period(card.period)
    before = shown.previous().name
    publish_period = card.period if shown.end <= deps().clock.now() else before
    return render_template("evaluation/ranking.html", card=card, rows=rows, columns=columns, chart=chart,
                           object_type=object_type, tabs=[t for t in TAB_ORDER if t in OBJECT_TYPES],
                           object_labels=OBJECT_LABELS, plans=load_plans().values(), plan=chosen,
                           figure=figure, previous=before, publish_period=publish_period, truncated=len(card.rows) > MAX_ROWS,
                           may_publish=_may_publish())


def _group(object_type: str) -> str:
    return "region" if object_type in REGION_TYPES else object_type


def _may_publish() -> bool:
    return any(g.role in publication.PUBLISHER_ROLES and g.district_code is None for g in actor().grants)


@bp.get("/<object_type>/trend.json")
@login_required(*CENTRE)
def trend(object_type: str):  # type: ignore[no-untyped-def]
    """The composite of the leading objects over six periods, fetched by the page after it is shown
    (six periods of facts take longer than one)."""
    period, plan = _args()
    return jsonify(scorecards.trend(deps(), actor(), object_type, period, plan))


@bp.get("/<object_type>/map.json")
@login_required(*CENTRE)
def figure_map(object_type: str):  # type: ignore[no-untyped-def]
    """Outlines and values for the choropleth of districts or streets."""
    period, plan = _args()
    return jsonify(maps.figure_map(deps(), actor(), object_type, period, plan, request.args.get("figure") or
                                   "composite"))


@bp.get("/<object_type>/drill")
@login_required(*CENTRE)
def drill(object_type: str):  # type: ignore[no-untyped-def]
    """The cases one figure of one object counted, each with why it counted (on time or not)."""
    period, plan = _args()
    offset = request.args.get("offset", "0")
    result = scorecards.drill(deps(), actor(), object_type, request.args.get("code", ""),
                              request.args.get("figure", ""), period, plan,
                              offset=int(offset) if offset.isdigit() else 0)
    return render_template("evaluation/drill.html", result=result, object_type=object_type,
                           object_labels=OBJECT_LABELS, plan=plan)


@bp.get("/<object_type>/export.xlsx")
@login_required(*CENTRE)
def export(object_type: str):  # type: ignore[no-untyped-def]
    """The ranking table as an Excel workbook: the same numbers as the page, every row."""
    period, plan = _args()
    card = scorecards.scorecard(deps(), actor(), object_type, period, plan)
    columns = [INDICATORS[w.indicator] for w in get_plan(plan).weights(_group(object_type))]
    body = scorecard_workbook(card, columns, str(OBJECT_LABELS[object_type]))
    name = f"evaluation-{object_type}-{card.period}-{plan}.xlsx"
    return Response(body, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.post("/publish")
@login_required("leader")
def publish():  # type: ignore[no-untyped-def]
    """Publish (freeze) a period that has ended under the chosen plan."""
    period, plan = request.form.get("period", ""), request.form.get("plan") or None
    try:
        publication.publish(deps(), actor(), period, plan)
        flash(_("%(period)s published.", period=period), "ok")
    except (Conflict, Invalid) as exc:
        flash(str(exc), "error")
    return redirect(url_for("evaluation.publications", period=period, plan=plan or ""))


@bp.get("/publications")
@login_required(*CENTRE)
def publications():  # type: ignore[no-untyped-def]
    """Published periods; with ``period``, the recomputation and what changed since publication."""
    period = request.args.get("period")
    check = publication.compare(deps(), actor(), period, request.args.get("plan") or None) if period else None
    return render_template("evaluation/publications.html", items=publication.list_publications(deps(), actor()),
                           check=check, object_labels=OBJECT_LABELS)
