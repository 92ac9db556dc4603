"""Synthetic case summary rows for the reads-at-scale section, generated column-wise with numpy.

A city's history looks like this: cases reported evenly over five years, mostly by inspectors
(the rest need on-site verification), each stage a few minutes to days after the previous one,
the handling time drawn around the stage's limit so that about one case in six closes late,
4 % voided at registration; and a tail of open cases reported in the last three weeks, each
stopped at one stage. Grids (hence streets, districts and inspectors), classes and
departments are the demo city's own. The distributions are plausible, not measured: they give
the indexes realistic selectivity (about 4,000 cases per district and month).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

US = 1_000_000
HOUR = 3600 * US
DAY = 24 * HOUR
NULL = np.int64(-1)
STAGES = ("register", "verify", "file", "dispatch", "handle", "check", "close")
STAGE_COLUMN = {"register": "registered_at", "verify": "verified_at", "file": "filed_at",
                "dispatch": "dispatched_at", "handle": "handled_at", "check": "checked_at", "close": "closed_at"}
SOURCES = np.array(["inspector", "citizen", "hotline", "video"])
SOURCE_P = [0.6, 0.2, 0.15, 0.05]
OPEN_STAGE_P = [0.08, 0.08, 0.08, 0.08, 0.40, 0.20, 0.08]
DESCRIPTIONS = np.array(["路边有一堆垃圾", "井盖缺失，存在安全隐患", "路灯不亮", "道路破损积水", "占道经营",
                         "绿化带内堆放杂物", "小广告张贴", "垃圾桶满溢"])


@dataclass(frozen=True)
class CityFacts:
    """What generated cases refer to: the demo city's grids, classes, departments and people."""

    grid_codes: np.ndarray  # str, 14 digits
    grid_lon: np.ndarray
    grid_lat: np.ndarray
    grid_area_class: np.ndarray  # str or None
    grid_inspector: np.ndarray  # int64, -1 when none
    categories: np.ndarray  # str codes
    category_kind: np.ndarray  # str
    district_departments: dict[str, list[str]]
    city_departments: list[str]
    operator_id: int
    definition_id: int
    standard: str


def _uniform(rng: np.random.Generator, n: int, lo_us: float, hi_us: float) -> np.ndarray:
    return rng.uniform(lo_us, hi_us, n).astype(np.int64)


def _chain(rng: np.random.Generator, start: np.ndarray, is_verified: np.ndarray) -> dict[str, np.ndarray]:
    """Stage times of a case that runs to the end, plus its handling deadline."""
    n = start.size
    reg = start + _uniform(rng, n, 5 * 60 * US, 2 * HOUR)
    ver = np.where(is_verified, reg + _uniform(rng, n, 30 * 60 * US, DAY), NULL)
    fil = np.where(is_verified, ver, reg) + _uniform(rng, n, 10 * 60 * US, 4 * HOUR)
    dis = fil + _uniform(rng, n, 5 * 60 * US, 2 * HOUR)
    limit = rng.choice(np.array([4, 24, 72, 120], dtype=np.int64) * HOUR, n)
    han = dis + (limit * rng.uniform(0.2, 1.25, n)).astype(np.int64)
    chk = han + _uniform(rng, n, HOUR, DAY)
    clo = chk + _uniform(rng, n, 10 * 60 * US, 4 * HOUR)
    return {"registered_at": reg, "verified_at": ver, "filed_at": fil, "dispatched_at": dis, "deadline_at": dis + limit,
            "handled_at": han, "checked_at": chk, "closed_at": clo}


