"""Task forms on pages: JSON form (schema + display hints) → fields → posted values → task data.

The engine validates (one set of rules for API and pages); this module only turns the JSON
form into something the Jinja2 macros can draw, turns what the browser posts back into typed
JSON, and turns the engine's field errors (``Invalid.fields`` and ``details['codes']``) into
messages in the reader's language. What the user typed is kept as text to show it again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from engine.errors import Invalid
from engine.time.clock import BEIJING

WIDGETS = ("text", "textarea", "select", "radio", "checkbox", "number", "datetime", "date", "department", "file")


@dataclass
class Field:
    """One field as the macros draw it."""

    name: str
    label: str
    widget: str
    required: bool = False
    choices: list[tuple[str, str]] = field(default_factory=list)
    max_length: int | None = None
    minimum: float | None = None
    maximum: float | None = None
    step: str = "any"
    multiple: bool = False
    default: str = ""           # the schema's default, preselected when the form is first drawn


def _label(node: dict[str, Any], locale: str, fallback: str) -> str:
    if locale.startswith("en"):
        return str(node.get("x-title-en") or node.get("title") or fallback)
    return str(node.get("title") or node.get("x-title-en") or fallback)


def _encode(value: Any) -> str:
    """A JSON value as the text an HTML control carries (true/false for booleans)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _choices(prop: dict[str, Any], locale: str) -> list[tuple[str, str]]:
    if "oneOf" in prop and all(isinstance(o, dict) and "const" in o for o in prop["oneOf"]):
        return [(_encode(o["const"]), _label(o, locale, _encode(o["const"]))) for o in prop["oneOf"]]
    if "enum" in prop:
        return [(_encode(v), _encode(v)) for v in prop["enum"]]
    return []


def _widget(name: str, prop: dict[str, Any], hint: str | None, choices: list[tuple[str, str]]) -> str:
    if hint in WIDGETS:
        return hint
    kind = prop.get("type")
    fmt = prop.get("format")
    if fmt == "department_code":
        return "department"
    if choices:
        return "select"
    if kind == "boolean":
        return "checkbox"
    if kind in ("number", "integer"):
        return "number"
    if fmt == "date-time":
        return "datetime"
    if fmt == "date":
        return "date"
    if kind == "array" and (prop.get("items") or {}).get("format") in ("binary", "photo"):
        return "file"
    if (prop.get("maxLength") or 0) > 200:
        return "textarea"
    return "text"


def fields_of(form: dict[str, Any], locale: str) -> list[Field]:
    """The fields of a JSON form in display order (``ui.order``, then the rest as declared)."""
    schema = form.get("schema", {})
    props: dict[str, Any] = schema.get("properties", {})
    ui = form.get("ui", {})
    order = [n for n in ui.get("order", []) if n in props] + [n for n in props if n not in ui.get("order", [])]
    required = set(schema.get("required", []))
    result = []
    for name in order:
        prop = props[name]
        choices = _choices(prop, locale)
        widget = _widget(name, prop, ui.get("widgets", {}).get(name), choices)
        if widget in ("select", "radio") and not choices and prop.get("type") == "boolean":
            choices = [("true", _("Yes")), ("false", _("No"))]
        result.append(Field(
            name=name, label=_label(prop, locale, name), widget=widget, required=name in required,
            choices=choices, max_length=prop.get("maxLength"), minimum=prop.get("minimum"),
            maximum=prop.get("maximum"), step="1" if prop.get("type") == "integer" else "any",
            multiple=prop.get("type") == "array", default=_encode(prop.get("default"))))
    return result


def _number(text: str, integer: bool) -> Any:
    try:
        value = float(text)
    except ValueError:
        return text  # the schema's type check names the field
    return int(value) if integer and value.is_integer() else value


def _datetime(text: str) -> str:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return text
    if value.tzinfo is None:
        value = value.replace(tzinfo=BEIJING)
    return value.isoformat(timespec="seconds")


