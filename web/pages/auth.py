"""Signing in and out, choosing the language, and the front door."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from engine.errors import TooManyRequests, Unauthenticated
from engine.people import signin
from web.i18n import LOCALES
from web.pages.common import current_actor, deps, landing_for, safe_next

bp = Blueprint("auth", __name__)


@bp.get("/")
def home():  # type: ignore[no-untyped-def]
    """Staff go to their start page; everyone else sees the citizen's front door."""
    who = current_actor()
    return redirect(landing_for(who)) if who else render_template("public/home.html")


@bp.route("/login", methods=["GET", "POST"])
def login():  # type: ignore[no-untyped-def]
    """Sign in with the same account as the API (failures throttled per account)."""
    error, username = None, ""
    if request.method == "POST":
        username = request.form.get("username", "").strip()[:64]
        try:
            who, token = signin.sign_in(deps(), username, request.form.get("password", ""))
        except Unauthenticated:
            error = _("Wrong username or password.")
        except TooManyRequests as exc:
            minutes = max(1, int(exc.details.get("retry_after") or 60) // 60)
            error = _("Too many failed attempts. Try again in %(n)d minutes.", n=minutes)
        else:
            lang = session.get("lang")
            session.clear()  # a new session id on every sign-in (no session fixation)
            session.update(token=token, lang=lang) if lang else session.update(token=token)
            return redirect(safe_next(request.args.get("next")) or landing_for(who))
    status = 401 if error else 200
    return render_template("auth/login.html", error=error, username=username), status


@bp.post("/logout")
def logout():  # type: ignore[no-untyped-def]
    """Revoke the session's token and forget the session (the language choice stays)."""
    token, lang = session.get("token"), session.get("lang")
    if token:
        signin.sign_out(deps(), token)
    session.clear()
    if lang:
        session["lang"] = lang
    return redirect(url_for("auth.login"))


@bp.post("/lang")
def choose_language():  # type: ignore[no-untyped-def]
    """Remember the chosen language in the session and go back where the user was."""
    lang = request.form.get("lang", "")
    if lang in LOCALES:
        session["lang"] = lang
    return redirect(safe_next(request.form.get("next")) or url_for("auth.home"))
