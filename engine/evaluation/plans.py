"""Evaluation plans (评价方案): weights, score bands and grade bands, read from a data file.

A city changes how it scores without a programmer: ``workflows/evaluation_plans.yaml`` holds one
or more plans (the standard's weights, a "量/质/效率" layout, …). The file is validated with
JSON Schema and against the indicator catalogue; a refusal names the field (``plans/0/objects/
region/1/weight``). Each plan's ``version`` is the file's word for it; its ``digest`` (SHA-256 of
the plan's canonical JSON) is what a published snapshot stores, so a silent edit of a published
plan is detected.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from engine.errors import Invalid, NotFound
from engine.evaluation.indicators import INDICATORS, OBJECT_GROUPS

PLANS_FILE = Path(__file__).resolve().parents[2] / "workflows" / "evaluation_plans.yaml"

_BAND = {"type": "object", "additionalProperties": False, "required": ["score"],
         "properties": {"below": {"type": "number"}, "upto": {"type": "number"},
                        "score": {"type": "number", "minimum": 0, "maximum": 100}}}
_BANDS = {"type": "array", "minItems": 1, "items": _BAND}
_SCORE = {"oneOf": [
    {"enum": ["rate", "inverse"]},
    {"type": "object", "additionalProperties": False, "required": ["bands"], "properties": {"bands": _BANDS}},
    {"type": "object", "additionalProperties": False, "required": ["bands_by_area_class"],
     "properties": {"bands_by_area_class": {"type": "object", "required": ["default"],
                                            "additionalProperties": _BANDS}}},
]}
_WEIGHTED = {"type": "array", "minItems": 1, "items": {
    "type": "object", "additionalProperties": False, "required": ["indicator", "weight", "score"],
    "properties": {"indicator": {"type": "string"}, "weight": {"type": "number", "exclusiveMinimum": 0,
                                                               "maximum": 1}, "score": _SCORE}}}
SCHEMA: dict[str, Any] = {
    "type": "object", "additionalProperties": False, "required": ["plans"],
    "properties": {"plans": {"type": "array", "minItems": 1, "items": {
        "type": "object", "additionalProperties": False,
        "required": ["key", "version", "name", "grades", "objects"],
        "properties": {
            "key": {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,31}$"},
            "version": {"type": "integer", "minimum": 1},
            "name": {"type": "string", "minLength": 1},
            "public_sources": {"type": "array", "items": {"type": "string"}},
            "grades": {"type": "array", "minItems": 1, "items": {
                "type": "object", "additionalProperties": False, "required": ["grade", "min"],
                "properties": {"grade": {"type": "string", "minLength": 1}, "min": {"type": "number"}}}},
            "objects": {"type": "object", "minProperties": 1, "additionalProperties": False,
                        "properties": {group: _WEIGHTED for group in OBJECT_GROUPS}},
        }}}},
}


@dataclass(frozen=True)
class Weighted:
    indicator: str
    weight: float
    score: Any  # "rate" | "inverse" | {"bands": [...]} | {"bands_by_area_class": {...}}


@dataclass(frozen=True)
class Plan:
    key: str
    version: int
    name: str
    public_sources: tuple[str, ...]
    grades: tuple[tuple[str, float], ...]  # (grade, min), highest first
    objects: dict[str, tuple[Weighted, ...]]
    digest: str
    raw: dict[str, Any]

    def weights(self, group: str) -> tuple[Weighted, ...]:
        return self.objects.get(group, ())

    def grade(self, value: float) -> str:
        for grade, low in self.grades:
            if value >= low:
                return grade
        return self.grades[-1][0]


def _where(path: Any) -> str:
    return "/".join(str(p) for p in path) or "(file)"


def _check_semantics(raw: dict[str, Any]) -> None:
    keys = set()
    for i, plan in enumerate(raw["plans"]):
        if plan["key"] in keys:
            raise Invalid(f"evaluation plans: plans/{i}/key '{plan['key']}' is used twice",
                          fields={f"plans/{i}/key": "duplicate"})
        keys.add(plan["key"])
        for group, items in plan["objects"].items():
            total = 0.0
            for j, item in enumerate(items):
                field = f"plans/{i}/objects/{group}/{j}/indicator"
                known = INDICATORS.get(item["indicator"])
                if known is None or group not in known.groups:
                    raise Invalid(f"evaluation plans: {field} '{item['indicator']}' is not an indicator of "
                                  f"{group}", fields={field: "unknown"})
                total += item["weight"]
            if abs(total - 1.0) > 1e-6:
                field = f"plans/{i}/objects/{group}"
                raise Invalid(f"evaluation plans: the weights of {field} add up to {total:g}, not 1",
                              fields={field: "weights"})


def parse_plans(text: str, source: str = "evaluation_plans.yaml") -> dict[str, Plan]:
    """Validate a plans file and return its plans by key.

    :raises Invalid: naming the field (``plans/0/grades/1/min``) and what is wrong with it.
    """
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise Invalid(f"{source}: not YAML: {exc}", fields={"(file)": "yaml"}) from None
    errors = sorted(jsonschema.Draft202012Validator(SCHEMA).iter_errors(raw), key=lambda e: list(e.absolute_path))
    if errors:
        err = max(errors, key=lambda e: len(e.absolute_path))
        field = _where(err.absolute_path)
        raise Invalid(f"{source}: {field} is invalid: {err.message}", fields={field: err.validator})
    _check_semantics(raw)
    plans = {}
    for plan in raw["plans"]:
        digest = hashlib.sha256(json.dumps(plan, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
        grades = tuple(sorted(((g["grade"], float(g["min"])) for g in plan["grades"]), key=lambda g: -g[1]))
        objects = {group: tuple(Weighted(w["indicator"], float(w["weight"]), w["score"]) for w in items)
                   for group, items in plan["objects"].items()}
        plans[plan["key"]] = Plan(plan["key"], plan["version"], plan["name"],
                                  tuple(plan.get("public_sources", ["citizen", "hotline", "media"])),
                                  grades, objects, digest, plan)
    return plans


_cache: dict[Path, tuple[float, dict[str, Plan]]] = {}


def load_plans(path: Path | None = None) -> dict[str, Plan]:
    """The plans of the file (re-read when it changes on disk)."""
    path = path or PLANS_FILE
    mtime = path.stat().st_mtime
    cached = _cache.get(path)
    if cached is None or cached[0] != mtime:
        _cache[path] = (mtime, parse_plans(path.read_text(encoding="utf-8"), path.name))
    return _cache[path][1]


def get_plan(key: str | None, path: Path | None = None) -> Plan:
    """A plan by key; without a key the file's first plan.

    :raises NotFound: no plan has that key.
    """
    plans = load_plans(path)
    if not key:
        return next(iter(plans.values()))
    if key not in plans:
        raise NotFound(f"no evaluation plan '{key}' (known: {', '.join(plans)})")
    return plans[key]


def plan_from_raw(raw: dict[str, Any]) -> Plan:
    """A plan rebuilt from what a snapshot stored (validated again, it may come from an old file)."""
    return parse_plans(yaml.safe_dump({"plans": [raw]}, allow_unicode=True), "snapshot")[raw["key"]]


def band_score(bands: list[dict[str, Any]], value: float) -> float:
    """The score of the first band the value falls in (``below``: <, ``upto``: <=, neither: otherwise)."""
    for band in bands:
        if "below" in band and not value < band["below"]:
            continue
        if "upto" in band and not value <= band["upto"]:
            continue
        return float(band["score"])
    return 0.0
