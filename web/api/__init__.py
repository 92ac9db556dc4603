"""The JSON API (/api/v1): parse, authenticate, call one use case, return JSON.

One blueprint; each area has its own module (``auth``, ``cases``, ``tasks``, ``reference`` …)
that registers routes on the blueprint of ``web.api.common``. Every route needs a bearer token unless marked ``@public``.
"""

from web.api import (  # noqa: F401  (routes register on import)
    admin,
    attachments,
    auth,
    cases,
    evaluation,
    exchange,
    exports,
    hotline,
    openapi,
    patrols,
    places,
    reference,
    rules,
    screen,
    tasks,
    video,
)
from web.api.common import bp

__all__ = ["bp"]
