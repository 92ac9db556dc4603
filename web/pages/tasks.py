"""The task page: the case at a glance and the task's form, drawn from its JSON form."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from engine.cases import attachments, views
from engine.errors import Invalid, TaskNotReady
from web.pages.common import actor, client_address, deps, finish, login_required, uploads
from web.pages.forms import error_messages, fields_of, parse_submission, photo_message

bp = Blueprint("tasks", __name__, url_prefix="/tasks")


def render_task(detail: dict[str, Any], *, template: str = "tasks/task.html", typed: dict[str, Any] | None = None,
                errors: dict[str, str] | None = None, status: int = 200, conflict: bool = False):  # type: ignore[no-untyped-def]
    """Draw a task page; ``typed`` and ``errors`` redraw a refused submission as the user left it."""
    task = detail["task"]
    fields = fields_of(task["form"], "en" if get_locale().language == "en" else "zh_CN")
    action = url_for(f"{request.blueprint}.complete", task_id=task["id"])
    suggestion = (task.get("context") or {}).get("routing")
    values = typed if typed is not None else _preselected(fields, suggestion)
    return render_template(template, task=task, case=detail["case"], reference=detail["reference"],
                           fields=fields, values=values, errors=errors or {}, conflict=conflict,
                           form_action=action, photo_kind=attachments.kind_for_stage(task["stage"]),
                           suggestion=suggestion), status


def _preselected(fields: list[Any], suggestion: dict[str, Any] | None) -> dict[str, Any]:
    """The dispatch suggestion of the routing table, preselected in the department field."""
    if suggestion and suggestion.get("department_code") and any(f.name == "department_code" for f in fields):
        return {"department_code": suggestion["department_code"]}
    return {}


def submit(task_id: str, template: str, done_endpoint: str, **done_args: Any):  # type: ignore[no-untyped-def]
    """Complete a task from a posted form (shared by the desktop, mobile and department pages).

    The view registering this must be named ``complete`` on its blueprint (the form posts there).
    """
    detail = views.task_detail(deps(), actor(), task_id, seen_from=client_address())
    form = detail["task"]["form"]
    data, typed = parse_submission(form, request.form)
    file_fields = {f.name: uploads(f.name) for f in fields_of(form, "zh_CN") if f.widget == "file"}
    try:
        done = attachments.complete_with_photos(deps(), actor(), task_id, data, uploads("photos"),
                                                file_fields=file_fields)
    except Invalid as exc:
        errors = error_messages(exc, form)
        if "photos" in exc.fields:
            errors["photos"] = photo_message((exc.details.get("codes") or {}).get("photos", ""))
        errors.setdefault("_", _("Please correct the marked fields."))
        return render_task(detail, template=template, typed=typed, errors=errors, status=422)
    except TaskNotReady:
        fresh = views.task_detail(deps(), actor(), task_id, seen_from=client_address())
        return render_task(fresh, template=template, status=409, conflict=True)
    flash(_("Done: case %(no)s is now at “%(stage)s”.", no=done.case_no, stage=_stage_word(done.status)), "ok")
    return finish(url_for(done_endpoint, **done_args))


def _stage_word(status: str) -> str:
    from web.pages.labels import STAGES, label

    return label(STAGES, status)


@bp.get("/<task_id>")
@login_required()
def show(task_id: str):  # type: ignore[no-untyped-def]
    """The task with its case and form (read-only, with a notice, once it is no longer open)."""
    return render_task(views.task_detail(deps(), actor(), task_id, seen_from=client_address()))


@bp.post("/<task_id>")
@login_required()
def complete(task_id: str):  # type: ignore[no-untyped-def]
    """Complete the task, then go on to the next task in the inbox."""
    return submit(task_id, "tasks/task.html", "inbox.next_task")