def generate_cases(facts: CityFacts, n_finished: int, n_open: int, first_id: int, now_us: int, years: int,
                   rng: np.random.Generator) -> dict[str, Any]:
    """Columns (name → numpy array) of ``n_finished`` finished then ``n_open`` open cases.

    Times are int64 microseconds since the epoch (UTC), -1 for NULL.
    """
    n = n_finished + n_open
    finished = np.arange(n) < n_finished
    start = np.where(finished, now_us - _uniform(rng, n, 10 * DAY, years * 365 * DAY),
                     now_us - _uniform(rng, n, HOUR, 21 * DAY))
    order = np.argsort(np.where(finished, start, now_us + start), kind="stable")  # ids rise with time
    start = start[order]
    source = rng.choice(SOURCES, n, p=SOURCE_P)
    is_verified = source != "inspector"
    times = _chain(rng, start, is_verified)
    status = np.full(n, "closed", dtype=object)
    void = finished & (rng.random(n) < 0.04)
    status[void] = "void"
    # Open cases stop at a stage: that stage and every later one has no time yet.
    stage_index = np.where(finished, len(STAGES), rng.choice(len(STAGES), n, p=OPEN_STAGE_P))
    stage_index = np.where(~finished & ~is_verified & (stage_index == 1), 2, stage_index)
    for k, stage in enumerate(STAGES):
        column = STAGE_COLUMN[stage]
        times[column] = np.where(stage_index <= k, NULL, np.minimum(times[column], now_us - 60 * US))
        status[~finished & (stage_index == k)] = stage
    for column in ("verified_at", "filed_at", "dispatched_at", "handled_at", "checked_at", "closed_at",
                   "deadline_at"):
        times[column] = np.where(void, NULL, times[column])
    times["deadline_at"] = np.where(times["dispatched_at"] == NULL, NULL, times["deadline_at"])
    times["voided_at"] = np.where(void, times["registered_at"] + 5 * 60 * US, NULL)
    times["evaluated_at"] = times["closed_at"]
    times["reported_at"] = start
    last = np.maximum.reduce([times[c] for c in times])
    times["updated_at"] = last

    grid = rng.integers(0, facts.grid_codes.size, n)
    codes = facts.grid_codes[grid]
    category = rng.integers(0, facts.categories.size, n)
    district = np.array([c[:6] for c in codes.tolist()], dtype=object)
    department = _departments(facts, district, rng)
    department = np.where(times["dispatched_at"] == NULL, None, department)
    reporter_is_inspector = source == "inspector"
    inspector = facts.grid_inspector[grid]
    ids = np.arange(first_id, first_id + n, dtype=np.int64)
    return {
        "id": ids, "definition_id": facts.definition_id, "source": source, "standard": facts.standard,
        "kind": facts.category_kind[category], "category_code": facts.categories[category],
        "description": DESCRIPTIONS[rng.integers(0, DESCRIPTIONS.size, n)], "address": "和平路 1 号",
        "lon": facts.grid_lon[grid], "lat": facts.grid_lat[grid], "grid_code": codes,
        "community_code": np.array([c[:12] for c in codes.tolist()], dtype=object),
        "street_code": np.array([c[:9] for c in codes.tolist()], dtype=object), "district_code": district,
        "reporter_name": np.where(reporter_is_inspector, None, "张三"),
        "reporter_phone": np.where(reporter_is_inspector, None, "13800000000"),
        "reporter_id": np.where(reporter_is_inspector & (inspector >= 0), inspector, facts.operator_id),
        "status": status, "department_code": department, "urgency": "normal",
        "area_class": facts.grid_area_class[grid], "return_count": 0, "rework_count": 0, "row_version": 1,
        **times,
    }


def _departments(facts: CityFacts, district: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """70 % a district department of the case's district, else a city department."""
    n = district.size
    out = np.array(facts.city_departments, dtype=object)[rng.integers(0, len(facts.city_departments), n)]
    local = rng.random(n) < 0.7
    pick = rng.integers(0, 1 << 30, n)
    for code, departments in facts.district_departments.items():
        mask = local & (district == code)
        if departments and mask.any():
            out[mask] = np.array(departments, dtype=object)[pick[mask] % len(departments)]
    return out


def case_numbers(ids: np.ndarray, reported_us: np.ndarray) -> tuple[list[str], list[str]]:
    """``case_no`` as the engine makes it (Beijing date + 7-digit id) and a unique tracking code.

    Tracking codes start with '0', which the engine's alphabet never uses, so they cannot collide
    with the codes of engine-made cases.
    """
    beijing = (reported_us + 8 * HOUR).astype("datetime64[us]").astype("datetime64[D]")
    days = np.char.replace(np.datetime_as_string(beijing, unit="D").astype("U10"), "-", "")
    numbers = [f"{d}{i:07d}" for d, i in zip(days.tolist(), ids.tolist(), strict=True)]
    tracking = [f"0{i:09d}" for i in ids.tolist()]
    return numbers, tracking


def time_text(values: np.ndarray) -> list[str | None]:
    """int64 µs → 'YYYY-MM-DD HH:MM:SS.ffffff' (UTC), the text SQLAlchemy stores on SQLite; -1 → None.

    PostgreSQL reads the same text into ``timestamptz`` when the session's time zone is UTC.
    """
    text = np.datetime_as_string(np.where(values < 0, 0, values).astype("datetime64[us]"), unit="us").astype("U26")
    text.view(np.uint32).reshape(-1, 26)[:, 10] = ord(" ")
    out: list[str | None] = text.tolist()
    for i in np.flatnonzero(values < 0).tolist():
        out[i] = None
    return out
