"""Worked examples: March 2026 of tests/evaluation_data.py, every figure computed by hand.

Cutoff 2026-04-01 00:00 (Beijing). Per case, for its region and department (docs/EVALUATION.md):

  c1  天山 G01 inspector  filed, handled 03-03 12:00 ≤ deadline 18:00, closed          → closed on time
  c2  天山 G01 citizen    filed, handled 03-07 > deadline 03-06, closed, returned       → closed late
  c3  天山 G04 inspector  filed, open, deadline 03-20 passed, extended                 → to close, overdue
  c4  天山 G02 hotline    filed, handled by the extended deadline, closed, reworked     → closed on time
  c5  天山 G02 inspector  voided at registration                                       → reported, not valid
  c6  沙区 H01 inspector  filed in February, handled 03-04 after its deadline, closed   → closed late
  c7  沙区 H01 citizen    filed, suspended 03-04 and still suspended                   → not to close
  c8  沙区 H04 inspector  filed, open, deadline in April                               → to close
  c9  天山 G01 inspector  self-handled, closed without a deadline                      → closed on time
  c10 沙区 H02 inspector  filed, handled and closed in April                           → open at the cutoff
  c11 沙区 H03 inspector  filed 03-06, voided after filing 03-08                       → filed, void
  c12 沙区 H02 citizen    reported, waiting for verification                           → public report
"""

from __future__ import annotations

import pytest

from engine.errors import Forbidden, Invalid, NotFound
from engine.evaluation import scorecards
from engine.evaluation.plans import get_plan
from tests.evaluation_data import load_month
from tests.factories import actor

MARCH = "2026-03"


@pytest.fixture
def month(deps, clock):  # type: ignore[no-untyped-def]
    return load_month(deps, clock)


def card(deps, object_type: str, plan: str | None = None) -> dict[str, scorecards.Row]:  # type: ignore[no-untyped-def]
    result = scorecards.scorecard(deps, actor(deps, "leader"), object_type, MARCH, plan)
    return {row.code: row for row in result.rows}


def values(row: scorecards.Row) -> dict[str, tuple[float | None, float | None]]:
    return {key: (f.value, f.score) for key, f in row.indicators.items()}


def test_districts_counts_indicators_scores_grades_and_ranks(deps, month):
    rows = card(deps, "district")
    tianshan, shayibake = rows["650102"], rows["650103"]
    assert {k: v for k, v in tianshan.counts.items() if v} == {
        "reported": 4, "valid_reported": 3,                        # c1 c3 c5 c9; c5 voided
        "public_reported": 2, "public_verified": 2,               # c2 c4
        "filed": 4, "void": 1,                                    # c1 c2 c3 c4; c5
        "to_handle": 4, "handled": 3, "handled_on_time": 2, "handled_late": 1, "overdue_unhandled": 1,
        "to_close": 5, "closed": 4, "closed_on_time": 3, "closed_late": 1,   # c9 self-handled counts
        "rework": 1, "extended": 1, "returned": 1, "self_handled": 1}
    assert {k: v for k, v in shayibake.counts.items() if v} == {
        "reported": 3, "valid_reported": 3,                        # c8 c10 c11 (c6 is February's)
        "public_reported": 2, "public_verified": 1,               # c7 c12; c7 filed
        "filed": 4, "void": 1,                                    # c7 c8 c10 c11; c11
        "to_handle": 3, "handled": 1, "handled_late": 1,          # c6 c8 c10 (c7 suspended)
        "to_close": 3, "closed": 1, "closed_late": 1, "suspended": 1}
    # 监督举报率 2/4 = 50 → 50; 立案数 per grid: G01 2 → 90, G02 1 → 90, G03 0 → 100, G04 (A) 1 → 90, mean 92.5;
    # 结案率 4/5 = 80; 按期结案率 3/5 = 60 → 0.1×50 + 0.2×92.5 + 0.3×80 + 0.4×60 = 71.5 → C
    assert values(tianshan) == {"public_report_rate": (50.0, 50.0), "filed_per_grid": (1.0, 92.5),
                                "close_rate": (80.0, 80.0), "on_time_close_rate": (60.0, 60.0)}
    assert (tianshan.composite, tianshan.grade, tianshan.rank) == (71.5, "C", 1)
    # 1/4 = 25 → 75; every grid 1 → 90; 1/3 = 33.33; 0/3 = 0 → 7.5 + 18 + 9.999 + 0 = 35.50 → E
    assert values(shayibake) == {"public_report_rate": (25.0, 75.0), "filed_per_grid": (1.0, 90.0),
                                 "close_rate": (33.33, 33.33), "on_time_close_rate": (0.0, 0.0)}
    assert (shayibake.composite, shayibake.grade, shayibake.rank) == (35.5, "E", 2)


