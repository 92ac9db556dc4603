"""Reads built for a million cases: evaluation counts per district and month, the case list's
keyset cursor and capped count."""

from __future__ import annotations

import pytest

from engine.cases import queries
from engine.errors import Forbidden, Invalid
from engine.evaluation import monthly
from tests.factories import INSIDE_650103, act, actor, report, straight_through

MARCH = (2026, 3)  # the test clock's month


def test_month_counts_of_a_district(deps):
    closed = report(deps)
    straight_through(deps, closed.case_no)
    voided = report(deps)
    act(deps, voided.case_no, "register", {"decision": "void", "void_reason": "重复上报"})
    report(deps)  # still open: reported only

    counts = monthly.district_month_counts(deps, actor(deps, "leader"), "650102", *MARCH)
    assert counts.to_dict() == {"district_code": "650102", "month": "2026-03", "reported": 3, "filed": 1,
                                "closed": 1, "closed_on_time": 1, "overdue": 0, "void": 1}
    other = monthly.district_month_counts(deps, actor(deps, "leader"), "650103", *MARCH)
    assert (other.reported, other.closed) == (0, 0)
    april = monthly.district_month_counts(deps, actor(deps, "leader"), "650102", 2026, 4)
    assert april.reported == 0


def test_month_counts_are_for_the_centre(deps):
    with pytest.raises(Forbidden):
        monthly.district_month_counts(deps, actor(deps, "inspector_650102_01"), "650102", *MARCH)
    with pytest.raises(Invalid):
        monthly.district_month_counts(deps, actor(deps, "leader"), "650102", 2026, 13)


def test_case_list_pages_by_cursor_and_caps_its_count(deps, monkeypatch):
    made = [report(deps).case_no, report(deps).case_no, report(deps, where=INSIDE_650103).case_no]
    leader = actor(deps, "leader")

    first = queries.list_cases(deps, leader, queries.CaseFilter(), per_page=2)
    assert (first["total"], first["total_exact"]) == (3, True)
    rest = queries.list_cases(deps, leader, queries.CaseFilter(), per_page=2, after=first["next"])
    seen = [c["case_no"] for c in first["items"] + rest["items"]]
    assert sorted(seen) == sorted(made) and len(set(seen)) == 3
    assert rest["next"] is None
    assert [c["case_no"] for c in queries.list_cases(deps, leader, queries.CaseFilter(), page=2, per_page=2)["items"]] \
        == [c["case_no"] for c in rest["items"]]

    monkeypatch.setattr(queries, "COUNT_CAP", 2)
    capped = queries.list_cases(deps, leader, queries.CaseFilter(), per_page=2)
    assert (capped["total"], capped["total_exact"]) == (2, False)
    with pytest.raises(Invalid):
        queries.list_cases(deps, leader, queries.CaseFilter(), after="not-a-cursor")


def test_connections_are_set_up_for_short_reads(deps, backend):
    """SQLite in WAL (readers never wait for the writer); PostgreSQL without parallel workers,
    which cost 7 ms of an 11 ms inbox read when the planner overestimated a branch."""
    with deps.engine.connect() as conn:
        if backend == "sqlite":
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
        else:
            assert conn.exec_driver_sql("SHOW max_parallel_workers_per_gather").scalar() == "0"
