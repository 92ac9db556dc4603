"""Publication: a period frozen with its plan and a hash of its facts; recomputing proves it, and a
fact changed afterwards shows as a named difference."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from engine.errors import Conflict, Forbidden, Invalid
from engine.evaluation import publication
from engine.store.models import Case
from tests.evaluation_data import case_no, load_month
from tests.factories import actor


@pytest.fixture
def month(deps, clock):  # type: ignore[no-untyped-def]
    return load_month(deps, clock)


def test_a_published_month_recomputes_to_the_same_numbers(deps, month):
    leader = actor(deps, "leader")
    summary = publication.publish(deps, leader, "2026-03", "standard")
    assert (summary["plan"], summary["plan_version"], summary["cases"]) == ("standard", 1, 12)
    check = publication.compare(deps, leader, "2026-03", "standard")
    assert check["same"] is True and check["differences"] == [] and check["changed_cases"] == []
    assert check["facts_digest_now"] == summary["facts_digest"]
    frozen = publication.published(deps, leader, "2026-03", "standard", "district")
    assert [(r["code"], r["composite"], r["grade"], r["rank"]) for r in frozen["rows"]] == [
        ("650102", 71.5, "C", 1), ("650103", 35.5, "E", 2)]


def test_a_case_reopened_after_publication_is_a_visible_difference(deps, month):
    leader = actor(deps, "leader")
    publication.publish(deps, leader, "2026-03")
    with deps.uow(write=True) as uow:  # c1 reopened: back to handling, its closing undone
        uow.session.execute(update(Case).where(Case.id == month["c1"])
                            .values(status="handle", closed_at=None, handled_at=None))
        uow.commit()
    check = publication.compare(deps, leader, "2026-03")
    assert check["same"] is False and check["changed_cases"] == [case_no("c1")]
    moved = {(d["object_type"], d["code"], d["figure"]): (d["published"], d["now"]) for d in check["differences"]}
    assert moved[("district", "650102", "closed")] == (4, 3)
    # still 5 to close (c1 open now), 3 closed, 2 on time: 结案率 60, 按期结案率 40
    assert moved[("district", "650102", "close_rate")] == ([80.0, 80.0], [60.0, 60.0])
    assert moved[("district", "650102", "on_time_close_rate")] == ([60.0, 60.0], [40.0, 40.0])
    assert moved[("district", "650102", "composite")] == (71.5, 57.5)  # 5 + 18.5 + 18 + 16
    # the published figures themselves never move
    frozen = publication.published(deps, leader, "2026-03", None, "district")
    assert frozen["rows"][0]["composite"] == 71.5


def test_the_stored_plan_is_used_even_after_the_file_changes(deps, month, monkeypatch):
    leader = actor(deps, "leader")
    publication.publish(deps, leader, "2026-03")
    from engine.evaluation import plans

    edited = {**plans.load_plans()}
    edited["standard"] = plans.Plan(**{**edited["standard"].__dict__, "digest": "edited"})
    monkeypatch.setattr(publication, "load_plans", lambda: edited)
    check = publication.compare(deps, leader, "2026-03")
    assert check["same"] is True and check["plan_changed_since"] is True


def test_who_and_when_may_publish(deps, month):
    with pytest.raises(Forbidden):
        publication.publish(deps, actor(deps, "shift_leader"), "2026-03")
    with pytest.raises(Invalid):
        publication.publish(deps, actor(deps, "leader"), "2026-04")  # April is still running
    publication.publish(deps, actor(deps, "leader"), "2026-03")
    with pytest.raises(Conflict):
        publication.publish(deps, actor(deps, "leader"), "2026-03")
    publication.publish(deps, actor(deps, "leader"), "2026-03", "three_dimensions")  # plans coexist
    assert [(p["period"], p["plan"]) for p in publication.list_publications(deps, actor(deps, "leader"))] == [
        ("2026-03", "standard"), ("2026-03", "three_dimensions")]


def test_a_publication_records_the_timeline_digest_it_was_computed_over(deps, month):
    from engine.audit import digests

    leader = actor(deps, "leader")
    sealed = digests.seal_due(deps)  # the days of March that ended, as the scheduler seals them
    assert sealed
    summary = publication.publish(deps, leader, "2026-03", "standard")
    with deps.uow() as uow:
        assert summary["timeline_digest"] == digests.latest(uow.session).digest