def test_the_city_street_and_community(deps, month):
    city = card(deps, "city")["city"]
    # 3/8 = 37.5 → 62.5; grids (90+90+100+90 + 4×90)/8 = 91.25; 5/8 = 62.5; 3/8 = 37.5
    assert values(city) == {"public_report_rate": (37.5, 62.5), "filed_per_grid": (1.0, 91.25),
                            "close_rate": (62.5, 62.5), "on_time_close_rate": (37.5, 37.5)}
    assert (city.composite, city.grade, city.rank) == (58.25, "D", 1)  # 6.25 + 18.25 + 18.75 + 15
    street, community = card(deps, "street")["650102001"], card(deps, "community")["650102001001"]
    assert street.composite == community.composite == 71.5  # one street, one community: the district's figures


def test_grids_with_renormalised_weights_and_tied_ranks(deps, month):
    rows = card(deps, "grid")
    g = "650102001001"
    h = "650103001001"
    # G01: c1 c2 c9 — 1/2 → 50; 2 filed (B) → 90; 3/3 → 100; 2/3 → 66.67 → 5 + 18 + 30 + 26.668 = 79.67 B
    assert (rows[g + "01"].composite, rows[g + "01"].grade) == (79.67, "B")
    # G02: c4 c5 — 1/1 → 0; 1 → 90; 1/1; 1/1 → 0 + 18 + 30 + 40 = 88 B
    assert (rows[g + "02"].composite, rows[g + "02"].grade) == (88.0, "B")
    # G03: no case — every rate has no denominator: no composite, not ranked
    assert (rows[g + "03"].composite, rows[g + "03"].grade, rows[g + "03"].rank) == (None, None, None)
    # G04 (A): c3 open — 0/1 → 100; 1 filed in an A grid → 90; 0/1; 0/1 → 10 + 18 = 28 E
    assert (rows[g + "04"].composite, rows[g + "04"].grade) == (28.0, "E")
    # H01: c6 c7 — 1/1 → 0; 90; c6 closed late 1/1, 0/1 → 0 + 18 + 30 + 0 = 48 D
    assert (rows[h + "01"].composite, rows[h + "01"].grade) == (48.0, "D")
    # H03: c11 filed then voided — nothing to close: (0.1×100 + 0.2×90) / 0.3 = 93.33 A
    assert values(rows[h + "03"])["close_rate"] == (None, None)
    assert (rows[h + "03"].composite, rows[h + "03"].grade) == (93.33, "A")
    # H02 (c10 open at the cutoff) and H04 (c8): 28 like G04; three-way tie shares rank 5
    assert [(code[-2:] if code.startswith(g) else "H" + code[-2:], row.rank) for code, row in rows.items()
            if row.rank] == [("H03", 1), ("02", 2), ("01", 3), ("H01", 4), ("04", 5), ("H02", 5), ("H04", 5)]


