"""Error pages: the same domain errors the API answers as JSON, said plainly to a person."""

from __future__ import annotations

from flask import render_template
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from engine.errors import SzcgError


def _text(status: int, code: str) -> tuple[str, str]:
    if code == "task_not_ready":
        return _("Already done"), _("Someone else completed this task a moment ago. Nothing you entered was "
                                    "saved; the case has moved on.")
    if code == "csrf":
        return _("Page expired"), _("This page was open too long or in another session. Go back, reload "
                                    "the page and send it again.")
    titles = {
        400: (_("Bad request"), _("The request could not be understood.")),
        401: (_("Please sign in"), _("Sign in to see this page.")),
        403: (_("Not allowed"), _("Your role does not allow this.")),
        404: (_("Not found"), _("There is nothing at this address.")),
        409: (_("Changed meanwhile"), _("The case changed while you were looking at it. Reload and try again.")),
        413: (_("Too large"), _("The upload is larger than allowed.")),
        422: (_("Not valid"), _("Some input was not accepted.")),
        429: (_("Too many requests"), _("Too many requests from your address. Please try again later.")),
    }
    return titles.get(status, (_("Something went wrong"), _("The server could not complete the request.")))


def page_for_domain_error(exc: SzcgError):  # type: ignore[no-untyped-def]
    title, text = _text(exc.status, exc.code)
    response = render_template("errors/error.html", status=exc.status, title=title, text=text), exc.status
    return response


def page_for_http_error(exc: HTTPException):  # type: ignore[no-untyped-def]
    code = "csrf" if exc.__class__.__name__ == "CSRFError" else ""
    title, text = _text(exc.code or 500, code)
    return render_template("errors/error.html", status=exc.code or 500, title=title, text=text), exc.code or 500
