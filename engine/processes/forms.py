"""Validate what a user submits for a task against the task's JSON form.

The form's schema is JSON Schema (draft 2020-12) from ``forms/``; szcg adds two rules the
schema language leaves open: keys the form does not declare are refused (a client must not
slip ``department_code`` into a check task), and custom ``format`` values are checked
against the database (``department_code`` must name an active department).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jsonschema
from jsonschema import Draft202012Validator, FormatChecker

from engine.errors import Invalid

FormatCheck = Callable[[str], bool]


def declared_fields(schema: dict[str, Any]) -> set[str]:
    """Every property name the form may carry, including those of if/then/else branches."""
    names = set(schema.get("properties", {}))
    for key in ("then", "else", "if"):
        if isinstance(schema.get(key), dict):
            names |= declared_fields(schema[key])
    for key in ("allOf", "anyOf", "oneOf"):
        for sub in schema.get(key, []):
            if isinstance(sub, dict):
                names |= declared_fields(sub)
    return names


def with_defaults(schema: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    """Fill in the fields a form declares a ``default`` for and the user left out."""
    filled = dict(data)
    for name, field in schema.get("properties", {}).items():
        if name not in filled and isinstance(field, dict) and "default" in field:
            filled[name] = field["default"]
    return filled


def validate_form(form: dict[str, Any], data: Any, formats: dict[str, FormatCheck] | None = None) -> dict[str, Any]:
    """Return ``data`` (with the form's defaults filled in) if it satisfies ``form``; else raise
    Invalid with one message per field.

    :raises Invalid: ``fields`` maps each field to its message, ``codes`` to the failed rule.
    """
    if not isinstance(data, dict):
        raise Invalid("the form data must be a JSON object", fields={"_": "not an object"})
    schema = form["schema"]
    data = with_defaults(schema, data)
    fields: dict[str, str] = {}
    codes: dict[str, str] = {}
    for key in sorted(set(data) - declared_fields(schema)):
        fields[key] = "unknown field: this form has no such field"
        codes[key] = "unknown"
    checker = FormatChecker()
    for name, check in (formats or {}).items():
        checker.checks(name)(check)
    validator = Draft202012Validator(schema, format_checker=checker)
    for error in validator.iter_errors(data):
        field, message = _describe(error)
        if field not in fields:
            fields[field] = message
            codes[field] = str(error.validator)
    if fields:
        summary = ", ".join(f"{k}: {v}" for k, v in fields.items())
        raise Invalid(f"the form is not valid ({summary})", fields=fields, codes=codes)
    return data


def _describe(error: jsonschema.ValidationError) -> tuple[str, str]:
    if error.validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else "_"
        return missing, "required"
    field = str(error.absolute_path[0]) if error.absolute_path else "_"
    if error.validator == "format":
        return field, f"'{error.instance}' is not a valid {error.validator_value}"
    if error.validator in ("enum", "oneOf", "const"):
        return field, f"'{error.instance}' is not one of the allowed choices"
    if error.validator == "type":
        return field, f"must be of type {error.validator_value}"
    return field, error.message
