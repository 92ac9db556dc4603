"""处置: a department's cases with time left; handle with outcome, comment and after-photos."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from engine.cases import views
from engine.cases.inbox import InboxFilter, inbox
from web.pages import tasks as task_pages
from web.pages.common import actor, client_address, deps, login_required

bp = Blueprint("department", __name__, url_prefix="/dept")


@bp.get("/")
@login_required("handler")
def index():  # type: ignore[no-untyped-def]
    """The department's open handling tasks, most urgent first (keyset pages)."""
    page = inbox(deps(), actor(), InboxFilter(lane="handler"), after=request.args.get("after") or None,
                 limit=deps().settings.page_size)
    return render_template("department/index.html", page=page)


@bp.get("/tasks/<task_id>")
@login_required("handler")
def task(task_id: str):  # type: ignore[no-untyped-def]
    return task_pages.render_task(views.task_detail(deps(), actor(), task_id, seen_from=client_address()))


@bp.post("/tasks/<task_id>")
@login_required("handler")
def complete(task_id: str):  # type: ignore[no-untyped-def]
    return task_pages.submit(task_id, "tasks/task.html", "department.index")