def parse_submission(form: dict[str, Any], posted: MultiDict[str, str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Turn posted text into task data typed as the schema says; also return the text as typed.

    Empty text means "not given" (so ``required`` speaks, and optional fields stay absent).
    """
    props: dict[str, Any] = form.get("schema", {}).get("properties", {})
    data: dict[str, Any] = {}
    typed: dict[str, Any] = {}
    for f in fields_of(form, "zh_CN"):
        prop = props[f.name]
        if f.widget == "file":
            continue
        if f.widget == "checkbox":
            data[f.name] = posted.get(f.name) in ("on", "true", "1")
            typed[f.name] = "true" if data[f.name] else ""
            continue
        text = (posted.get(f.name) or "").strip()
        typed[f.name] = text
        if not text:
            continue
        if f.choices:
            raw = {_encode(o["const"]): o["const"] for o in prop.get("oneOf", []) if "const" in o}
            raw.update({_encode(v): v for v in prop.get("enum", [])})
            data[f.name] = raw.get(text, text)
        elif f.widget == "number":
            data[f.name] = _number(text, prop.get("type") == "integer")
        elif f.widget == "datetime":
            data[f.name] = _datetime(text)
        else:
            data[f.name] = text
    return data, typed


def _message(code: str, prop: dict[str, Any]) -> str:
    if code == "required":
        return _("This field is required.")
    if code == "maxLength":
        return _("At most %(n)d characters.", n=int(prop.get("maxLength", 0)))
    if code == "minLength":
        if int(prop.get("minLength", 1)) <= 1:
            return _("This field must not be empty.")
        return _("At least %(n)d characters.", n=int(prop["minLength"]))
    if code in ("oneOf", "enum", "const", "anyOf"):
        return _("Please choose one of the options.")
    if code == "format":
        if prop.get("format") == "department_code":
            return _("Please choose a valid department.")
        if prop.get("format") in ("date-time", "date"):
            return _("Please enter a valid date and time.")
        return _("The format is not valid.")
    if code == "type":
        if prop.get("type") in ("number", "integer"):
            return _("Please enter a number.")
        return _("Please enter a valid value.")
    if code == "minimum":
        return _("Must be at least %(n)s.", n=prop.get("minimum"))
    if code == "maximum":
        return _("Must be at most %(n)s.", n=prop.get("maximum"))
    if code == "minItems":
        return _("Please add at least %(n)d photo(s).", n=int(prop.get("minItems", 1)))
    if code == "unknown":
        return _("This form has no such field.")
    return _("Please check this value.")


def error_messages(exc: Invalid, form: dict[str, Any] | None = None) -> dict[str, str]:
    """Field → message in the reader's language, from the engine's field errors and rule codes."""
    props: dict[str, Any] = (form or {}).get("schema", {}).get("properties", {})
    codes: dict[str, str] = exc.details.get("codes") or {}
    messages = {}
    for name, text in exc.fields.items():
        code = codes.get(name) or _guess_code(text)
        messages[name] = _message(code, props.get(name, {}))
    return messages


def _guess_code(text: str) -> str:
    """Field errors without a code (reports, places) still get a readable message."""
    lowered = text.lower()
    if "required" in lowered:
        return "required"
    if "at most" in lowered:
        return "maxLength"
    if "outside the managed area" in lowered:
        return "outside"
    if "unknown category" in lowered:
        return "category"
    return "invalid"


def report_messages(exc: Invalid) -> dict[str, str]:
    """Messages for the report pages (citizen and inspector), by field."""
    codes: dict[str, str] = exc.details.get("codes") or {}
    messages: dict[str, str] = {}
    for name, text in exc.fields.items():
        code = codes.get(name) or _guess_code(text)
        if code == "outside" or name in ("lon", "lat"):
            messages["location"] = (_("The point is outside the managed area; choose a place inside the city's "
                                      "grids.") if code == "outside" else _("Please choose the place on the map."))
        elif name == "category_code":
            messages[name] = _("Please choose a problem class.")
        elif name == "photos":
            messages[name] = photo_message(codes.get(name, ""))
        elif code == "maxLength":
            messages[name] = _("This text is too long.")
        elif name == "reporter_phone":
            messages[name] = _("Please enter a valid phone number.")
        else:
            messages[name] = _message(code, {})
    return messages


def photo_message(code: str) -> str:
    return {
        "too_large": _("The photo is too large."),
        "not_image": _("The file is not a photo we can read."),
        "unsupported_type": _("Please send a JPEG, PNG or WebP photo."),
        "too_many_pixels": _("The photo has too many pixels."),
        "too_many_files": _("Too many photos."),
        "required": _("Please take at least one photo."),
    }.get(code, _("The photo was not accepted."))


def describe_data(forms: dict[str, Any], action: str, data: dict[str, Any] | None, locale: str,
                  departments: dict[str, str]) -> list[tuple[str, str]]:
    """A timeline row's data as (label, value) pairs, using the stage's form for labels."""
    if not data:
        return []
    form = forms.get(action) or {}
    props: dict[str, Any] = form.get("schema", {}).get("properties", {})
    pairs = []
    for key, value in data.items():
        prop = props.get(key)
        if prop is None:
            continue  # facts the engine recorded for itself (sources, routing) stay off the page
        labels = dict(_choices(prop, locale))
        if isinstance(value, list):
            shown = _("%(n)d photo(s)", n=len(value))
        elif key == "department_code":
            shown = departments.get(str(value), str(value))
        else:
            shown = labels.get(_encode(value), _encode(value))
        pairs.append((_label(prop, locale, key), shown))
    return pairs


REPORT_FIELDS = ("category_code", "description", "address", "reporter_name", "reporter_phone")


def report_payload(posted: MultiDict[str, str], source: str) -> tuple[dict[str, Any], dict[str, str]]:
    """A report form as the engine's report payload, plus the text as typed (to redraw it)."""
    typed = {k: (posted.get(k) or "").strip() for k in (*REPORT_FIELDS, "lon", "lat")}
    payload: dict[str, Any] = {"source": source}
    for key in REPORT_FIELDS:
        if typed[key]:
            payload[key] = typed[key]
    for key in ("lon", "lat"):
        try:
            payload[key] = float(typed[key])
        except ValueError:
            payload[key] = None
    payload.setdefault("category_code", "")
    payload.setdefault("description", "")
    return payload, typed
