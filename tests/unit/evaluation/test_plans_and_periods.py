"""The plans file is data a city edits: a mistake is refused naming the field; periods by name."""

from __future__ import annotations

from datetime import date

import pytest
import yaml

from engine.errors import Invalid
from engine.evaluation.periods import parse_period
from engine.evaluation.plans import PLANS_FILE, band_score, parse_plans


def shipped() -> dict:
    return yaml.safe_load(PLANS_FILE.read_text(encoding="utf-8"))


def refusal(raw: dict) -> Invalid:
    with pytest.raises(Invalid) as refused:
        parse_plans(yaml.safe_dump(raw, allow_unicode=True))
    return refused.value


def test_the_shipped_plans_are_valid_and_weights_add_up():
    plans = parse_plans(PLANS_FILE.read_text(encoding="utf-8"))
    assert list(plans) == ["standard", "three_dimensions"]
    region = plans["standard"].weights("region")
    assert [(w.indicator, w.weight) for w in region] == [("public_report_rate", 0.1), ("filed_per_grid", 0.2),
                                                         ("close_rate", 0.3), ("on_time_close_rate", 0.4)]
    assert [plans["standard"].grade(v) for v in (90, 89.99, 75, 60, 40, 39.99, 0)] == ["A", "B", "B", "C", "D",
                                                                                    "E", "E"]


def test_a_bad_weight_is_refused_naming_its_field():
    raw = shipped()
    raw["plans"][0]["objects"]["region"][1]["weight"] = "lots"
    assert "plans/0/objects/region/1/weight" in refusal(raw).fields


def test_weights_that_do_not_add_up_to_one_are_refused():
    raw = shipped()
    raw["plans"][0]["objects"]["region"][3]["weight"] = 0.1  # the public implementation's typo (sum 0.7)
    err = refusal(raw)
    assert err.fields == {"plans/0/objects/region": "weights"} and "0.7" in str(err)


def test_an_unknown_indicator_or_duplicate_plan_is_refused():
    raw = shipped()
    raw["plans"][0]["objects"]["department"][0]["indicator"] = "happiness"
    assert refusal(raw).fields == {"plans/0/objects/department/0/indicator": "unknown"}
    raw = shipped()
    raw["plans"][1]["key"] = "standard"
    assert refusal(raw).fields == {"plans/1/key": "duplicate"}


def test_bands_below_upto_and_otherwise():
    bands = [{"below": 1, "score": 100}, {"upto": 4, "score": 90}, {"score": 0}]
    assert [band_score(bands, v) for v in (0, 0.99, 1, 4, 4.01)] == [100, 100, 90, 90, 0]


@pytest.mark.parametrize("text, kind, first, last", [
    ("2026-05-12", "day", date(2026, 5, 12), date(2026, 5, 12)),
    ("2026-W20", "week", date(2026, 5, 11), date(2026, 5, 17)),
    ("2026-02", "month", date(2026, 2, 1), date(2026, 2, 28)),
    ("2026-Q4", "quarter", date(2026, 10, 1), date(2026, 12, 31)),
    ("2026", "year", date(2026, 1, 1), date(2026, 12, 31)),
    ("2026-05-01..2026-05-20", "range", date(2026, 5, 1), date(2026, 5, 20)),
])
def test_periods_by_name(text, kind, first, last):
    period = parse_period(text)
    assert (period.kind, period.first_day, period.last_day, period.name) == (kind, first, last, text)


def test_a_month_starts_at_beijing_midnight_and_knows_its_predecessor():
    may = parse_period("2026-05")
    assert may.start.isoformat() == "2026-04-30T16:00:00+00:00" and may.previous().name == "2026-04"
    assert parse_period("2026-01").previous().name == "2025-12"


@pytest.mark.parametrize("text", ["May", "2026-13", "2026-02-30", "2026-05-20..2026-05-01", "2026-W60", ""])
def test_malformed_periods_name_the_field(text):
    with pytest.raises(Invalid) as refused:
        parse_period(text)
    assert refused.value.fields == {"period": "invalid"}


@pytest.mark.parametrize("text, year_ago", [("2026-02", "2025-02"), ("2026-Q1", "2025-Q1"), ("2026", "2025"),
                                            ("2026-W20", "2025-W20"), ("2026-W53", "2025-W52"),
                                            ("2028-02-29", "2027-02-28"),
                                            ("2026-05-01..2026-05-03", "2025-05-01..2025-05-03")])
def test_the_same_period_a_year_before(text, year_ago):
    assert parse_period(text).shifted_years(-1).name == year_ago
