"""One place that turns engine errors into HTTP responses (JSON for the API)."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, request
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException

from engine.errors import SzcgError

log = logging.getLogger("szcg.web")
RETRY_AFTER_SECONDS = 1


def register(app: Flask) -> None:
    @app.errorhandler(SzcgError)
    def _domain_error(exc: SzcgError):  # type: ignore[no-untyped-def]  # (Open311 has its own: web.open311)
        if exc.status >= 500:
            log.error("%s: %s", exc.code, exc.message)
        if not request.path.startswith("/api/"):
            from web.pages.errors import page_for_domain_error

            page = page_for_domain_error(exc)
            retry = exc.details.get("retry_after")
            return (page[0], page[1], {"Retry-After": str(retry)}) if retry else page
        response = jsonify(exc.to_dict())
        response.status_code = exc.status
        if exc.status == 401:
            response.headers["WWW-Authenticate"] = "Bearer"
        retry = exc.details.get("retry_after")
        if retry:
            response.headers["Retry-After"] = str(retry)
        return response

    @app.errorhandler(DBAPIError)
    def _database_unavailable(exc: DBAPIError):  # type: ignore[no-untyped-def]
        # A connection dropped or refused mid-request (a restarted or failed-over server, a killed
        # backend): the transaction was rolled back, nothing is half-written, and the pool has thrown
        # its connections away, so the same request a moment later succeeds. Anything else is a bug.
        if not (exc.connection_invalidated or isinstance(exc, OperationalError)):
            raise exc
        log.warning("database unavailable: %s", type(exc.orig).__name__ if exc.orig is not None else "?")
        message = "the database is unavailable for a moment; nothing was changed, try again"
        if not request.path.startswith("/api/"):  # plain text: rendering a page would ask the database again
            return (f"数据库暂时不可用，没有保存任何内容，请稍后重试。\n{message}\n", 503,
                    {"Retry-After": str(RETRY_AFTER_SECONDS), "Content-Type": "text/plain; charset=utf-8"})
        response = jsonify({"error": "unavailable", "message": message})
        response.status_code = 503
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):  # type: ignore[no-untyped-def]
        if not request.path.startswith("/api/"):
            from web.pages.errors import page_for_http_error

            return page_for_http_error(exc)
        names = {400: "bad_request", 404: "not_found", 405: "method_not_allowed", 413: "too_large"}
        response = jsonify({"error": names.get(exc.code or 500, "http_error"), "message": exc.description})
        response.status_code = exc.code or 500
        return response