def test_departments(deps, month):
    rows = card(deps, "department")
    sanitation, water = rows["sanitation_650102"], rows["water"]
    # sanitation: c1 c2 c3 — filed 3 (≤ 50 → 100); 结案率 2/3; 按期处置率 1/3; 返工率 0/3 → 100
    assert values(sanitation) == {"filed": (3.0, 100.0), "close_rate": (66.67, 66.67),
                                  "on_time_handle_rate": (33.33, 33.33), "rework_rate": (0.0, 100.0)}
    assert (sanitation.composite, sanitation.grade, sanitation.rank) == (70.0, "C", 1)  # 10 + 20.001 + 9.999 + 30
    # water: c4 c6 c7 c8 c10 — filed c4 c7 c8 c10 = 4; to close c4 c6 c8 c10 (c7 suspended): 2/4;
    # handled on time c4: 1/4; reworked c4: 1/4 → 75 → 10 + 15 + 7.5 + 22.5 = 55 D
    assert values(water) == {"filed": (4.0, 100.0), "close_rate": (50.0, 50.0),
                             "on_time_handle_rate": (25.0, 25.0), "rework_rate": (25.0, 75.0)}
    assert (water.composite, water.grade, water.rank) == (55.0, "D", 2)
    idle = [row for code, row in rows.items() if code not in ("sanitation_650102", "water")]
    assert idle and all(row.rank is None and row.composite is None for row in idle)


def test_inspectors(deps, month):
    rows = card(deps, "inspector")
    a, b = rows["inspector_650102_01"], rows["inspector_650103_01"]
    # a: reports c1 c3 c5 c9, valid 3/4 = 75; 漏报 c2 c4 of the 4 filed in the beat: 50 → 50;
    # verify c2 on time, c4 late: 50; check c1 c2 on time, c4 late: 66.67 → 30 + 10 + 10 + 13.334 = 63.33 C
    assert values(a) == {"valid_report_rate": (75.0, 75.0), "missed_rate": (50.0, 50.0),
                         "on_time_verify_rate": (50.0, 50.0), "on_time_check_rate": (66.67, 66.67)}
    assert (a.composite, a.grade, a.rank) == (63.33, "C", 2)
    # b: c8 c10 c11 all valid: 100; 漏报 c7 of c7 c8 c10 c11: 25 → 75; verify c7 late and c12 left
    # open past its due time: 0/2; no check: (40 + 15 + 0) / 0.8 = 68.75 C
    assert values(b) == {"valid_report_rate": (100.0, 100.0), "missed_rate": (25.0, 75.0),
                         "on_time_verify_rate": (0.0, 0.0), "on_time_check_rate": (None, None)}
    assert (b.composite, b.grade, b.rank) == (68.75, "C", 1)


def test_operator_shift_leader_and_dispatcher(deps, month):
    operator = card(deps, "operator")["operator"]
    # registered c2 c4 c7 c12 (4 → below 301 → 0); each went to verification, c4's late: 3/4;
    # check tasks of c2 and c4 created in March, automatic: 2/2 → 0 + 30 + 35 = 65 C
    assert values(operator) == {"accepted": (4.0, 0.0), "on_time_verify_dispatch_rate": (75.0, 75.0),
                                "on_time_check_dispatch_rate": (100.0, 100.0)}
    assert (operator.composite, operator.grade, operator.rank) == (65.0, "C", 1)
    leader = card(deps, "shift_leader")["shift_leader"]
    # filed c1 c2 (late) c4 c11: 3/4; c11 voided afterwards: accurate 3/4; closed c1, c2 late: 1/2
    assert values(leader) == {"on_time_file_rate": (75.0, 75.0), "accurate_file_rate": (75.0, 75.0),
                              "on_time_close_task_rate": (50.0, 50.0)}
    assert (leader.composite, leader.grade) == (66.25, "C")  # 18.75 + 30 + 17.5
    dispatcher = card(deps, "dispatcher")["dispatcher"]
    # dispatched c1 c2 c4 (c4 late): 2/3; c2 returned afterwards: accurate 2/3 → 0 + 26.668 + 26.668
    assert values(dispatcher) == {"dispatched": (3.0, 0.0), "on_time_dispatch_rate": (66.67, 66.67),
                                  "accurate_dispatch_rate": (66.67, 66.67)}
    assert (dispatcher.composite, dispatcher.grade, dispatcher.rank) == (53.34, "D", 1)


