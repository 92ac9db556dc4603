"""szcg web: the Flask app (JSON API, pages) and the CLI. Never touches SpiffWorkflow."""

from __future__ import annotations

from typing import Any

from flask import Flask

from engine.config import Settings, load_settings
from engine.deps import Deps, build_deps
from engine.logs import configure as configure_logging


def create_app(settings: Settings | None = None, deps: Deps | None = None,
               test_config: dict[str, Any] | None = None) -> Flask:
    """Build the web app around one :class:`Deps` (settings, database, runtime, clock)."""
    settings = settings or (deps.settings if deps else load_settings())
    deps = deps or build_deps(settings)
    app = Flask(__name__, instance_path=str(settings.path("instance_path")))
    app.config.update(
        SECRET_KEY=_secret_key(settings),
        MAX_CONTENT_LENGTH=settings.upload_max_bytes + 1024 * 1024,
        JSON_AS_ASCII=False,
    )
    app.config.update(test_config or {})
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.extensions["szcg"] = deps
    configure_logging(settings.log_level, settings.log_format)

    from web import api, errors, ops, security

    errors.register(app)
    security.register(app, settings)
    ops.register(app)
    app.register_blueprint(api.bp)
    from web import pages

    pages.register(app)
    from web import open311

    open311.register(app)  # after pages: their CSRF protection exists, and Open311 is exempt
    return app


def _secret_key(settings: Settings) -> str:
    """The session-signing key: from the setting, else a file created once with a random key."""
    if settings.raw.get("secret_key"):
        return str(settings.secret_key)
    path = settings.path("secret_key_file")
    if not path.exists():
        import secrets

        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()
