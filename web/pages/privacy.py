"""The administrators' page of personal data views: who saw which reporter's name or phone, when, from where."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from flask import Blueprint, render_template, request

from engine.audit import personal_data
from engine.errors import Invalid
from engine.time.clock import BEIJING
from web.pages.common import actor, deps, login_required

bp = Blueprint("privacy", __name__, url_prefix="/admin/personal-data")
PER_PAGE = 50


def _day(name: str) -> datetime | None:
    """A YYYY-MM-DD filter as the start of that Beijing day. :raises Invalid: naming the filter."""
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    try:
        return datetime.combine(date.fromisoformat(raw), time(0), BEIJING)
    except ValueError:
        raise Invalid(f"'{name}' must be a date YYYY-MM-DD", fields={name: "invalid date"}) from None


def view_filter() -> personal_data.ViewFilter:
    """The page's (and the API's) filters from the query string."""
    until = _day("date_to")
    return personal_data.ViewFilter(viewer=request.args.get("viewer", "").strip() or None,
                                    case_no=request.args.get("case_no", "").strip() or None,
                                    field=request.args.get("field", "").strip() or None,
                                    date_from=_day("date_from"), date_to=until + timedelta(days=1) if until else None)


@bp.get("/")
@login_required("admin")
def index():  # type: ignore[no-untyped-def]
    """The views of personal data, newest first, with filters."""
    page = request.args.get("page", "1")
    page_no = int(page) if page.isdigit() and int(page) >= 1 else 1
    try:
        result = personal_data.list_views(deps(), actor(), view_filter(), page=page_no, per_page=PER_PAGE)
        errors: dict[str, str] = {}
    except Invalid as exc:
        result, errors = {"items": [], "total": 0, "page": 1, "pages": 1}, exc.fields
    return render_template("admin/personal_data.html", result=result, errors=errors, args=request.args,
                           fields=personal_data.FIELDS), 422 if errors else 200
