"""What every page module shares: the signed-in actor, role checks, uploads, client address."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import current_app, g, redirect, request, session, url_for
from werkzeug.datastructures import FileStorage

from engine.cases.attachments import MAX_FILES_PER_REQUEST, Upload
from engine.deps import Deps
from engine.errors import Forbidden, Unauthenticated
from engine.people import signin
from engine.people.accounts import Actor


def deps() -> Deps:
    return current_app.extensions["szcg"]


def current_actor() -> Actor | None:
    """The signed-in actor of this request (looked up once per request), or None."""
    if "page_actor" not in g:
        g.page_actor = None
        token = session.get("token")
        if token:
            try:
                g.page_actor = signin.session_actor(deps(), token)
            except Unauthenticated:
                session.pop("token", None)
    return g.page_actor


def actor() -> Actor:
    """The signed-in actor; views behind :func:`login_required` may rely on it."""
    who = current_actor()
    if who is None:
        raise Unauthenticated("sign in first")
    return who


def login_required(*roles: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Send strangers to the login page; refuse users holding none of ``roles`` (admin always passes)."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            who = current_actor()
            if who is None:
                return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
            if roles and not who.has_role(*roles, "admin"):
                raise Forbidden("this page is not for your role")
            return view(*args, **kwargs)

        return wrapper

    return decorate


def landing_for(who: Actor) -> str:
    """Where a user starts: inspectors on 城管通, departments on their cases, others in the inbox."""
    if who.has_role("operator", "shift_leader", "dispatcher"):
        return url_for("inbox.index")
    if who.has_role("inspector"):
        return url_for("mobile.home")
    if who.has_role("handler"):
        return url_for("department.index")
    return url_for("cases.search")


def safe_next(target: str | None) -> str | None:
    """A redirect target only if it stays on this site (no open redirects)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


def uploads(name: str = "photos") -> list[Upload]:
    """The files posted under ``name``, read whole but never more than the limit allows.

    Empty parts (a file input left empty) are skipped; more files than a submission may
    carry are cut at one more than the limit, so the engine can refuse them by name.
    """
    limit = deps().settings.upload_max_bytes
    files: list[FileStorage] = [f for f in request.files.getlist(name) if f and f.filename]
    return [Upload(f.read(limit + 1), f.filename) for f in files[:MAX_FILES_PER_REQUEST + 1]]


def client_address() -> str:
    """The address rate limits count against (the direct peer; put a proxy's ProxyFix in front)."""
    return request.remote_addr or "unknown"


def wants_json() -> bool:
    return request.headers.get("X-Requested-With") == "fetch"


def finish(url: str):  # type: ignore[no-untyped-def]
    """Go to ``url`` after a successful post: a redirect, or ``{"redirect": url}`` for submit.js.

    The script must not follow a redirect itself: the page it lands on would eat the flash message.
    """
    from flask import jsonify, redirect

    return jsonify(redirect=url) if wants_json() else redirect(url, code=303)
