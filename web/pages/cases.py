"""案卷查询 and 案卷详情: search with filters and Excel export, one case with timeline, photos, map;
督办 (urge) by shift leaders and leaders, 转派 (reassign) of open tasks by their supervisors."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Blueprint, Response, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _

from engine.cases import actions, attachments, links, views
from engine.cases.queries import CaseFilter
from engine.command import cameras, patrols
from engine.errors import BadRequest, Conflict, Invalid, NotFound, TaskNotReady
from engine.time.clock import BEIJING, as_utc
from web.pages.common import actor, client_address, deps, login_required, uploads
from web.pages.forms import photo_message
from web.pages.xlsx import workbook_of

SUPERVISORS = ("shift_leader", "dispatcher", "leader", "admin")  # who may start a linked case

bp = Blueprint("cases", __name__)


def _date(name: str, *, end: bool = False) -> datetime | None:
    raw = request.args.get(name) or ""
    if not raw:
        return None
    try:
        day = datetime.strptime(raw, "%Y-%m-%d").replace(tzinfo=BEIJING)
    except ValueError:
        raise BadRequest(f"'{name}' must be a date (YYYY-MM-DD)", fields={name: "invalid"}) from None
    return as_utc(day + timedelta(days=1) if end else day)


def case_filter() -> CaseFilter:
    """The search form's filters; "to" includes the whole day it names."""
    args = request.args
    status = args.get("status") or None
    stage = args.get("stage") or None
    return CaseFilter(
        status=stage or (status if status in ("closed", "void", "suspended") else None),
        open=True if status == "open" and not stage else None,
        district_code=args.get("district") or None, street_code=args.get("street") or None,
        department_code=args.get("department") or None, category_code=args.get("category") or None,
        source=args.get("source") or None, date_from=_date("from"), date_to=_date("to", end=True),
        overdue=args.get("overdue") == "1", process_key=args.get("process") or None)


def _page() -> int:
    raw = request.args.get("page", "1")
    return int(raw) if raw.isdigit() and 0 < int(raw) <= 100000 else 1


@bp.get("/cases")
@login_required()
def search():  # type: ignore[no-untyped-def]
    """Cases the user may read, filtered, newest first, a page at a time."""
    result = views.search(deps(), actor(), case_filter(), page=_page(), per_page=deps().settings.page_size)
    return render_template("cases/search.html", result=result, reference=views.reference(deps()),
                           args=request.args)


