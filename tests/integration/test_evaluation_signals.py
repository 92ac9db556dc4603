"""Decision support and integrity signals, each on a constructed dataset that fires it and one
that does not (thresholds from ``decision_signals`` in config.yaml)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import insert, select

from engine.errors import Forbidden
from engine.evaluation import decisions, integrity
from engine.store.models import Task, User
from engine.store.ui_models import Attachment
from engine.time.clock import BEIJING
from tests.evaluation_data import G, H, add_case
from tests.factories import actor

FEB = "2026-02"


def day(month: int, d: int, hh: int = 9, year: int = 2026) -> datetime:
    return datetime(year, month, d, hh, tzinfo=BEIJING)


def reported(number: str, when: datetime, grid: str = G + "01", **more) -> int:  # type: ignore[no-untyped-def]
    return add_case(more.pop("deps"), number, grid=grid, source=more.pop("source", "citizen"),
                    status=more.pop("status", "register"), reported=when, **more)


def test_recurrences_same_class_same_grid_three_times_in_30_days(deps):
    for n, d in enumerate((1, 10, 25)):  # G01: fires
        reported(f"R1-{n}", day(2, d), deps=deps, dept="sanitation_650102")
    for n, d in enumerate((3, 12)):      # G02: twice, and a third voided — does not fire
        reported(f"R2-{n}", day(2, d), G + "02", deps=deps)
    reported("R2-void", day(2, 20), G + "02", deps=deps, status="void")
    for n, when in enumerate((day(1, 1), day(1, 20), day(2, 15))):  # G03: never 3 within 30 days
        reported(f"R3-{n}", when, G + "03", deps=deps)
    for n, grid in enumerate((H + "01", H + "02", H + "03")):  # one manhole cover, three grids: fires
        reported(f"R4-{n}", day(2, 5 + n), grid, deps=deps, category="10101", component="6501030101000007")
    found = decisions.recurrences(deps, actor(deps, "leader"), FEB)
    assert [(f["kind"], f["code"], f["count"]) for f in found] == [
        ("grid", G + "01", 3), ("component", "6501030101000007", 3)]
    grid = found[0]
    assert grid["cases"] == ["R1-0", "R1-1", "R1-2"] and grid["departments"] == ["sanitation_650102"]
    assert grid["category_name"] == "暴露垃圾"
    hot = decisions.hot_spots(deps, actor(deps, "leader"), FEB)
    assert hot["places"][0] == {"code": G + "01", "name": "网格01", "cases": 3, "share": 33.33}  # 3 of 9 (not void)
    assert decisions.recurrences(deps, actor(deps, "leader"), "2026-01") == []


def _photo(deps, case_id: int, sha: str, kind: str, when: datetime) -> None:  # type: ignore[no-untyped-def]
    with deps.uow(write=True) as uow:
        uow.session.execute(insert(Attachment).values(case_id=case_id, sha256=sha, kind=kind, content_type="image/jpeg",
                                                      size_bytes=100, width=10, height=10, uploaded_by="x",
                                                      uploaded_at=when))
        uow.commit()


def test_a_photo_reused_on_another_case_is_flagged(deps):
    one, two = reported("P1", day(2, 4), deps=deps), reported("P2", day(2, 5), deps=deps)
    _photo(deps, one, "a" * 64, "after", day(2, 4, 12))
    _photo(deps, two, "a" * 64, "after", day(2, 5, 12))   # the same file on another case: fires
    _photo(deps, one, "b" * 64, "before", day(2, 4, 10))
    _photo(deps, one, "b" * 64, "evidence", day(2, 4, 11))  # the same file twice on one case: does not
    found = integrity.signals(deps, actor(deps, "leader"), FEB)["photo_reused"]
    assert [(f["sha256"][:1], f["cases"]) for f in found] == [("a", ["P1", "P2"])]
    assert [e["case_no"] for e in found[0]["evidence"]] == ["P1", "P2"]


def _reports(deps, who: str, month: int, count: int, year: int = 2026) -> None:  # type: ignore[no-untyped-def]
    for n in range(count):
        reported(f"S-{who[-9:]}-{year}{month:02d}-{n}", day(month, 1 + n, year=year), deps=deps, source="inspector",
                 by=who)


def test_an_inspectors_reports_collapsing_against_their_baseline(deps):
    a, b = "inspector_650102_01", "inspector_650103_01"
    for month, year in ((10, 2025), (11, 2025), (12, 2025), (1, 2026)):
        _reports(deps, a, month, 6, year)
        _reports(deps, b, month, 6, year)
    _reports(deps, a, 2, 1)  # 1 against a baseline of 6: below 6 × 0.5 — fires
    _reports(deps, b, 2, 7)  # 7 against 6: within its range — does not
    found = integrity.signals(deps, actor(deps, "leader"), FEB)["report_swing"]
    assert [(f["inspector"], f["direction"], f["reports"], f["baseline"]) for f in found] == [(a, "collapse", 1, 6.0)]
    assert [e["reports"] for e in found[0]["evidence"]] == [6, 6, 6, 6]
    # raise the threshold under which nothing is judged: the same facts no longer fire
    deps.settings = deps.settings.replace(decision_signals={**deps.settings.raw["decision_signals"],
                                                            "report_min_baseline": 10})
    assert integrity.signals(deps, actor(deps, "leader"), FEB)["report_swing"] == []


def _checked(deps, number: str, who: str, handled: datetime, minutes: float) -> None:  # type: ignore[no-untyped-def]
    case_id = reported(number, handled - timedelta(days=1), deps=deps, status="closed", handled=handled)
    with deps.uow(write=True) as uow:
        user = uow.session.scalar(select(User.id).where(User.username == who))
        uow.session.execute(insert(Task).values(
            id=f"chk-{number}", case_id=case_id, bpmn_id="check", name="核查", stage="check", lane="inspector",
            scope="grid", form_key="check", state="completed", created_at=handled,
            completed_at=handled + timedelta(minutes=minutes), completed_by_id=user, assignee_id=user, priority=0,
            provisional=False))
        uow.commit()


def test_checks_minutes_after_handling_by_the_same_inspector(deps):
    a, b = "inspector_650102_01", "inspector_650103_01"
    _checked(deps, "Q1", a, day(2, 3, 10), 3)
    _checked(deps, "Q2", a, day(2, 9, 10), 6)    # two within 10 minutes: fires
    _checked(deps, "Q3", b, day(2, 4, 10), 4)    # one quick …
    _checked(deps, "Q4", b, day(2, 6, 10), 95)   # … one after an hour and a half: does not
    found = integrity.signals(deps, actor(deps, "leader"), FEB)["quick_check"]
    assert [(f["inspector"], f["cases"]) for f in found] == [(a, ["Q1", "Q2"])]
    assert [e["minutes"] for e in found[0]["evidence"]] == [3.0, 6.0]


def test_signals_are_for_the_city_centre(deps):
    with pytest.raises(Forbidden):
        integrity.signals(deps, actor(deps, "dispatcher_650102"), FEB)


def test_a_class_far_outside_its_usual_range_in_a_district(deps):
    # 天山区 暴露垃圾: 1 a week for eight weeks, then 9 — flagged; 井盖 steady at 2 a week — not flagged.
    weeks = [f"2026-W{w:02d}" for w in range(1, 10)]
    from engine.evaluation.periods import parse_period

    for i, week in enumerate(weeks):
        monday = parse_period(week).first_day
        garbage = 9 if week == weeks[-1] else 1
        for n in range(garbage):
            reported(f"A{i}-{n}", datetime(monday.year, monday.month, monday.day, 9 + n % 8, tzinfo=BEIJING),
                     deps=deps)
        for n in range(2):
            reported(f"M{i}-{n}", datetime(monday.year, monday.month, monday.day, 10, tzinfo=BEIJING), G + "02",
                     deps=deps, category="10101")
    found = decisions.anomalies(deps, actor(deps, "leader"), weeks[-1])
    assert [(f["district_code"], f["category_code"], f["cases"], f["mean"], f["direction"]) for f in found] == [
        ("650102", "20102", 9, 1.0, "up")]
    assert [h["cases"] for h in found[0]["history"]] == [1] * 8 and found[0]["year_ago"] == 0
    assert decisions.anomalies(deps, actor(deps, "leader"), weeks[-2]) == []  # an ordinary week


def test_reports_bunched_just_before_the_period_ends(deps):
    a, b = "inspector_650102_01", "inspector_650103_01"
    for n in range(10):  # a: 8 of 10 in the last two days of February — fires
        reported(f"B-a-{n}", day(2, 27 if n < 8 else 3 + n), deps=deps, source="inspector", by=a)
    for n in range(10):  # b: spread over the month — does not
        reported(f"B-b-{n}", day(2, 1 + 2 * n), deps=deps, source="inspector", by=b)
    found = integrity.signals(deps, actor(deps, "leader"), FEB)["bunched_reports"]
    assert [(f["inspector"], f["reports"], f["in_last_days"], f["share"]) for f in found] == [(a, 10, 8, 80.0)]
    assert found[0]["expected_share"] == 7.14  # 2 of 28 days
