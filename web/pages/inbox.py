"""任务列表: the user's actionable tasks with lights, filters and counts per stage."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for

from engine.cases import views
from engine.cases.inbox import InboxFilter, inbox, next_task_id, stage_counts
from web.pages.common import actor, deps, login_required

bp = Blueprint("inbox", __name__, url_prefix="/inbox")


def inbox_filter(lane: str | None = None) -> InboxFilter:
    args = request.args
    return InboxFilter(stage=args.get("stage") or None, district_code=args.get("district") or None,
                       category_code=args.get("category") or None, lane=lane,
                       process_key=args.get("process") or None)


@bp.get("/")
@login_required()
def index():  # type: ignore[no-untyped-def]
    """One page of the inbox; ``after`` is the keyset cursor of the next page."""
    page = inbox(deps(), actor(), inbox_filter(), after=request.args.get("after") or None,
                 limit=deps().settings.page_size)
    return render_template("inbox/index.html", page=page, counts=stage_counts(page),
                           reference=views.reference(deps()))


@bp.get("/next")
@login_required()
def next_task():  # type: ignore[no-untyped-def]
    """Open the task at the top of the inbox (where completing a task leads)."""
    lane = request.args.get("lane") or None
    task_id = next_task_id(deps(), actor(), lane)
    if task_id is None:
        return redirect(url_for("inbox.index", done=1))
    return redirect(url_for("tasks.show", task_id=task_id, after_done=1))
