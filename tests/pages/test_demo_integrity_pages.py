"""The demo plants cases that make every integrity signal fire in the last month that ended
(demo/signals.py), and the integrity page shows each with its evidence."""

from __future__ import annotations

from sqlalchemy import select

from engine.evaluation import integrity
from engine.store.models import Case
from tests.factories import actor
from tests.integration.test_demo_loader import CASES, load_slice

MONTH = "2026-02"  # the test clock is in March 2026


def test_the_demo_shows_each_integrity_signal_with_its_evidence(deps, pages):
    summary = load_slice(deps)
    assert summary.signals_period == MONTH and summary.signal_cases > 0 and summary.cases_created == CASES
    found = integrity.signals(deps, actor(deps, "leader"), MONTH)
    config = deps.settings.raw["decision_signals"]

    [photo] = found["photo_reused"]
    assert len(photo["cases"]) == 2 and [e["kind"] for e in photo["evidence"]] == ["before", "before"]
    assert len({e["uploaded_by"] for e in photo["evidence"]}) == 1  # one inspector, one photo, two reports

    [quick] = found["quick_check"]
    assert len(quick["evidence"]) >= config["quick_check_min_cases"]
    assert all(0 <= e["minutes"] < config["quick_check_minutes"] for e in quick["evidence"])

    [swing] = found["report_swing"]
    assert swing["direction"] == "surge" and swing["baseline"] >= config["report_min_baseline"]
    assert swing["reports"] > swing["baseline"] * config["report_surge_ratio"]
    assert [e["period"] for e in swing["evidence"]] == ["2025-10", "2025-11", "2025-12", "2026-01"]

    [bunched] = found["bunched_reports"]
    assert bunched["inspector"] == swing["inspector"] and bunched["reports"] >= config["bunch_min_reports"]
    assert bunched["share"] >= 100 * config["bunch_share"] > bunched["expected_share"]

    with deps.uow() as uow:  # planted cases are real cases the engine moved: closed, with their tasks
        statuses = set(uow.session.scalars(select(Case.status).where(Case.idempotency_key.like("%:demo-signal-%"))))
    assert statuses == {"closed"}
    # …in the last month that ended: this month has no staged checks and no bunched reports
    now = integrity.signals(deps, actor(deps, "leader"), "2026-03")
    assert now["quick_check"] == now["bunched_reports"] == []

    pages.login("leader")
    html = pages.get(f"/evaluation/integrity?period={MONTH}").get_data(as_text=True)
    for case_no in photo["cases"] + quick["cases"]:
        assert case_no in html
    assert swing["inspector"] in html and f"{bunched['in_last_days']} 件在最后" in html
    assert "None." not in html and "无。" not in html
