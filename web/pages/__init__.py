"""The people's side: server-rendered pages for operators, inspectors, departments and citizens.

One blueprint per area (``auth``, ``inbox``, ``tasks``, ``cases``, ``mobile``, ``department``,
``public``, ``admin``, ``notifications``, ``evaluation``); views parse the request, call one engine use case and render a template from
``web/templates/<area>/``. Every form carries a CSRF token (Flask-WTF); the JSON API is exempt
because it authenticates with bearer tokens, not cookies.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFProtect

from engine.cases.attachments import MAX_FILES_PER_REQUEST
from engine.deps import Deps
from engine.processes import catalog
from web import i18n
from web.pages import labels
from web.pages.common import current_actor
from web.pages.formatting import beijing, time_left
from web.pages.forms import describe_data
from web.pages.names import diagram_label, process_label

csrf = CSRFProtect()


def register(app: Flask) -> None:
    """Add languages, CSRF, template helpers and the page blueprints to ``app``."""
    deps: Deps = app.extensions["szcg"]
    settings = deps.settings
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # the token lives as long as the session
    app.config.setdefault("SESSION_COOKIE_SAMESITE", "Lax")
    # A submission may carry several phone photos, each up to the per-file limit.
    app.config["MAX_CONTENT_LENGTH"] = max(app.config.get("MAX_CONTENT_LENGTH") or 0,
                                           settings.upload_max_bytes * MAX_FILES_PER_REQUEST + 1024 * 1024)
    i18n.init(app, settings.default_locale)
    csrf.init_app(app)
    csrf.exempt(app.blueprints["api"])
    _template_helpers(app, deps)

    from web.pages import (  # noqa: F401  (routes of the admin blueprint)
        admin,
        admin_org,
        admin_places,
        admin_processes,
        auth,
        cases,
        department,
        evaluation,
        inbox,
        mobile,
        notifications,
        privacy,
        public,
        screen,
        tasks,
        webhooks,
    )

    for module in (auth, inbox, tasks, cases, mobile, department, public, admin, notifications, privacy, webhooks,
                   evaluation, screen):
        app.register_blueprint(module.bp)


def _template_helpers(app: Flask, deps: Deps) -> None:
    env = app.jinja_env
    env.filters.update(beijing=beijing, time_left=time_left)
    env.globals["processes_for_tabs"] = lambda: catalog.list_processes(deps)
    env.globals["pct"] = lambda share: "–" if share is None else f"{share:.1%}"
    env.globals.update(labels=labels, label=diagram_label, process_label=process_label, LOCALES=i18n.LOCALES,
                       describe_data=describe_data)
    # Macros are imported without the request context, so what maps need is a global.
    env.globals["map_settings"] = {"tiles": deps.settings.map_tile_url,
                                   "attribution": deps.settings.map_tile_attribution,
                                   "center": [deps.settings.map_center[1], deps.settings.map_center[0]]}
    env.globals["patrol_settings"] = deps.settings.patrol  # 城管通's fix and upload intervals

    @app.context_processor
    def _page_context() -> dict[str, Any]:
        if request.blueprint == "api":
            return {}
        who = current_actor()
        current = get_locale()
        locale = "zh_CN" if current is None or current.language == "zh" else "en"
        from web.pages.notifications import unread_count

        return {"me": who, "locale": locale, "lang_attr": "zh-CN" if locale.startswith("zh") else "en",
                "nav": _nav(who), "city_name": deps.settings.city_name,
                "unread_total": unread_count(who) if who is not None else 0}


def _nav(who: Any) -> list[tuple[str, str, str]]:
    """(endpoint, url, label) of the menu entries the user's roles use."""
    if who is None:
        return [("public.report", url_for("public.report"), _("Report a problem")),
                ("public.track_form", url_for("public.track_form"), _("Track a report"))]
    items = []
    if who.has_role("operator", "shift_leader", "dispatcher", "admin"):
        items.append(("inbox.index", url_for("inbox.index"), _("Inbox")))
    if who.has_role("handler", "admin"):
        items.append(("department.index", url_for("department.index"), _("Department")))
    if who.has_role("inspector", "admin"):
        items.append(("mobile.home", url_for("mobile.home"), _("Inspector app")))
    items.append(("cases.search", url_for("cases.search"), _("Case search")))
    if who.has_role("leader", "operator", "shift_leader", "dispatcher", "admin"):
        items.append(("evaluation.index", url_for("evaluation.index"), _("Evaluation")))
    if who.has_role("operator", "shift_leader", "dispatcher", "leader", "admin"):
        items.append(("screen.show", url_for("screen.show"), _("Big screen")))
    if who.has_role("shift_leader", "leader"):
        items.append(("cases.suspended", url_for("cases.search", status="suspended"), _("Suspended list")))
    if who.is_admin:
        items.append(("admin.index", url_for("admin.index"), _("Administration")))
    return items