def test_another_plan_scores_the_same_facts_its_own_way(deps, month):
    rows = card(deps, "district", "three_dimensions")
    # 天山: 结案率 80 ×0.3 + 按期 60 ×0.3 + (100 − 返工率 20) ×0.2 + (100 − 超期结案率 20) ×0.2 = 74 C
    assert (rows["650102"].composite, rows["650102"].grade) == (74.0, "C")
    # 沙区: 33.33 ×0.3 + 0 + 100 ×0.2 + (100 − 33.33) ×0.2 = 43.33 D
    assert (rows["650103"].composite, rows["650103"].grade) == (43.33, "D")
    assert get_plan("three_dimensions").version == 1


def test_a_district_limited_role_sees_its_district_and_others_see_nothing(deps, month):
    rows = scorecards.scorecard(deps, actor(deps, "dispatcher_650102"), "district", MARCH).rows
    assert [r.code for r in rows] == ["650102"]
    with pytest.raises(Forbidden):
        scorecards.scorecard(deps, actor(deps, "inspector_650102_01"), "district", MARCH)
    with pytest.raises(NotFound):
        scorecards.scorecard(deps, actor(deps, "leader"), "planet", MARCH)
    with pytest.raises(Invalid) as refused:
        scorecards.scorecard(deps, actor(deps, "leader"), "district", "March")
    assert refused.value.fields == {"period": "invalid"}


def test_cases_the_engine_ran_are_counted_from_its_own_facts(deps):
    from tests.factories import act, report, straight_through

    closed = report(deps)
    straight_through(deps, closed.case_no)
    voided = report(deps)
    act(deps, voided.case_no, "register", {"decision": "void", "void_reason": "重复上报"})
    district = card(deps, "district")["650102"]
    assert (district.counts["reported"], district.counts["filed"], district.counts["void"]) == (2, 1, 1)
    assert (district.counts["to_close"], district.counts["closed_on_time"]) == (1, 1)
    assert card(deps, "department")["sanitation_650102"].counts["handled_on_time"] == 1
    assert card(deps, "dispatcher")["dispatcher_650102"].counts["dispatched"] == 1  # its sub-centre
    assert card(deps, "shift_leader")["shift_leader"].counts["close_decisions"] == 1
    assert card(deps, "operator")["operator"].counts["accepted"] == 1  # the voided report was not accepted
    inspector = card(deps, "inspector")["inspector_650102_01"]
    assert (inspector.counts["reported"], inspector.counts["valid_reported"], inspector.counts["to_check"]) == (2, 1, 1)


def test_a_dispatchers_request_to_void_is_not_a_dispatch(deps, clock):
    from tests.factories import MANHOLE, act, open_task, report

    case = report(deps, category=MANHOLE)  # a city-level class: the city command centre dispatches it
    act(deps, case.case_no, "register", {"decision": "file"})
    act(deps, case.case_no, "file", {"decision": "file"})
    act(deps, case.case_no, "dispatch", {"decision": "void", "void_reason": "不属于城管职责"})
    assert open_task(deps, case.case_no).stage == "approve_void"
    dispatcher = card(deps, "dispatcher")["dispatcher"]
    assert dispatcher.counts["dispatched"] == 0 and dispatcher.composite is None
    clock.advance(minutes=5)
    act(deps, case.case_no, "approve_void", {"approved": False})  # refused: back to dispatch, then dispatched
    clock.advance(minutes=5)
    act(deps, case.case_no, "dispatch", {"decision": "dispatch", "department_code": "water"})
    scorecards._cache.clear()  # the minute's cache: the facts changed
    assert card(deps, "dispatcher")["dispatcher"].counts["dispatched"] == 1