@bp.get("/cases/export.xlsx")
@login_required()
def export():  # type: ignore[no-untyped-def]
    """The same search as an Excel workbook (up to 10,000 cases)."""
    result = views.export(deps(), actor(), case_filter(), seen_from=client_address())
    body = workbook_of(result["items"])
    stamp = deps().clock.now().astimezone(BEIJING).strftime("%Y%m%d-%H%M")
    return Response(body, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="cases-{stamp}.xlsx"'})


@bp.get("/cases/<case_no>")
@login_required()
def detail(case_no: str):  # type: ignore[no-untyped-def]
    """One case: summary, timeline, photos, map, duplicates and its open tasks."""
    who = actor()
    case = views.case_detail(deps(), who, case_no, seen_from=client_address())
    # 转派: for each open task whose role this user supervises, the people who could take it over.
    reassign = {t["id"]: actions.eligible_assignees(deps(), who, t["id"])
                for t in case["tasks"] if actions.may_reassign(deps(), who, t["lane"])}
    may_urge = actions.may_send(deps(), who, case_no, "urge")
    reference = views.reference(deps())
    near = [[c["lat"], c["lon"], c["code"], c["name"], c["stream_url"]]
            for c in cameras.cameras_near(deps(), case["lon"], case["lat"])]
    nearby = patrols.patrols_near(deps(), who, case["lon"], case["lat"],
                                  as_utc(datetime.fromisoformat(case["reported_at"])))
    # 巡查覆盖: who patrolled near the case around its report, drawn on the map for those who may see tracks.
    coverage = ({"radius_m": patrols.NEAR_RADIUS_M, "hours": patrols.NEAR_HOURS,
                 "inspectors": [{"name": p["name"], "at": p["at"], "point": [p["lat"], p["lon"]],
                                 "track": p["track"]} for p in nearby]}
                if patrols.may_see_patrols_near(who) else None)
    return render_template("cases/detail.html", case=case, reference=reference, errors={},
                           reassign=reassign, may_urge=may_urge, linkable=_linkable(who, case, reference),
                           cameras=near, patrols=nearby, coverage=coverage)


def _linkable(who, case, reference):  # type: ignore[no-untyped-def]
    """The other processes a supervisor may start from this case (escalate it to an emergency)."""
    if case.get("linked_case_no") or case["status"] in ("closed", "void") or not who.has_role(*SUPERVISORS):
        return []
    return [p for p in reference.processes if p["key"] != case["process_key"] and who.has_role(*p["start_roles"])]


@bp.post("/cases/<case_no>/links")
@login_required()
def start_linked(case_no: str):  # type: ignore[no-untyped-def]
    """Start a case of another process from this one; both cases are linked."""
    try:
        made = links.start_linked(deps(), actor(), case_no, request.form.get("process") or None,
                                  request.form.get("reason") or None)
    except Invalid as exc:
        flash(_("Please say why, and choose the process (%(fields)s).", fields=", ".join(exc.fields)), "error")
        return _back(case_no, "#link")
    except Conflict as exc:
        flash(exc.message, "error")
        return _back(case_no, "#link")
    flash(_("Case %(new)s started and linked to this one.", new=made.case_no), "ok")
    return redirect(url_for("cases.detail", case_no=made.case_no), code=303)


def _back(case_no: str, anchor: str):  # type: ignore[no-untyped-def]
    return redirect(url_for("cases.detail", case_no=case_no) + anchor, code=303)


@bp.post("/cases/<case_no>/urge")
@login_required()
def urge(case_no: str):  # type: ignore[no-untyped-def]
    """督办: the department gets an urge to answer at the top of its list."""
    instruction = (request.form.get("instruction") or "").strip()
    if not instruction:
        flash(_("Please write the urging instruction."), "error")
        return _back(case_no, "#urge")
    try:
        actions.send_message(deps(), actor(), case_no, "urge", {"instruction": instruction[:2000]})
    except Invalid:
        flash(_("Please write the urging instruction (at most 2000 characters)."), "error")
    except Conflict:
        flash(_("This case cannot be urged now: it is not being handled (not dispatched yet, or already "
                "finished)."), "error")
    else:
        flash(_("Urged: the department has to answer it before anything else."), "ok")
    return _back(case_no, "#urge")


@bp.post("/cases/<case_no>/reassign")
@login_required()
def reassign(case_no: str):  # type: ignore[no-untyped-def]
    """转派: give an open task to another holder of its role and scope (supervisors only)."""
    task_id, username = request.form.get("task_id") or "", (request.form.get("username") or "").strip()
    reason = (request.form.get("reason") or "").strip()[:500] or None
    if not username:
        flash(_("Choose who should take the task."), "error")
        return _back(case_no, "#tasks")
    try:
        actions.reassign_task(deps(), actor(), task_id, username, reason)
    except TaskNotReady:
        flash(_("The task was completed meanwhile; nothing was reassigned."), "error")
    except Invalid as exc:
        if exc.fields.get("username") == "unchanged":
            flash(_("The task is already assigned to %(user)s.", user=username), "error")
        else:
            flash(_("%(user)s does not hold this task's role in its area; nothing was reassigned.", user=username),
                  "error")
    except NotFound:
        flash(_("No such user or task; nothing was reassigned."), "error")
    else:
        flash(_("Task reassigned to %(user)s.", user=username), "ok")
    return _back(case_no, "#tasks")


@bp.post("/cases/<case_no>/attachments")
@login_required()
def attach(case_no: str):  # type: ignore[no-untyped-def]
    """Add photos to a case from its page."""
    try:
        added = attachments.add_attachments(deps(), actor(), case_no, uploads("photos"),
                                            request.form.get("kind") or "evidence")
    except Invalid as exc:
        code = (exc.details.get("codes") or {}).get("photos") or (exc.details.get("codes") or {}).get("kind", "")
        flash(photo_message(code), "error")
    else:
        flash(_("%(n)d photo(s) added.", n=len(added)), "ok")
    return redirect(url_for("cases.detail", case_no=case_no) + "#photos")


@bp.get("/files/<int:attachment_id>/<variant>")
@login_required()
def photo(attachment_id: int, variant: str):  # type: ignore[no-untyped-def]
    """A photo for someone who may read its case (the original, with its EXIF, for staff only)."""
    ref = attachments.attachment_file(deps(), actor(), attachment_id, variant)
    if not ref.path.exists():
        raise NotFound("the file is missing")
    response = send_file(ref.path, mimetype=ref.content_type, max_age=3600, conditional=True)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response
