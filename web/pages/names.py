"""What pages call processes and stages that the diagrams name (a designer's new process needs no Python)."""

from __future__ import annotations

from typing import Any

from flask import g, has_request_context
from flask_babel import get_locale

from engine.processes import catalog
from web.pages import labels
from web.pages.common import deps as page_deps


def diagram_names() -> dict[str, Any]:
    """The deployed diagrams' names of processes and stages, read once per request."""
    if not has_request_context():
        return {}
    if "diagram_names" not in g:
        g.diagram_names = catalog.names(page_deps())
    return g.diagram_names  # type: ignore[no-any-return]


def diagram_label(table: dict[Any, Any], code: Any, fallback: str | None = None) -> str:
    """``labels.label``, with a stage no translation knows shown by its user task's name in the diagram."""
    if (table is labels.STAGES or table is labels.ACTIONS) and code not in table and fallback is None:
        fallback = diagram_names().get("stages", {}).get(code)
    return labels.label(table, code, fallback)


def process_label(key: str | None) -> str:
    """A process's display name in the reader's language (its diagram's displayName / displayNameEn)."""
    if not key:
        return ""
    name, name_en = diagram_names().get("processes", {}).get(key, (key, key))
    current = get_locale()
    return name if current is None or current.language == "zh" else name_en
