"""Duplicate reports: candidates on the register task, voiding as a duplicate, both timelines."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.cases import queries, tasks
from engine.errors import Invalid
from engine.places.geocoder import metres_per_degree
from engine.store.models import Case
from tests.factories import INSIDE, MANHOLE, act, actor, open_task, report, straight_through

KX, KY = metres_per_degree(INSIDE[1])


def east(metres: float) -> tuple[float, float]:
    return INSIDE[0] + metres / KX, INSIDE[1]


def candidates_of(deps, case_no):
    task = open_task(deps, case_no)
    return tasks.get_task(deps, actor(deps, "operator"), task.id)["duplicates"]


def timeline(deps, case_no):
    return queries.get_case(deps, actor(deps, "admin"), case_no)["timeline"]


def test_open_cases_of_the_same_class_nearby_and_recent_are_candidates(deps, clock):
    first = report(deps)
    other_class = report(deps, category=MANHOLE, where=east(5))
    far = report(deps, where=east(80))
    clock.advance(hours=2)
    new = report(deps, where=east(12))
    found = candidates_of(deps, new.case_no)
    assert [c["case_no"] for c in found] == [first.case_no]
    assert found[0]["distance_m"] == pytest.approx(12, abs=0.5) and found[0]["status"] == "register"
    assert found[0]["reported_at"].endswith("+08:00")
    assert other_class.case_no not in {c["case_no"] for c in found} and far.case_no != found[0]["case_no"]


def test_old_open_cases_are_not_candidates_but_recently_closed_ones_are(deps, clock, settings):
    old = report(deps)
    clock.advance(hours=settings.duplicate_window_hours + 1)
    closed = report(deps, where=east(3))
    straight_through(deps, closed.case_no)
    clock.advance(days=settings.duplicate_closed_days - 1)
    new = report(deps, where=east(6))
    assert [c["case_no"] for c in candidates_of(deps, new.case_no)] == [closed.case_no]
    clock.advance(days=2)
    newer = report(deps, where=east(6))
    assert [c["case_no"] for c in candidates_of(deps, newer.case_no)] == [new.case_no]
    assert old.case_no


def test_voiding_as_a_duplicate_links_both_cases_and_writes_both_timelines(deps, clock):
    first = report(deps)
    clock.advance(minutes=30)
    second = report(deps, source="citizen", where=east(10))
    status = act(deps, second.case_no, "register", {"decision": "void", "void_reason": "重复上报",
                                                     "duplicate_of": first.case_no})
    assert status == "void"
    with deps.uow() as uow:
        dup = uow.session.scalar(select(Case).where(Case.case_no == second.case_no))
        original = uow.session.scalar(select(Case).where(Case.case_no == first.case_no))
        assert dup.duplicate_of_id == original.id and original.status == "register"
    mine = [e for e in timeline(deps, second.case_no) if e["action"] == "duplicate_of"]
    theirs = [e for e in timeline(deps, first.case_no) if e["action"] == "duplicate_reported"]
    assert mine[0]["data"] == {"case_no": first.case_no} and mine[0]["actor"] == "operator"
    assert theirs[0]["data"] == {"case_no": second.case_no} and theirs[0]["role"] == "operator"


@pytest.mark.parametrize(("data", "field"), [
    ({"decision": "void", "void_reason": "重复", "duplicate_of": "20260310999999"}, "duplicate_of"),
    ({"decision": "file", "duplicate_of": "SELF"}, "duplicate_of"),
])
def test_a_bad_duplicate_of_is_a_field_error_and_changes_nothing(deps, data, field):
    first = report(deps)
    second = report(deps, where=east(5))
    if data["duplicate_of"] == "SELF":
        data = {**data, "duplicate_of": first.case_no}
    task = open_task(deps, second.case_no)
    with pytest.raises(Invalid) as refused:
        tasks.complete_task(deps, actor(deps, "operator"), task.id, data)
    assert field in refused.value.fields
    assert open_task(deps, second.case_no).id == task.id
    assert [e["action"] for e in timeline(deps, first.case_no)] == ["report"]


def test_a_report_cannot_be_its_own_duplicate(deps):
    made = report(deps)
    task = open_task(deps, made.case_no)
    with pytest.raises(Invalid, match="not another case"):
        tasks.complete_task(deps, actor(deps, "operator"), task.id,
                            {"decision": "void", "void_reason": "重复", "duplicate_of": made.case_no})
